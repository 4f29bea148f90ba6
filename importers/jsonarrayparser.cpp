#include "jsonarrayparser.h"

#include "jsonheadsniffer.h"

namespace eventlens {

JsonArrayParser::JsonArrayParser()
    : GenericJsonParser(Container::Auto)
{
}

QString JsonArrayParser::formatName() const
{
    return QStringLiteral("json");
}

QString JsonArrayParser::description() const
{
    return QStringLiteral("JSON: an array of event objects, or event objects one after another");
}

int JsonArrayParser::detect(const QByteArray &head, const QString &fileName) const
{
    const JsonHead h = JsonHeadSniffer::sniff(head);
    if (!h.isJson)
        return 0;
    const bool extension = fileName.endsWith(u".json", Qt::CaseInsensitive);
    int score = 0;
    if (h.topArray)
        score = hasEventFields(h) ? 70 : 45;
    else if (!h.firstLineWhole)
        score = hasEventFields(h) ? 65 : 40;
    else
        score = hasEventFields(h) ? 60 : 30; // JSON Lines content: the jsonl parser scores higher
    if (extension)
        score += 5;
    return score;
}

} // namespace eventlens
