// eventlens-cli project, diff-projection and bisect, run as the real binary on a store made by
// `eventlens-cli import` and on the same events given directly with --input; and the
// TemporaryStore behind --input.
#include "eventstore.h"
#include "importer.h"
#include "temporarystore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include "clirun.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>

using namespace eventlens;
using ojson = nlohmann::ordered_json;

namespace {

using Run = testing::CliRun;
using testing::cli;
using testing::jsonLines;

// The single JSON object a --json run prints (a null value when the output is not one line).
ojson jsonObject(const QByteArray &out)
{
    const std::vector<ojson> lines = jsonLines(out);
    return lines.size() == 1 ? lines.front() : ojson();
}

// Equality of JSON values regardless of the order of object members.
bool sameJson(const ojson &a, const char *expected)
{
    const nlohmann::json x = nlohmann::json::parse(a.dump());
    const nlohmann::json y = nlohmann::json::parse(expected);
    if (x == y)
        return true;
    qWarning("JSON differs:\n  actual:   %s\n  expected: %s", x.dump().c_str(), y.dump().c_str());
    return false;
}

using testing::fileHash;
using testing::folderState;
using testing::keysOf;

// Ten events, positions 1..10:
//  1 account-1 AccountOpened   2 account-1 Deposited 100   3 account-2 AccountOpened
//  4 order-1 OrderPlaced       5 account-2 Withdrawn 50    6 account-1 Withdrawn 30
//  7 account-2 Deposited 20    8 order-1 OrderPaid         9 account-1 Withdrawn 100
// 10 account-1 Deposited 5
const char kEvents[] =
    R"({"stream":"account-1","type":"AccountOpened","data":{"owner":"Ann"}}
{"stream":"account-1","type":"Deposited","data":{"amount":100}}
{"stream":"account-2","type":"AccountOpened","data":{"owner":"Bob"}}
{"stream":"order-1","type":"OrderPlaced","data":{"total":30}}
{"stream":"account-2","type":"Withdrawn","data":{"amount":50}}
{"stream":"account-1","type":"Withdrawn","data":{"amount":30}}
{"stream":"account-2","type":"Deposited","data":{"amount":20}}
{"stream":"order-1","type":"OrderPaid","data":{}}
{"stream":"account-1","type":"Withdrawn","data":{"amount":100}}
{"stream":"account-1","type":"Deposited","data":{"amount":5}}
)";

// Partitioned per account stream. Final: account-1 {balance -25, owner Ann}, account-2 {-30, Bob}.
const char kBalances[] = R"(fromCategory('account')
    .foreachStream()
    .when({
        $init: function () { return { balance: 0 }; },
        AccountOpened: function (s, e) { s.owner = e.data.owner; },
        Deposited: function (s, e) { s.balance += e.data.amount; },
        Withdrawn: function (s, e) { s.balance -= e.data.amount; }
    });
)";

// The same projection written differently (a returned state instead of a mutated one).
const char kBalancesRewritten[] = R"(// rewritten
fromCategory('account').foreachStream().when({
    $init: function () { return { balance: 0 }; },
    AccountOpened: function (s, e) { return { balance: s.balance, owner: e.data.owner }; },
    Deposited: function (s, e) { return { balance: s.balance + e.data.amount, owner: s.owner }; },
    Withdrawn: function (s, e) { return { balance: s.balance - e.data.amount, owner: s.owner }; }
});
)";

// A regression: withdrawals counted twice. First differs after position 5 (account-2);
// final account-1 -155, account-2 -80.
const char kBalancesBug[] = R"(fromCategory('account')
    .foreachStream()
    .when({
        $init: function () { return { balance: 0 }; },
        AccountOpened: function (s, e) { s.owner = e.data.owner; },
        Deposited: function (s, e) { s.balance += e.data.amount; },
        Withdrawn: function (s, e) { s.balance -= 2 * e.data.amount; }
    });
)";

// Unpartitioned, with a transform, an emitted event and a log line.
const char kCounts[] = R"(fromAll()
    .when({
        $init: function () { return { total: 0 }; },
        $any: function (s, e) {
            s.total += 1;
            if (e.eventType === 'OrderPaid') {
                emit('paid-orders', 'Paid', { order: e.streamId }, { by: 'counts' });
                log('paid ' + e.streamId);
            }
        }
    })
    .transformBy(function (s) { return { n: s.total }; });
)";

// filterBy: the result is null unless the predicate returns true.
const char kFilteredOut[] = R"(fromAll()
    .when({ $init: function () { return { total: 0 }; }, $any: function (s, e) { s.total += 1; } })
    .filterBy(function (s) { return s.total > 100; });
)";
const char kFilteredIn[] = R"(fromAll()
    .when({ $init: function () { return { total: 0 }; }, $any: function (s, e) { s.total += 1; } })
    .filterBy(function (s) { return s.total > 5; });
)";

// Shared state ($initShared): handlers get [state, shared].
const char kShared[] = R"(fromCategory('account')
    .foreachStream()
    .when({
        $init: function () { return { n: 0 }; },
        $initShared: function () { return { all: 0 }; },
        $any: function (s, e) { s[0].n += 1; s[1].all += 1; }
    });
)";

// Every skip reason but non-JSON: orders are not selected, AccountOpened has no handler, account-2's
// Deposited has no partition. Processed: 2, 5, 6, 9, 10.
const char kSkips[] = R"(fromCategory('account')
    .partitionBy(function (e) {
        return e.streamId === 'account-2' && e.eventType === 'Deposited' ? null : e.streamId;
    })
    .when({
        Deposited: function (s, e) { s.d = (s.d || 0) + e.data.amount; },
        Withdrawn: function (s, e) { s.w = (s.w || 0) + e.data.amount; }
    });
)";

// A syntax error on line 3.
const char kSyntaxError[] = "fromAll().when({\n    $any: function (s, e) {\n        s.x = ;\n    }\n});\n";

