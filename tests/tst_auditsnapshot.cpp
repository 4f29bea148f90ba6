// Audit snapshots (AuditSnapshot, verifyAuditSnapshot) over real stores: the small bank store of
// the projection tests, whose states are known by heart, and a deterministic demo store. The
// tamper tests alter copies of a store with the SQLite library directly, bypassing eventlens.

#include "auditsnapshot.h"
#include "demogenerator.h"
#include "eventquery.h"
#include "eventstore.h"
#include "mergestatefunction.h"
#include "projection.h"
#include "projectiontesting.h"
#include "tampering.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace eventlens;
using Json = nlohmann::json;

namespace {

Json parsed(const QByteArray &text)
{
    return Json::parse(text.constData(), text.constData() + text.size());
}

// The state of `stream` at `upTo` by a plain fold with the inspector's default function.
Json mergedState(const EventStore &store, const QString &stream, qint64 upTo)
{
    const MergeStateFunction f;
    nlohmann::ordered_json state = f.initialState();
    for (const Event &e : store.readStream(stream, 0)) {
        if (e.position <= upTo)
            state = f.evolve(state, e);
    }
    return Json::parse(state.dump());
}

QStringList keys(const Json &object)
{
    QStringList out;
    for (const auto &[k, v] : object.items())
        out << QString::fromStdString(k);
    return out;
}

bool hasDifference(const AuditVerification &v, const QString &pathPrefix, qint64 position = -1)
{
    for (const AuditDifference &d : v.differences) {
        if (d.path.startsWith(pathPrefix) && (position < 0 || d.position == position))
            return true;
    }
    return false;
}

QString describe(const AuditVerification &v)
{
    QString text = v.summary();
    for (const AuditDifference &d : v.differences)
        text += QStringLiteral("\n  [%1] %2: %3").arg(d.position).arg(d.path, d.message);
    return text;
}

} // namespace

class TestAuditSnapshot : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void bankStatesAtPosition();
    void canonicalAndDeterministic();
    void pointByTime();
    void badPoints();
    void scopes();
    void projectionStates();
    void projectionErrorNamesTheEvent();
    void csvRows();
    void fromTextErrors();
    void verifyMatches();
    void verifyLaterEventsDoNotMatter();
    void tamperedEventNamesPosition_data();
    void tamperedEventNamesPosition();
    void removedTailIsReported();
    void editedSnapshotFailsItsDigest();
    void cancel();

private:
    QString copyOfDemo(const QString &name);
    QTemporaryDir m_dir;
    QString m_bank;
    QString m_demo;
};

void TestAuditSnapshot::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_bank = m_dir.filePath(QStringLiteral("bank.db"));
    testing::createBankStore(m_bank);
    m_demo = m_dir.filePath(QStringLiteral("demo.db"));
    DemoOptions options;
    options.events = 3000;
    options.accounts = 40;
    DemoGenerator::createStore(m_demo, options);
}

QString TestAuditSnapshot::copyOfDemo(const QString &name)
{
    const QString path = m_dir.filePath(name);
    QFile::remove(path);
    if (!QFile::copy(m_demo, path))
        return {};
    return path;
}

