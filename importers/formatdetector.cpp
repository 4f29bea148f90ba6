#include "formatdetector.h"

#include "cloudeventsparser.h"
#include "csvparser.h"
#include "esdbparser.h"
#include "jsonarrayparser.h"
#include "jsonlinesparser.h"
#include "jsonscanner.h"
#include "kcatparser.h"

#include <QIODevice>

namespace eventlens {

QStringList FormatDetector::formats()
{
    return {QStringLiteral("jsonl"), QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("cloudevents"),
            QStringLiteral("kcat"), QStringLiteral("esdb")};
}

std::unique_ptr<EventParser> FormatDetector::createParser(const QString &format)
{
    const QString f = format.trimmed().toLower();
    if (f == u"jsonl" || f == u"ndjson")
        return std::make_unique<JsonLinesParser>();
    if (f == u"json")
        return std::make_unique<JsonArrayParser>();
    if (f == u"csv")
        return std::make_unique<CsvParser>();
    if (f == u"cloudevents")
        return std::make_unique<CloudEventsParser>();
    if (f == u"kcat")
        return std::make_unique<KcatParser>();
    if (f == u"esdb" || f == u"kurrentdb" || f == u"eventstoredb")
        return std::make_unique<EsdbParser>();
    return nullptr;
}

FormatDetector::Guess FormatDetector::detect(const QByteArray &head, const QString &fileName)
{
    Guess best;
    for (const QString &format : formats()) {
        const auto parser = createParser(format);
        const int confidence = parser->detect(head, fileName);
        if (confidence > best.confidence) {
            best.format = format;
            best.confidence = confidence;
        }
    }
    if (best.confidence < 20)
        return {};
    return best;
}

std::optional<QString> FormatDetector::checkText(const QByteArray &head, bool startOfFile)
{
    const auto *d = reinterpret_cast<const unsigned char *>(head.constData());
    const qsizetype n = head.size();
    if (startOfFile && n >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF)))
        return QStringLiteral("UTF-16 text is not supported; save the file as UTF-8");
    qsizetype controls = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char c = d[i];
        if (c == 0)
            return QStringLiteral("binary data (a NUL byte at offset %1), not a text event file").arg(i);
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
            ++controls;
        if (c >= 0x80) {
            int length = 0;
            const JsonScanner::Utf8 utf8 = JsonScanner::checkUtf8(head.constData() + i, head.constData() + n, length);
            if (utf8 == JsonScanner::Utf8::Truncated)
                break; // a sequence cut by the end of the head
            if (utf8 != JsonScanner::Utf8::Ok)
                return QStringLiteral("binary data (byte 0x%1 at offset %2 is not UTF-8), not a text event file")
                    .arg(c, 2, 16, QChar(u'0'))
                    .arg(i);
            i += length - 1;
        }
    }
    if (controls > 0 && controls * 10 >= n)
        return QStringLiteral("binary data (control characters), not a text event file");
    return std::nullopt;
}

QByteArray FormatDetector::headOf(QIODevice &device, QString *error)
{
    QByteArray head;
    bool start = true;
    bool any = false;
    for (;;) {
        QByteArray chunk = device.read(HeadSize);
        if (chunk.isEmpty())
            break;
        any = true;
        if (start && chunk.startsWith("\xEF\xBB\xBF"))
            chunk.remove(0, 3);
        if (start) {
            if (auto problem = checkText(chunk, true)) {
                if (error)
                    *error = *problem;
                return {};
            }
        }
        start = false;
        qsizetype i = 0;
        while (i < chunk.size() && (chunk[i] == ' ' || chunk[i] == '\t' || chunk[i] == '\r' || chunk[i] == '\n'))
            ++i;
        if (i < chunk.size()) {
            head = chunk.mid(i);
            if (head.size() < HeadSize) {
                const QByteArray more = device.read(HeadSize - head.size());
                head.append(more);
            }
            break;
        }
    }
    if (head.isEmpty()) {
        if (error)
            *error = any ? QStringLiteral("file contains only whitespace, no events") : QStringLiteral("file is empty");
        return {};
    }
    if (auto problem = checkText(head, false)) {
        if (error)
            *error = *problem;
        return {};
    }
    return head;
}

QString FormatDetector::detectDevice(QIODevice &device, const QString &fileName, QString *error)
{
    const QByteArray head = headOf(device, error);
    if (!device.isSequential())
        device.seek(0);
    if (head.isEmpty())
        return {};
    const Guess guess = detect(head, fileName);
    if (guess.format.isEmpty() && error)
        *error = QStringLiteral("cannot detect the format (not JSON Lines, JSON, CSV with a header, CloudEvents, "
                                "kcat -J or EventStoreDB JSON); use --format");
    return guess.format;
}

} // namespace eventlens