// Throws at position 5 (account-2, version 1), on line 4.
const char kRuntimeError[] = R"(fromAll().when({
    $any: function (s, e) {
        if (e.streamId === 'account-2' && e.sequenceNumber === 1)
            throw new Error('boom at ' + e.streamId);
        s.n = (s.n || 0) + 1;
    }
});
)";

// An unknown option: the script defines no valid projection.
const char kDefinitionError[] = "options({ bogus: true });\nfromAll().when({ $any: function (s, e) {} });\n";

} // namespace

// Nothing on stderr (an answer such as "different" or "never holds" is not an error).
#define VERIFY_NO_STDERR(r) QVERIFY2((r).err.isEmpty(), qPrintable((r).describe()))

class TestCliProjection : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void temporaryStore();
    void temporaryStoreErrors();

    void help();
    void projectUnpartitioned_data();
    void projectUnpartitioned();
    void projectPartitioned_data();
    void projectPartitioned();
    void projectPartition();
    void projectSharedState();
    void projectFilterBy();
    void projectTo();
    void projectPlainText();
    void projectEngines();
    void projectSteps();
    void projectStepsPartition();
    void projectStepsJsonOutput();
    void projectStepsNonJson();
    void projectBundledExamples();
    void projectSyntaxError();
    void projectRuntimeError();
    void projectDefinitionError();
    void projectInputErrors();

    void diffEqual_data();
    void diffEqual();
    void diffDifferent_data();
    void diffDifferent();
    void diffPlainText();
    void diffScriptError();

    void bisectFound_data();
    void bisectFound();
    void bisectPlainText();
    void bisectNotFound();
    void bisectErrors();

    void usageErrors_data();
    void usageErrors();
    void storeUntouched();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString script(const char *name) const { return path(QString::fromLatin1(name) + QStringLiteral(".js")); }
    void writeFile(const QString &file, const QByteArray &content);
    // The source options for the data row "store" or "input".
    QStringList source(const QString &kind) const
    {
        return kind == u"store" ? QStringList{QStringLiteral("--store"), m_store} : QStringList{QStringLiteral("--input"), m_input};
    }
    static void addSourceRows()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("store") << QStringLiteral("store");
        QTest::newRow("input") << QStringLiteral("input");
    }

    QTemporaryDir m_dir;
    QString m_input;   // events.jsonl
    QString m_store;   // store/events.db, imported from it; never modified by the tests
};

void TestCliProjection::writeFile(const QString &file, const QByteArray &content)
{
    QFile f(file);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(file));
    QCOMPARE(f.write(content), content.size());
}

void TestCliProjection::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(EVENTLENS_CLI_PATH)));
    QVERIFY(m_dir.isValid());
    m_input = path(QStringLiteral("events.jsonl"));
    writeFile(m_input, kEvents);
    QVERIFY(QDir().mkpath(path(QStringLiteral("store"))));
    m_store = path(QStringLiteral("store/events.db"));
    const Run r = cli({QStringLiteral("import"), m_input, QStringLiteral("--into"), m_store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));

    const std::pair<const char *, const char *> scripts[] = {
        {"balances", kBalances},         {"balances-rewritten", kBalancesRewritten}, {"balances-bug", kBalancesBug},
        {"counts", kCounts},             {"filtered-out", kFilteredOut},             {"filtered-in", kFilteredIn},
        {"shared", kShared},             {"skips", kSkips},                          {"syntax-error", kSyntaxError},
        {"runtime-error", kRuntimeError}, {"definition-error", kDefinitionError},
    };
    for (const auto &[name, text] : scripts)
        writeFile(script(name), QByteArray(text));
}

// ---- TemporaryStore ------------------------------------------------------------------------

void TestCliProjection::temporaryStore()
{
    QString error;
    QString storePath;
    QString folder;
    {
        const std::unique_ptr<TemporaryStore> ts = TemporaryStore::create({m_input}, {}, &error);
        QVERIFY2(ts, qPrintable(error));
        storePath = ts->path();
        folder = QFileInfo(storePath).absolutePath();
        QVERIFY(QFileInfo::exists(storePath));
        QVERIFY(!storePath.startsWith(QFileInfo(m_input).absolutePath())); // not next to the input
        QCOMPARE(ts->store().headPosition(), qint64(10));
        QVERIFY(ts->store().isReadOnly());
        const std::optional<Event> fifth = ts->store().eventAt(5);
        QVERIFY(fifth);
        QCOMPARE(fifth->stream, QStringLiteral("account-2"));
        QCOMPARE(fifth->version, qint64(1));
        QCOMPARE(fifth->type, QStringLiteral("Withdrawn"));
        QCOMPARE(ts->report().totalImported(), qint64(10));
        // A worker's own connection, as the GUI uses it.
        const std::unique_ptr<EventStore> other = ts->store().openAnother(EventStore::OpenMode::ReadOnly);
        QCOMPARE(other->headPosition(), qint64(10));
    }
    QVERIFY(!QFileInfo::exists(storePath));
    QVERIFY(!QFileInfo::exists(folder)); // the temporary folder is gone with the object

    // Several files, in order.
    const QString second = path(QStringLiteral("more.jsonl"));
    writeFile(second, R"({"stream":"account-3","type":"AccountOpened","data":{"owner":"Cy"}})"
                      "\n");
    const std::unique_ptr<TemporaryStore> two = TemporaryStore::create({m_input, second}, {}, &error);
    QVERIFY2(two, qPrintable(error));
    QCOMPARE(two->store().headPosition(), qint64(11));
    QCOMPARE(two->store().eventAt(11)->stream, QStringLiteral("account-3"));
}