void TestAuditSnapshot::bankStatesAtPosition()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 5;
    request.storeName = QStringLiteral("bank.db");
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    const Json &j = snapshot.json();
    QCOMPARE(snapshot.position(), 5);
    QCOMPARE(j.at("range").at("firstPosition").get<qint64>(), 1);
    QCOMPARE(j.at("range").at("lastPosition").get<qint64>(), 5);
    QCOMPARE(j.at("range").at("events").get<qint64>(), 5);
    QCOMPARE(j.at("store").at("name").get<std::string>(), "bank.db");
    QCOMPARE(j.at("chain").at("headHash").get<std::string>(), store->eventAt(5)->hash.toHex().toStdString());
    // order-1 (position 8) is after the point.
    QCOMPARE(keys(j.at("aggregates")), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2")}));
    const Json &a1 = j.at("aggregates").at("account-1");
    QCOMPARE(a1.at("version").get<qint64>(), 2);
    QCOMPARE(a1.at("events").get<qint64>(), 3);
    QCOMPARE(a1.at("firstPosition").get<qint64>(), 1);
    QCOMPARE(a1.at("lastPosition").get<qint64>(), 5);
    QCOMPARE(a1.at("category").get<std::string>(), "account");
    QCOMPARE(a1.at("lastHash").get<std::string>(), store->eventAt(5)->hash.toHex().toStdString());
    QVERIFY(a1.at("state") == mergedState(*store, QStringLiteral("account-1"), 5));
    QCOMPARE(a1.at("state").at("amount").get<int>(), 30); // the merge of Withdrawn {amount 30}
    QCOMPARE(a1.at("state").at("owner").get<std::string>(), "ada");
    const Json &a2 = j.at("aggregates").at("account-2");
    QCOMPARE(a2.at("version").get<qint64>(), 1);
    QCOMPARE(a2.at("state").at("amount").get<int>(), 50);
    QCOMPARE(snapshot.digest(), snapshot.computeDigest());
    QCOMPARE(snapshot.digest().size(), 64);
    // The digest is what the README says: the SHA-256 of the compact canonical text of the
    // snapshot without "generator" and "digest", so anyone can recompute it.
    Json content = parsed(snapshot.text());
    content.erase("generator");
    content.erase("digest");
    const std::string compact = content.dump();
    QCOMPARE(snapshot.digest(), QString::fromLatin1(QCryptographicHash::hash(QByteArray::fromStdString(compact), QCryptographicHash::Sha256).toHex()));
}

void TestAuditSnapshot::canonicalAndDeterministic()
{
    auto store = EventStore::open(m_demo, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 2000;
    request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
    const AuditSnapshot a = AuditSnapshot::build(*store, request);
    QTest::qWait(5); // a later generation time
    const AuditSnapshot b = AuditSnapshot::build(*store, request);
    QCOMPARE(a.digest(), b.digest());
    Json ja = parsed(a.text());
    Json jb = parsed(b.text());
    QVERIFY(ja.at("generator").at("generatedAt").is_string());
    ja["generator"].erase("generatedAt");
    jb["generator"].erase("generatedAt");
    QCOMPARE(QByteArray::fromStdString(ja.dump(2)), QByteArray::fromStdString(jb.dump(2)));
    // The text differs from the other only in its generatedAt line.
    const QList<QByteArray> la = a.text().split('\n');
    const QList<QByteArray> lb = b.text().split('\n');
    QCOMPARE(la.size(), lb.size());
    int differentLines = 0;
    for (qsizetype i = 0; i < la.size(); ++i) {
        if (la.at(i) != lb.at(i)) {
            ++differentLines;
            QVERIFY(la.at(i).contains("\"generatedAt\""));
        }
    }
    QVERIFY(differentLines <= 1);
    // Keys sorted at every level; the text is its own canonical form.
    QCOMPARE(a.text(), QByteArray::fromStdString(parsed(a.text()).dump(2)) + '\n');
    const qsizetype aggregatesAt = a.text().indexOf("\"aggregates\"");
    const qsizetype chainAt = a.text().indexOf("\"chain\"");
    const qsizetype projectionsAt = a.text().indexOf("\"projections\"");
    QVERIFY(aggregatesAt > 0 && aggregatesAt < chainAt && chainAt < projectionsAt);
    // The digest covers the content: a different point gives a different digest.
    request.atPosition = 1999;
    QVERIFY(AuditSnapshot::build(*store, request).digest() != a.digest());
}

void TestAuditSnapshot::pointByTime()
{
    auto store = EventStore::open(m_demo, EventStore::OpenMode::ReadOnly);
    const std::vector<Event> all = store->read(EventQuery{});
    // The last event at or before a time, found the slow way.
    const auto lastAtOrBefore = [&](qint64 t) {
        qint64 found = 0;
        for (const Event &e : all) {
            if (e.timeMs <= t)
                found = e.position;
        }
        return found;
    };
    for (qint64 t : {all.at(1233).timeMs, all.at(1234).timeMs - 1, all.back().timeMs + 1000, all.front().timeMs}) {
        AuditRequest request;
        request.atTimeMs = t;
        const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
        QCOMPARE(snapshot.position(), lastAtOrBefore(t));
        QCOMPARE(snapshot.timeMs(), store->eventAt(snapshot.position())->timeMs);
        QVERIFY(snapshot.json().at("point").at("requested").contains("time"));
        QVERIFY(!snapshot.json().at("point").at("requested").contains("position"));
    }
}

void TestAuditSnapshot::badPoints()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    const auto failure = [&](AuditRequest request) {
        try {
            AuditSnapshot::build(*store, request);
        } catch (const AuditError &e) {
            return e.message();
        }
        return QString();
    };
    AuditRequest past;
    past.atPosition = 9;
    QVERIFY(failure(past).contains(QStringLiteral("past the end of the log (the last position is 8)")));
    AuditRequest before;
    before.atTimeMs = store->eventAt(1)->timeMs - 1;
    QVERIFY(failure(before).contains(QStringLiteral("no event at or before")));
    AuditRequest both;
    both.atPosition = 1;
    both.atTimeMs = 0;
    QVERIFY(failure(both).contains(QStringLiteral("exactly one point")));
    AuditRequest empty;
    empty.atPosition = 1;
    empty.scope = AuditScope{AuditScope::Kind::Pattern, {}};
    QVERIFY(!failure(empty).isEmpty());

    const QString emptyStore = m_dir.filePath(QStringLiteral("empty.db"));
    auto created = EventStore::open(emptyStore, EventStore::OpenMode::ReadWrite);
    AuditRequest any;
    any.atPosition = 1;
    QVERIFY_THROWS_EXCEPTION(AuditError, AuditSnapshot::build(*created, any));
}

