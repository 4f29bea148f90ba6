#pragma once

#include "eventparser.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QIODevice;

namespace eventlens {

// The registry of file formats and the auto-detection of --format auto.
class FormatDetector final
{
public:
    // How many bytes detection looks at.
    static constexpr qsizetype HeadSize = 64 * 1024;

    // "jsonl", "json", "csv", "cloudevents", "kcat", "esdb".
    static QStringList formats();
    // A new parser for a format name (case-insensitive); nullptr when unknown.
    static std::unique_ptr<EventParser> createParser(const QString &format);

    struct Guess
    {
        QString format;       // empty when nothing fits
        int confidence = 0;   // 0..100
    };
    // The most likely format of a head (see headOf()); the file name is a hint.
    static Guess detect(const QByteArray &head, const QString &fileName);

    // Reads the first bytes of a device, skipping a UTF-8 BOM and leading whitespace (reads
    // on through whitespace, in bounded chunks). Returns the head; sets *error when the
    // content is unusable as text: empty, only whitespace, binary data, or UTF-16.
    static QByteArray headOf(QIODevice &device, QString *error);
    // The same check for a head that is already in memory.
    static std::optional<QString> checkText(const QByteArray &head, bool startOfFile);

    // Opens nothing: detects the format of an open device (rewinds it). Returns the format
    // name, or empty with *error set ("file is empty", "cannot detect the format...").
    static QString detectDevice(QIODevice &device, const QString &fileName, QString *error);
};

} // namespace eventlens