void TestCliProjection::temporaryStoreErrors()
{
    const QString bad = path(QStringLiteral("bad.jsonl"));
    writeFile(bad, "{\"stream\":\"a-1\",\"type\":\"T\",\"data\":{}}\n{\"stream\":\"a-1\",\"data\":{}}\n");
    QString error;
    QVERIFY(!TemporaryStore::create({bad}, {}, &error));
    QVERIFY2(error.contains(QStringLiteral("bad.jsonl:2")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("type")), qPrintable(error));

    error.clear();
    QVERIFY(!TemporaryStore::create({path(QStringLiteral("missing.jsonl"))}, {}, &error));
    QVERIFY2(error.contains(QStringLiteral("missing.jsonl")), qPrintable(error));

    error.clear();
    QVERIFY(!TemporaryStore::create({}, {}, &error));
    QVERIFY(!error.isEmpty());

    std::atomic_bool cancel{true};
    ImportOptions options;
    options.cancel = &cancel;
    error.clear();
    QVERIFY(!TemporaryStore::create({m_input}, options, &error));
    QVERIFY2(error.contains(QStringLiteral("cancel")), qPrintable(error));

    // The source file is never modified.
    const QByteArray before = fileHash(m_input);
    QVERIFY(TemporaryStore::create({m_input}, {}, &error));
    QCOMPARE(fileHash(m_input), before);
}

// ---- project -------------------------------------------------------------------------------