void TestAuditSnapshot::scopes()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    const auto streamsOf = [&](const AuditScope &scope, qint64 at) {
        AuditRequest request;
        request.atPosition = at;
        request.scope = scope;
        const AuditSnapshot s = AuditSnapshot::build(*store, request);
        // The scope is kept, so a verification rebuilds the same set.
        if (!(AuditScope::fromJson(s.json().at("scope")) == scope))
            return QStringList{QStringLiteral("scope not kept")};
        return keys(s.json().at("aggregates"));
    };
    const QString a1 = QStringLiteral("account-1"), a2 = QStringLiteral("account-2"), o1 = QStringLiteral("order-1");
    QCOMPARE(streamsOf(AuditScope::all(), 8), (QStringList{a1, a2, o1}));
    QCOMPARE(streamsOf(AuditScope::categories({QStringLiteral("order")}), 8), (QStringList{o1}));
    QCOMPARE(streamsOf(AuditScope::categories({QStringLiteral("order"), QStringLiteral("account")}), 8), (QStringList{a1, a2, o1}));
    QCOMPARE(streamsOf(AuditScope::pattern(QStringLiteral("account-*")), 8), (QStringList{a1, a2}));
    QCOMPARE(streamsOf(AuditScope::pattern(QStringLiteral("*-1")), 8), (QStringList{a1, o1}));
    QCOMPARE(streamsOf(AuditScope{AuditScope::Kind::Pattern, {QStringLiteral("order-*"), QStringLiteral("account-2")}}, 8), (QStringList{a2, o1}));
    QCOMPARE(streamsOf(AuditScope::streams({a2}), 8), (QStringList{a2}));
    QCOMPARE(streamsOf(AuditScope::streams({o1, a2}), 7), (QStringList{a2})); // order-1 starts at 8
    QCOMPARE(streamsOf(AuditScope::pattern(QStringLiteral("nothing-*")), 8), QStringList());
    // The range always covers the whole log up to the point, whatever the scope.
    AuditRequest request;
    request.atPosition = 6;
    request.scope = AuditScope::streams({a1});
    QCOMPARE(AuditSnapshot::build(*store, request).json().at("range").at("events").get<qint64>(), 6);
    QCOMPARE(AuditScope::pattern(QStringLiteral("account-*")).describe(), QStringLiteral("streams matching account-*"));
}

