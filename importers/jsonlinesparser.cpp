#include "jsonlinesparser.h"

#include "jsonheadsniffer.h"

namespace eventlens {

JsonLinesParser::JsonLinesParser()
    : GenericJsonParser(Container::Lines)
{
}

QString JsonLinesParser::formatName() const
{
    return QStringLiteral("jsonl");
}

QString JsonLinesParser::description() const
{
    return QStringLiteral("JSON Lines: one event object per line");
}

int JsonLinesParser::detect(const QByteArray &head, const QString &fileName) const
{
    const JsonHead h = JsonHeadSniffer::sniff(head);
    if (!h.isJson || h.topArray)
        return 0;
    const bool extension = fileName.endsWith(u".jsonl", Qt::CaseInsensitive)
        || fileName.endsWith(u".ndjson", Qt::CaseInsensitive);
    if (!h.firstLineWhole)
        return extension ? 20 : 5;
    int score = hasEventFields(h) ? 70 : 45;
    if (extension)
        score += 10;
    return score;
}

} // namespace eventlens
