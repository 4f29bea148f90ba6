#include "auditreport.h"

#include "auditsnapshot.h"
#include "event.h"
#include "eventstore.h"
#include "timeutil.h"

#include <QList>
#include <QStringList>

#include <algorithm>

namespace eventlens {

namespace {

using Json = AuditSnapshot::Json;

const QString Dash = QStringLiteral("—");

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString fromStd(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// A JSON member as text: strings as they are, null (or missing) as a dash, the rest as JSON.
QString valueText(const Json &value)
{
    if (value.is_null())
        return Dash;
    if (value.is_string())
        return fromStd(value.get<std::string>());
    return fromStd(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

const Json &member(const Json &object, const char *key)
{
    static const Json null;
    if (!object.is_object())
        return null;
    const auto it = object.find(key);
    return it == object.end() ? null : *it;
}

qint64 integer(const Json &value, qint64 fallback = 0)
{
    return value.is_number() ? value.get<qint64>() : fallback;
}

// A time member: ISO text as it is, milliseconds formatted.
QString timeText(const Json &value)
{
    if (value.is_number_integer())
        return timeutil::formatIsoString(value.get<qint64>());
    return valueText(value);
}

// Cuts text at limit characters (never inside a surrogate pair); *cut says whether it did.
QString capped(const QString &text, int limit, bool *cut = nullptr)
{
    if (limit < 0 || text.size() <= limit) {
        if (cut)
            *cut = false;
        return text;
    }
    qsizetype n = limit;
    if (n > 0 && text.at(n - 1).isHighSurrogate())
        --n;
    if (cut)
        *cut = true;
    return text.left(n);
}

QString number(qint64 n)
{
    return QString::number(n);
}

// Two-column key/value table.
class KeyValueTable
{
public:
    void add(const QString &key, const QString &htmlValue) { m_rows.append(row(key, htmlValue)); }
    QString html() const
    {
        return QStringLiteral("<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" "
                              "style=\"border-collapse: collapse; border-color: #9a9a9a; border-style: solid;\">")
            + m_rows.join(QString()) + QStringLiteral("</table>");
    }

private:
    static QString row(const QString &key, const QString &htmlValue)
    {
        return QStringLiteral("<tr><td width=\"26%\" style=\"background-color: #eef1f5;\"><b>") + esc(key)
            + QStringLiteral("</b></td><td>") + htmlValue + QStringLiteral("</td></tr>");
    }
    QStringList m_rows;
};

// A table with a header row (repeated on every page it spans); widths in percent (0: free).
QString tableStart(const QStringList &headers, const QList<int> &widths = {})
{
    QString html = QStringLiteral("<table width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"2\" "
                                  "style=\"border-collapse: collapse; border-color: #9a9a9a; border-style: solid;\"><thead><tr>");
    for (qsizetype i = 0; i < headers.size(); ++i) {
        const int width = widths.value(i);
        html += (width > 0 ? QStringLiteral("<th align=\"left\" width=\"%1%\"").arg(width) : QStringLiteral("<th align=\"left\""))
            + QStringLiteral(" style=\"background-color: #dde3ea;\">") + esc(headers.at(i)) + QStringLiteral("</th>");
    }
    return html + QStringLiteral("</tr></thead>");
}

QString cell(const QString &text, bool mono = false)
{
    if (mono)
        return QStringLiteral("<td><tt>") + esc(text) + QStringLiteral("</tt></td>");
    return QStringLiteral("<td>") + esc(text) + QStringLiteral("</td>");
}

QString mono(const QString &text)
{
    return QStringLiteral("<tt>") + esc(text) + QStringLiteral("</tt>");
}

QString note(const QString &text)
{
    return QStringLiteral("<p style=\"color: #8a5a00;\"><i>") + esc(text) + QStringLiteral("</i></p>");
}

// A JSON value as an indented block, cut at maxChars (saying so).
QString jsonBlock(const Json &value, int maxChars)
{
    const QString full = fromStd(value.dump(2, ' ', false, Json::error_handler_t::replace));
    bool cut = false;
    const QString shown = capped(full, maxChars, &cut);
    QString html = QStringLiteral("<pre style=\"font-size: 8pt;\">") + esc(shown) + QStringLiteral("</pre>");
    if (cut)
        html += note(QStringLiteral("Cut: the first %1 of %2 characters are shown (the JSON export has all of it).")
                         .arg(shown.size())
                         .arg(full.size()));
    return html;
}

// An object of JSON values (partitions, results) as a two-column table, one compact value a row:
// at most maxRows rows of at most maxChars characters (saying so when cut).
QString jsonTable(const Json &object, const QString &keyHeader, int maxRows, int maxChars)
{
    if (!object.is_object())
        return jsonBlock(object, maxChars);
    QString html = tableStart({keyHeader, QStringLiteral("State")}, {24, 76});
    int rows = 0;
    bool cutValue = false;
    for (auto it = object.begin(); it != object.end() && rows < maxRows; ++it, ++rows) {
        bool cut = false;
        const QString value = capped(fromStd(it->dump(-1, ' ', false, Json::error_handler_t::replace)), maxChars, &cut);
        cutValue = cutValue || cut;
        html += QStringLiteral("<tr><td>") + esc(fromStd(it.key())) + QStringLiteral("</td><td style=\"font-size: 8pt;\"><tt>")
            + esc(cut ? value + QStringLiteral("…") : value) + QStringLiteral("</tt></td></tr>");
    }
    html += QStringLiteral("</table>");
    if (qint64(object.size()) > maxRows)
        html += note(QStringLiteral("The first %1 of %2 are listed, in name order; the JSON export has all of them.").arg(maxRows).arg(object.size()));
    if (cutValue)
        html += note(QStringLiteral("Values longer than %1 characters are cut (…).").arg(maxChars));
    return html;
}

QString dataPreview(const Event &event, int maxChars)
{
    const QString text = event.dataIsJson ? QString::fromUtf8(event.data)
                                          : QStringLiteral("raw: ") + QString::fromUtf8(Event::rawDataText(event.data));
    bool cut = false;
    const QString shown = capped(text, maxChars, &cut);
    return cut ? shown + QStringLiteral("…") : shown;
}

QString describeScope(const Json &scope)
{
    try {
        return AuditScope::fromJson(scope).describe();
    } catch (const AuditError &) {
        return valueText(scope);
    }
}

QString describeRequested(const Json &requested)
{
    if (const Json &p = member(requested, "position"); !p.is_null())
        return QStringLiteral("position %1").arg(valueText(p));
    if (const Json &t = member(requested, "time"); !t.is_null())
        return QStringLiteral("time %1 (the last event at or before it)").arg(timeText(t));
    return {};
}

} // namespace

QString auditReportHtml(const EventStore &store, const AuditSnapshot &snapshot, const AuditReportOptions &options)
{
    const Json &json = snapshot.json();
    const Json &aggregates = member(json, "aggregates");
    const Json &projections = member(json, "projections");
    const Json &range = member(json, "range");
    const Json &chain = member(json, "chain");
    const Json &generator = member(json, "generator");
    const Json &digest = member(json, "digest");
    const Json &point = member(json, "point");

    const QString storeName = snapshot.storeName();
    const qint64 position = snapshot.position();
    const QString time = timeutil::formatIsoString(snapshot.timeMs());
    const qint64 aggregateCount = aggregates.is_object() ? qint64(aggregates.size()) : 0;
    const qint64 projectionCount = projections.is_object() ? qint64(projections.size()) : 0;
    const int maxRows = std::max(0, options.maxAggregateRows);
    const int maxSections = std::max(0, options.maxSections);
    const int maxEvents = std::max(1, options.maxEventsPerAggregate);

    QStringList caps;
    if (aggregateCount > maxRows)
        caps.append(QStringLiteral("the aggregates table lists the first %1 of %2 aggregates").arg(maxRows).arg(aggregateCount));
    if (aggregateCount > maxSections)
        caps.append(QStringLiteral("event histories are given for the first %1 of %2 aggregates").arg(maxSections).arg(aggregateCount));
    caps.append(QStringLiteral("at most the latest %1 events per aggregate history").arg(maxEvents));
    caps.append(QStringLiteral("states longer than %1 characters are cut").arg(options.maxStateChars));

    QString html;
    html.reserve(64 * 1024);
    const QString title = QStringLiteral("Audit snapshot of %1 at position %2").arg(storeName).arg(position);
    html += QStringLiteral("<html><head><meta charset=\"utf-8\"><title>") + esc(title)
        + QStringLiteral("</title></head><body style=\"font-family: 'DejaVu Sans', sans-serif; font-size: 9pt;\">");
    html += QStringLiteral("<h1>") + esc(title) + QStringLiteral("</h1>");
    html += QStringLiteral("<p>What the system looked like after event %1 (%2): the states of %3 and %4, "
                           "computed from the %5 events at positions %6 to %7, with the hashes that let anyone check this "
                           "snapshot against the store (<tt>eventlens-cli verify-snapshot</tt>).</p>")
                .arg(number(position), esc(time),
                     number(aggregateCount) + (aggregateCount == 1 ? QStringLiteral(" aggregate") : QStringLiteral(" aggregates")),
                     number(projectionCount) + (projectionCount == 1 ? QStringLiteral(" projection") : QStringLiteral(" projections")),
                     number(integer(member(range, "events"))), number(integer(member(range, "firstPosition"))),
                     number(integer(member(range, "lastPosition"))));

    // ---- summary
    html += QStringLiteral("<h2>Summary</h2>");
    KeyValueTable summary;
    summary.add(QStringLiteral("Store"), esc(storeName));
    QString pointText = QStringLiteral("position %1 · %2").arg(number(position), esc(time));
    if (const QString requested = describeRequested(member(point, "requested")); !requested.isEmpty())
        pointText += QStringLiteral("<br>requested: ") + esc(requested);
    summary.add(QStringLiteral("Point"), pointText);
    summary.add(QStringLiteral("Events covered"), esc(QStringLiteral("%1 (positions %2 to %3)")
                                                          .arg(number(integer(member(range, "events"))),
                                                               number(integer(member(range, "firstPosition"))),
                                                               number(integer(member(range, "lastPosition"))))));
    summary.add(QStringLiteral("Scope"), esc(describeScope(member(json, "scope"))));
    summary.add(QStringLiteral("Aggregates"), number(aggregateCount));
    summary.add(QStringLiteral("Projections"), number(projectionCount));
    summary.add(QStringLiteral("State function"), esc(valueText(member(json, "stateFunction"))));
    summary.add(QStringLiteral("Generated by"), esc(QStringLiteral("%1 %2").arg(valueText(member(generator, "tool")), valueText(member(generator, "version")))));
    summary.add(QStringLiteral("Generated at"), esc(timeText(member(generator, "generatedAt"))));
    summary.add(QStringLiteral("Limits of this report"), esc(caps.join(QStringLiteral("; "))));
    html += summary.html();

    // ---- hashes
    html += QStringLiteral("<h2>Hashes</h2>");
    KeyValueTable hashes;
    hashes.add(QStringLiteral("Chain head at %1 (%2)").arg(number(position), valueText(member(chain, "algorithm"))),
               mono(valueText(member(chain, "headHash"))));
    hashes.add(QStringLiteral("Snapshot digest (%1)").arg(valueText(member(digest, "algorithm"))), mono(snapshot.digest()));
    html += hashes.html();
    html += QStringLiteral("<p>The chain head is the hash of event %1, chained through every event before it. The digest "
                           "covers the snapshot's content (everything but the generator and the digest).</p>")
                .arg(number(position));

    // ---- aggregates table
    html += QStringLiteral("<h2>Aggregates</h2>");
    if (aggregateCount == 0) {
        html += QStringLiteral("<p>No aggregate is in the scope at this point.</p>");
    } else {
        if (aggregateCount > maxRows)
            html += note(QStringLiteral("The table lists the first %1 of %2 aggregates, in name order; the JSON and CSV exports list all.")
                             .arg(maxRows)
                             .arg(aggregateCount));
        html += tableStart({QStringLiteral("Stream"), QStringLiteral("Version"), QStringLiteral("Events"),
                            QStringLiteral("Last position"), QStringLiteral("Last time")},
                           {30, 12, 12, 16, 30});
        int n = 0;
        for (auto it = aggregates.begin(); it != aggregates.end() && n < maxRows; ++it, ++n) {
            const Json &a = *it;
            html += QStringLiteral("<tr>") + cell(fromStd(it.key())) + cell(valueText(member(a, "version")))
                + cell(valueText(member(a, "events"))) + cell(valueText(member(a, "lastPosition")))
                + cell(timeText(member(a, "lastTime"))) + QStringLiteral("</tr>");
        }
        html += QStringLiteral("</table>");
    }

    // ---- projections
    html += QStringLiteral("<h2>Projections</h2>");
    if (projectionCount == 0) {
        html += QStringLiteral("<p>No projection was included.</p>");
    } else {
        for (auto it = projections.begin(); it != projections.end(); ++it) {
            const Json &p = *it;
            html += QStringLiteral("<h3>") + esc(fromStd(it.key())) + QStringLiteral("</h3>");
            KeyValueTable table;
            table.add(QStringLiteral("Script SHA-256"), mono(valueText(member(p, "scriptSha256"))));
            table.add(QStringLiteral("Events processed"), esc(valueText(member(p, "eventsProcessed"))));
            table.add(QStringLiteral("Partitioned"), esc(valueText(member(p, "partitioned"))));
            html += table.html();
            const bool partitioned = member(p, "partitioned").is_boolean() && member(p, "partitioned").get<bool>();
            if (!partitioned || !member(p, "state").is_null()) {
                html += QStringLiteral("<p><b>State</b></p>");
                html += jsonBlock(member(p, "state"), options.maxStateChars);
            }
            // Partitions and per-partition results: one row each; the others as indented JSON.
            static const char *const extras[][2] = {{"partitions", "Partitions"},
                                                    {"sharedState", "Shared state"},
                                                    {"result", "Result"},
                                                    {"results", "Results"}};
            for (const auto &extra : extras) {
                const auto found = p.is_object() ? p.find(extra[0]) : p.end();
                if (found == p.end())
                    continue;
                const bool perPartition = qstrcmp(extra[0], "partitions") == 0 || qstrcmp(extra[0], "results") == 0;
                html += QStringLiteral("<p><b>") + esc(QLatin1String(extra[1]));
                if (perPartition && found->is_object())
                    html += QStringLiteral(" (%1)").arg(found->size());
                html += QStringLiteral("</b></p>");
                html += perPartition ? jsonTable(*found, QStringLiteral("Partition"), maxRows, options.maxPartitionChars)
                                     : jsonBlock(*found, options.maxStateChars);
            }
        }
    }

    // ---- a section per aggregate
    if (aggregateCount > 0) {
        html += QStringLiteral("<h2 style=\"page-break-before: always;\">Aggregate histories</h2>");
        html += QStringLiteral("<p>Each aggregate's events up to its version at position %1, read from the store, and its "
                               "state at that point.</p>")
                    .arg(number(position));
        if (aggregateCount > maxSections)
            html += note(QStringLiteral("Histories are given for the first %1 of %2 aggregates, in name order; the table above and the JSON "
                                        "export cover all of them.")
                             .arg(maxSections)
                             .arg(aggregateCount));
        int n = 0;
        for (auto it = aggregates.begin(); it != aggregates.end() && n < maxSections; ++it, ++n) {
            const QString stream = fromStd(it.key());
            const Json &a = *it;
            const qint64 version = integer(member(a, "version"), -1);
            html += QStringLiteral("<h3>") + esc(stream) + QStringLiteral("</h3>");
            html += QStringLiteral("<p>Version %1 · %2 events · positions %3 to %4 · last event %5</p>")
                        .arg(number(version), valueText(member(a, "events")).toHtmlEscaped(),
                             valueText(member(a, "firstPosition")).toHtmlEscaped(),
                             valueText(member(a, "lastPosition")).toHtmlEscaped(), esc(timeText(member(a, "lastTime"))));
            if (version >= 0) {
                const qint64 from = std::max<qint64>(0, version - maxEvents + 1);
                if (from > 0)
                    html += note(QStringLiteral("%1 earlier events (versions 0 to %2) are left out; the latest %3 are shown.")
                                     .arg(from)
                                     .arg(from - 1)
                                     .arg(version - from + 1));
                const std::vector<Event> events = store.readStream(stream, from, version - from + 1);
                if (events.empty()) {
                    html += note(QStringLiteral("This stream's events are not in the store."));
                } else {
                    html += tableStart({QStringLiteral("Position"), QStringLiteral("Version"), QStringLiteral("Time"),
                                        QStringLiteral("Type"), QStringLiteral("Data")});
                    for (const Event &e : events) {
                        html += QStringLiteral("<tr>") + cell(number(e.position)) + cell(number(e.version))
                            + cell(timeutil::formatIsoString(e.timeMs)) + cell(e.type)
                            + QStringLiteral("<td style=\"font-size: 8pt;\">") + esc(dataPreview(e, options.maxPreviewChars))
                            + QStringLiteral("</td></tr>");
                    }
                    html += QStringLiteral("</table>");
                    if (qint64(events.size()) < version - from + 1)
                        html += note(QStringLiteral("The store has only %1 of these %2 events.").arg(events.size()).arg(version - from + 1));
                }
            }
            html += QStringLiteral("<p><b>State at position %1</b></p>").arg(number(position));
            html += jsonBlock(member(a, "state"), options.maxStateChars);
        }
    }

    html += QStringLiteral("</body></html>");
    return html;
}

} // namespace eventlens
