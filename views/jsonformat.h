#pragma once

#include <QByteArray>
#include <QString>

namespace eventlens::jsonformat {

// Re-indents JSON text for reading: one member or element per line, `indent` spaces per
// level, "key": value. Tokens are copied as they are (numbers, escapes and key order stay
// exactly as stored); empty objects and arrays stay "{}" and "[]". Text that is not JSON
// comes back re-indented on a best-effort basis, never lost.
QString pretty(const QByteArray &json, int indent = 2);

// Raw bytes for display: the text itself when it is UTF-8, else a hex dump
// (offset, 16 bytes in hex, the printable ASCII).
QString rawBytes(const QByteArray &bytes);

// Characters that would break a line or show as nothing (controls, line and paragraph separators).
bool breaksLine(QChar c);
// The text on one line: every such character becomes a space.
QString oneLine(QString text);
// At most maxChars characters, the last one "…" when cut (never between a surrogate pair).
QString elide(QString text, int maxChars);

} // namespace eventlens::jsonformat
