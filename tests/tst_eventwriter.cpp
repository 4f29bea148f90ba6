// Tests of EventWriter (importers/eventwriter.h): each export format read back by eventlens's
// own importer into a fresh store gives the same events (stream, version, id, type, data,
// metadata, time), on events chosen to break a careless writer (raw and binary data, unicode,
// quotes, commas and line breaks, empty and correlated metadata, times with milliseconds and
// before 1970); filters; progress; cancel and failures leave no file and never touch an
// existing one. Also the two parser extensions the round trips need: the CSV data_encoding
// column and the CloudEvents extension attributes eventlensversion and eventlensmetadata.

#include "testfiles.h"
#include "cloudeventsparser.h"
#include "csvparser.h"
#include "eventstore.h"
#include "eventwriter.h"
#include "importer.h"
#include "jsonutil.h"
#include "timeutil.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>
#include <vector>

using namespace eventlens;

Q_DECLARE_METATYPE(eventlens::EventWriter::Format)

namespace {

struct Tricky
{
    QString stream;
    NewEvent event;
};

NewEvent newEvent(const char *id, const QString &type, const QByteArray &data, bool isJson, const QByteArray &metadata,
                  const char *time)
{
    NewEvent e;
    e.id = QString::fromUtf8(id);
    e.type = type;
    e.data = data;
    e.dataIsJson = isJson;
    e.metadata = metadata;
    e.timeMs = timeutil::parseIso(QByteArray(time));
    Q_ASSERT(e.timeMs);
    return e;
}

// The events every round trip goes through (appended in this order).
std::vector<Tricky> trickyEvents()
{
    const QByteArray corr = QByteArrayLiteral("{\"correlationId\":\"3f0c2a4e-9a57-4c1e-8f6e-0b1d2c3e4f50\","
                                              "\"causationId\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01\",\"userId\":\"user-7\"}");
    return {
        {QStringLiteral("account-1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01", QStringLiteral("Deposited"),
                  "{\"amount\":100,\"note\":\"a,b \\\"quoted\\\"\\nsecond line\"}", true, corr, "2024-03-01T12:00:00.123Z")},
        {QStringLiteral("account-1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02", QStringLiteral("NoteAdded"),
                  "plain text, with \"quotes\"\r\nand\ttwo lines", false, "{}", "2024-03-01T12:00:01.001Z")},
        {QStringLiteral("account-1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03", QStringLiteral("Withdrawn"),
                  "{\"amount\":5.25,\"who\":\"Zo\xc3\xab \xf0\x9f\x9a\x80 \xe6\xbc\xa2\xe5\xad\x97\"}", true,
                  "{\"correlationId\":\"3f0c2a4e-9a57-4c1e-8f6e-0b1d2c3e4f50\",\"causationId\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01\"}",
                  "2024-03-01T12:00:02.999Z")},
        {QStringLiteral("account-1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04", QStringLiteral("ChequeScanned"),
                  QByteArray("\x89PNG\r\n\x1a\n\x00\xff\xfe", 11), false, "{}", "2024-03-01T12:00:03.500Z")},
        {QStringLiteral("order-7"),
         newEvent("legacy,id \"7\"", QStringLiteral("OrderPlaced"), "\"a JSON string, \\\"quoted\\\"\"", true,
                  "{\"note\":\"v, \\\"q\\\"\\n\",\"empty\":{}}", "2024-03-02T00:00:00.000Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06", QStringLiteral("Empty"), "", false, "{}", "2024-03-02T00:00:00.001Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a07", QStringLiteral("Type, with \"comma\""), "null", true, "{}",
                  "2024-03-02T00:00:00.010Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a08", QStringLiteral("Broken"), "{not json", false, "{}",
                  "2024-03-02T00:00:00.100Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a09", QStringLiteral("Counted"), "42", true, "{}", "1969-07-20T20:17:40.001Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0a", QStringLiteral("Padded"), "  padded text  ", false, "{}",
                  "2024-03-02T00:00:01.000Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0b", QStringLiteral("RawLooksLikeJson"), "{\"a\":1}", false, "{}",
                  "2024-03-02T00:00:02.000Z")},
        {QStringLiteral("order-7"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0c", QStringLiteral("JsonTextInString"), "\"{\\\"x\\\":1}\"", true, "{}",
                  "2024-03-02T00:00:03.000Z")},
        {QString::fromUtf8("\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "de-\xe6\xb5\x81 1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0d", QString::fromUtf8("Ge\xc3\xb6" "ffnet"),
                  "{\"emoji\":\"\xf0\x9f\x98\x80\",\"escaped\":\"\\u00e9\\t\"}", true,
                  "{\"correlationId\":\"c-\xc3\xa9\"}", "2025-12-31T23:59:59.999Z")},
        {QStringLiteral("account-2"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0e", QStringLiteral("Deposited"), "{\"amount\":1}", true, corr,
                  "2024-03-03T08:00:00.050Z")},
        {QStringLiteral("account-1"),
         newEvent("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0f", QStringLiteral("Deposited"), "{\"amount\":2}", true, "{}",
                  "2024-03-03T09:00:00.060Z")},
    };
}

// JSON Lines writes non-JSON data as a JSON string, and the importer reads a string holding
// a JSON object or array as that JSON: these two events come back with other data.
bool changesInJsonLines(const Event &e)
{
    return e.type == u"RawLooksLikeJson" || e.type == u"JsonTextInString";
}

// What differs between two events on the fields an export keeps; empty when nothing.
QString difference(const Event &a, const Event &b, bool withPosition)
{
    QStringList out;
    auto check = [&](const char *field, bool same, const QString &left, const QString &right) {
        if (!same)
            out.append(QStringLiteral("%1: %2 vs %3").arg(QLatin1String(field), left, right));
    };
    if (withPosition)
        check("position", a.position == b.position, QString::number(a.position), QString::number(b.position));
    check("stream", a.stream == b.stream, a.stream, b.stream);
    check("version", a.version == b.version, QString::number(a.version), QString::number(b.version));
    check("id", a.id == b.id, a.id, b.id);
    check("type", a.type == b.type, a.type, b.type);
    check("data", a.data == b.data, QString::fromLatin1(a.data.toHex()), QString::fromLatin1(b.data.toHex()));
    check("dataIsJson", a.dataIsJson == b.dataIsJson, QString::number(a.dataIsJson), QString::number(b.dataIsJson));
    check("metadata", a.metadata == b.metadata, QString::fromUtf8(a.metadata), QString::fromUtf8(b.metadata));
    check("time", a.timeMs == b.timeMs, QString::fromLatin1(timeutil::formatIso(a.timeMs)), QString::fromLatin1(timeutil::formatIso(b.timeMs)));
    return out.isEmpty() ? QString() : a.stream + u'@' + QString::number(a.version) + u' ' + a.type + QStringLiteral(": ") + out.join(QStringLiteral("; "));
}



struct Parsed
{
    std::vector<ImportRecord> records;
    QStringList issues;
};

Parsed parseText(EventParser &parser, const QByteArray &text, const QString &name)
{
    Parsed out;
    QBuffer buffer;
    buffer.setData(text);
    buffer.open(QIODevice::ReadOnly);
    parser.parse(
        buffer, name,
        [&](ImportRecord &&r) {
            out.records.push_back(std::move(r));
            return true;
        },
        [&](const ImportIssue &issue, IssueSeverity) {
            out.issues.append(issue.toString());
            return true;
        });
    return out;
}

} // namespace

class TestEventWriter : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_storePath;
    std::unique_ptr<EventStore> m_store; // the tricky events, never changed after initTestCase
    std::vector<Event> m_events;         // all of them, in position order
    int m_files = 0;

