// Tests of the file parsers of eventlens_importers (no store involved): field mappings of
// every format, detection, quoting and syntax edge cases, exact error texts, streaming,
// progress and cancel.

#include "chunkreader.h"
#include "cloudeventsparser.h"
#include "csvparser.h"
#include "esdbparser.h"
#include "eventparser.h"
#include "formatdetector.h"
#include "jsonarrayparser.h"
#include "jsonlinesparser.h"
#include "jsonscanner.h"
#include "kcatparser.h"
#include "timeutil.h"

#include <QBuffer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <atomic>

using namespace eventlens;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(EVENTLENS_TEST_DATA "/import/") + QString::fromLatin1(name);
}

QByteArray iso(const std::optional<qint64> &ms)
{
    return ms ? timeutil::formatIso(*ms) : QByteArrayLiteral("<none>");
}

struct Parsed
{
    std::vector<ImportRecord> records;
    std::vector<ImportIssue> issues;
    std::vector<IssueSeverity> severities;
    ParseResult result;

    QStringList issueTexts() const
    {
        QStringList out;
        for (const ImportIssue &i : issues)
            out.append(i.toString());
        return out;
    }
};

Parsed parseDevice(EventParser &parser, QIODevice &device, const QString &name, const ParseProgressFn &progress = {},
                   const std::atomic_bool *cancel = nullptr)
{
    Parsed out;
    out.result = parser.parse(
        device, name,
        [&](ImportRecord &&r) {
            out.records.push_back(std::move(r));
            return true;
        },
        [&](const ImportIssue &issue, IssueSeverity severity) {
            out.issues.push_back(issue);
            out.severities.push_back(severity);
            return true;
        },
        progress, cancel);
    return out;
}

// A device that generates `count` fixed-width records on the fly (nothing is stored), and
// remembers how much the reader asked for at once.
class GeneratedDevice final : public QIODevice
{
public:
    GeneratedDevice(QByteArray prefix, std::function<QByteArray(qint64)> unit, QByteArray separator, QByteArray suffix,
                    qint64 count, qint64 unitWidth)
        : m_prefix(std::move(prefix)), m_unit(std::move(unit)), m_separator(std::move(separator)),
          m_suffix(std::move(suffix)), m_count(count), m_width(unitWidth)
    {
    }
    bool isSequential() const override { return false; }
    qint64 size() const override
    {
        return m_prefix.size() + m_count * m_width + (m_count - 1) * m_separator.size() + m_suffix.size();
    }
    // byte offset where record i starts
    qint64 offsetOf(qint64 i) const { return m_prefix.size() + i * (m_width + m_separator.size()); }
    qint64 generated() const { return m_offset; }
    qint64 largestRead() const { return m_largestRead; }
    bool seek(qint64 pos) override
    {
        m_offset = pos;
        return QIODevice::seek(pos);
    }

protected:
    qint64 readData(char *data, qint64 maxlen) override
    {
        m_largestRead = std::max(m_largestRead, maxlen);
        qint64 written = 0;
        while (written < maxlen && m_offset < size()) {
            const QByteArray piece = pieceAt(m_offset);
            const qint64 pieceStart = pieceStartOf(m_offset);
            const qint64 skip = m_offset - pieceStart;
            const qint64 n = std::min<qint64>(piece.size() - skip, maxlen - written);
            std::memcpy(data + written, piece.constData() + skip, static_cast<size_t>(n));
            written += n;
            m_offset += n;
        }
        return written;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    // pieces: prefix, unit 0, separator, unit 1, ..., suffix
    qint64 pieceStartOf(qint64 pos) const
    {
        if (pos < m_prefix.size())
            return 0;
        const qint64 rel = pos - m_prefix.size();
        const qint64 stride = m_width + m_separator.size();
        const qint64 k = std::min(rel / stride, m_count - 1);
        const qint64 unitStart = m_prefix.size() + k * stride;
        if (pos < unitStart + m_width)
            return unitStart;
        if (k < m_count - 1)
            return unitStart + m_width;
        return unitStart + m_width; // suffix
    }
    QByteArray pieceAt(qint64 pos) const
    {
        if (pos < m_prefix.size())
            return m_prefix;
        const qint64 rel = pos - m_prefix.size();
        const qint64 stride = m_width + m_separator.size();
        const qint64 k = std::min(rel / stride, m_count - 1);
        const qint64 unitStart = m_prefix.size() + k * stride;
        if (pos < unitStart + m_width) {
            QByteArray u = m_unit(k);
            Q_ASSERT(u.size() <= m_width);
            return u + QByteArray(m_width - u.size(), ' ');
        }
        return k < m_count - 1 ? m_separator : m_suffix;
    }

    QByteArray m_prefix;
    std::function<QByteArray(qint64)> m_unit;
    QByteArray m_separator;
    QByteArray m_suffix;
    qint64 m_count;
    qint64 m_width;
    qint64 m_offset = 0;
    qint64 m_largestRead = 0;
};

} // namespace