void TestAuditSnapshot::projectionStates()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 6;
    request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
    const QString total = QStringLiteral(
        "fromAll().when({ $init: function () { return { n: 0, sum: 0.1 }; },\n"
        "  $any: function (s, e) { s.n += 1; if (e.data.amount) s.sum += e.data.amount / 3; } });\n");
    request.projections.push_back({QStringLiteral("total.js"), total});
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    const Json &p = snapshot.json().at("projections");
    QCOMPARE(keys(p), (QStringList{QStringLiteral("balances.js"), QStringLiteral("total.js")}));
    const Json &balances = p.at("balances.js");
    QVERIFY(balances.at("partitioned").get<bool>());
    QCOMPARE(balances.at("partitions").at("account-1").at("balance").get<int>(), 70);
    QCOMPARE(balances.at("partitions").at("account-2").at("balance").get<int>(), -30);
    QCOMPARE(balances.at("script").get<std::string>(), testing::balancesScript().toStdString());
    QCOMPARE(balances.at("scriptSha256").get<std::string>().size(), size_t(64));
    // The same as running the projection itself to the point.
    Projection direct(total, QStringLiteral("total.js"));
    EventQuery q;
    q.toPosition = 6;
    for (const Event &e : store->read(q))
        QVERIFY(!direct.step(e).error);
    QVERIFY(p.at("total.js").at("state") == Json::parse(direct.state().dump()));
    QCOMPARE(p.at("total.js").at("state").at("n").get<int>(), 6);
    QCOMPARE(p.at("total.js").at("eventsProcessed").get<qint64>(), 6);
    // The request comes back from the snapshot, scripts included.
    const AuditRequest back = snapshot.request();
    QCOMPARE(back.atPosition.value_or(0), 6);
    QCOMPARE(back.projections.size(), size_t(2));
    QCOMPARE(back.projections.at(1).script, total);
}

void TestAuditSnapshot::projectionErrorNamesTheEvent()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 8;
    request.projections.push_back({QStringLiteral("bad.js"), QStringLiteral("fromAll().when({ Withdrawn: function (s, e) { throw new Error('no'); } });")});
    try {
        AuditSnapshot::build(*store, request);
        QFAIL("a failing projection must fail the snapshot");
    } catch (const AuditError &e) {
        QVERIFY2(e.message().contains(QStringLiteral("bad.js")) && e.message().contains(QStringLiteral("5")), qPrintable(e.message()));
    }
    request.projections = {{QStringLiteral("syntax.js"), QStringLiteral("fromAll().when({")}};
    QVERIFY_THROWS_EXCEPTION(AuditError, AuditSnapshot::build(*store, request));
    request.projections = {{QStringLiteral("a.js"), testing::balancesScript()}, {QStringLiteral("a.js"), testing::balancesScript()}};
    QVERIFY_THROWS_EXCEPTION(AuditError, AuditSnapshot::build(*store, request));
}

void TestAuditSnapshot::csvRows()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 8;
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    const QList<QByteArray> lines = snapshot.csv().split('\n');
    QCOMPARE(lines.size(), 5); // header, three aggregates, the empty rest after the last CRLF
    QCOMPARE(lines.at(0), QByteArray("stream,category,version,events,first_position,last_position,last_time,last_hash,state\r"));
    QVERIFY(lines.at(1).startsWith("account-1,account,3,4,1,7,"));
    QVERIFY2(lines.at(1).endsWith(",\"{\"\"_lastEventType\"\":\"\"Deposited\"\",\"\"_version\"\":3,\"\"amount\"\":10,\"\"owner\"\":\"\"ada\"\"}\"\r"),
             lines.at(1).constData());
    QVERIFY(lines.at(3).startsWith("order-1,order,0,1,8,8,"));
    QVERIFY(lines.at(4).isEmpty());
}