    QString newPath(const QString &suffix)
    {
        return m_dir.filePath(QStringLiteral("f%1.%2").arg(++m_files).arg(suffix));
    }

    // Imports a file with the importer (format detected) into a new store; its events.
    std::vector<Event> importFresh(const QString &file, QString *format = nullptr)
    {
        auto store = EventStore::open(newPath(QStringLiteral("eventlens")));
        const ImportReport report = Importer(*store).run({file});
        if (!report.ok()) {
            qWarning("import failed: %s", qPrintable(report.error ? report.error->toString() : QStringLiteral("?")));
            return {};
        }
        if (format)
            *format = report.files.at(0).format;
        return store->read(EventQuery{});
    }

    static std::unique_ptr<EventStore> storeWith(const QString &path, qint64 count)
    {
        auto store = EventStore::open(path);
        auto batch = store->beginBatch();
        for (qint64 i = 0; i < count; ++i) {
            NewEvent e;
            e.type = QStringLiteral("Ticked");
            e.data = QByteArrayLiteral("{\"n\":") + QByteArray::number(i) + '}';
            e.timeMs = 1700000000000LL + i;
            batch.append(QStringLiteral("clock-%1").arg(i % 7), ExpectedVersion::any(), {e});
        }
        batch.commit();
        return store;
    }

