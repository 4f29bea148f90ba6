#include "jsonformat.h"

#include <algorithm>

#include <QStringDecoder>

namespace eventlens::jsonformat {

QString pretty(const QByteArray &json, int indent)
{
    QByteArray out;
    out.reserve(json.size() + json.size() / 2 + 16);
    int depth = 0;
    bool inString = false;
    bool escaped = false;

    const auto newline = [&] {
        out.append('\n');
        out.append(QByteArray(qMax(0, depth) * indent, ' '));
    };
    const auto nextSignificant = [&](qsizetype from) -> char {
        for (qsizetype j = from; j < json.size(); ++j) {
            const char c = json.at(j);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return c;
        }
        return '\0';
    };

    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json.at(i);
        if (inString) {
            out.append(c);
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            break;
        case '"':
            inString = true;
            out.append(c);
            break;
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            out.append(c);
            if (nextSignificant(i + 1) == close) {
                // Keep empty containers on one line.
                while (json.at(i) != close)
                    ++i;
                out.append(close);
            } else {
                ++depth;
                newline();
            }
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out.append(c);
            break;
        case ',':
            out.append(c);
            newline();
            break;
        case ':':
            out.append(": ");
            break;
        default:
            out.append(c);
            break;
        }
    }
    return QString::fromUtf8(out);
}

QString rawBytes(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(bytes);
    if (!decoder.hasError() && !bytes.contains('\0'))
        return text;

    QString dump;
    dump.reserve(bytes.size() * 4 + bytes.size() / 16 * 12);
    for (qsizetype row = 0; row < bytes.size(); row += 16) {
        dump += QStringLiteral("%1  ").arg(row, 8, 16, QLatin1Char('0'));
        for (qsizetype k = 0; k < 16; ++k) {
            if (row + k < bytes.size())
                dump += QStringLiteral("%1 ").arg(static_cast<uchar>(bytes.at(row + k)), 2, 16, QLatin1Char('0'));
            else
                dump += QStringLiteral("   ");
        }
        dump += QLatin1Char(' ');
        for (qsizetype k = 0; k < 16 && row + k < bytes.size(); ++k) {
            const uchar b = static_cast<uchar>(bytes.at(row + k));
            dump += (b >= 0x20 && b < 0x7f) ? QLatin1Char(char(b)) : QLatin1Char('.');
        }
        dump += QLatin1Char('\n');
    }
    return dump;
}

bool breaksLine(QChar c)
{
    switch (c.category()) {
    case QChar::Other_Control:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return true;
    default:
        return false;
    }
}

QString oneLine(QString text)
{
    for (QChar &c : text) {
        if (breaksLine(c))
            c = QLatin1Char(' ');
    }
    return text;
}

QString elide(QString text, int maxChars)
{
    if (text.size() <= maxChars)
        return text;
    qsizetype n = std::max(0, maxChars - 1);
    if (n > 0 && text.at(n - 1).isHighSurrogate())
        --n;
    text.truncate(n);
    text.append(QChar(0x2026)); // …
    return text;
}

} // namespace eventlens::jsonformat