void TestAuditSnapshot::fromTextErrors()
{
    const auto failure = [](const QByteArray &text) {
        try {
            AuditSnapshot::fromText(text, QStringLiteral("s.json"));
        } catch (const AuditError &e) {
            return e.message();
        }
        return QString();
    };
    QVERIFY(failure("{not json").startsWith(QStringLiteral("s.json: not JSON")));
    QVERIFY(failure(R"({"format":"other"})").contains(QStringLiteral("not an eventlens audit snapshot")));
    QVERIFY(failure(R"({"format":"eventlens-audit-snapshot","formatVersion":2})").contains(QStringLiteral("version 2 is not supported")));
    QVERIFY(failure(R"({"format":"eventlens-audit-snapshot","formatVersion":1})").contains(QStringLiteral("'point' is missing")));

    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 3;
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    const AuditSnapshot back = AuditSnapshot::fromText(snapshot.text());
    QCOMPARE(back.text(), snapshot.text());
    Json broken = snapshot.json();
    broken.erase("digest");
    QVERIFY(failure(QByteArray::fromStdString(broken.dump())).contains(QStringLiteral("'digest' is missing")));
    broken = snapshot.json();
    broken["scope"]["kind"] = "everything";
    QVERIFY(failure(QByteArray::fromStdString(broken.dump())).contains(QStringLiteral("unknown kind 'everything'")));
}

