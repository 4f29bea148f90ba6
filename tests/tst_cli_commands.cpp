// eventlens-cli command and bench commands, end to end on the real binary: outcomes and their
// exit codes (0 appended, 3 conflict, 4 domain error, 1 failure, 2 usage), output formats, a
// decider of the user's, and the load generator's figures.

#include "clirun.h"
#include "eventstore.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace eventlens;
using namespace eventlens::testing;
using Json = nlohmann::ordered_json;

class TestCliCommands : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    CliRun command(const QString &store, const QStringList &more)
    {
        return cli(QStringList{QStringLiteral("command"), store} + more);
    }

private slots:
    void help()
    {
        const CliRun r = cli({QStringLiteral("command"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("--expected-version"));
        QVERIFY(r.out.contains("4 domain error"));
        const CliRun b = cli({QStringLiteral("bench"), QStringLiteral("--help")});
        QCOMPARE(b.code, 0);
        QVERIFY(b.out.contains("--clients"));
    }

    void bankCommands()
    {
        const QString store = path("bank.eventlens");
        CliRun r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                                   QStringLiteral("--type"), QStringLiteral("OpenAccount"), QStringLiteral("--data"), QStringLiteral(R"({"owner":"Ada"})")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith("appended account-1@0 AccountOpened at position 1"), qPrintable(r.describe()));

        // The type matches case-insensitively; --json prints the events as JSON Lines.
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("deposit"), QStringLiteral("--data"), QStringLiteral(R"({"amount":100})"),
                            QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const std::vector<Json> lines = jsonLines(r.out);
        QCOMPARE(lines.size(), size_t(1));
        QCOMPARE(keysOf(lines[0]), (QStringList{QStringLiteral("position"), QStringLiteral("stream"), QStringLiteral("version"), QStringLiteral("id"),
                                                QStringLiteral("type"), QStringLiteral("data"), QStringLiteral("metadata"), QStringLiteral("time")}));
        QCOMPARE(lines[0]["type"], "Deposited");
        QCOMPARE(lines[0]["version"], 1);
        QCOMPARE(lines[0]["data"]["amount"], 100);
        QCOMPARE(lines[0]["metadata"]["command"], "Deposit");

        // Overdrawing: the domain error on stderr, exit 4, nothing appended.
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("Withdraw"), QStringLiteral("--data"), QStringLiteral(R"({"amount":250})")});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("insufficient funds: balance 100.00, requested 250.00"), qPrintable(r.describe()));
        QVERIFY(r.out.isEmpty());

        // A stale expected version: exit 3 naming both versions.
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("Withdraw"), QStringLiteral("--data"), QStringLiteral(R"({"amount":10})"),
                            QStringLiteral("--expected-version"), QStringLiteral("0")});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("expected 0, actual 1"), qPrintable(r.describe()));

        // The right one, with the state after it.
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("Withdraw"), QStringLiteral("--data"), QStringLiteral(R"({"amount":10})"),
                            QStringLiteral("--expected-version"), QStringLiteral("1"), QStringLiteral("--state"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const Json out = Json::parse(r.out.toStdString());
        QCOMPARE(out["events"][0]["version"], 2);
        QCOMPARE(out["state"]["balance"], 90);

        auto s = EventStore::open(store, EventStore::OpenMode::ReadOnly);
        QCOMPARE(s->headPosition(), 3);
        QVERIFY(s->verify().ok);
    }

    void usageAndFailures()
    {
        const QString store = path("usage.eventlens");
        CliRun r = command(store, {QStringLiteral("--stream"), QStringLiteral("a-1"), QStringLiteral("--type"), QStringLiteral("X")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--domain and --decider"), qPrintable(r.describe()));
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("shop"), QStringLiteral("--stream"), QStringLiteral("a-1"),
                            QStringLiteral("--type"), QStringLiteral("X")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("unknown domain 'shop' (known: bank, order)"), qPrintable(r.describe()));
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("Transfer")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("unknown command type 'Transfer' for bank (known: OpenAccount, Deposit, Withdraw, CloseAccount)"),
                 qPrintable(r.describe()));
        r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                            QStringLiteral("--type"), QStringLiteral("Deposit"), QStringLiteral("--data"), QStringLiteral("[1]")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--data must be a JSON object"), qPrintable(r.describe()));
        QVERIFY(!QFileInfo::exists(store)); // nothing was created for a bad command line

        // A decider of the user's with a bug: exit 1 with the line.
        const QString script = path("broken.js");
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("function initialState() { return {n: 0}; }\n"
                "function evolve(s, e) { s.n += 1; return s; }\n"
                "function decide(c, s) {\n"
                "    if (c.type === 'Count') return [{type: 'Counted', data: {n: s.n + 1}}];\n"
                "    return s.missing.field;\n"
                "}\n");
        f.close();
        r = command(store, {QStringLiteral("--decider"), script, QStringLiteral("--stream"), QStringLiteral("counter-1"),
                            QStringLiteral("--type"), QStringLiteral("Count")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(r.out.contains("counter-1@0 Counted"));
        r = command(store, {QStringLiteral("--decider"), script, QStringLiteral("--stream"), QStringLiteral("counter-1"),
                            QStringLiteral("--type"), QStringLiteral("Other")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("line 5") && r.err.contains("TypeError"), qPrintable(r.describe()));
    }

    void specExportAndRun()
    {
        const QString store = path("specs.eventlens");
        for (const auto &[type, data] : {std::pair{"OpenAccount", R"({"owner":"Ada"})"}, std::pair{"Deposit", R"({"amount":40})"}}) {
            const CliRun r = command(store, {QStringLiteral("--domain"), QStringLiteral("bank"), QStringLiteral("--stream"), QStringLiteral("account-7"),
                                             QStringLiteral("--type"), QLatin1String(type), QStringLiteral("--data"), QLatin1String(data)});
            QVERIFY2(r.code == 0, qPrintable(r.describe()));
        }
        const QByteArray before = fileHash(store);
        const QString specPath = path("overdraw.json");
        CliRun r = cli({QStringLiteral("spec"), QStringLiteral("export"), store, QStringLiteral("--domain"), QStringLiteral("bank"),
                        QStringLiteral("--stream"), QStringLiteral("account-7"), QStringLiteral("--type"), QStringLiteral("withdraw"),
                        QStringLiteral("--data"), QStringLiteral(R"({"amount":41})"), QStringLiteral("--name"), QStringLiteral("no overdraft"),
                        QStringLiteral("--out"), specPath});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QCOMPARE(fileHash(store), before); // read-only
        QFile f(specPath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        Json spec = Json::parse(f.readAll().toStdString());
        f.close();
        QCOMPARE(spec["name"], "no overdraft");
        QCOMPARE(spec["given"].size(), size_t(2));
        QCOMPARE(spec["when"]["type"], "Withdraw");
        QCOMPARE(spec["thenError"], "insufficient funds: balance 40.00, requested 41.00");

        r = cli({QStringLiteral("spec"), QStringLiteral("run"), specPath});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(r.out.contains("PASS  no overdraft"));
        QVERIFY(r.out.contains("1 passed, 0 failed"));

        // A second specification that fails: exit 1 naming it.
        Json broken = spec;
        broken["name"] = "wrong expectation";
        broken["thenError"] = "something else";
        const QString both = path("both.json");
        QFile out(both);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QByteArray::fromStdString(Json{{"specifications", Json::array({spec, broken})}}.dump()));
        out.close();
        r = cli({QStringLiteral("spec"), QStringLiteral("run"), both, QStringLiteral("--json")});
        QCOMPARE(r.code, 1);
        const std::vector<Json> lines = jsonLines(r.out);
        QCOMPARE(lines.size(), size_t(2));
        QCOMPARE(lines[0]["passed"], true);
        QCOMPARE(lines[1]["passed"], false);
        QVERIFY2(r.err.contains("wrong expectation"), qPrintable(r.describe()));

        // --out never overwrites.
        r = cli({QStringLiteral("spec"), QStringLiteral("export"), store, QStringLiteral("--domain"), QStringLiteral("bank"),
                 QStringLiteral("--stream"), QStringLiteral("account-7"), QStringLiteral("--type"), QStringLiteral("Deposit"),
                 QStringLiteral("--out"), specPath});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("not overwritten"), qPrintable(r.describe()));
    }

    void benchCommands_data()
    {
        QTest::addColumn<QString>("domain");
        QTest::newRow("bank") << QStringLiteral("bank");
        QTest::newRow("order") << QStringLiteral("order");
    }

    void benchCommands()
    {
        QFETCH(QString, domain);
        const QString store = path("bench.eventlens");
        const CliRun r = cli({QStringLiteral("bench"), QStringLiteral("commands"), store, QStringLiteral("--domain"), domain,
                              QStringLiteral("--clients"), QStringLiteral("4"), QStringLiteral("--commands"), QStringLiteral("400"),
                              QStringLiteral("--streams"), QStringLiteral("20"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const Json out = Json::parse(r.out.toStdString());
        for (const char *key : {"commands_per_s", "p50_ms", "p99_ms", "conflicts", "errors"})
            QVERIFY2(out.contains(key), key);
        QCOMPARE(out["commands"], 400);
        QCOMPARE(out["clients"], 4);
        QCOMPARE(out["errors"], 0);
        QVERIFY(out["commands_per_s"].get<double>() > 0);
        QVERIFY(out["p99_ms"].get<double>() >= out["p50_ms"].get<double>());
        // The clients' CPU time: each command costs some, and not more than the machine had.
        const double cpuUs = out["cpu_us_per_command"].get<double>();
        QVERIFY2(cpuUs > 0, qPrintable(QString::number(cpuUs)));
        QVERIFY(out["cores"].get<int>() >= 1);
        QVERIFY2(cpuUs * 400 <= out["seconds"].get<double>() * 1e6 * out["cores"].get<int>() * 1.05, qPrintable(QString::number(cpuUs)));
        // Every accepted command appended its events, and the store still verifies.
        auto s = EventStore::open(store, EventStore::OpenMode::ReadOnly);
        QVERIFY(s->verify().ok);
        QVERIFY(out["appended"].get<qint64>() + out["rejected"].get<qint64>() <= 400);
        QVERIFY(out["events"].get<qint64>() >= out["appended"].get<qint64>());
        // Each durable transaction holds at least one append.
        QVERIFY(out["transactions"].get<qint64>() <= out["appended"].get<qint64>());
    }
};

QTEST_GUILESS_MAIN(TestCliCommands)
#include "tst_cli_commands.moc"