void TestCliProjection::help()
{
    for (const char *command : {"project", "diff-projection", "bisect"}) {
        const Run r = cli({QString::fromLatin1(command), QStringLiteral("--help")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith(QByteArray(QByteArray("Usage: eventlens-cli ") + command + ' ')), qPrintable(r.describe()));
        QVERIFY(r.out.contains("--store"));
        QVERIFY(r.out.contains("--input"));
        QVERIFY(r.out.contains("--json"));
    }
    const Run main = cli({QStringLiteral("--help")});
    for (const char *command : {"project", "diff-projection", "bisect"})
        QVERIFY2(main.out.contains(QByteArray(QByteArray("\n  ") + command + ' ')), command);
}

void TestCliProjection::projectUnpartitioned_data()
{
    addSourceRows();
}

void TestCliProjection::projectUnpartitioned()
{
    QFETCH(QString, kind);
    const Run r = cli(QStringList{QStringLiteral("project"), script("counts")} + source(kind) + QStringList{QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson out = jsonObject(r.out);
    QCOMPARE(keysOf(out), (QStringList{QStringLiteral("state"), QStringLiteral("result"), QStringLiteral("emitted"), QStringLiteral("logs")}));
    QVERIFY(sameJson(out["state"], R"({"total":10})"));
    QVERIFY(sameJson(out["result"], R"({"n":10})"));
    QVERIFY(sameJson(out["emitted"], R"([{"stream":"paid-orders","type":"Paid","data":{"order":"order-1"},"metadata":{"by":"counts"}}])"));
    QVERIFY(sameJson(out["logs"], R"(["paid order-1"])"));
    VERIFY_NO_STDERR(r);
}

void TestCliProjection::projectPartitioned_data()
{
    addSourceRows();
}

void TestCliProjection::projectPartitioned()
{
    QFETCH(QString, kind);
    const Run r = cli(QStringList{QStringLiteral("project"), script("balances")} + source(kind) + QStringList{QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson out = jsonObject(r.out);
    // No sharedState without $initShared, no result without transforms.
    QCOMPARE(keysOf(out), (QStringList{QStringLiteral("state"), QStringLiteral("partitions"), QStringLiteral("emitted"), QStringLiteral("logs")}));
    QVERIFY(out["state"].is_null()); // partitioned, no --partition
    QVERIFY(sameJson(out["partitions"], R"({"account-1":{"balance":-25,"owner":"Ann"},"account-2":{"balance":-30,"owner":"Bob"}})"));
    QVERIFY(sameJson(out["emitted"], "[]"));
    QVERIFY(sameJson(out["logs"], "[]"));

    // The same output from the store and from the file.
    const Run other = cli(QStringList{QStringLiteral("project"), script("balances")} + source(kind == u"store" ? QStringLiteral("input") : QStringLiteral("store"))
                          + QStringList{QStringLiteral("--json")});
    QCOMPARE(other.out, r.out);
}

void TestCliProjection::projectPartition()
{
    Run r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--partition"),
                 QStringLiteral("account-1"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    ojson out = jsonObject(r.out);
    QVERIFY(sameJson(out["state"], R"({"balance":-25,"owner":"Ann"})"));
    QCOMPARE(out["partitions"].size(), size_t(2));

    // A partition that does not exist: null.
    r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--input"), m_input, QStringLiteral("--partition"),
             QStringLiteral("account-9"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QVERIFY(out["state"].is_null());

    // --partition on an unpartitioned projection is an error.
    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--store"), m_store, QStringLiteral("--partition"), QStringLiteral("x")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not partitioned"), qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
}

void TestCliProjection::projectSharedState()
{
    const Run r = cli({QStringLiteral("project"), script("shared"), QStringLiteral("--input"), m_input, QStringLiteral("--partition"),
                       QStringLiteral("account-2"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson out = jsonObject(r.out);
    QCOMPARE(keysOf(out), (QStringList{QStringLiteral("state"), QStringLiteral("partitions"), QStringLiteral("sharedState"), QStringLiteral("emitted"),
                                        QStringLiteral("logs")}));
    QVERIFY(sameJson(out["state"], R"({"n":3})"));
    QVERIFY(sameJson(out["partitions"], R"({"account-1":{"n":5},"account-2":{"n":3}})"));
    QVERIFY(sameJson(out["sharedState"], R"({"all":8})"));
}

void TestCliProjection::projectFilterBy()
{
    Run r = cli({QStringLiteral("project"), script("filtered-out"), QStringLiteral("--store"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    ojson out = jsonObject(r.out);
    QVERIFY(out.contains("result")); // present, and null: filtered out
    QVERIFY(out["result"].is_null());
    QVERIFY(sameJson(out["state"], R"({"total":10})"));

    r = cli({QStringLiteral("project"), script("filtered-in"), QStringLiteral("--store"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QVERIFY(sameJson(out["result"], R"({"total":10})"));

    // Up to position 5 the predicate (total > 5) is false.
    r = cli({QStringLiteral("project"), script("filtered-in"), QStringLiteral("--store"), m_store, QStringLiteral("--to"), QStringLiteral("5"),
             QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QVERIFY(out.contains("result"));
    QVERIFY(out["result"].is_null());
    QVERIFY(sameJson(out["state"], R"({"total":5})"));
}

void TestCliProjection::projectTo()
{
    Run r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--to"), QStringLiteral("5"),
                 QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(sameJson(jsonObject(r.out)["partitions"], R"({"account-1":{"balance":100,"owner":"Ann"},"account-2":{"balance":-50,"owner":"Bob"}})"));

    r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--input"), m_input, QStringLiteral("--to"), QStringLiteral("2"),
             QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(sameJson(jsonObject(r.out)["partitions"], R"({"account-1":{"balance":100,"owner":"Ann"}})"));

    // Emitted events and logs stop there too.
    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--store"), m_store, QStringLiteral("--to"), QStringLiteral("7"),
             QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson out = jsonObject(r.out);
    QVERIFY(sameJson(out["state"], R"({"total":7})"));
    QVERIFY(sameJson(out["emitted"], "[]"));
    QVERIFY(sameJson(out["logs"], "[]"));

    // --to 0: no event at all.
    r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--to"), QStringLiteral("0"),
             QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(sameJson(jsonObject(r.out)["partitions"], "{}"));
}

void TestCliProjection::projectPlainText()
{
    Run r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString text = QString::fromUtf8(r.out);
    QVERIFY2(text.contains(QStringLiteral("10 events read, 8 processed")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("partitions (2)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("account-1  {\"balance\":-25,\"owner\":\"Ann\"}")), qPrintable(text));
    QVERIFY(!r.out.startsWith('{'));

    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), m_input});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString counts = QString::fromUtf8(r.out);
    QVERIFY2(counts.contains(QStringLiteral("\"total\": 10")), qPrintable(counts));
    QVERIFY2(counts.contains(QStringLiteral("result:")), qPrintable(counts));
    QVERIFY2(counts.contains(QStringLiteral("emitted (1)")) && counts.contains(QStringLiteral("paid-orders Paid {\"order\":\"order-1\"}")), qPrintable(counts));
    QVERIFY2(counts.contains(QStringLiteral("logs (1)")) && counts.contains(QStringLiteral("at 8: paid order-1")), qPrintable(counts));
}

// --engines: a foreachStream() projection split over several engines prints what one engine
// prints; other projections run on one; bad values are usage errors.
void TestCliProjection::projectEngines()
{
    const QStringList balances = {QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store};
    const Run one = cli(balances + QStringList{QStringLiteral("--json")});
    QVERIFY2(one.code == 0, qPrintable(one.describe()));
    for (const char *engines : {"2", "3", "auto"}) {
        const Run r = cli(balances + QStringList{QStringLiteral("--json"), QStringLiteral("--engines"), QLatin1String(engines)});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QCOMPARE(r.out, one.out);
    }
    Run r = cli(balances + QStringList{QStringLiteral("--engines"), QStringLiteral("2")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("10 events read, 8 processed") && r.out.contains("engines: 2"), qPrintable(r.describe()));

    // Not partitioned by stream: one engine, the same output as without the option.
    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), m_input, QStringLiteral("--engines"), QStringLiteral("4")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(!r.out.contains("engines:"), qPrintable(r.describe()));
    QCOMPARE(r.out, cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), m_input}).out);

    // An error is the one of the lowest position.
    r = cli({QStringLiteral("project"), script("runtime-error"), QStringLiteral("--store"), m_store, QStringLiteral("--engines"), QStringLiteral("2")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("runtime error at position 5"), qPrintable(r.describe()));

    for (const QStringList &bad : {QStringList{QStringLiteral("--engines"), QStringLiteral("0")},
                                   QStringList{QStringLiteral("--engines"), QStringLiteral("many")},
                                   QStringList{QStringLiteral("--engines"), QStringLiteral("65")},
                                   QStringList{QStringLiteral("--engines"), QStringLiteral("2"), QStringLiteral("--steps")}}) {
        r = cli(balances + bad);
        QVERIFY2(r.code == 2, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("--engines") || r.err.contains("engines"), qPrintable(r.describe()));
        QVERIFY(r.out.isEmpty());
    }
}

void TestCliProjection::projectSteps()
{
    const Run r = cli({QStringLiteral("project"), script("skips"), QStringLiteral("--store"), m_store, QStringLiteral("--steps"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(11)); // ten steps, then the outcome
    const char *expected[] = {"unhandled", nullptr, "unhandled", "notSelected", nullptr, nullptr, "noPartition", "notSelected", nullptr, nullptr};
    for (int i = 0; i < 10; ++i) {
        const ojson &step = lines[size_t(i)];
        QCOMPARE(step["position"].get<qint64>(), qint64(i + 1));
        const bool processed = expected[i] == nullptr;
        QCOMPARE(step["processed"].get<bool>(), processed);
        if (processed) {
            QVERIFY(step["skipReason"].is_null());
            QVERIFY(step["state"].is_object());
        } else {
            QCOMPARE(QString::fromStdString(step["skipReason"].get<std::string>()), QString::fromLatin1(expected[i]));
        }
        for (const char *key : {"stream", "version", "type", "partition", "state", "emitted", "logs"})
            QVERIFY2(step.contains(key), key);
        QVERIFY(!step.contains("sharedState")); // not a bi-state projection
        QVERIFY(!step.contains("result"));
    }
    QCOMPARE(QString::fromStdString(lines[4]["stream"].get<std::string>()), QStringLiteral("account-2"));
    QCOMPARE(lines[4]["version"].get<qint64>(), qint64(1));
    QCOMPARE(QString::fromStdString(lines[4]["type"].get<std::string>()), QStringLiteral("Withdrawn"));
    QCOMPARE(QString::fromStdString(lines[4]["partition"].get<std::string>()), QStringLiteral("account-2"));
    QVERIFY(sameJson(lines[4]["state"], R"({"w":50})"));
    QVERIFY(sameJson(lines[9]["state"], R"({"d":105,"w":130})"));
    // The outcome: the last line, as without --steps.
    QVERIFY(sameJson(lines[10]["partitions"], R"({"account-1":{"d":105,"w":130},"account-2":{"w":50}})"));

    // Emitted events and logs appear on the step that made them; result and a bi-state's shared state too.
    const Run counts = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), m_input, QStringLiteral("--steps")});
    QVERIFY2(counts.code == 0, qPrintable(counts.describe()));
    const QList<QByteArray> all = counts.out.split('\n');
    QVERIFY(all.size() > 10);
    std::vector<ojson> steps;
    for (int i = 0; i < 10; ++i)
        steps.push_back(ojson::parse(all[i].toStdString()));
    QVERIFY(sameJson(steps[7]["emitted"], R"([{"stream":"paid-orders","type":"Paid","data":{"order":"order-1"},"metadata":{"by":"counts"}}])"));
    QVERIFY(sameJson(steps[7]["logs"], R"(["paid order-1"])"));
    QVERIFY(sameJson(steps[6]["emitted"], "[]"));
    QVERIFY(sameJson(steps[6]["result"], R"({"n":7})"));
    QVERIFY(steps[6]["partition"].is_null());
    QVERIFY(!all[10].startsWith('{')); // the outcome as text without --json

    const Run shared = cli({QStringLiteral("project"), script("shared"), QStringLiteral("--input"), m_input, QStringLiteral("--steps"), QStringLiteral("--json")});
    QVERIFY2(shared.code == 0, qPrintable(shared.describe()));
    const std::vector<ojson> sharedLines = jsonLines(shared.out);
    QCOMPARE(sharedLines.size(), size_t(11));
    QVERIFY(sameJson(sharedLines[4]["sharedState"], R"({"all":4})"));
}

void TestCliProjection::projectStepsPartition()
{
    const Run r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--input"), m_input, QStringLiteral("--steps"),
                       QStringLiteral("--partition"), QStringLiteral("account-2"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(4)); // positions 3, 5, 7, then the outcome
    const qint64 positions[] = {3, 5, 7};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(lines[size_t(i)]["position"].get<qint64>(), positions[i]);
        QCOMPARE(QString::fromStdString(lines[size_t(i)]["partition"].get<std::string>()), QStringLiteral("account-2"));
    }
    QVERIFY(sameJson(lines[3]["state"], R"({"balance":-30,"owner":"Bob"})"));
}

void TestCliProjection::projectStepsJsonOutput()
{
    // --steps with --to: the step lines stop there.
    const Run r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--steps"), QStringLiteral("--to"),
                       QStringLiteral("4"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(5));
    QCOMPARE(QString::fromStdString(lines[3]["skipReason"].get<std::string>()), QStringLiteral("notSelected"));
    QVERIFY(lines[3]["state"].is_null());
    QCOMPARE(lines[4]["partitions"].size(), size_t(2));
}

void TestCliProjection::projectStepsNonJson()
{
    // A store with a non-JSON event in the middle (only a store can hold one).
    const QString raw = path(QStringLiteral("store/raw.db"));
    {
        const std::unique_ptr<EventStore> store = EventStore::open(raw, EventStore::OpenMode::ReadWrite);
        NewEvent json;
        json.type = QStringLiteral("Noted");
        json.data = QByteArrayLiteral("{\"n\":1}");
        NewEvent bytes;
        bytes.type = QStringLiteral("Noted");
        bytes.data = QByteArrayLiteral("\x01\x02 not json");
        bytes.dataIsJson = false;
        store->append(QStringLiteral("note-1"), ExpectedVersion::any(), {json, bytes, json});
    }
    const QString counter = path(QStringLiteral("counter.js"));
    writeFile(counter, "fromAll().when({ $init: function () { return { n: 0 }; }, Noted: function (s, e) { s.n += e.data.n; } });\n");
    const Run r = cli({QStringLiteral("project"), counter, QStringLiteral("--store"), raw, QStringLiteral("--steps"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(4));
    QCOMPARE(lines[0]["processed"].get<bool>(), true);
    QCOMPARE(lines[1]["processed"].get<bool>(), false);
    QCOMPARE(QString::fromStdString(lines[1]["skipReason"].get<std::string>()), QStringLiteral("nonJson"));
    QCOMPARE(lines[2]["processed"].get<bool>(), true);
    QVERIFY(sameJson(lines[3]["state"], R"({"n":2})"));
}

void TestCliProjection::projectBundledExamples()
{
    const QString demo = path(QStringLiteral("store/demo.db"));
    Run r = cli({QStringLiteral("demo"), demo, QStringLiteral("--events"), QStringLiteral("600"), QStringLiteral("--accounts"), QStringLiteral("6"),
                 QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--quiet")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString dir = QStringLiteral(EVENTLENS_PROJECTIONS_DIR "/");

    r = cli({QStringLiteral("project"), dir + QStringLiteral("event-counts.js"), QStringLiteral("--store"), demo, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    ojson out = jsonObject(r.out);
    QCOMPARE(out["state"]["total"].get<qint64>(), qint64(600));
    qint64 sum = 0;
    for (auto it = out["state"].begin(); it != out["state"].end(); ++it) {
        if (it.key() != "total")
            sum += it.value().get<qint64>();
    }
    QCOMPARE(sum, qint64(600));

    r = cli({QStringLiteral("project"), dir + QStringLiteral("account-balances.js"), QStringLiteral("--store"), demo, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QVERIFY(out["partitions"].size() >= 1 && out["partitions"].size() <= 6);
    for (auto it = out["partitions"].begin(); it != out["partitions"].end(); ++it) {
        QVERIFY2(QString::fromStdString(it.key()).startsWith(QStringLiteral("account-")), it.key().c_str());
        QVERIFY(it.value()["balance"].is_number_integer());
    }

    r = cli({QStringLiteral("project"), dir + QStringLiteral("orders-by-status.js"), QStringLiteral("--store"), demo, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QVERIFY(out["result"].is_object());
    QCOMPARE(keysOf(out["result"]), (QStringList{QStringLiteral("placed"), QStringLiteral("paid"), QStringLiteral("shipped"), QStringLiteral("cancelled")}));
    QVERIFY(sameJson(out["result"], out["state"]["counts"].dump().c_str()));
}

void TestCliProjection::projectSyntaxError()
{
    for (const QString &kind : {QStringLiteral("store"), QStringLiteral("input")}) {
        for (const bool json : {false, true}) {
            QStringList args = QStringList{QStringLiteral("project"), script("syntax-error")} + source(kind);
            if (json)
                args << QStringLiteral("--json");
            const Run r = cli(args);
            QVERIFY2(r.code == 1, qPrintable(r.describe()));
            QVERIFY(r.out.isEmpty());
            const QString err = QString::fromUtf8(r.err);
            QVERIFY2(err.contains(QStringLiteral("syntax-error.js")), qPrintable(err));
            QVERIFY2(err.contains(QRegularExpression(QStringLiteral("syntax error at line 3, column [1-9][0-9]*"))), qPrintable(err));
        }
    }
}

void TestCliProjection::projectRuntimeError()
{
    Run r = cli({QStringLiteral("project"), script("runtime-error"), QStringLiteral("--store"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
    QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains(QRegularExpression(QStringLiteral("runtime error at position 5 \\(line 4, column [1-9][0-9]*\\)"))), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("boom at account-2")), qPrintable(err));

    // With --steps: the steps before it, then the failing step with its error.
    r = cli({QStringLiteral("project"), script("runtime-error"), QStringLiteral("--input"), m_input, QStringLiteral("--steps"), QStringLiteral("--json")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    const std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(5));
    QVERIFY(!lines[3].contains("error"));
    QCOMPARE(lines[4]["position"].get<qint64>(), qint64(5));
    QVERIFY2(QString::fromStdString(lines[4]["error"].get<std::string>()).contains(QStringLiteral("boom")), lines[4].dump().c_str());
    err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains(QStringLiteral("runtime error at position 5")), qPrintable(err));

    // Up to position 4 it works.
    r = cli({QStringLiteral("project"), script("runtime-error"), QStringLiteral("--store"), m_store, QStringLiteral("--to"), QStringLiteral("4"),
             QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(sameJson(jsonObject(r.out)["state"], R"({"n":4})"));
}

void TestCliProjection::projectDefinitionError()
{
    const Run r = cli({QStringLiteral("project"), script("definition-error"), QStringLiteral("--store"), m_store});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("bogus"), qPrintable(r.describe()));
}

void TestCliProjection::projectInputErrors()
{
    // A bad record in the input file: its file and line.
    const QString bad = path(QStringLiteral("bad-input.jsonl"));
    writeFile(bad, "{\"stream\":\"a-1\",\"type\":\"T\",\"data\":{}}\n{\"stream\":\"a-1\",\"data\":{}}\n");
    Run r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), bad});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("bad-input.jsonl:2"), qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());

    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--input"), path(QStringLiteral("nope.jsonl"))});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("file not found"), qPrintable(r.describe()));

    r = cli({QStringLiteral("project"), script("counts"), QStringLiteral("--store"), path(QStringLiteral("nope.db"))});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("store not found"), qPrintable(r.describe()));
    QVERIFY(!QFileInfo::exists(path(QStringLiteral("nope.db"))));

    r = cli({QStringLiteral("project"), path(QStringLiteral("nope.js")), QStringLiteral("--store"), m_store});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("script not found"), qPrintable(r.describe()));

    // Several --input files are read in order.
    const QString more = path(QStringLiteral("more-input.jsonl"));
    writeFile(more, "{\"stream\":\"account-3\",\"type\":\"AccountOpened\",\"data\":{\"owner\":\"Cy\"}}\n");
    r = cli({QStringLiteral("project"), script("balances"), QStringLiteral("--input"), m_input, QStringLiteral("--input"), more, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(sameJson(jsonObject(r.out)["partitions"]["account-3"], R"({"balance":0,"owner":"Cy"})"));
}

// ---- diff-projection -----------------------------------------------------------------------

void TestCliProjection::diffEqual_data()
{
    addSourceRows();
}

void TestCliProjection::diffEqual()
{
    QFETCH(QString, kind);
    Run r = cli(QStringList{QStringLiteral("diff-projection"), script("balances"), script("balances-rewritten")} + source(kind) + QStringList{QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson out = jsonObject(r.out);
    QCOMPARE(out["equal"].get<bool>(), true);
    QVERIFY(out["firstDivergentPosition"].is_null());
    QVERIFY(out["firstDivergentEvent"].is_null());
    QVERIFY(sameJson(out["patches"], "{}"));

    r = cli(QStringList{QStringLiteral("diff-projection"), script("balances"), script("balances")} + source(kind));
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.startsWith("equal"), qPrintable(r.describe()));
}

void TestCliProjection::diffDifferent_data()
{
    addSourceRows();
}

void TestCliProjection::diffDifferent()
{
    QFETCH(QString, kind);
    const Run r = cli(QStringList{QStringLiteral("diff-projection"), script("balances"), script("balances-bug")} + source(kind) + QStringList{QStringLiteral("--json")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    VERIFY_NO_STDERR(r); // different is an answer, not an error
    const ojson out = jsonObject(r.out);
    QCOMPARE(out["equal"].get<bool>(), false);
    QCOMPARE(out["firstDivergentPosition"].get<qint64>(), qint64(5));
    QCOMPARE(QString::fromStdString(out["firstDivergentPartition"].get<std::string>()), QStringLiteral("account-2"));
    const ojson &event = out["firstDivergentEvent"];
    QCOMPARE(event["position"].get<qint64>(), qint64(5));
    QCOMPARE(QString::fromStdString(event["stream"].get<std::string>()), QStringLiteral("account-2"));
    QCOMPARE(QString::fromStdString(event["type"].get<std::string>()), QStringLiteral("Withdrawn"));
    QVERIFY(sameJson(event["data"], R"({"amount":50})"));
    QVERIFY(sameJson(out["patches"], R"({"account-1":[{"op":"replace","path":"/balance","value":-155}],
                                        "account-2":[{"op":"replace","path":"/balance","value":-80}]})"));
    QVERIFY(sameJson(out["sharedPatch"], "[]"));
}

void TestCliProjection::diffPlainText()
{
    const Run r = cli({QStringLiteral("diff-projection"), script("balances"), script("balances-bug"), QStringLiteral("--store"), m_store});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    const QString text = QString::fromUtf8(r.out);
    QVERIFY2(text.startsWith(QStringLiteral("different")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("position 5 (account-2@1 Withdrawn), partition account-2")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("partition account-1:\n    replace /balance -155")), qPrintable(text));
}

void TestCliProjection::diffScriptError()
{
    // Failures exit 4, distinct from "different" (1).
    Run r = cli({QStringLiteral("diff-projection"), script("balances"), script("syntax-error"), QStringLiteral("--store"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("syntax-error.js") && r.err.contains("line 3"), qPrintable(r.describe()));

    r = cli({QStringLiteral("diff-projection"), script("balances"), script("runtime-error"), QStringLiteral("--input"), m_input});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("runtime-error.js") && r.err.contains("position 5") && r.err.contains("line 4"), qPrintable(r.describe()));

    r = cli({QStringLiteral("diff-projection"), script("balances"), script("balances"), QStringLiteral("--store"), path(QStringLiteral("nope.db"))});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("store not found"), qPrintable(r.describe()));
}

// ---- bisect --------------------------------------------------------------------------------

void TestCliProjection::bisectFound_data()
{
    addSourceRows();
}

void TestCliProjection::bisectFound()
{
    QFETCH(QString, kind);
    Run r = cli(QStringList{QStringLiteral("bisect"), script("balances")} + source(kind)
                + QStringList{QStringLiteral("--condition"), QStringLiteral("state.balance < 0"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    ojson out = jsonObject(r.out);
    QCOMPARE(out["found"].get<bool>(), true);
    QCOMPARE(out["position"].get<qint64>(), qint64(5));
    QCOMPARE(QString::fromStdString(out["partition"].get<std::string>()), QStringLiteral("account-2"));
    QCOMPARE(QString::fromStdString(out["event"]["type"].get<std::string>()), QStringLiteral("Withdrawn"));
    QCOMPARE(out["event"]["version"].get<qint64>(), qint64(1));
    QVERIFY(sameJson(out["stateBefore"], R"({"balance":0,"owner":"Bob"})"));
    QVERIFY(sameJson(out["state"], R"({"balance":-50,"owner":"Bob"})"));

    // A condition on the event: the first withdrawal of account-1.
    r = cli(QStringList{QStringLiteral("bisect"), script("balances")} + source(kind)
            + QStringList{QStringLiteral("--condition"), QStringLiteral("e.eventType === 'Withdrawn' && partition === 'account-1'"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    out = jsonObject(r.out);
    QCOMPARE(out["position"].get<qint64>(), qint64(6));
    QVERIFY(sameJson(out["state"], R"({"balance":70,"owner":"Ann"})"));
}

void TestCliProjection::bisectPlainText()
{
    const Run r = cli({QStringLiteral("bisect"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--condition"),
                       QStringLiteral("state.balance < -20 && partition === 'account-1'")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString text = QString::fromUtf8(r.out);
    QVERIFY2(text.startsWith(QStringLiteral("found")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("position 9 (account-1@3 Withdrawn), partition account-1")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("state after:  {\"balance\":-30,\"owner\":\"Ann\"}")), qPrintable(text));
}

void TestCliProjection::bisectNotFound()
{
    Run r = cli({QStringLiteral("bisect"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--condition"),
                 QStringLiteral("state.balance < -1000"), QStringLiteral("--json")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    VERIFY_NO_STDERR(r);
    const ojson out = jsonObject(r.out);
    QCOMPARE(out["found"].get<bool>(), false);
    QVERIFY(out["position"].is_null());
    QVERIFY(out["event"].is_null());

    r = cli({QStringLiteral("bisect"), script("balances"), QStringLiteral("--input"), m_input, QStringLiteral("--condition"), QStringLiteral("false")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY2(r.out.startsWith("not found"), qPrintable(r.describe()));
}

void TestCliProjection::bisectErrors()
{
    // A condition that does not compile, a script error, a runtime error: exit 4.
    Run r = cli({QStringLiteral("bisect"), script("balances"), QStringLiteral("--store"), m_store, QStringLiteral("--condition"), QStringLiteral("state.balance <")});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("--condition") && r.err.contains("syntax error"), qPrintable(r.describe()));

    r = cli({QStringLiteral("bisect"), script("syntax-error"), QStringLiteral("--store"), m_store, QStringLiteral("--condition"), QStringLiteral("true")});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("syntax-error.js") && r.err.contains("line 3"), qPrintable(r.describe()));

    r = cli({QStringLiteral("bisect"), script("runtime-error"), QStringLiteral("--input"), m_input, QStringLiteral("--condition"), QStringLiteral("state.n > 100")});
    QVERIFY2(r.code == 4, qPrintable(r.describe()));
    QVERIFY2(r.err.contains("runtime error at position 5"), qPrintable(r.describe()));
}

// ---- usage and read-only -------------------------------------------------------------------

void TestCliProjection::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    auto l = [](std::initializer_list<const char *> items) {
        QStringList out;
        for (const char *i : items)
            out << QString::fromLatin1(i);
        return out;
    };
    QTest::newRow("project: no script") << l({"project", "--store", "STORE"}) << QStringLiteral("missing SCRIPT.js");
    QTest::newRow("project: two scripts") << l({"project", "SCRIPT", "SCRIPT", "--store", "STORE"}) << QStringLiteral("unexpected argument");
    QTest::newRow("project: no source") << l({"project", "SCRIPT"}) << QStringLiteral("--store STORE or --input FILE");
    QTest::newRow("project: both sources") << l({"project", "SCRIPT", "--store", "STORE", "--input", "INPUT"}) << QStringLiteral("not both");
    QTest::newRow("project: bad --to") << l({"project", "SCRIPT", "--store", "STORE", "--to", "abc"}) << QStringLiteral("--to");
    QTest::newRow("project: negative --to") << l({"project", "SCRIPT", "--store", "STORE", "--to", "-3"}) << QStringLiteral("--to");
    QTest::newRow("project: empty --partition") << l({"project", "SCRIPT", "--store", "STORE", "--partition", ""}) << QStringLiteral("--partition");
    QTest::newRow("project: unknown option") << l({"project", "SCRIPT", "--store", "STORE", "--frobnicate"}) << QStringLiteral("frobnicate");
    QTest::newRow("project: --to without value") << l({"project", "SCRIPT", "--store", "STORE", "--to"}) << QStringLiteral("--to");
    QTest::newRow("diff: one script") << l({"diff-projection", "SCRIPT", "--store", "STORE"}) << QStringLiteral("missing A.js and B.js");
    QTest::newRow("diff: no source") << l({"diff-projection", "SCRIPT", "SCRIPT"}) << QStringLiteral("--store STORE or --input FILE");
    QTest::newRow("diff: both sources") << l({"diff-projection", "SCRIPT", "SCRIPT", "--store", "STORE", "--input", "INPUT"}) << QStringLiteral("not both");
    QTest::newRow("diff: three scripts") << l({"diff-projection", "SCRIPT", "SCRIPT", "SCRIPT", "--store", "STORE"}) << QStringLiteral("unexpected argument");
    QTest::newRow("bisect: no condition") << l({"bisect", "SCRIPT", "--store", "STORE"}) << QStringLiteral("--condition");
    QTest::newRow("bisect: blank condition") << l({"bisect", "SCRIPT", "--store", "STORE", "--condition", "  "}) << QStringLiteral("--condition");
    QTest::newRow("bisect: no source") << l({"bisect", "SCRIPT", "--condition", "true"}) << QStringLiteral("--store STORE or --input FILE");
    QTest::newRow("bisect: no script") << l({"bisect", "--store", "STORE", "--condition", "true"}) << QStringLiteral("missing SCRIPT.js");
}

void TestCliProjection::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    args.replaceInStrings(QRegularExpression(QStringLiteral("^SCRIPT$")), script("balances"));
    args.replaceInStrings(QRegularExpression(QStringLiteral("^STORE$")), m_store);
    args.replaceInStrings(QRegularExpression(QStringLiteral("^INPUT$")), m_input);
    const Run r = cli(args);
    QVERIFY2(r.code == 2, qPrintable(r.describe()));
    QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(r.describe()));
    QVERIFY2(r.err.contains("--help"), qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
}

void TestCliProjection::storeUntouched()
{
    const QString folder = QFileInfo(m_store).absolutePath();
    const QByteArray before = fileHash(m_store);
    const QStringList filesBefore = folderState(folder);
    const QByteArray inputBefore = fileHash(m_input);
    QVERIFY(!before.isEmpty());
    const QStringList store{QStringLiteral("--store"), m_store};
    const QList<QStringList> runs{
        QStringList{QStringLiteral("project"), script("counts")} + store + QStringList{QStringLiteral("--json")},
        QStringList{QStringLiteral("project"), script("balances")} + store + QStringList{QStringLiteral("--steps")},
        QStringList{QStringLiteral("project"), script("runtime-error")} + store,
        QStringList{QStringLiteral("diff-projection"), script("balances"), script("balances-bug")} + store,
        QStringList{QStringLiteral("bisect"), script("balances")} + store + QStringList{QStringLiteral("--condition"), QStringLiteral("state.balance < 0")},
        QStringList{QStringLiteral("project"), script("counts"), QStringLiteral("--input"), m_input},
    };
    for (const QStringList &args : runs) {
        const Run r = cli(args);
        QVERIFY2(r.code >= 0 && r.code != 2, qPrintable(r.describe()));
        QCOMPARE(fileHash(m_store), before);
        QCOMPARE(folderState(folder), filesBefore);
        QCOMPARE(fileHash(m_input), inputBefore);
    }
    // --input never leaves a store next to the file.
    const QStringList beside = QDir(QFileInfo(m_input).absolutePath()).entryList(QDir::Files | QDir::Hidden);
    for (const QString &name : beside)
        QVERIFY2(!name.contains(QStringLiteral("building")) && !name.endsWith(QStringLiteral(".eventlens")), qPrintable(name));
}

QTEST_GUILESS_MAIN(TestCliProjection)
#include "tst_cli_projection.moc"