    static EventWriter writer(EventWriter::Format format)
    {
        EventWriter::Options options;
        options.format = format;
        return EventWriter(options);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_storePath = m_dir.filePath(QStringLiteral("tricky.eventlens"));
        m_store = EventStore::open(m_storePath);
        for (const Tricky &t : trickyEvents())
            m_store->append(t.stream, ExpectedVersion::any(), {t.event});
        m_events = m_store->read(EventQuery{});
        QCOMPARE(m_events.size(), trickyEvents().size());
        // the store keeps what the round trips must bring back
        QVERIFY(!m_events.at(3).dataIsJson);
        QCOMPARE(m_events.at(3).data, QByteArray("\x89PNG\r\n\x1a\n\x00\xff\xfe", 11));
        QCOMPARE(timeutil::formatIso(m_events.at(8).timeMs), QByteArray("1969-07-20T20:17:40.001Z"));
    }

    void formatNames()
    {
        QCOMPARE(EventWriter::formatNames(), (QStringList{QStringLiteral("jsonl"), QStringLiteral("csv"), QStringLiteral("cloudevents")}));
        for (const QString &name : EventWriter::formatNames()) {
            const auto f = EventWriter::formatFromName(name);
            QVERIFY(f);
            QCOMPARE(EventWriter::formatName(*f), name);
        }
        QVERIFY(EventWriter::formatFromName(QStringLiteral(" JSONL ")) == EventWriter::Format::JsonLines);
        QVERIFY(EventWriter::formatFromName(QStringLiteral("ndjson")) == EventWriter::Format::JsonLines);
        QVERIFY(EventWriter::formatFromName(QStringLiteral("CloudEvents")) == EventWriter::Format::CloudEvents);
        QVERIFY(!EventWriter::formatFromName(QStringLiteral("xml")));
        QVERIFY(!EventWriter::formatFromName(QString()));
        QCOMPARE(EventWriter::fileSuffix(EventWriter::Format::JsonLines), QStringLiteral("jsonl"));
        QCOMPARE(EventWriter::fileSuffix(EventWriter::Format::Csv), QStringLiteral("csv"));
        QCOMPARE(EventWriter::fileSuffix(EventWriter::Format::CloudEvents), QStringLiteral("jsonl"));
    }

    // CSV and CloudEvents come back exactly, raw data included.
    void exactRoundTrip_data()
    {
        QTest::addColumn<EventWriter::Format>("format");
        QTest::newRow("csv") << EventWriter::Format::Csv;
        QTest::newRow("cloudevents") << EventWriter::Format::CloudEvents;
    }