class TestImporters : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeTemp(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        f.write(bytes);
        return path;
    }

    // Parses a real file with the named format; issues name the file by its base name.
    Parsed parseFile(const QString &format, const QString &path, const QString &name = {})
    {
        auto parser = FormatDetector::createParser(format);
        if (!parser)
            qFatal("no parser %s", qPrintable(format));
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            qFatal("cannot open %s", qPrintable(path));
        return parseDevice(*parser, file, name.isEmpty() ? QFileInfo(path).fileName() : name);
    }

    Parsed parseText(const QString &format, const QByteArray &text, const QString &name)
    {
        return parseFile(format, writeTemp(name, text), name);
    }

    QString detectFile(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("<cannot open>");
        QString error;
        const QString format = FormatDetector::detectDevice(f, QFileInfo(path).fileName(), &error);
        return format.isEmpty() ? QStringLiteral("error: ") + error : format;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // ---- JSON scanner -------------------------------------------------------------------

    void scannerCompactKeepsStringsAndNumbers()
    {
        const QByteArray text = "{ \"a\" : [ 1 , 2.50 , -0.0e+3 ],\n \"s\" : \"x  y \\\" } \\u00e9\" , \"n\":null }";
        JsonValue v;
        JsonScanError error;
        QCOMPARE(JsonScanner::scanValue(text, v, error), JsonScanner::Status::Ok);
        QCOMPARE(JsonScanner::compact(v), QByteArray("{\"a\":[1,2.50,-0.0e+3],\"s\":\"x  y \\\" } \\u00e9\",\"n\":null}"));
        std::vector<JsonMember> members;
        QCOMPARE(JsonScanner::scanObject(text, members, error), JsonScanner::Status::Ok);
        QCOMPARE(members.size(), size_t(3));
        QCOMPARE(JsonScanner::decodeString(members[1].value), QByteArray("x  y \" } \xC3\xA9"));
    }

    // Strings are scanned 16 bytes at a time: every kind of byte that stops the scan, at every
    // offset of strings from 0 to 47 bytes, with text after the string in the same buffer.
    void scannerStopsAtEveryOffset()
    {
        JsonValue v;
        JsonScanError error;
        std::vector<JsonValue> elements;
        for (int length = 0; length < 48; ++length) {
            const QByteArray plain(length, 'a');
            for (int at = 0; at <= length; ++at) {
                const QByteArray head = plain.left(at);
                const QByteArray tail = plain.mid(at);
                const QByteArray where = QByteArray::number(length) + '@' + QByteArray::number(at);
                // the closing quote: an array of two strings, the first ending here
                QByteArray text = "[\"" + head + "\",\"" + tail + "\"]";
                QCOMPARE(JsonScanner::scanArray(text, elements, error), JsonScanner::Status::Ok);
                QCOMPARE(elements.size(), size_t(2));
                QCOMPARE(JsonScanner::decodeString(elements[0]), head);
                QCOMPARE(JsonScanner::decodeString(elements[1]), tail);
                // an escape
                text = "[\"" + head + "\\n" + tail + "\"]";
                QVERIFY2(JsonScanner::scanValue(text, v, error) == JsonScanner::Status::Ok, where.constData());
                QCOMPARE(JsonScanner::decodeString(JsonScanner::elements(v)[0]), head + '\n' + tail);
                // a two-byte and a four-byte UTF-8 sequence
                text = "[\"" + head + "\xC3\xA9\xF0\x9F\x98\x80" + tail + "\"]";
                QVERIFY2(JsonScanner::scanValue(text, v, error) == JsonScanner::Status::Ok, where.constData());
                QCOMPARE(JsonScanner::decodeString(JsonScanner::elements(v)[0]), head + "\xC3\xA9\xF0\x9F\x98\x80" + tail);
                // an unescaped control character and a byte that starts no UTF-8 sequence: errors
                // that point at the byte
                for (const char bad : {'\x01', '\x1f', '\xff', '\x80'}) {
                    text = "[\"" + head + bad + tail + "\"]";
                    QVERIFY2(JsonScanner::scanValue(text, v, error) == JsonScanner::Status::SyntaxError, where.constData());
                    QCOMPARE(error.offset, qsizetype(2 + at));
                }
                // no closing quote within the buffer
                text = "[\"" + plain;
                QVERIFY(JsonScanner::scanValue(text, v, error) == JsonScanner::Status::SyntaxError);
                QVERIFY2(error.message.contains(u"unterminated string"), qPrintable(error.message));
            }
        }
    }

    void scannerRejectsInvalidJson_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing colon") << QByteArray("{\"a\" 1}") << QStringLiteral("column 6: expected ':' after the key, found '1'");
        QTest::newRow("trailing comma") << QByteArray("{\"a\":1,}") << QStringLiteral("column 8: expected a string key, found '}'");
        QTest::newRow("bad number") << QByteArray("[01]") << QStringLiteral("column 3: expected ',' or ']' after an element, found '1'");
        QTest::newRow("bad escape") << QByteArray("[\"\\x\"]") << QStringLiteral("column 3: invalid escape sequence in string");
        QTest::newRow("lone surrogate") << QByteArray("[\"\\udc00\"]") << QStringLiteral("column 3: invalid UTF-16 surrogate in \\u escape");
        QTest::newRow("invalid utf8") << QByteArray("[\"\xC3\x28\"]") << QStringLiteral("column 3: invalid UTF-8 sequence in string");
        QTest::newRow("control char") << QByteArray("[\"a\tb\"]") << QStringLiteral("column 4: unescaped control character in string");
        QTest::newRow("unterminated") << QByteArray("{\"a\":\"xyz") << QStringLiteral("column 6: unterminated string");
        QTest::newRow("garbage after") << QByteArray("{} x") << QStringLiteral("column 4: unexpected 'x' after the value");
        QTest::newRow("literal") << QByteArray("[tru]") << QStringLiteral("column 2: invalid literal 'tru' (expected true)");
        QTest::newRow("word") << QByteArray("{\"a\": yes}") << QStringLiteral("column 7: expected a value, found 'yes'");
        QTest::newRow("too deep") << QByteArray(600, '[') << QStringLiteral("column 513: nesting deeper than 512 levels");
    }

    void scannerRejectsInvalidJson()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        JsonValue v;
        JsonScanError error;
        QCOMPARE(JsonScanner::scanValue(text, v, error), JsonScanner::Status::SyntaxError);
        QCOMPARE(JsonScanner::describe(text, error, false), QStringLiteral("JSON syntax error at ") + message);
        // visit() finds the same error.
        struct Ignore final : JsonVisitor
        {
            void scalar(const JsonValue &) override {}
            void beginObject() override {}
            void key(const JsonValue &) override {}
            void endObject() override {}
            void beginArray() override {}
            void endArray() override {}
        } ignore;
        JsonScanError visited;
        QCOMPARE(JsonScanner::visit(text, ignore, visited), JsonScanner::Status::SyntaxError);
        QCOMPARE(visited.offset, error.offset);
    }

    // visit(): every value in the order of the text, keys as they are written.
    void scannerVisitsInOrder()
    {
        struct Recorder final : JsonVisitor
        {
            QStringList seen;
            void scalar(const JsonValue &v) override { seen << QString::fromUtf8(v.raw()); }
            void beginObject() override { seen << QStringLiteral("{"); }
            void key(const JsonValue &k) override { seen << QStringLiteral("key ") + JsonScanner::toQString(k); }
            void endObject() override { seen << QStringLiteral("}"); }
            void beginArray() override { seen << QStringLiteral("["); }
            void endArray() override { seen << QStringLiteral("]"); }
        } recorder;
        JsonScanError error;
        QCOMPARE(JsonScanner::visit(R"( {"a": [1, "x\n", {}], "b\u00e9": {"c": null, "d": [true, false, -2.5e3]}} )", recorder, error),
                 JsonScanner::Status::Ok);
        QCOMPARE(recorder.seen, (QStringList{QStringLiteral("{"), QStringLiteral("key a"), QStringLiteral("["), QStringLiteral("1"),
                                             QStringLiteral("\"x\\n\""), QStringLiteral("{"), QStringLiteral("}"), QStringLiteral("]"),
                                             QStringLiteral("key b\u00e9"), QStringLiteral("{"), QStringLiteral("key c"), QStringLiteral("null"),
                                             QStringLiteral("key d"), QStringLiteral("["), QStringLiteral("true"), QStringLiteral("false"),
                                             QStringLiteral("-2.5e3"), QStringLiteral("]"), QStringLiteral("}"), QStringLiteral("}")}));
        recorder.seen.clear();
        QCOMPARE(JsonScanner::visit("\"top\"", recorder, error), JsonScanner::Status::Ok);
        QCOMPARE(recorder.seen, QStringList{QStringLiteral("\"top\"")});
    }

    void scannerNumbers()
    {
        JsonValue v;
        JsonScanError error;
        QCOMPARE(JsonScanner::scanValue("12345678901234", v, error), JsonScanner::Status::Ok);
        QCOMPARE(JsonScanner::toInt64(v), std::optional<qint64>(12345678901234));
        QCOMPARE(JsonScanner::scanValue("5.0", v, error), JsonScanner::Status::Ok);
        QCOMPARE(JsonScanner::toInt64(v), std::optional<qint64>(5));
        QCOMPARE(JsonScanner::scanValue("5.5", v, error), JsonScanner::Status::Ok);
        QVERIFY(!JsonScanner::toInt64(v));
        QCOMPARE(JsonScanner::scanValue("99999999999999999999", v, error), JsonScanner::Status::Ok);
        QVERIFY(!JsonScanner::toInt64(v));
    }

    // ---- JSON Lines -----------------------------------------------------------------------

    void jsonLinesFixture()
    {
        const Parsed p = parseFile(QStringLiteral("jsonl"), fixture("events.jsonl"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.result.status, ParseResult::Status::Completed);
        QCOMPARE(p.records.size(), size_t(7));

        const ImportRecord &r0 = p.records[0];
        QCOMPARE(r0.stream, QStringLiteral("account-1"));
        QCOMPARE(r0.event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(r0.version, std::optional<qint64>(0));
        QCOMPARE(r0.event.id, QStringLiteral("6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c01"));
        QCOMPARE(iso(r0.event.timeMs), QByteArray("2024-03-01T09:00:00.123Z"));
        QCOMPARE(r0.event.data, QByteArray("{\"owner\":\"Alice Martin\",\"currency\":\"EUR\"}"));
        QVERIFY(r0.event.dataIsJson);
        QCOMPARE(r0.event.metadata, QByteArray("{\"correlationId\":\"c0a80101-0001\",\"causationId\":\"c0a80101-0001\"}"));
        QCOMPARE(r0.line, 1);
        QCOMPARE(r0.index, 0);

        // streamId / eventType / eventNumber / eventId / timestamp (Unix seconds) / payload
        const ImportRecord &r1 = p.records[1];
        QCOMPARE(r1.stream, QStringLiteral("account-1"));
        QCOMPARE(r1.event.type, QStringLiteral("Deposited"));
        QCOMPARE(r1.version, std::optional<qint64>(1));
        QCOMPARE(r1.event.id, QStringLiteral("6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c02"));
        QCOMPARE(iso(r1.event.timeMs), QByteArray("2024-03-01T09:00:00.000Z"));
        QCOMPARE(r1.event.data, QByteArray("{\"amount\":250.5,\"reference\":\"salary\"}"));
        QCOMPARE(r1.event.metadata, QByteArray("{}"));

        // the blank line 3 is not a record; aggregate_id / event_type / stream_position / event_id /
        // created with an offset / body / meta
        const ImportRecord &r2 = p.records[2];
        QCOMPARE(r2.line, 4);
        QCOMPARE(r2.index, 2);
        QCOMPARE(r2.stream, QStringLiteral("account-2"));
        QCOMPARE(r2.event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(r2.version, std::optional<qint64>(0));
        QCOMPARE(r2.event.id, QStringLiteral("6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c03"));
        QCOMPARE(iso(r2.event.timeMs), QByteArray("2024-03-01T09:00:00.000Z"));
        QCOMPARE(r2.event.data, QByteArray("{\"owner\":\"Bob Stone\",\"currency\":\"USD\"}"));
        QCOMPARE(r2.event.metadata, QByteArray("{\"source\":\"branch-7\"}"));

        // stream_name / sequenceNumber / occurredAt in ms / data and metaData as JSON strings
        const ImportRecord &r3 = p.records[3];
        QCOMPARE(r3.stream, QStringLiteral("account-1"));
        QCOMPARE(r3.version, std::optional<qint64>(2));
        QCOMPARE(iso(r3.event.timeMs), QByteArray("2024-03-01T10:46:40.123Z"));
        QCOMPARE(r3.event.data, QByteArray("{\"amount\":30,\"atm\":\"A-17\"}"));
        QCOMPARE(r3.event.metadata, QByteArray("{\"userId\":\"u-42\"}"));
        QVERIFY(r3.event.id.isEmpty());

        // originator_id, no version / id / time; unknown members go to the metadata
        const ImportRecord &r4 = p.records[4];
        QCOMPARE(r4.stream, QStringLiteral("order-7"));
        QVERIFY(!r4.version);
        QVERIFY(r4.event.id.isEmpty());
        QVERIFY(!r4.event.timeMs);
        QCOMPARE(r4.event.data, QByteArray("{\"items\":[{\"sku\":\"B-100\",\"qty\":2}],\"note\":\"ring twice, then wait\"}"));
        QCOMPARE(r4.event.metadata, QByteArray("{\"tenant\":\"acme\"}"));

        // streamName, time with one fraction digit
        QCOMPARE(p.records[5].stream, QStringLiteral("order-7"));
        QCOMPARE(iso(p.records[5].event.timeMs), QByteArray("2024-03-02T08:30:00.500Z"));

        // aggregateId; "position" is dropped (the store assigns positions)
        QCOMPARE(p.records[6].stream, QStringLiteral("account-2"));
        QCOMPARE(p.records[6].event.metadata, QByteArray("{}"));
    }

    void jsonLinesErrors()
    {
        QByteArray text;
        for (int i = 1; i <= 16; ++i)
            text += "{\"stream\":\"s-1\",\"type\":\"T\",\"data\":{\"i\":" + QByteArray::number(i) + "}}\n";
        text += "{\"stream\":\"s-1\",\"data\":{}}\n";                          // 17: no type
        text += "{\"stream\":\"s-1\",\"type\":\"T\",\"version\":-1}\n";         // 18
        text += "{\"stream\":\"s-1\",\"type\":\"T\",\"timestamp\":\"yesterday\"}\n"; // 19
        text += "{\"stream\":\"s-1\",\"type\":\"T\" \"data\":{}}\n";            // 20: syntax
        text += "[1,2]\n";                                                      // 21
        text += "{\"type\":\"T\"}\n";                                          // 22: no stream
        text += "{\"stream\":\"s-1\",\"type\":\"T\",\"metadata\":[1]}\n";       // 23
        text += "{\"stream\":\"s-1\",\"type\":\"T\",\"data\":{\"x\":\"\xff\"}}\n"; // 24: bad UTF-8
        text += "{\"stream\":\"s-1\",\"type\":\"T\"}"; // 25: good, no final newline
        const Parsed p = parseText(QStringLiteral("jsonl"), text, QStringLiteral("events.jsonl"));
        QCOMPARE(p.records.size(), size_t(17));
        QCOMPARE(p.records.back().line, 25);
        const QStringList expected = {
            QStringLiteral("events.jsonl:17: record 17, field 'type': missing"),
            QStringLiteral("events.jsonl:18: record 18, field 'version': must be a non-negative integer, not -1"),
            QStringLiteral("events.jsonl:19: record 19, field 'timestamp': not a valid time: \"yesterday\" (expected ISO 8601 or Unix seconds/milliseconds)"),
            QStringLiteral("events.jsonl:20: record 20: JSON syntax error at column 28: expected ',' or '}' after a member, found '\"'"),
            QStringLiteral("events.jsonl:21: record 21: not a JSON object (found an array)"),
            QStringLiteral("events.jsonl:22: record 22, field 'stream': missing"),
            QStringLiteral("events.jsonl:23: record 23, field 'metadata': must be a JSON object, not an array"),
            QStringLiteral("events.jsonl:24: record 24: JSON syntax error at column 41: invalid UTF-8 byte 0xff in string"),
        };
        QCOMPARE(p.issueTexts(), expected);
        for (IssueSeverity s : p.severities)
            QCOMPARE(s, IssueSeverity::Record);
        QCOMPARE(p.result.status, ParseResult::Status::Completed);
    }

    void jsonLinesCrlfAndBom()
    {
        const QByteArray text = "\xEF\xBB\xBF{\"stream\":\"a-1\",\"type\":\"X\"}\r\n\r\n{\"stream\":\"a-1\",\"type\":\"Y\"}\r\n";
        const Parsed p = parseText(QStringLiteral("jsonl"), text, QStringLiteral("crlf.jsonl"));
        QVERIFY(p.issues.empty());
        QCOMPARE(p.records.size(), size_t(2));
        QCOMPARE(p.records[1].line, 3);
        QCOMPARE(p.records[1].event.type, QStringLiteral("Y"));
    }

    void genericSynonymPrecedenceAndEdgeValues()
    {
        // "stream" wins over "aggregateId" (which is kept in the metadata); numeric stream ids
        // and version strings are accepted; an empty id is a missing id.
        const QByteArray text =
            "{\"aggregateId\":\"agg-1\",\"stream\":\"s-1\",\"type\":\"T\",\"version\":\"3\",\"id\":\"\"}\n"
            "{\"aggregate_id\":42,\"type\":\"T\",\"data\":\"plain string\",\"metadata\":{\"k\":1},\"k\":2,\"extra\":true}\n";
        const Parsed p = parseText(QStringLiteral("jsonl"), text, QStringLiteral("syn.jsonl"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records[0].stream, QStringLiteral("s-1"));
        QCOMPARE(p.records[0].version, std::optional<qint64>(3));
        QVERIFY(p.records[0].event.id.isEmpty());
        QCOMPARE(p.records[0].event.metadata, QByteArray("{\"aggregateId\":\"agg-1\"}"));
        QCOMPARE(p.records[1].stream, QStringLiteral("42"));
        QCOMPARE(p.records[1].event.data, QByteArray("\"plain string\""));
        // the metadata's own "k" wins over the top-level "k"
        QCOMPARE(p.records[1].event.metadata, QByteArray("{\"k\":1,\"extra\":true}"));
    }

    void timeVariants_data()
    {
        QTest::addColumn<QByteArray>("time");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("iso Z") << QByteArray("\"2024-03-01T09:00:00Z\"") << QByteArray("2024-03-01T09:00:00.000Z");
        QTest::newRow("iso ms") << QByteArray("\"2024-03-01T09:00:00.987Z\"") << QByteArray("2024-03-01T09:00:00.987Z");
        QTest::newRow("iso micro") << QByteArray("\"2024-03-01T09:00:00.123456Z\"") << QByteArray("2024-03-01T09:00:00.123Z");
        QTest::newRow("iso offset") << QByteArray("\"2024-03-01T11:30:00+02:30\"") << QByteArray("2024-03-01T09:00:00.000Z");
        QTest::newRow("iso space no zone") << QByteArray("\"2024-03-01 09:00:00\"") << QByteArray("2024-03-01T09:00:00.000Z");
        QTest::newRow("date only") << QByteArray("\"2024-03-01\"") << QByteArray("2024-03-01T00:00:00.000Z");
        QTest::newRow("unix seconds") << QByteArray("1709283600") << QByteArray("2024-03-01T09:00:00.000Z");
        QTest::newRow("unix seconds fraction") << QByteArray("1709283600.25") << QByteArray("2024-03-01T09:00:00.250Z");
        QTest::newRow("unix ms") << QByteArray("1709283600123") << QByteArray("2024-03-01T09:00:00.123Z");
        QTest::newRow("seconds as text") << QByteArray("\"1709283600\"") << QByteArray("2024-03-01T09:00:00.000Z");
        QTest::newRow("10^11 is ms") << QByteArray("100000000000") << QByteArray("1973-03-03T09:46:40.000Z");
        QTest::newRow("just below 10^11 is s") << QByteArray("99999999999") << QByteArray("5138-11-16T09:46:39.000Z");
    }

    void timeVariants()
    {
        QFETCH(QByteArray, time);
        QFETCH(QByteArray, expected);
        const Parsed p = parseText(QStringLiteral("jsonl"), "{\"stream\":\"a-1\",\"type\":\"T\",\"time\":" + time + "}\n",
                                   QStringLiteral("time.jsonl"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(iso(p.records.at(0).event.timeMs), expected);

        // the same in CSV
        const QByteArray cell = time.startsWith('"') ? time.mid(1, time.size() - 2) : time;
        const Parsed c = parseText(QStringLiteral("csv"), "Aggregate ID,Event Type,Timestamp\na-1,T," + cell + "\n",
                                   QStringLiteral("time.csv"));
        QVERIFY2(c.issues.empty(), qPrintable(c.issueTexts().join(u'\n')));
        QCOMPARE(iso(c.records.at(0).event.timeMs), expected);
    }

    // ---- JSON arrays and sequences ----------------------------------------------------------

    void jsonArrayFixture()
    {
        const Parsed p = parseFile(QStringLiteral("json"), fixture("events.json"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(4));
        QCOMPARE(p.records[0].line, 2);
        QCOMPARE(p.records[1].line, 15);
        QCOMPARE(p.records[2].line, 23);
        QCOMPARE(p.records[3].line, 24);
        QCOMPARE(p.records[0].event.data,
                 QByteArray("{\"customer\":\"Dana [VIP] {gold}\",\"lines\":[[1,\"A-1\"],[2,\"B-2\"],[]],"
                            "\"comment\":\"brackets ] } [ { inside, and \\\"quotes\\\" and a \\\\ backslash\"}"));
        QCOMPARE(p.records[0].event.metadata, QByteArray("{\"correlationId\":\"7d2e\",\"tags\":[\"web\",\"promo]\"]}"));
        QCOMPARE(iso(p.records[0].event.timeMs), QByteArray("2024-02-10T14:22:05.250Z"));
        QCOMPARE(p.records[1].event.data, QByteArray("{\"sku\":\"Z-9\",\"matrix\":[[[]]],\"text\":\"[not an array]\"}"));
        QCOMPARE(p.records[2].version, std::optional<qint64>(2));
        QCOMPARE(iso(p.records[2].event.timeMs), QByteArray("2024-02-10T14:23:20.000Z"));
        QCOMPARE(p.records[2].event.data,
                 QByteArray("{\"amount\":99.95,\"unicode\":\"Z\xC3\xBCrich \\u00e9 \\ud83d\\ude00\"}"));
        QCOMPARE(p.records[3].stream, QStringLiteral("order-2"));
        QVERIFY(!p.records[3].version);
    }

    void jsonArraySplitEdgeCases()
    {
        // minified on one line, strings with brackets/escaped quotes, nested arrays, empty objects
        const QByteArray text =
            "[{\"stream\":\"a-1\",\"type\":\"T\",\"data\":{\"s\":\"]}\\\"[{\",\"n\":[[1,[2,[3]]],{}]}},"
            "{\"stream\":\"a-1\",\"type\":\"U\",\"data\":[\"\\\\\",\"\\\\\\\"\"]}]";
        const Parsed p = parseText(QStringLiteral("json"), text, QStringLiteral("min.json"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(2));
        QCOMPARE(p.records[0].event.data, QByteArray("{\"s\":\"]}\\\"[{\",\"n\":[[1,[2,[3]]],{}]}"));
        QCOMPARE(p.records[1].event.data, QByteArray("[\"\\\\\",\"\\\\\\\"\"]"));

        // empty array: no records, no issue
        const Parsed e = parseText(QStringLiteral("json"), " [ \n ] \n", QStringLiteral("empty-array.json"));
        QVERIFY(e.issues.empty());
        QVERIFY(e.records.empty());

        // one pretty-printed object and a sequence of objects
        const Parsed one = parseText(QStringLiteral("json"), "{\n  \"stream\": \"a-1\",\n  \"type\": \"T\"\n}\n{\n \"stream\": \"a-2\", \"type\": \"T\"\n}\n",
                                     QStringLiteral("seq.json"));
        QVERIFY(one.issues.empty());
        QCOMPARE(one.records.size(), size_t(2));
        QCOMPARE(one.records[1].line, 5);
    }

    void jsonArrayErrors()
    {
        // a bad element is one bad record with its line; the next element is read
        const QByteArray text = "[\n"
                                "  {\"stream\": \"a-1\", \"type\": \"T\"},\n"
                                "  {\"stream\": \"a-1\",\n"
                                "   \"type\": \"T\",\n"
                                "   \"data\": {\"x\" 1}},\n"
                                "  {\"stream\": \"a-1\"},\n"
                                "  42,\n"
                                "  {\"stream\": \"a-1\", \"type\": \"T\"}\n"
                                "]\n";
        const Parsed p = parseText(QStringLiteral("json"), text, QStringLiteral("events.json"));
        QCOMPARE(p.records.size(), size_t(2));
        QCOMPARE(p.records[1].line, 8);
        QCOMPARE(p.records[1].index, 4);
        const QStringList expected = {
            QStringLiteral("events.json:5: record 2: JSON syntax error at column 17: expected ':' after the key, found '1'"),
            QStringLiteral("events.json:6: record 3, field 'type': missing"),
            QStringLiteral("events.json:7: record 4: not a JSON object (found a number)"),
        };
        QCOMPARE(p.issueTexts(), expected);

        // structure errors end the file (Fatal) with the line
        const Parsed open = parseText(QStringLiteral("json"), "[\n{\"stream\":\"a-1\",\"type\":\"T\"},\n{\"stream\":\"a-1\",\"type\":\"T\"}\n",
                                      QStringLiteral("open.json"));
        QCOMPARE(open.records.size(), size_t(2));
        QCOMPARE(open.issueTexts(), QStringList{QStringLiteral("open.json:4: unexpected end of file: the array is not closed (missing ']')")});
        QCOMPARE(open.severities.at(0), IssueSeverity::Fatal);
        QCOMPARE(open.result.status, ParseResult::Status::Failed);

        const Parsed comma = parseText(QStringLiteral("json"), "[{\"stream\":\"a-1\",\"type\":\"T\"},\n]", QStringLiteral("comma.json"));
        QCOMPARE(comma.issueTexts(), QStringList{QStringLiteral("comma.json:2: trailing comma before ']' (no element after ',')")});

        const Parsed missing = parseText(QStringLiteral("json"), "[{\"stream\":\"a-1\",\"type\":\"T\"}\n {\"stream\":\"a-1\",\"type\":\"T\"}]",
                                         QStringLiteral("missing.json"));
        QCOMPARE(missing.issueTexts(), QStringList{QStringLiteral("missing.json:2: expected ',' or ']' after element 1 of the array, found '{'")});

        const Parsed after = parseText(QStringLiteral("json"), "[]\n\nx", QStringLiteral("after.json"));
        QCOMPARE(after.issueTexts(), QStringList{QStringLiteral("after.json:3: unexpected 'x' after the closing ']' of the array")});

        // an element cut by the end of the file
        const Parsed cut = parseText(QStringLiteral("json"), "[{\"stream\":\"a-1\",\n\"type\":\"T", QStringLiteral("cut.json"));
        QCOMPARE(cut.issueTexts(), QStringList{QStringLiteral("cut.json:2: record 1: JSON syntax error at column 8: unterminated string")});
    }

    // ---- CSV ------------------------------------------------------------------------------

    void csvFixture()
    {
        const Parsed p = parseFile(QStringLiteral("csv"), fixture("events.csv"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(5));
        const ImportRecord &r0 = p.records[0];
        QCOMPARE(r0.line, 2);
        QCOMPARE(r0.event.id, QStringLiteral("a1b2c3d4-0000-4000-8000-000000000001"));
        QCOMPARE(r0.stream, QStringLiteral("account-9"));
        QCOMPARE(r0.event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(r0.event.data, QByteArray("{\"owner\":\"Eve, Jr.\",\"currency\":\"EUR\"}"));
        QCOMPARE(iso(r0.event.timeMs), QByteArray("2024-01-15T08:00:00.250Z"));
        QCOMPARE(r0.event.metadata, QByteArray("{\"Source\":\"web\"}"));
        // a quoted field over two lines
        const ImportRecord &r1 = p.records[1];
        QCOMPARE(r1.line, 3);
        QCOMPARE(r1.event.data, QByteArray("{\"amount\":120,\"note\":\"paid in cash\"}"));
        QCOMPARE(iso(r1.event.timeMs), QByteArray("2024-01-15T08:00:00.000Z"));
        QCOMPARE(r1.event.metadata, QByteArray("{}"));
        // quoted plain fields, Unix milliseconds
        const ImportRecord &r2 = p.records[2];
        QCOMPARE(r2.line, 5);
        QCOMPARE(r2.stream, QStringLiteral("account-9"));
        QCOMPARE(r2.event.type, QStringLiteral("Withdrawn"));
        QCOMPARE(iso(r2.event.timeMs), QByteArray("2024-01-15T09:00:00.123Z"));
        QCOMPARE(r2.event.metadata, QByteArray("{\"Source\":\"atm\"}"));
        // after a blank line: no id, ISO time with an offset
        const ImportRecord &r3 = p.records[3];
        QCOMPARE(r3.line, 7);
        QCOMPARE(r3.index, 3);
        QVERIFY(r3.event.id.isEmpty());
        QCOMPARE(iso(r3.event.timeMs), QByteArray("2024-01-16T10:00:00.000Z"));
        // a payload that is not JSON is kept as raw bytes; no time; a quoted comma
        const ImportRecord &r4 = p.records[4];
        QCOMPARE(r4.event.data, QByteArray("plain text note"));
        QVERIFY(!r4.event.dataIsJson);
        QVERIFY(!r4.event.timeMs);
        QCOMPARE(r4.event.metadata, QByteArray("{\"Source\":\"branch, north\"}"));
    }

    void csvQuoting_data()
    {
        QTest::addColumn<QByteArray>("row");
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QByteArray>("type");
        QTest::newRow("quoted comma") << QByteArray("\"a,1\",T") << QByteArray("a,1") << QByteArray("T");
        QTest::newRow("doubled quotes") << QByteArray("\"say \"\"hi\"\"\",T") << QByteArray("say \"hi\"") << QByteArray("T");
        QTest::newRow("newline in field") << QByteArray("\"two\nlines\",T") << QByteArray("two\nlines") << QByteArray("T");
        QTest::newRow("crlf in field") << QByteArray("\"two\r\nlines\",T") << QByteArray("two\r\nlines") << QByteArray("T");
        QTest::newRow("spaces around") << QByteArray("  a-1  ,  \" T \"  ") << QByteArray("a-1") << QByteArray(" T ");
        QTest::newRow("only quotes") << QByteArray("\"\"\"\"\"\",T") << QByteArray("\"\"") << QByteArray("T");
        QTest::newRow("utf8") << QByteArray("K\xC3\xB6ln-1,\xE2\x82\xAC") << QByteArray("K\xC3\xB6ln-1") << QByteArray("\xE2\x82\xAC");
    }

    void csvQuoting()
    {
        QFETCH(QByteArray, row);
        QFETCH(QByteArray, stream);
        QFETCH(QByteArray, type);
        for (const QByteArray &eol : {QByteArray("\n"), QByteArray("\r\n")}) {
            const QByteArray text = "stream,type" + eol + row + eol + "last,T";
            const Parsed p = parseText(QStringLiteral("csv"), text, QStringLiteral("q.csv"));
            QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
            QCOMPARE(p.records.size(), size_t(2));
            QCOMPARE(p.records[0].stream.toUtf8(), stream);
            QCOMPARE(p.records[0].event.type.toUtf8(), type);
            QCOMPARE(p.records[1].stream, QStringLiteral("last"));
            QCOMPARE(p.records[1].line, 3 + row.count('\n'));
        }
    }

    void csvHeaderMatching()
    {
        // case, spaces, '_' and '-' do not matter; a BOM is skipped; JSON field names work too
        const QByteArray text = "\xEF\xBB\xBF" "EVENT_ID,aggregate-id,eventtype,  payload , TIME STAMP,Metadata,Version\r\n"
                                "e-1,acc-1,Opened,\"{\"\"a\"\": 1}\",1700000000,\"{\"\"user\"\":\"\"u1\"\"}\",0\r\n";
        const Parsed p = parseText(QStringLiteral("csv"), text, QStringLiteral("h.csv"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(1));
        QCOMPARE(p.records[0].event.id, QStringLiteral("e-1"));
        QCOMPARE(p.records[0].stream, QStringLiteral("acc-1"));
        QCOMPARE(p.records[0].event.data, QByteArray("{\"a\":1}"));
        QCOMPARE(p.records[0].event.metadata, QByteArray("{\"user\":\"u1\"}"));
        QCOMPARE(p.records[0].version, std::optional<qint64>(0));
        QCOMPARE(iso(p.records[0].event.timeMs), QByteArray("2023-11-14T22:13:20.000Z"));
    }

    void csvErrors()
    {
        const QByteArray text = "Event ID,Aggregate ID,Event Type,Payload,Timestamp\n"
                                "1,a-1,T,{},2024-01-01T00:00:00Z\n"          // 2 ok
                                "2,a-1,T,{}\n"                                // 3 too few fields
                                "3,a-1,T,\"{\"\"x\"\":}\",2024-01-01\n"        // 4 bad JSON payload
                                "4,a-1,T,{},31/12/2023\n"                     // 5 bad timestamp
                                "5,,T,{},\n"                                  // 6 no stream
                                "6,a-1,,{},\n"                                // 7 no type
                                "7,a-1,T,\"{}\"x,\n"                          // 8 junk after quote
                                "8,a-1,T,{},\n";                              // 9 ok
        const Parsed p = parseText(QStringLiteral("csv"), text, QStringLiteral("events.csv"));
        QCOMPARE(p.records.size(), size_t(2));
        const QStringList expected = {
            QStringLiteral("events.csv:3: record 2: expected 5 fields (as in the header), found 4"),
            QStringLiteral("events.csv:4: record 3, field 'Payload': invalid JSON: JSON syntax error at column 6: expected a value, found '}'"),
            QStringLiteral("events.csv:5: record 4, field 'Timestamp': not a valid time: '31/12/2023' (expected ISO 8601 or Unix seconds/milliseconds)"),
            QStringLiteral("events.csv:6: record 5, field 'Aggregate ID': missing"),
            QStringLiteral("events.csv:7: record 6, field 'Event Type': missing"),
            QStringLiteral("events.csv:8: record 7: field 4: text after the closing quote"),
        };
        QCOMPARE(p.issueTexts(), expected);

        // an unterminated quote ends the file with the line where it opened
        const Parsed u = parseText(QStringLiteral("csv"), "stream,type,data\na-1,T,{}\na-1,T,\"{\n\n", QStringLiteral("u.csv"));
        QCOMPARE(u.records.size(), size_t(1));
        QCOMPARE(u.issueTexts(), QStringList{QStringLiteral("u.csv:3: record 2: unterminated quoted field: the quote opened on line 3 is never closed")});
        QCOMPARE(u.severities.at(0), IssueSeverity::Fatal);

        // a header without the required columns makes the file unusable
        const Parsed h = parseText(QStringLiteral("csv"), "name,amount\nx,1\n", QStringLiteral("h.csv"));
        QVERIFY(h.records.empty());
        QCOMPARE(h.issueTexts(), QStringList{QStringLiteral("h.csv:1: header row has no stream ('Aggregate ID') column (expected a header like \"Event ID, Aggregate ID, Event Type, Payload, Timestamp\")")});
        QCOMPARE(h.severities.at(0), IssueSeverity::File);
    }

    // ---- CloudEvents ------------------------------------------------------------------------

    void cloudEventsFixture()
    {
        const Parsed p = parseFile(QStringLiteral("cloudevents"), fixture("cloudevents.json"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(4));
        const ImportRecord &r0 = p.records[0];
        QCOMPARE(r0.stream, QStringLiteral("account-31")); // subject
        QCOMPARE(r0.event.type, QStringLiteral("com.example.bank.AccountOpened"));
        QCOMPARE(r0.event.id, QStringLiteral("ce-0001"));
        QCOMPARE(iso(r0.event.timeMs), QByteArray("2024-04-05T17:31:00.987Z"));
        QCOMPARE(r0.event.data, QByteArray("{\"owner\":\"Frank\",\"limit\":500}"));
        QVERIFY(r0.event.dataIsJson);
        QVERIFY(!r0.version);
        QCOMPARE(r0.event.metadata,
                 QByteArray("{\"specversion\":\"1.0\",\"source\":\"/bank/accounts\",\"datacontenttype\":\"application/json\","
                            "\"dataschema\":\"https://example.com/schemas/account-opened.json\","
                            "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\",\"correlationid\":\"corr-77\"}"));
        // data_base64 holding JSON, time with an offset
        QCOMPARE(p.records[1].event.data, QByteArray("{\"amount\":40}"));
        QVERIFY(p.records[1].event.dataIsJson);
        QCOMPARE(iso(p.records[1].event.timeMs), QByteArray("2024-04-05T15:32:00.000Z"));
        // no subject: the source is the stream; binary data_base64 stays raw bytes; no time
        QCOMPARE(p.records[2].stream, QStringLiteral("urn:sensor:bank-scanner"));
        QCOMPARE(p.records[2].event.data, QByteArray("\x89PNG\r\n\x1a\n"));
        QVERIFY(!p.records[2].event.dataIsJson);
        QVERIFY(!p.records[2].event.timeMs);
        QCOMPARE(p.records[2].event.metadata,
                 QByteArray("{\"specversion\":\"1.0\",\"source\":\"urn:sensor:bank-scanner\",\"datacontenttype\":\"image/png\"}"));
        // text data
        QCOMPARE(p.records[3].event.data, QByteArray("call back on Monday"));
        QVERIFY(!p.records[3].event.dataIsJson);
    }

    void cloudEventsSingleAndLines()
    {
        const QByteArray one = "{\n  \"specversion\": \"1.0\", \"id\": \"x1\", \"source\": \"/s\", \"type\": \"T\",\n  \"subject\": \"order-1\"\n}\n";
        const Parsed p1 = parseText(QStringLiteral("cloudevents"), one, QStringLiteral("one.json"));
        QVERIFY(p1.issues.empty());
        QCOMPARE(p1.records.size(), size_t(1));
        QCOMPARE(p1.records[0].event.data, QByteArray("null"));

        const QByteArray lines = "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"/s\",\"type\":\"T\",\"data\":1}\n"
                                 "{\"specversion\":\"0.3\",\"id\":\"b\",\"source\":\"/s\",\"type\":\"T\"}\n"
                                 "{\"specversion\":\"1.0\",\"source\":\"/s\",\"type\":\"T\"}\n"
                                 "{\"specversion\":\"1.0\",\"id\":\"d\",\"source\":\"/s\",\"type\":\"T\",\"time\":\"noon\"}\n"
                                 "{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"/s\",\"type\":\"T\",\"data_base64\":\"!!\"}\n"
                                 "{\"specversion\":\"1.0\",\"id\":\"f\",\"type\":\"T\"}\n";
        const Parsed p = parseText(QStringLiteral("cloudevents"), lines, QStringLiteral("ce.jsonl"));
        QCOMPARE(p.records.size(), size_t(1));
        const QStringList expected = {
            QStringLiteral("ce.jsonl:2: record 2, field 'specversion': unsupported CloudEvents version \"0.3\" (expected \"1.0\")"),
            QStringLiteral("ce.jsonl:3: record 3, field 'id': missing"),
            QStringLiteral("ce.jsonl:4: record 4, field 'time': not a valid RFC 3339 time: \"noon\""),
            QStringLiteral("ce.jsonl:5: record 5, field 'data_base64': invalid base64"),
            QStringLiteral("ce.jsonl:6: record 6, field 'source': missing"),
        };
        QCOMPARE(p.issueTexts(), expected);
    }

    // ---- kcat -----------------------------------------------------------------------------

    void kcatFixture()
    {
        const Parsed p = parseFile(QStringLiteral("kcat"), fixture("kcat.jsonl"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(6));
        const ImportRecord &r0 = p.records[0];
        QCOMPARE(r0.stream, QStringLiteral("account-5"));
        QCOMPARE(r0.event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(r0.event.data, QByteArray("{\"type\":\"AccountOpened\",\"owner\":\"Gina\"}"));
        QCOMPARE(iso(r0.event.timeMs), QByteArray("2024-04-06T08:00:00.123Z"));
        QVERIFY(!r0.version); // versions follow the file's offset order per stream
        QCOMPARE(r0.event.metadata,
                 QByteArray("{\"topic\":\"bank-events\",\"partition\":0,\"offset\":1041,\"headers\":{\"correlation_id\":"
                            "\"5f0c1c9e-6a57-4f3b-b7e7-0f1a2b3c4d5e\",\"content-type\":\"application/json\"}}"));
        QVERIFY(!QUuid::fromString(r0.event.id).isNull());
        // eventType inside the payload
        QCOMPARE(p.records[1].event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(p.records[1].stream, QStringLiteral("account-6"));
        QCOMPARE(p.records[1].event.metadata, QByteArray("{\"topic\":\"bank-events\",\"partition\":1,\"offset\":377}"));
        // repeated header names keep every value
        QCOMPARE(p.records[2].event.metadata,
                 QByteArray("{\"topic\":\"bank-events\",\"partition\":0,\"offset\":1042,\"headers\":{\"trace\":[\"a\",\"b\"]}}"));
        // null key: <topic>-<partition>; no type in the payload: the topic
        QCOMPARE(p.records[3].stream, QStringLiteral("bank-events-1"));
        QCOMPARE(p.records[3].event.type, QStringLiteral("bank-events"));
        // a payload that is not JSON stays raw bytes
        QCOMPARE(p.records[4].event.data, QByteArray("legacy text payload, not JSON"));
        QVERIFY(!p.records[4].event.dataIsJson);
        QCOMPARE(p.records[4].event.type, QStringLiteral("bank-events"));
        QCOMPARE(p.records[4].event.metadata, QByteArray("{\"topic\":\"bank-events\",\"partition\":0,\"offset\":1043,\"headers\":{}}"));
        // a null payload (tombstone)
        QCOMPARE(p.records[5].event.data, QByteArray("null"));

        // ids are name-based on topic/partition/offset: the same on every parse, all different
        const Parsed again = parseFile(QStringLiteral("kcat"), fixture("kcat.jsonl"));
        QSet<QString> ids;
        for (size_t i = 0; i < p.records.size(); ++i) {
            QCOMPARE(again.records[i].event.id, p.records[i].event.id);
            ids.insert(p.records[i].event.id);
        }
        QCOMPARE(ids.size(), 6);
    }

    void kcatErrors()
    {
        const QByteArray text =
            "{\"topic\":\"t\",\"partition\":0,\"offset\":5,\"ts\":1712390400000,\"key\":\"k-1\",\"payload\":\"{}\"}\n"
            "{\"topic\":\"t\",\"partition\":0,\"offset\":4,\"ts\":1712390400000,\"key\":\"k-1\",\"payload\":\"{}\"}\n"
            "{\"topic\":\"t\",\"offset\":6,\"key\":\"k-1\",\"payload\":\"{}\"}\n"
            "{\"topic\":\"t\",\"partition\":0,\"offset\":7,\"headers\":[\"a\"],\"key\":\"k-1\",\"payload\":\"{}\"}\n"
            "{\"topic\":\"t\",\"partition\":0,\"offset\":8,\"ts\":\"now\",\"key\":\"k-1\",\"payload\":\"{}\"}\n";
        const Parsed p = parseText(QStringLiteral("kcat"), text, QStringLiteral("dump.jsonl"));
        QCOMPARE(p.records.size(), size_t(1));
        const QStringList expected = {
            QStringLiteral("dump.jsonl:2: record 2, field 'offset': offset 4 comes after offset 5 of stream 'k-1' in t-0: the dump is not in offset order"),
            QStringLiteral("dump.jsonl:3: record 3, field 'partition': missing"),
            QStringLiteral("dump.jsonl:4: record 4, field 'headers': must be a [name, value, ...] array (found 1 items)"),
            QStringLiteral("dump.jsonl:5: record 5, field 'ts': must be a timestamp in milliseconds, not \"now\""),
        };
        QCOMPARE(p.issueTexts(), expected);
    }

    // ---- EventStoreDB / KurrentDB -------------------------------------------------------------

    void esdbFeed()
    {
        const Parsed p = parseFile(QStringLiteral("esdb"), fixture("esdb-feed.json"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(3));
        // newest first in the feed, oldest first out
        QCOMPARE(p.records[0].version, std::optional<qint64>(0));
        QCOMPARE(p.records[1].version, std::optional<qint64>(1));
        QCOMPARE(p.records[2].version, std::optional<qint64>(2));
        QCOMPARE(p.records[0].index, 0);
        QCOMPARE(p.records[0].line, 64);
        QCOMPARE(p.records[2].line, 19);
        const ImportRecord &r0 = p.records[0];
        QCOMPARE(r0.stream, QStringLiteral("account-42"));
        QCOMPARE(r0.event.type, QStringLiteral("AccountOpened"));
        QCOMPARE(r0.event.id, QStringLiteral("9a8b7c6d-0001-4e5f-8a9b-0c1d2e3f4a01"));
        QCOMPARE(r0.event.data, QByteArray("{\"owner\":\"Ines\"}"));
        QCOMPARE(r0.event.metadata, QByteArray("{\"$correlationId\":\"d1e2f3\"}"));
        QCOMPARE(iso(r0.event.timeMs), QByteArray("2024-03-02T11:13:00.000Z"));
        QCOMPARE(p.records[1].event.metadata, QByteArray("{}")); // metaData ""
        QCOMPARE(p.records[2].event.data, QByteArray("{\"amount\":40}"));
        QCOMPARE(p.records[2].event.metadata,
                 QByteArray("{\"$correlationId\":\"d1e2f3\",\"$causationId\":\"9a8b7c6d-0002-4e5f-8a9b-0c1d2e3f4a02\"}"));
        QCOMPARE(iso(p.records[2].event.timeMs), QByteArray("2024-03-02T11:15:42.612Z"));
    }

    void esdbEvents()
    {
        const Parsed p = parseFile(QStringLiteral("esdb"), fixture("esdb-events.json"));
        QVERIFY2(p.issues.empty(), qPrintable(p.issueTexts().join(u'\n')));
        QCOMPARE(p.records.size(), size_t(3));
        QCOMPARE(p.records[0].stream, QStringLiteral("order-88"));
        QCOMPARE(p.records[0].event.data, QByteArray("{\"total\":42.5}"));
        QCOMPARE(p.records[0].event.metadata, QByteArray("{\"$correlationId\":\"x1\"}"));
        QCOMPARE(iso(p.records[0].event.timeMs), QByteArray("2024-05-01T10:00:00.001Z"));
        QCOMPARE(p.records[1].event.data, QByteArray("{\"carrier\":\"DHL\"}"));
        QCOMPARE(p.records[1].event.metadata, QByteArray("{\"$causationId\":\"5c4b3a29-1111-4a2b-9c3d-4e5f6a7b8c01\"}"));
        QCOMPARE(p.records[1].version, std::optional<qint64>(1));
        // isJson false: raw bytes; metadata that is not JSON is kept under "raw"
        QCOMPARE(p.records[2].event.data, QByteArray("PDF-1.4 label bytes"));
        QVERIFY(!p.records[2].event.dataIsJson);
        QCOMPARE(p.records[2].event.metadata, QByteArray("{\"raw\":\"not json at all\"}"));
    }

    void esdbAtomEntryAndErrors()
    {
        // a single Atom entry with "content" (Accept: application/vnd.eventstore.atom+json)
        const QByteArray entry = "{\n \"title\": \"0@newstream\",\n \"id\": \"http://127.0.0.1:2113/streams/newstream/0\",\n"
                                 " \"updated\": \"2017-12-14T14:59:52.925853Z\",\n \"summary\": \"SomeEvent\",\n"
                                 " \"content\": {\"eventStreamId\": \"newstream\", \"eventNumber\": 0, \"eventType\": \"SomeEvent\",\n"
                                 "  \"eventId\": \"fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4\", \"data\": {\"a\": \"1\"}, \"metadata\": \"\"}\n}\n";
        const Parsed one = parseText(QStringLiteral("esdb"), entry, QStringLiteral("entry.json"));
        QVERIFY2(one.issues.empty(), qPrintable(one.issueTexts().join(u'\n')));
        QCOMPARE(one.records.size(), size_t(1));
        QCOMPARE(one.records[0].stream, QStringLiteral("newstream"));
        QCOMPARE(one.records[0].event.id, QStringLiteral("fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4"));
        QCOMPARE(one.records[0].event.data, QByteArray("{\"a\":\"1\"}"));
        QCOMPARE(iso(one.records[0].event.timeMs), QByteArray("2017-12-14T14:59:52.925Z"));

        const QByteArray bad = "[\n"
                               "{\"eventId\":\"e1\",\"eventType\":\"T\",\"eventNumber\":0,\"streamId\":\"s-1\",\"data\":{}},\n"
                               "{\"eventId\":\"e2\",\"eventType\":\"T\",\"eventNumber\":\"one\",\"streamId\":\"s-1\",\"data\":{}},\n"
                               "{\"eventId\":\"e3\",\"eventType\":\"T\",\"eventNumber\":2,\"data\":{}},\n"
                               "{\"eventId\":\"e4\",\"eventType\":\"T\",\"eventNumber\":3,\"streamId\":\"s-1\"},\n"
                               "{\"eventId\":\"e5\",\"eventType\":\"T\",\"eventNumber\":4,\"streamId\":\"s-1\",\"data\":{},\"metaData\":[1]}\n"
                               "]\n";
        const Parsed p = parseText(QStringLiteral("esdb"), bad, QStringLiteral("esdb.json"));
        QCOMPARE(p.records.size(), size_t(1));
        const QStringList expected = {
            QStringLiteral("esdb.json:3: record 2, field 'eventNumber': must be a non-negative integer, not \"one\""),
            QStringLiteral("esdb.json:4: record 3, field 'streamId': missing"),
            QStringLiteral("esdb.json:5: record 4, field 'data': missing (read Atom feeds with ?embed=body)"),
            QStringLiteral("esdb.json:6: record 5, field 'metaData': must be a JSON object, not an array"),
        };
        QCOMPARE(p.issueTexts(), expected);
    }

    // ---- detection and unusable files ---------------------------------------------------------

    void detectFixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::newRow("jsonl") << fixture("events.jsonl") << QStringLiteral("jsonl");
        QTest::newRow("json") << fixture("events.json") << QStringLiteral("json");
        QTest::newRow("csv") << fixture("events.csv") << QStringLiteral("csv");
        QTest::newRow("cloudevents") << fixture("cloudevents.json") << QStringLiteral("cloudevents");
        QTest::newRow("kcat") << fixture("kcat.jsonl") << QStringLiteral("kcat");
        QTest::newRow("esdb feed") << fixture("esdb-feed.json") << QStringLiteral("esdb");
        QTest::newRow("esdb events") << fixture("esdb-events.json") << QStringLiteral("esdb");
    }

    void detectFixtures()
    {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QCOMPARE(detectFile(file), format);
        // content decides, not the name
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(detectFile(writeTemp(QStringLiteral("renamed.txt"), f.readAll())), format);
    }

    void detectVariants_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("format");
        QTest::newRow("pretty object") << QByteArray("{\n \"stream\": \"a\",\n \"type\": \"T\"\n}") << QStringLiteral("x.json") << QStringLiteral("json");
        QTest::newRow("ce jsonl") << QByteArray("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"T\"}\n") << QStringLiteral("x.jsonl") << QStringLiteral("cloudevents");
        QTest::newRow("ce single pretty") << QByteArray("{\n\"type\":\"T\",\n\"specversion\":\"1.0\"}") << QStringLiteral("x") << QStringLiteral("cloudevents");
        QTest::newRow("esdb single") << QByteArray("{\"eventType\":\"T\",\"eventNumber\":0,\"eventStreamId\":\"s\"}") << QStringLiteral("x") << QStringLiteral("esdb");
        QTest::newRow("kcat array") << QByteArray("[{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"key\":null,\"payload\":\"x\"}]") << QStringLiteral("x") << QStringLiteral("kcat");
        QTest::newRow("csv no ext") << QByteArray("stream,type,data\na,T,{}\n") << QStringLiteral("x.txt") << QStringLiteral("csv");
        QTest::newRow("unknown json by ext") << QByteArray("{\"a\":1}\n{\"a\":2}\n") << QStringLiteral("x.jsonl") << QStringLiteral("jsonl");
        QTest::newRow("leading whitespace") << QByteArray("\n\n   [ {\"stream\":\"a\",\"type\":\"T\"} ]") << QStringLiteral("x") << QStringLiteral("json");
    }

    void detectVariants()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, name);
        QFETCH(QString, format);
        QCOMPARE(detectFile(writeTemp(name, content)), format);
    }

    void unusableFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("error");
        QByteArray garbage(4096, '\0');
        QRandomGenerator rng(42);
        for (char &c : garbage)
            c = static_cast<char>(rng.bounded(256));
        garbage[0] = '\x7f'; // a byte that is not NUL, so the check is about the content
        QTest::newRow("empty") << QByteArray() << QStringLiteral("error: file is empty");
        QTest::newRow("whitespace") << QByteArray(" \n\t\r\n   \n") << QStringLiteral("error: file contains only whitespace, no events");
        QTest::newRow("bom only") << QByteArray("\xEF\xBB\xBF\n") << QStringLiteral("error: file contains only whitespace, no events");
        QTest::newRow("nul bytes") << QByteArray("{\"a\":\0\0\0}", 10) << QStringLiteral("error: binary data (a NUL byte at offset 5), not a text event file");
        QTest::newRow("garbage") << garbage << QStringLiteral("binary");
        QTest::newRow("png") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) << QStringLiteral("error: binary data (byte 0x89 at offset 0 is not UTF-8), not a text event file");
        QTest::newRow("utf16") << QByteArray("\xFF\xFE{\0\"\0", 6) << QStringLiteral("error: UTF-16 text is not supported; save the file as UTF-8");
        QTest::newRow("prose") << QByteArray("Dear diary, today nothing happened.\n") << QStringLiteral("error: cannot detect the format (not JSON Lines, JSON, CSV with a header, CloudEvents, kcat -J or EventStoreDB JSON); use --format");
    }

    void unusableFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, error);
        const QString path = writeTemp(QStringLiteral("bad.jsonl"), content);
        const QString result = detectFile(path);
        if (error == u"binary")
            QVERIFY2(result.startsWith(u"error: binary data"), qPrintable(result));
        else
            QCOMPARE(result, error);

        // every parser, forced onto the file, reports issues and never crashes
        for (const QString &format : FormatDetector::formats()) {
            const Parsed p = parseFile(format, path);
            for (const ImportRecord &r : p.records)
                QVERIFY(!r.stream.isEmpty() && !r.event.type.isEmpty());
            if (!content.trimmed().isEmpty() && content != QByteArray("\xEF\xBB\xBF\n"))
                QVERIFY2(!p.issues.empty() || format == u"csv" || format == u"json", qPrintable(format));
        }
    }

    void formatRegistry()
    {
        QCOMPARE(FormatDetector::formats(),
                 (QStringList{QStringLiteral("jsonl"), QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("cloudevents"),
                              QStringLiteral("kcat"), QStringLiteral("esdb")}));
        for (const QString &f : FormatDetector::formats())
            QCOMPARE(FormatDetector::createParser(f)->formatName(), f);
        QVERIFY(!FormatDetector::createParser(QStringLiteral("xml")));
    }

    void mutatedInputsNeverCrash()
    {
        // every fixture, cut and with flipped bytes, through every parser: issues, never a crash,
        // and every record that comes out is complete
        const char *names[] = {"events.jsonl", "events.json", "events.csv", "cloudevents.json", "kcat.jsonl",
                               "esdb-feed.json", "esdb-events.json"};
        QRandomGenerator rng(7);
        const char specials[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '\n', '\r', '\0', '\xff', '\xc3'};
        int runs = 0;
        for (const char *name : names) {
            QFile f(fixture(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray original = f.readAll();
            for (int round = 0; round < 12; ++round) {
                QByteArray text = original;
                if (round % 3 == 0)
                    text.truncate(rng.bounded(text.size()));
                for (int k = 0; k < 1 + round; ++k) {
                    if (text.isEmpty())
                        break;
                    text[rng.bounded(text.size())] = specials[rng.bounded(int(sizeof specials))];
                }
                QBuffer buffer(&text);
                for (const QString &format : FormatDetector::formats()) {
                    QVERIFY(buffer.open(QIODevice::ReadOnly));
                    auto parser = FormatDetector::createParser(format);
                    const Parsed p = parseDevice(*parser, buffer, QString::fromLatin1(name));
                    buffer.close();
                    for (const ImportRecord &r : p.records) {
                        QVERIFY(!r.stream.isEmpty());
                        QVERIFY(!r.event.type.isEmpty());
                        QVERIFY(r.event.metadata.startsWith('{') && r.event.metadata.endsWith('}'));
                    }
                    for (const ImportIssue &i : p.issues)
                        QVERIFY(!i.reason.isEmpty());
                    ++runs;
                }
            }
        }
        QCOMPARE(runs, 7 * 12 * 6);
    }

    // ---- streaming, progress, cancel -----------------------------------------------------------

    void streamingIsBounded_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("jsonl") << QStringLiteral("jsonl");
        QTest::newRow("json array") << QStringLiteral("json");
        QTest::newRow("csv") << QStringLiteral("csv");
    }

    void streamingIsBounded()
    {
        QFETCH(QString, format);
        constexpr qint64 count = 120000; // 120,000 records of 128 bytes: ~15 MB, generated on the fly
        constexpr qint64 width = 128;
        auto unit = [&format](qint64 i) -> QByteArray {
            const QByteArray n = QByteArray::number(i);
            if (format == u"csv")
                return "e-" + n + ",acct-" + QByteArray::number(i % 97) + ",Deposited,\"{\"\"amount\"\":" + n + "}\"," + QByteArray::number(1700000000 + i);
            return "{\"stream\":\"acct-" + QByteArray::number(i % 97) + "\",\"type\":\"Deposited\",\"id\":\"e-" + n
                + "\",\"data\":{\"amount\":" + n + "}}";
        };
        QByteArray prefix, separator = "\n", suffix = "\n";
        if (format == u"json") {
            prefix = "[\n";
            separator = ",\n";
            suffix = "\n]\n";
        } else if (format == u"csv") {
            prefix = "Event ID,Aggregate ID,Event Type,Payload,Timestamp\n";
        }
        GeneratedDevice device(prefix, unit, separator, suffix, count, width);
        QVERIFY(device.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        auto parser = FormatDetector::createParser(format);
        qint64 records = 0;
        qint64 maxAhead = 0;
        qint64 lastProgress = 0;
        int progressCalls = 0;
        bool monotonic = true;
        const ParseResult result = parser->parse(
            device, QStringLiteral("generated"),
            [&](ImportRecord &&r) {
                // the reader is never more than a couple of chunks ahead of the record it delivers
                maxAhead = std::max(maxAhead, device.generated() - device.offsetOf(r.index));
                if (r.index != records || r.event.id != u"e-" + QString::number(records))
                    return false;
                ++records;
                return true;
            },
            [&](const ImportIssue &issue, IssueSeverity) {
                qWarning() << issue.toString();
                return false;
            },
            [&](qint64 done, qint64 total) {
                monotonic = monotonic && done >= lastProgress && total == device.size();
                lastProgress = done;
                ++progressCalls;
            });
        QCOMPARE(result.status, ParseResult::Status::Completed);
        QCOMPARE(records, count);
        QVERIFY(monotonic);
        QCOMPARE(lastProgress, device.size());
        QVERIFY(progressCalls >= device.size() / ChunkReader::DefaultChunkSize);
        QVERIFY2(device.largestRead() <= ChunkReader::DefaultChunkSize, qPrintable(QString::number(device.largestRead())));
        QVERIFY2(maxAhead <= 2 * ChunkReader::DefaultChunkSize, qPrintable(QString::number(maxAhead)));
    }

    void cancelStopsParsing()
    {
        QByteArray text;
        for (int i = 0; i < 5000; ++i)
            text += "{\"stream\":\"s-1\",\"type\":\"T\"}\n";
        const QString path = writeTemp(QStringLiteral("cancel.jsonl"), text);
        for (const QString &format : {QStringLiteral("jsonl"), QStringLiteral("json")}) {
            auto parser = FormatDetector::createParser(format);
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            std::atomic_bool cancel = false;
            qint64 records = 0;
            const ParseResult result = parser->parse(
                file, QStringLiteral("cancel.jsonl"),
                [&](ImportRecord &&) {
                    if (++records == 10)
                        cancel = true;
                    return true;
                },
                [](const ImportIssue &, IssueSeverity) { return true; }, {}, &cancel);
            QCOMPARE(result.status, ParseResult::Status::Cancelled);
            QCOMPARE(records, 10);
        }
    }

    void callbackStopsParsing()
    {
        const Parsed all = parseFile(QStringLiteral("jsonl"), fixture("events.jsonl"));
        auto parser = FormatDetector::createParser(QStringLiteral("jsonl"));
        QFile file(fixture("events.jsonl"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        int seen = 0;
        const ParseResult result = parser->parse(
            file, QStringLiteral("events.jsonl"), [&](ImportRecord &&) { return ++seen < 3; },
            [](const ImportIssue &, IssueSeverity) { return true; });
        QCOMPARE(result.status, ParseResult::Status::Stopped);
        QCOMPARE(seen, 3);
        QVERIFY(all.records.size() > 3);
    }
};

QTEST_GUILESS_MAIN(TestImporters)
#include "tst_importers.moc"
