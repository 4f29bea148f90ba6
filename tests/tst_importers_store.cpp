// Tests of the import orchestrator (importers/importer.h) against a real SQLite store file:
// one transaction per import, abort and skip modes, versions and idempotency, assignment of
// missing ids and times, cancel, reports, and that source files are never modified.

#include "eventstore.h"
#include "formatdetector.h"
#include "importer.h"
#include "timeutil.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <atomic>
#include <memory>

using namespace eventlens;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(EVENTLENS_TEST_DATA "/import/") + QString::fromLatin1(name);
}

QByteArray digest(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

QStringList texts(const std::vector<ImportIssue> &issues)
{
    QStringList out;
    for (const ImportIssue &i : issues)
        out.append(i.toString());
    return out;
}

std::vector<qint64> versions(const std::vector<Event> &events)
{
    std::vector<qint64> out;
    for (const Event &e : events)
        out.push_back(e.version);
    return out;
}

} // namespace

class TestImportersStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_stores = 0;

    std::unique_ptr<EventStore> newStore()
    {
        return EventStore::open(m_dir.filePath(QStringLiteral("store-%1.db").arg(++m_stores)));
    }

    QString writeTemp(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile::remove(path);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        f.write(bytes);
        return path;
    }

    ImportReport import(EventStore &store, const QStringList &files, OnError onError = OnError::Abort,
                        const QString &format = QStringLiteral("auto"))
    {
        ImportOptions options;
        options.format = format;
        options.onError = onError;
        return Importer(store, options).run(files);
    }

    qint64 total(EventStore &store) { return store.count(EventQuery{}); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void importsJsonLinesWithVersionsIdsAndTimes()
    {
        auto store = newStore();
        const qint64 before = timeutil::nowMs();
        const ImportReport report = import(*store, {fixture("events.jsonl")});
        const qint64 after = timeutil::nowMs();
        QVERIFY2(report.ok(), qPrintable(report.summary()));
        QCOMPARE(report.files.size(), size_t(1));
        const FileImportReport &f = report.files[0];
        QCOMPARE(f.format, QStringLiteral("jsonl"));
        QCOMPARE(f.read, 7);
        QCOMPARE(f.imported, 7);
        QCOMPARE(f.skipped, 0);
        QCOMPARE(f.streams, (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2"), QStringLiteral("order-7")}));
        QCOMPARE(total(*store), 7);

        // explicit versions 0,1,2; account-2 has 0 explicit then one without version -> 1
        const auto account1 = store->readStream(QStringLiteral("account-1"), 0);
        QCOMPARE(versions(account1), (std::vector<qint64>{0, 1, 2}));
        QCOMPARE(account1[2].type, QStringLiteral("Withdrawn"));
        const auto account2 = store->readStream(QStringLiteral("account-2"), 0);
        QCOMPARE(versions(account2), (std::vector<qint64>{0, 1}));
        QCOMPARE(account2[1].type, QStringLiteral("Deposited"));
        // no versions: assigned in file order
        const auto order7 = store->readStream(QStringLiteral("order-7"), 0);
        QCOMPARE(versions(order7), (std::vector<qint64>{0, 1}));
        QCOMPARE(order7[0].type, QStringLiteral("OrderPlaced"));
        QCOMPARE(order7[1].type, QStringLiteral("ItemAdded"));
        // a missing id is a generated UUID; a missing time is the import time
        QVERIFY(!QUuid::fromString(order7[0].id).isNull());
        QVERIFY(order7[0].timeMs >= before && order7[0].timeMs <= after);
        QCOMPARE(timeutil::formatIso(order7[1].timeMs), QByteArray("2024-03-02T08:30:00.500Z"));
        QCOMPARE(order7[0].metadata, QByteArray("{\"tenant\":\"acme\"}"));
        // file order is log order
        const auto log = store->read(EventQuery{});
        QCOMPARE(log.size(), size_t(7));
        QCOMPARE(log[0].id, QStringLiteral("6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c01"));
        QCOMPARE(log[3].type, QStringLiteral("Withdrawn"));
        QCOMPARE(log[0].data, QByteArray("{\"owner\":\"Alice Martin\",\"currency\":\"EUR\"}"));
    }

    void importsEveryFixture_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("stream");
        QTest::addColumn<QStringList>("types");
        QTest::newRow("json") << fixture("events.json") << QStringLiteral("json") << 4 << QStringLiteral("order-1")
                              << QStringList{QStringLiteral("OrderPlaced"), QStringLiteral("ItemAdded"), QStringLiteral("OrderPaid")};
        QTest::newRow("csv") << fixture("events.csv") << QStringLiteral("csv") << 5 << QStringLiteral("account-9")
                             << QStringList{QStringLiteral("AccountOpened"), QStringLiteral("Deposited"), QStringLiteral("Withdrawn")};
        QTest::newRow("cloudevents") << fixture("cloudevents.json") << QStringLiteral("cloudevents") << 4 << QStringLiteral("account-31")
                                     << QStringList{QStringLiteral("com.example.bank.AccountOpened"), QStringLiteral("com.example.bank.Deposited"),
                                                    QStringLiteral("com.example.bank.NoteAdded")};
        // versions follow the offsets of the key's records
        QTest::newRow("kcat") << fixture("kcat.jsonl") << QStringLiteral("kcat") << 6 << QStringLiteral("account-5")
                              << QStringList{QStringLiteral("AccountOpened"), QStringLiteral("Deposited"), QStringLiteral("bank-events")};
        // the feed lists newest first; explicit event numbers only fit oldest first
        QTest::newRow("esdb feed") << fixture("esdb-feed.json") << QStringLiteral("esdb") << 3 << QStringLiteral("account-42")
                                   << QStringList{QStringLiteral("AccountOpened"), QStringLiteral("Deposited"), QStringLiteral("Withdrawn")};
        QTest::newRow("esdb events") << fixture("esdb-events.json") << QStringLiteral("esdb") << 3 << QStringLiteral("order-88")
                                     << QStringList{QStringLiteral("OrderPlaced"), QStringLiteral("OrderShipped"), QStringLiteral("LabelPrinted")};
    }

    void importsEveryFixture()
    {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(int, count);
        QFETCH(QString, stream);
        QFETCH(QStringList, types);
        auto store = newStore();
        const ImportReport report = import(*store, {file});
        QVERIFY2(report.ok(), qPrintable(report.summary()));
        QCOMPARE(report.files.at(0).format, format);
        QCOMPARE(report.totalImported(), count);
        QCOMPARE(total(*store), count);
        const auto events = store->readStream(stream, 0);
        QStringList actual;
        for (const Event &e : events)
            actual.append(e.type);
        QCOMPARE(actual, types);
        for (size_t i = 0; i < events.size(); ++i)
            QCOMPARE(events[i].version, qint64(i));
        // the hash chain over imported events verifies
        QVERIFY(store->verify().ok);
    }

    void rawPayloadsRoundTrip()
    {
        auto store = newStore();
        QVERIFY(import(*store, {fixture("cloudevents.json")}).ok());
        const auto scans = store->readStream(QStringLiteral("urn:sensor:bank-scanner"), 0);
        QCOMPARE(scans.size(), size_t(1));
        QVERIFY(!scans[0].dataIsJson);
        QCOMPARE(scans[0].data, QByteArray("\x89PNG\r\n\x1a\n"));
        QCOMPARE(timeutil::formatIso(store->readStream(QStringLiteral("account-31"), 0).at(0).timeMs),
                 QByteArray("2024-04-05T17:31:00.987Z"));
    }

    void abortLeavesStoreUnchanged()
    {
        auto store = newStore();
        QVERIFY(import(*store, {fixture("events.jsonl")}).ok());
        const qint64 countBefore = total(*store);
        const QByteArray hashBefore = store->info().headHash;

        const QString good = writeTemp(QStringLiteral("good.jsonl"), "{\"stream\":\"new-1\",\"type\":\"A\"}\n{\"stream\":\"new-1\",\"type\":\"B\"}\n");
        const QString bad = writeTemp(QStringLiteral("bad.jsonl"),
                                      "{\"stream\":\"new-2\",\"type\":\"A\"}\n"
                                      "{\"stream\":\"new-2\",\"type\":\"B\"}\n"
                                      "{\"stream\":\"new-2\",\"data\":{}}\n"
                                      "{\"stream\":\"new-2\",\"type\":\"C\"}\n");
        const ImportReport report = import(*store, {good, bad});
        QCOMPARE(report.status, ImportReport::Status::Failed);
        QVERIFY(report.error);
        QCOMPARE(report.error->toString(), bad + QStringLiteral(":3: record 3, field 'type': missing"));
        QCOMPARE(report.error->file, bad);
        QCOMPARE(report.error->line, 3);
        QCOMPARE(report.error->field, QStringLiteral("type"));
        QCOMPARE(report.totalImported(), 0);
        QCOMPARE(total(*store), countBefore);
        QCOMPARE(store->info().headHash, hashBefore);
        QCOMPARE(store->streamVersion(QStringLiteral("new-1")), -1);
        QVERIFY(store->verify().ok);

        // the store is usable afterwards
        QVERIFY(import(*store, {good}).ok());
        QCOMPARE(total(*store), countBefore + 2);
    }

    void abortOnStoreConflicts()
    {
        auto store = newStore();
        QVERIFY(import(*store, {fixture("events.jsonl")}).ok());
        const qint64 before = total(*store);

        // a version gap
        const QString gap = writeTemp(QStringLiteral("gap.jsonl"),
                                      "{\"stream\":\"g-1\",\"type\":\"A\",\"version\":0}\n"
                                      "{\"stream\":\"g-1\",\"type\":\"B\",\"version\":2}\n");
        ImportReport r = import(*store, {gap});
        QCOMPARE(r.status, ImportReport::Status::Failed);
        QCOMPARE(r.error->toString(), gap + QStringLiteral(":2: record 2, field 'version': version 2 leaves a gap: stream 'g-1' is at version 0"));
        const QString fresh = writeTemp(QStringLiteral("fresh.jsonl"), "{\"stream\":\"g-2\",\"type\":\"A\",\"version\":3}\n");
        r = import(*store, {fresh});
        QCOMPARE(r.error->toString(),
                 fresh + QStringLiteral(":1: record 1, field 'version': version 3 leaves a gap: stream 'g-2' does not exist yet (expected version 0 first)"));

        // a version taken by another event
        const QString taken = writeTemp(QStringLiteral("taken.jsonl"),
                                        "{\"stream\":\"account-1\",\"type\":\"X\",\"version\":1,\"id\":\"other-id\"}\n");
        r = import(*store, {taken});
        QCOMPARE(r.error->toString(),
                 taken + QStringLiteral(":1: record 1, field 'version': version 1 of stream 'account-1' is already taken by another event (the stream is at version 2)"));

        // an id that exists in another stream
        const QString dup = writeTemp(QStringLiteral("dup.jsonl"),
                                      "{\"stream\":\"d-1\",\"type\":\"X\",\"id\":\"6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c01\"}\n");
        r = import(*store, {dup});
        QCOMPARE(r.status, ImportReport::Status::Failed);
        QCOMPARE(r.error->field, QStringLiteral("id"));
        QCOMPARE(r.error->line, 1);
        QVERIFY2(r.error->reason.contains(u"6f1f3a52-8f0e-4c55-9a43-0d1f6a1b2c01"), qPrintable(r.error->reason));
        QCOMPARE(total(*store), before);
    }

    void skipImportsGoodRecordsAndListsEveryBadOne()
    {
        auto store = newStore();
        const QString a = writeTemp(QStringLiteral("a.jsonl"),
                                    "{\"stream\":\"s-1\",\"type\":\"A\",\"version\":0}\n"   // 1 ok
                                    "{\"stream\":\"s-1\",\"type\":\"B\",\"version\":5}\n"   // 2 gap
                                    "not json\n"                                            // 3 syntax
                                    "{\"stream\":\"s-1\",\"type\":\"C\"}\n"                 // 4 ok -> version 1
                                    "{\"type\":\"D\"}\n"                                    // 5 no stream
                                    "{\"stream\":\"s-2\",\"type\":\"E\",\"id\":\"same\"}\n" // 6 ok
                                    "{\"stream\":\"s-3\",\"type\":\"F\",\"id\":\"same\"}\n" // 7 duplicate id
                                    "{\"stream\":\"s-1\",\"type\":\"G\",\"time\":\"never\"}\n"); // 8 bad time
        const QString b = writeTemp(QStringLiteral("b.csv"),
                                    "Aggregate ID,Event Type,Payload\n"
                                    "s-1,H,{}\n"
                                    "s-1,,{}\n"
                                    "s-4,I,\"{\"\"broken\"\"\"\n"
                                    "s-4,J,{}\n");
        const ImportReport report = import(*store, {a, b}, OnError::Skip);
        QVERIFY2(report.ok(), qPrintable(report.summary()));
        const QStringList expected = {
            a + QStringLiteral(":2: record 2, field 'version': version 5 leaves a gap: stream 's-1' is at version 0"),
            a + QStringLiteral(":3: record 3: JSON syntax error at column 1: expected a value, found 'not'"),
            a + QStringLiteral(":5: record 5, field 'stream': missing"),
            a + QStringLiteral(":7: record 7, field 'id': cannot append to stream 's-3': event id 'same' already exists at position 3 in stream 's-2'"),
            a + QStringLiteral(":8: record 8, field 'time': not a valid time: \"never\" (expected ISO 8601 or Unix seconds/milliseconds)"),
            b + QStringLiteral(":3: record 2, field 'Event Type': missing"),
            b + QStringLiteral(":4: record 3, field 'Payload': invalid JSON: JSON syntax error at column 10: expected ':' after the key, found end of input"),
        };
        QCOMPARE(texts(report.skipped), expected);
        // Review (what the GUI runs first) lists the same records and imports nothing.
        auto reviewed = newStore();
        const ImportReport review = import(*reviewed, {a, b}, OnError::Review);
        QCOMPARE(review.status, ImportReport::Status::Failed);
        QCOMPARE(texts(review.skipped), expected);
        QVERIFY2(review.error && review.error->reason == u"7 bad records; nothing was imported", qPrintable(review.summary()));
        QCOMPARE(review.totalImported(), 0);
        QCOMPARE(total(*reviewed), 0);
        // Without bad records Review imports like the other modes.
        const QString good = writeTemp(QStringLiteral("good.jsonl"), "{\"stream\":\"g-1\",\"type\":\"A\"}\n");
        QVERIFY(import(*reviewed, {good}, OnError::Review).ok());
        QCOMPARE(total(*reviewed), 1);
        QCOMPARE(report.files[0].read, 8);
        QCOMPARE(report.files[0].imported, 3);
        QCOMPARE(report.files[0].skipped, 5);
        QCOMPARE(report.files[0].streams, (QStringList{QStringLiteral("s-1"), QStringLiteral("s-2")}));
        QCOMPARE(report.files[1].read, 4);
        QCOMPARE(report.files[1].imported, 2);
        QCOMPARE(report.files[1].skipped, 2);
        QCOMPARE(report.files[1].streams, (QStringList{QStringLiteral("s-1"), QStringLiteral("s-4")}));
        QCOMPARE(total(*store), 5);
        QStringList s1;
        for (const Event &e : store->readStream(QStringLiteral("s-1"), 0))
            s1.append(e.type + u'@' + QString::number(e.version));
        QCOMPARE(s1, (QStringList{QStringLiteral("A@0"), QStringLiteral("C@1"), QStringLiteral("H@2")}));
    }

    void skipModeKeepsRecordsBeforeATruncation()
    {
        auto store = newStore();
        const QString cut = writeTemp(QStringLiteral("cut.json"),
                                      "[\n{\"stream\":\"t-1\",\"type\":\"A\"},\n{\"stream\":\"t-1\",\"type\":\"B\"},\n{\"stream\":\"t-1\",\"ty");
        const ImportReport skip = import(*store, {cut}, OnError::Skip);
        QVERIFY(skip.ok());
        QCOMPARE(skip.totalImported(), 2);
        QCOMPARE(texts(skip.skipped), QStringList{cut + QStringLiteral(":4: record 3: JSON syntax error at column 17: unterminated string")});
        // The cut record is read, skipped and counted as such, like any other bad record.
        QCOMPARE(skip.totalRead(), 3);
        QCOMPARE(skip.totalSkipped(), 1);
        // A quote that is never closed ends a CSV file the same way.
        const QString csv = writeTemp(QStringLiteral("cut.csv"),
                                      "Event ID,Aggregate ID,Event Type,Payload,Timestamp\n"
                                      "e-1,a-1,Opened,{},2024-01-01T00:00:00Z\n"
                                      "e-2,a-1,Noted,\"{\"\"x\"\":1},2024-01-01T00:00:01Z\n");
        const ImportReport csvSkip = import(*store, {csv}, OnError::Skip);
        QVERIFY(csvSkip.ok());
        QCOMPARE(csvSkip.totalImported(), 1);
        QCOMPARE(csvSkip.totalSkipped(), 1);
        QCOMPARE(csvSkip.skipped.size(), size_t(1));
        QCOMPARE(csvSkip.skipped[0].line, 3);
        auto other = newStore();
        const ImportReport abort = import(*other, {cut});
        QCOMPARE(abort.status, ImportReport::Status::Failed);
        QCOMPARE(total(*other), 0);
    }

    void reimportIsIdempotent_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("count");
        QTest::newRow("esdb feed (versions and ids)") << fixture("esdb-feed.json") << 3;
        QTest::newRow("esdb events") << fixture("esdb-events.json") << 3;
        QTest::newRow("kcat (ids from offsets)") << fixture("kcat.jsonl") << 6;
        QTest::newRow("cloudevents (ids)") << fixture("cloudevents.json") << 4;
        QTest::newRow("json with ids, no versions") << QString() << 3;
    }

    void reimportIsIdempotent()
    {
        QFETCH(QString, file);
        QFETCH(int, count);
        if (file.isEmpty()) {
            file = writeTemp(QStringLiteral("ids.json"),
                             "[{\"stream\":\"i-1\",\"type\":\"A\",\"id\":\"id-1\"},{\"stream\":\"i-1\",\"type\":\"B\",\"id\":\"id-2\"},"
                             "{\"stream\":\"i-2\",\"type\":\"C\",\"id\":\"id-3\"}]");
        }
        auto store = newStore();
        const ImportReport first = import(*store, {file});
        QVERIFY2(first.ok(), qPrintable(first.summary()));
        QCOMPARE(first.totalImported(), count);
        const QByteArray head = store->info().headHash;
        const ImportReport second = import(*store, {file});
        QVERIFY2(second.ok(), qPrintable(second.summary()));
        QCOMPARE(second.totalImported(), 0);
        QCOMPARE(second.totalUnchanged(), count);
        QCOMPARE(total(*store), count);
        QCOMPARE(store->info().headHash, head);
    }

    void partialReimportAppendsOnlyNewRecords()
    {
        auto store = newStore();
        QByteArray text;
        for (int i = 0; i < 5; ++i)
            text += "{\"stream\":\"p-1\",\"type\":\"T\",\"version\":" + QByteArray::number(i) + ",\"id\":\"p-" + QByteArray::number(i) + "\"}\n";
        QVERIFY(import(*store, {writeTemp(QStringLiteral("p1.jsonl"), text)}).ok());
        for (int i = 5; i < 8; ++i)
            text += "{\"stream\":\"p-1\",\"type\":\"T\",\"version\":" + QByteArray::number(i) + ",\"id\":\"p-" + QByteArray::number(i) + "\"}\n";
        const ImportReport r = import(*store, {writeTemp(QStringLiteral("p2.jsonl"), text)});
        QVERIFY2(r.ok(), qPrintable(r.summary()));
        QCOMPARE(r.totalImported(), 3);
        QCOMPARE(r.totalUnchanged(), 5);
        QCOMPARE(store->streamVersion(QStringLiteral("p-1")), 7);
    }

    void unusableFilesFailBeforeTheStoreIsTouched()
    {
        auto store = newStore();
        const QString good = writeTemp(QStringLiteral("ok.jsonl"), "{\"stream\":\"u-1\",\"type\":\"A\"}\n");
        const QString empty = writeTemp(QStringLiteral("empty.jsonl"), QByteArray());
        const QString binary = writeTemp(QStringLiteral("blob.bin"), QByteArray("\x00\x01\x02\xff", 4));
        const QString header = writeTemp(QStringLiteral("nohdr.csv"), "name,amount\nx,1\n");
        for (const OnError mode : {OnError::Abort, OnError::Skip}) {
            ImportReport r = import(*store, {good, empty}, mode);
            QCOMPARE(r.status, ImportReport::Status::Failed);
            QCOMPARE(r.error->toString(), empty + QStringLiteral(": file is empty"));
            r = import(*store, {good, binary}, mode);
            QCOMPARE(r.error->toString(), binary + QStringLiteral(": binary data (a NUL byte at offset 0), not a text event file"));
            r = import(*store, {good, m_dir.filePath(QStringLiteral("missing.jsonl"))}, mode);
            QVERIFY(r.error->toString().startsWith(m_dir.filePath(QStringLiteral("missing.jsonl")) + QStringLiteral(": cannot open: ")));
            r = import(*store, {header}, mode, QStringLiteral("csv"));
            QCOMPARE(r.status, ImportReport::Status::Failed);
            QVERIFY2(r.error->toString().startsWith(header + QStringLiteral(":1: header row has no stream")), qPrintable(r.error->toString()));
            r = import(*store, {good}, mode, QStringLiteral("xml"));
            QCOMPARE(r.error->toString(), QStringLiteral(": unknown format 'xml' (expected auto, jsonl, json, csv, cloudevents, kcat, esdb)"));
            QCOMPARE(total(*store), 0);
        }
    }

    void forcedFormat()
    {
        auto store = newStore();
        // the jsonl fixture read as "json" (a sequence of objects) gives the same events
        const ImportReport r = import(*store, {fixture("events.jsonl")}, OnError::Abort, QStringLiteral("json"));
        QVERIFY2(r.ok(), qPrintable(r.summary()));
        QCOMPARE(r.files[0].format, QStringLiteral("json"));
        QCOMPARE(r.totalImported(), 7);
        // a CSV forced as JSON Lines: every line is a bad record
        const ImportReport csv = import(*store, {fixture("events.csv")}, OnError::Abort, QStringLiteral("jsonl"));
        QCOMPARE(csv.status, ImportReport::Status::Failed);
        QVERIFY(csv.error->toString().startsWith(fixture("events.csv") + QStringLiteral(":1: record 1: JSON syntax error at column 1")));
    }

    void cancelRollsBack()
    {
        auto store = newStore();
        QVERIFY(import(*store, {fixture("events.jsonl")}).ok());
        const qint64 before = total(*store);
        QByteArray text;
        for (int i = 0; i < 20000; ++i)
            text += "{\"stream\":\"c-" + QByteArray::number(i % 50) + "\",\"type\":\"T\",\"data\":{\"i\":" + QByteArray::number(i) + "}}\n";
        const QString big = writeTemp(QStringLiteral("big.jsonl"), text);
        std::atomic_bool cancel = false;
        ImportOptions options;
        options.cancel = &cancel;
        // cancel from the progress callback, after the first chunk was read
        options.progress = [&cancel](qint64 done, qint64) {
            if (done > 0)
                cancel = true;
        };
        const ImportReport r = Importer(*store, options).run({big, fixture("events.csv")});
        QCOMPARE(r.status, ImportReport::Status::Cancelled);
        QCOMPARE(r.totalImported(), 0);
        QCOMPARE(total(*store), before);
        QVERIFY(store->verify().ok);
    }

    void progressCoversAllFiles()
    {
        auto store = newStore();
        const QStringList files = {fixture("events.jsonl"), fixture("events.csv"), fixture("kcat.jsonl")};
        qint64 size = 0;
        for (const QString &f : files)
            size += QFileInfo(f).size();
        qint64 last = -1;
        bool monotonic = true;
        ImportOptions options;
        options.progress = [&](qint64 done, qint64 total) {
            monotonic = monotonic && done >= last && total == size;
            last = done;
        };
        const ImportReport r = Importer(*store, options).run(files);
        QVERIFY(r.ok());
        QVERIFY(monotonic);
        QCOMPARE(last, size);
        QCOMPARE(r.files.size(), size_t(3));
        QCOMPARE(r.files[1].format, QStringLiteral("csv"));
        QCOMPARE(r.files[2].format, QStringLiteral("kcat"));
        QCOMPARE(total(*store), 7 + 5 + 6);
    }

    void sourceFilesAreNeverModified()
    {
        auto store = newStore();
        const QString copy = m_dir.filePath(QStringLiteral("readonly.jsonl"));
        QFile::remove(copy);
        QVERIFY(QFile::copy(fixture("events.jsonl"), copy));
        QVERIFY(QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
        const QByteArray before = digest(copy);
        const QDateTime modified = QFileInfo(copy).lastModified();
        QVERIFY(import(*store, {copy}).ok());
        QCOMPARE(digest(copy), before);
        QCOMPARE(QFileInfo(copy).lastModified(), modified);
        QCOMPARE(QFileInfo(copy).permissions() & QFileDevice::WriteOwner, QFileDevice::Permissions());
        QCOMPARE(total(*store), 7);
    }

    void manyStreamsLargeImport()
    {
        // 30,000 interleaved events over 300 streams, half with explicit versions
        auto store = newStore();
        QByteArray text;
        std::vector<int> next(300, 0);
        for (int i = 0; i < 30000; ++i) {
            const int s = (i * 7919) % 300;
            const int v = next[size_t(s)]++;
            text += "{\"stream\":\"bulk-" + QByteArray::number(s) + "\",\"type\":\"T\",";
            if (s % 2 == 0)
                text += "\"version\":" + QByteArray::number(v) + ',';
            text += "\"data\":{\"i\":" + QByteArray::number(i) + "}}\n";
        }
        const ImportReport r = import(*store, {writeTemp(QStringLiteral("bulk.jsonl"), text)});
        QVERIFY2(r.ok(), qPrintable(r.summary().left(2000)));
        QCOMPARE(total(*store), 30000);
        QCOMPARE(r.files[0].streams.size(), 300);
        for (int s = 0; s < 300; s += 37)
            QCOMPARE(store->streamVersion(QStringLiteral("bulk-%1").arg(s)), next[size_t(s)] - 1);
        // log order is file order
        const auto firstEvents = store->read(EventQuery{.limit = 3});
        QCOMPARE(firstEvents[2].data, QByteArray("{\"i\":2}"));
    }
};

QTEST_GUILESS_MAIN(TestImportersStore)
#include "tst_importers_store.moc"