    void exactRoundTrip()
    {
        QFETCH(EventWriter::Format, format);
        const QString file = newPath(EventWriter::fileSuffix(format));
        const ExportResult result = writer(format).write(*m_store, EventQuery{}, file);
        QVERIFY2(result.ok(), qPrintable(result.error));
        QCOMPARE(result.written, qint64(m_events.size()));
        QString detected;
        const std::vector<Event> back = importFresh(file, &detected);
        QCOMPARE(detected, EventWriter::formatName(format)); // detected, not told
        QCOMPARE(back.size(), m_events.size());
        for (size_t i = 0; i < back.size(); ++i) {
            const QString diff = difference(back[i], m_events[i], true);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
    }

    // JSON Lines is Event::toJsonLine(): every canonical line comes back the same, except
    // for raw data holding a JSON object's text and JSON string data holding one (read as
    // that JSON). Raw data comes back as the JSON string that stood for it.
    void jsonLinesRoundTrip()
    {
        const QString file = newPath(QStringLiteral("jsonl"));
        const ExportResult result = writer(EventWriter::Format::JsonLines).write(*m_store, EventQuery{}, file);
        QVERIFY2(result.ok(), qPrintable(result.error));
        QByteArray expected;
        for (const Event &e : m_events)
            expected += e.toJsonLine() + '\n';
        QCOMPARE(testing::readFile(file), expected);

        QString detected;
        const std::vector<Event> back = importFresh(file, &detected);
        QCOMPARE(detected, QStringLiteral("jsonl"));
        QCOMPARE(back.size(), m_events.size());
        for (size_t i = 0; i < back.size(); ++i) {
            const Event &original = m_events[i];
            Event want = original;
            if (changesInJsonLines(original)) {
                want.data = original.type == u"RawLooksLikeJson" ? QByteArrayLiteral("{\"a\":1}") : QByteArrayLiteral("{\"x\":1}");
                want.dataIsJson = true;
            } else if (!original.dataIsJson) {
                want.data.clear();
                jsonutil::appendString(want.data, Event::rawDataText(original.data));
                want.dataIsJson = true;
                QCOMPARE(back[i].toJsonLine(), original.toJsonLine());
            } else {
                QCOMPARE(back[i].toJsonLine(), original.toJsonLine());
            }
            const QString diff = difference(back[i], want, true);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
    }

    void fileShapes()
    {
        // CSV: the header the importer recognises, RFC 4180 quoting, an encoding per row
        const QString csv = newPath(QStringLiteral("csv"));
        QVERIFY(writer(EventWriter::Format::Csv).write(*m_store, EventQuery{}, csv).ok());
        const QByteArray text = testing::readFile(csv);
        QVERIFY(text.startsWith("stream,version,id,type,time,data_encoding,data,metadata\r\n"));
        QVERIFY(text.contains("\r\naccount-1,0,0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01,Deposited,2024-03-01T12:00:00.123Z,json,"
                              "\"{\"\"amount\"\":100,\"\"note\"\":\"\"a,b \\\"\"quoted\\\"\"\\nsecond line\"\"}\","));
        QVERIFY(text.contains(",ChequeScanned,2024-03-01T12:00:03.500Z,base64,iVBORw0KGgoA//4=,{}\r\n"));
        QVERIFY(text.contains(",Padded,2024-03-02T00:00:01.000Z,text,\"  padded text  \",{}\r\n"));
        QVERIFY(text.contains("order-7,1,0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06,Empty,2024-03-02T00:00:00.001Z,text,,{}\r\n"));
        QVERIFY(text.contains("order-7,0,\"legacy,id \"\"7\"\"\",OrderPlaced,"));

        // CloudEvents: JSON Lines of structured-mode events with the extension attributes
        const QString ce = newPath(QStringLiteral("jsonl"));
        QVERIFY(writer(EventWriter::Format::CloudEvents).write(*m_store, EventQuery{}, ce).ok());
        const QList<QByteArray> lines = testing::readFile(ce).split('\n');
        QCOMPARE(lines.size(), qsizetype(m_events.size() + 1));
        QCOMPARE(lines.last(), QByteArray());
        QCOMPARE(lines.at(0),
                 QByteArray("{\"specversion\":\"1.0\",\"id\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01\",\"source\":\"urn:eventlens\","
                            "\"type\":\"Deposited\",\"subject\":\"account-1\",\"time\":\"2024-03-01T12:00:00.123Z\","
                            "\"datacontenttype\":\"application/json\",\"eventlensversion\":0,\"eventlensmetadata\":"
                            "\"{\\\"correlationId\\\":\\\"3f0c2a4e-9a57-4c1e-8f6e-0b1d2c3e4f50\\\",\\\"causationId\\\":"
                            "\\\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01\\\",\\\"userId\\\":\\\"user-7\\\"}\","
                            "\"data\":{\"amount\":100,\"note\":\"a,b \\\"quoted\\\"\\nsecond line\"}}"));
        QVERIFY(lines.at(1).contains("\"datacontenttype\":\"text/plain; charset=utf-8\""));
        QVERIFY(lines.at(1).endsWith(",\"data\":\"plain text, with \\\"quotes\\\"\\r\\nand\\ttwo lines\"}"));
        QVERIFY(lines.at(3).contains("\"datacontenttype\":\"application/octet-stream\""));
        QVERIFY(lines.at(3).endsWith(",\"data_base64\":\"iVBORw0KGgoA//4=\"}"));
        QVERIFY(!lines.at(3).contains("\"data\":"));

        // the CloudEvents source can be chosen
        EventWriter::Options options;
        options.format = EventWriter::Format::CloudEvents;
        options.source = QStringLiteral("/bank/\"main\"");
        QVERIFY(EventWriter(options).line(m_events.at(0)).contains(",\"source\":\"/bank/\\\"main\\\"\","));
        QCOMPARE(EventWriter(options).header(), QByteArray());
    }

    void filters_data()
    {
        QTest::addColumn<EventWriter::Format>("format");
        QTest::newRow("jsonl") << EventWriter::Format::JsonLines;
        QTest::newRow("csv") << EventWriter::Format::Csv;
        QTest::newRow("cloudevents") << EventWriter::Format::CloudEvents;
    }

    // The file holds exactly the events of the query, in its order; whole streams (a category
    // filter) import into a fresh store as the same events.
    void filters()
    {
        QFETCH(EventWriter::Format, format);
        EventWriter w = writer(format);
        auto linesOf = [&](const EventQuery &q) {
            QByteArray out = w.header();
            for (const Event &e : m_store->read(q))
                out += w.line(e);
            return out;
        };
        std::vector<EventQuery> queries(5);
        queries[0].types = QStringList{QStringLiteral("Deposited"), QStringLiteral("Withdrawn")};
        queries[1].category = QStringLiteral("account");
        queries[1].backward = true;
        queries[1].limit = 3;
        queries[2].sinceMs = timeutil::parseIso(QByteArray("2024-03-02T00:00:00.001Z"));
        queries[2].untilMs = timeutil::parseIso(QByteArray("2024-03-02T00:00:03.000Z"));
        queries[3].streamGlob = QStringLiteral("acc*-1");
        queries[3].fromPosition = 2;
        queries[3].toPosition = 15;
        queries[4].stream = QStringLiteral("nobody");
        const std::vector<qint64> counts{4, 3, 5, 4, 0};
        for (size_t i = 0; i < queries.size(); ++i) {
            const QString file = newPath(EventWriter::fileSuffix(format));
            const ExportResult result = w.write(*m_store, queries[i], file);
            QVERIFY2(result.ok(), qPrintable(result.error));
            QCOMPARE(result.written, counts[i]);
            QCOMPARE(testing::readFile(file), linesOf(queries[i]));
        }
        // sanity: the helper is not trivially equal
        QVERIFY(linesOf(queries[0]) != linesOf(queries[1]));

        EventQuery orders;
        orders.category = QStringLiteral("order");
        const QString file = newPath(EventWriter::fileSuffix(format));
        QVERIFY(w.write(*m_store, orders, file).ok());
        const std::vector<Event> want = m_store->read(orders);
        const std::vector<Event> back = importFresh(file);
        QCOMPARE(back.size(), want.size());
        QCOMPARE(back.size(), size_t(8));
        for (size_t i = 0; i < back.size(); ++i) {
            if (format == EventWriter::Format::JsonLines) {
                if (!changesInJsonLines(want[i]))
                    QCOMPARE(back[i].toJsonLine().mid(back[i].toJsonLine().indexOf(",\"stream\"")),
                             want[i].toJsonLine().mid(want[i].toJsonLine().indexOf(",\"stream\"")));
                continue;
            }
            const QString diff = difference(back[i], want[i], false);
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
    }

    void progress()
    {
        auto store = storeWith(newPath(QStringLiteral("eventlens")), 1500);
        std::vector<std::pair<qint64, qint64>> calls;
        EventWriter::Options options;
        options.progress = [&](qint64 done, qint64 total) {
            calls.emplace_back(done, total);
            return true;
        };
        const QString file = newPath(QStringLiteral("jsonl"));
        const ExportResult result = EventWriter(options).write(*store, EventQuery{}, file);
        QVERIFY(result.ok());
        QCOMPARE(result.written, qint64(1500));
        QVERIFY(calls.size() >= 3);
        QCOMPARE(calls.front(), std::make_pair(qint64(0), qint64(1500)));
        QCOMPARE(calls.back(), std::make_pair(qint64(1500), qint64(1500)));
        for (size_t i = 1; i < calls.size(); ++i) {
            QVERIFY(calls[i].first >= calls[i - 1].first);
            QCOMPARE(calls[i].second, qint64(1500));
        }
        QCOMPARE(testing::readFile(file).count('\n'), qsizetype(1500));

        // the total follows the query (filters and limit)
        calls.clear();
        EventQuery q;
        q.stream = QStringLiteral("clock-3");
        q.limit = 100;
        QCOMPARE(EventWriter(options).write(*store, q, newPath(QStringLiteral("jsonl"))).written, qint64(100));
        QCOMPARE(calls.back(), std::make_pair(qint64(100), qint64(100)));
    }

    // A cancelled export leaves no file (nor a temporary one) and an existing file unchanged.
    void cancel_data()
    {
        QTest::addColumn<int>("how");
        QTest::addColumn<bool>("existing");
        QTest::newRow("progress midway, new file") << 0 << false;
        QTest::newRow("progress midway, existing file") << 0 << true;
        QTest::newRow("flag midway, existing file") << 1 << true;
        QTest::newRow("progress at the end, existing file") << 2 << true;
        QTest::newRow("flag before the start, new file") << 3 << false;
    }

    void cancel()
    {
        QFETCH(int, how);
        QFETCH(bool, existing);
        QTemporaryDir dir;
        auto store = storeWith(dir.filePath(QStringLiteral("s.eventlens")), 1500);
        const QString file = dir.filePath(QStringLiteral("out.csv"));
        if (existing)
            testing::writeFile(file, "keep me\n");
        const QStringList before = QDir(dir.path()).entryList(QDir::Files, QDir::Name);

        std::atomic_bool flag{how == 3};
        EventWriter::Options options;
        options.format = EventWriter::Format::Csv;
        options.cancel = &flag;
        qint64 seen = 0;
        options.progress = [&](qint64 done, qint64 total) {
            seen = done;
            if (how == 0 && done >= 512)
                return false;
            if (how == 1 && done >= 512)
                flag.store(true);
            if (how == 2 && done == total)
                return false;
            return true;
        };
        const ExportResult result = EventWriter(options).write(*store, EventQuery{}, file);
        QCOMPARE(result.status, ExportResult::Status::Cancelled);
        QVERIFY(result.error.isEmpty());
        if (how == 2)
            QCOMPARE(result.written, qint64(1500));
        else if (how == 3)
            QCOMPARE(result.written, qint64(0));
        else
            QVERIFY(result.written >= 512 && result.written < 1500);
        QVERIFY(how == 3 || seen >= 512);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files, QDir::Name), before);
        if (existing)
            QCOMPARE(testing::readFile(file), QByteArray("keep me\n"));
        else
            QVERIFY(!QFileInfo::exists(file));
    }

    void replacesExistingFileOnSuccess()
    {
        const QString file = newPath(QStringLiteral("jsonl"));
        testing::writeFile(file, "old content\n");
        EventQuery q;
        q.limit = 2;
        const ExportResult result = writer(EventWriter::Format::JsonLines).write(*m_store, q, file);
        QVERIFY(result.ok());
        QCOMPARE(testing::readFile(file), m_events.at(0).toJsonLine() + '\n' + m_events.at(1).toJsonLine() + '\n');
    }

    void badDestination()
    {
        const QByteArray storeBefore = testing::readFile(m_storePath);
        EventWriter w = writer(EventWriter::Format::JsonLines);

        const QString missing = m_dir.filePath(QStringLiteral("no-such-folder/out.jsonl"));
        ExportResult r = w.write(*m_store, EventQuery{}, missing);
        QCOMPARE(r.status, ExportResult::Status::Failed);
        QCOMPARE(r.error, QStringLiteral("cannot write %1: the folder %2 does not exist")
                              .arg(missing, m_dir.filePath(QStringLiteral("no-such-folder"))));
        QVERIFY(!QFileInfo::exists(missing));

        const QString folder = m_dir.filePath(QStringLiteral("a-folder"));
        QVERIFY(QDir().mkpath(folder));
        r = w.write(*m_store, EventQuery{}, folder);
        QCOMPARE(r.status, ExportResult::Status::Failed);
        QCOMPARE(r.error, QStringLiteral("%1 is a folder, not a file").arg(folder));
        QVERIFY(QFileInfo(folder).isDir());

        // under a file, as if it were a folder
        const QString plain = newPath(QStringLiteral("txt"));
        testing::writeFile(plain, "x");
        r = w.write(*m_store, EventQuery{}, plain + QStringLiteral("/out.jsonl"));
        QCOMPARE(r.status, ExportResult::Status::Failed);
        QVERIFY2(r.error.startsWith(QStringLiteral("cannot write %1/out.jsonl: ").arg(plain)), qPrintable(r.error));
        QCOMPARE(testing::readFile(plain), QByteArray("x"));

        r = w.write(*m_store, EventQuery{}, m_storePath);
        QCOMPARE(r.status, ExportResult::Status::Failed);
        QCOMPARE(r.error, QStringLiteral("cannot write %1: it is the store being exported").arg(m_storePath));
        QCOMPARE(testing::readFile(m_storePath), storeBefore);

        r = w.write(*m_store, EventQuery{}, QString());
        QCOMPARE(r.status, ExportResult::Status::Failed);
        QVERIFY(!r.error.isEmpty());
    }

    // ---- the parser extensions the round trips rely on ------------------------------------

    void csvDataEncoding()
    {
        CsvParser parser;
        const QByteArray text = "stream,type,data_encoding,data\n"
                                "a-1,T,text,\"{\"\"a\"\":1}\"\n"    // looks like JSON, kept raw
                                "a-1,T,text,\n"                      // empty raw data
                                "a-1,T,base64,AP8=\n"                // bytes
                                "a-1,T,JSON,\"\"\"s\"\"\"\n"         // JSON string
                                "a-1,T,,hello\n"                     // no encoding: as before
                                "a-1,T,,\"{\"\"a\"\":1}\"\n"      // JSON
                                "a-1,T,json,hello\n"                 // json must be JSON
                                "a-1,T,base64,@@\n"
                                "a-1,T,utf16,x\n";
        const Parsed p = parseText(parser, text, QStringLiteral("e.csv"));
        QCOMPARE(p.records.size(), size_t(6));
        QCOMPARE(p.records[0].event.data, QByteArray("{\"a\":1}"));
        QVERIFY(!p.records[0].event.dataIsJson);
        QCOMPARE(p.records[1].event.data, QByteArray());
        QVERIFY(!p.records[1].event.dataIsJson);
        QCOMPARE(p.records[2].event.data, QByteArray("\x00\xff", 2));
        QVERIFY(!p.records[2].event.dataIsJson);
        QCOMPARE(p.records[3].event.data, QByteArray("\"s\""));
        QVERIFY(p.records[3].event.dataIsJson);
        QCOMPARE(p.records[4].event.data, QByteArray("hello"));
        QVERIFY(!p.records[4].event.dataIsJson);
        QCOMPARE(p.records[5].event.data, QByteArray("{\"a\":1}"));
        QVERIFY(p.records[5].event.dataIsJson);
        // the encoding column is not metadata
        for (const ImportRecord &r : p.records)
            QCOMPARE(r.event.metadata, QByteArray("{}"));
        QCOMPARE(p.issues.size(), qsizetype(3));
        QVERIFY2(p.issues.at(0).startsWith(QStringLiteral("e.csv:8: record 7, field 'data': invalid JSON")), qPrintable(p.issues.at(0)));
        QCOMPARE(p.issues.at(1), QStringLiteral("e.csv:9: record 8, field 'data': invalid base64"));
        QCOMPARE(p.issues.at(2), QStringLiteral("e.csv:10: record 9, field 'data_encoding': must be json, text or base64, not 'utf16'"));
        QCOMPARE(CsvParser::classify("Data Encoding"), CsvParser::Column::DataEncoding);
    }

    void cloudEventsExtensions()
    {
        CloudEventsParser parser;
        const QByteArray head = "{\"specversion\":\"1.0\",\"id\":\"i%1\",\"source\":\"/s\",\"type\":\"T\",\"subject\":\"s-1\",";
        auto line = [&](int i, const QByteArray &rest) -> QByteArray { return QByteArray(head).replace("%1", QByteArray::number(i)) + rest + "}\n"; };
        const QByteArray text = line(1, "\"eventlensversion\":3,\"eventlensmetadata\":\"{\\\"correlationId\\\":\\\"c\\\"}\"")
                                + line(2, "\"eventlensversion\":\"4\",\"datacontenttype\":\"application/json\",\"eventlensmetadata\":\"{}\","
                                          "\"traceparent\":\"t\",\"dataschema\":\"https://x\"")
                                + line(3, "\"eventlensmetadata\":{\"traceparent\":\"mine\",\"b\":[1, 2]},\"traceparent\":\"theirs\"")
                                + line(4, "\"eventlensversion\":5,\"correlationid\":\"x\"")
                                + line(5, "\"eventlensversion\":-1")
                                + line(6, "\"eventlensmetadata\":\"[1]\"");
        const Parsed p = parseText(parser, text, QStringLiteral("ce.jsonl"));
        QCOMPARE(p.records.size(), size_t(4));
        QCOMPARE(p.records[0].version.value_or(-1), qint64(3));
        QCOMPARE(p.records[0].event.metadata, QByteArray("{\"correlationId\":\"c\"}"));
        QCOMPARE(p.records[1].version.value_or(-1), qint64(4));
        QCOMPARE(p.records[1].event.metadata, QByteArray("{\"traceparent\":\"t\"}")); // other extensions are kept
        QVERIFY(!p.records[2].version);
        QCOMPARE(p.records[2].event.metadata, QByteArray("{\"traceparent\":\"mine\",\"b\":[1,2]}")); // its own members win
        // without eventlensmetadata every other attribute is metadata, as before
        QCOMPARE(p.records[3].version.value_or(-1), qint64(5));
        QCOMPARE(p.records[3].event.metadata, QByteArray("{\"specversion\":\"1.0\",\"source\":\"/s\",\"correlationid\":\"x\"}"));
        QCOMPARE(p.issues,
                 (QStringList{QStringLiteral("ce.jsonl:5: record 5, field 'eventlensversion': must be a non-negative integer, not -1"),
                              QStringLiteral("ce.jsonl:6: record 6, field 'eventlensmetadata': must be a JSON object (or a string holding one)")}));
    }
};

QTEST_GUILESS_MAIN(TestEventWriter)
#include "tst_eventwriter.moc"