void TestAuditSnapshot::verifyMatches()
{
    auto store = EventStore::open(m_demo, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 2500;
    request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
    const AuditSnapshot snapshot = AuditSnapshot::fromText(AuditSnapshot::build(*store, request).text());
    const AuditVerification v = verifyAuditSnapshot(*store, snapshot);
    QVERIFY2(v.ok, qPrintable(describe(v)));
    QVERIFY(v.digestOk);
    QCOMPARE(v.checked, 2500);
    QCOMPARE(v.firstBadPosition, 0);
    QVERIFY(v.differences.empty());
    QVERIFY(v.summary().startsWith(QStringLiteral("matches: 2500 events verified up to position 2500")));
    QCOMPARE(v.toJson().at("ok").get<bool>(), true);
}

void TestAuditSnapshot::verifyLaterEventsDoNotMatter()
{
    const QString copy = copyOfDemo(QStringLiteral("later.db"));
    AuditSnapshot snapshot = [&] {
        auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
        AuditRequest request;
        request.atPosition = 1000;
        return AuditSnapshot::build(*store, request);
    }();
    QCOMPARE(testing::tamperStore(copy, QStringLiteral("UPDATE events SET data = CAST('{\"amount\":1}' AS BLOB) WHERE position = 2000")), 1);
    auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
    QVERIFY(!store->verify().ok);
    const AuditVerification v = verifyAuditSnapshot(*store, snapshot);
    QVERIFY2(v.ok, qPrintable(describe(v)));
}

void TestAuditSnapshot::tamperedEventNamesPosition_data()
{
    QTest::addColumn<QString>("update");
    QTest::addColumn<qint64>("position");
    QTest::newRow("data") << QStringLiteral("UPDATE events SET data = CAST('{\"amount\":999999}' AS BLOB) WHERE position = 777") << qint64(777);
    QTest::newRow("type") << QStringLiteral("UPDATE events SET type_id = (SELECT MIN(type_id) FROM events WHERE type_id <> (SELECT type_id FROM events WHERE position = 1500)) WHERE position = 1500") << qint64(1500);
    QTest::newRow("time") << QStringLiteral("UPDATE events SET time = time + 1 WHERE position = 42") << qint64(42);
}

void TestAuditSnapshot::tamperedEventNamesPosition()
{
    QFETCH(QString, update);
    QFETCH(qint64, position);
    const QString copy = copyOfDemo(QStringLiteral("tampered-%1.db").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(!copy.isEmpty());
    QString altered;
    AuditSnapshot snapshot = [&] {
        auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
        altered = store->eventAt(position)->stream;
        AuditRequest request;
        request.atPosition = 2000;
        request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
        return AuditSnapshot::build(*store, request);
    }();
    QString error;
    const int changed = testing::tamperStore(copy, update, &error);
    QVERIFY2(changed == 1, qPrintable(error));

    auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
    const AuditVerification v = verifyAuditSnapshot(*store, snapshot);
    QVERIFY(!v.ok);
    QVERIFY(v.digestOk); // the snapshot itself is intact
    QCOMPARE(v.firstBadPosition, position);
    QVERIFY2(hasDifference(v, QStringLiteral("chain"), position), qPrintable(describe(v)));
    QVERIFY2(v.summary().contains(QStringLiteral("first bad position is %1").arg(position)), qPrintable(v.summary()));
    if (QTest::currentDataTag() == QByteArrayLiteral("data")) {
        // The altered event's aggregate no longer has the state the snapshot recorded.
        QVERIFY2(hasDifference(v, QStringLiteral("aggregates/%1/state").arg(altered)), qPrintable(describe(v)));
    }
}

void TestAuditSnapshot::removedTailIsReported()
{
    const QString copy = copyOfDemo(QStringLiteral("truncated.db"));
    AuditSnapshot snapshot = [&] {
        auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
        AuditRequest request;
        request.atPosition = 2900;
        return AuditSnapshot::build(*store, request);
    }();
    QVERIFY(testing::tamperStore(copy, QStringLiteral("DELETE FROM events WHERE position > 2800")) > 0);
    auto store = EventStore::open(copy, EventStore::OpenMode::ReadOnly);
    const AuditVerification v = verifyAuditSnapshot(*store, snapshot);
    QVERIFY(!v.ok);
    QCOMPARE(v.firstBadPosition, 2801);
    QVERIFY2(hasDifference(v, QStringLiteral("range.lastPosition"), 2801), qPrintable(describe(v)));
}

void TestAuditSnapshot::editedSnapshotFailsItsDigest()
{
    auto store = EventStore::open(m_bank, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 7;
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    Json edited = snapshot.json();
    edited["aggregates"]["account-2"]["state"]["amount"] = 0;
    const AuditSnapshot forged = AuditSnapshot::fromText(QByteArray::fromStdString(edited.dump(2)));
    const AuditVerification v = verifyAuditSnapshot(*store, forged);
    QVERIFY(!v.ok);
    QVERIFY(!v.digestOk);
    QCOMPARE(v.firstBadPosition, 0); // the store is fine
    QVERIFY(hasDifference(v, QStringLiteral("digest")));
    QVERIFY2(hasDifference(v, QStringLiteral("aggregates/account-2/state"), 6), qPrintable(describe(v)));
    // Only generatedAt edited: still the same content.
    edited = snapshot.json();
    edited["generator"]["generatedAt"] = "2000-01-01T00:00:00.000Z";
    QVERIFY(verifyAuditSnapshot(*store, AuditSnapshot::fromText(QByteArray::fromStdString(edited.dump()))).ok);
}

void TestAuditSnapshot::cancel()
{
    auto store = EventStore::open(m_demo, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 3000;
    qint64 calls = 0;
    QVERIFY_THROWS_EXCEPTION(AuditCancelled, AuditSnapshot::build(*store, request, [&](qint64 done, qint64 total) {
        ++calls;
        return done < total / 2;
    }));
    QVERIFY(calls > 1);
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    QVERIFY_THROWS_EXCEPTION(AuditCancelled, verifyAuditSnapshot(*store, snapshot, [](qint64 done, qint64 total) { return done < total * 3 / 4; }));
}

QTEST_GUILESS_MAIN(TestAuditSnapshot)
#include "tst_auditsnapshot.moc"
