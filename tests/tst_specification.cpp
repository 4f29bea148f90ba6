// Given/when/then specifications: parsing with errors that name the place, running against the
// bundled deciders (pass and each kind of failure), and making one from history.

#include "specification.h"

#include <QtTest>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

const char kOverdraw[] = R"({
  "name": "cannot overdraw",
  "domain": "bank",
  "stream": "account-1",
  "given": [
    {"type": "AccountOpened", "data": {"owner": "Ada", "currency": "EUR"}},
    {"type": "Deposited", "data": {"amount": 100}}
  ],
  "when": {"type": "Withdraw", "data": {"amount": 150}},
  "thenError": "insufficient funds: balance 100.00, requested 150.00"
})";

} // namespace

class TestSpecification : public QObject
{
    Q_OBJECT

private slots:
    void runsAndPasses()
    {
        auto bank = Decider::bundled(QStringLiteral("bank"));
        const std::vector<Specification> specs = Specification::parse(kOverdraw);
        QCOMPARE(specs.size(), size_t(1));
        QCOMPARE(specs[0].given.size(), size_t(2));
        QCOMPARE(specs[0].given[1].version, 1);
        const Specification::Result r = specs[0].run(*bank);
        QVERIFY2(r.passed, qPrintable(r.message));
        QCOMPARE(r.error.value_or(QString()), QStringLiteral("insufficient funds: balance 100.00, requested 150.00"));
    }

    void failuresSayWhat_data()
    {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<QString>("message");
        const QByteArray given = R"("domain":"bank","stream":"account-1","given":[{"type":"AccountOpened","data":{"owner":"Ada"}},{"type":"Deposited","data":{"amount":100}}],)";
        QTest::newRow("other error") << QByteArray("{" + given + R"("when":{"type":"Withdraw","data":{"amount":150}},"thenError":"no"})")
                                     << QStringLiteral("expected the domain error \"no\", got \"insufficient funds: balance 100.00, requested 150.00\"");
        QTest::newRow("accepted instead") << QByteArray("{" + given + R"("when":{"type":"Withdraw","data":{"amount":50}},"thenError":"no"})")
                                          << QStringLiteral("expected the domain error \"no\", but the command was accepted with 1 event(s)");
        QTest::newRow("rejected instead") << QByteArray("{" + given + R"("when":{"type":"Withdraw","data":{"amount":150}},"then":[{"type":"Withdrawn"}]})")
                                          << QStringLiteral("expected 1 event(s), but the command was rejected: \"insufficient funds: balance 100.00, requested 150.00\"");
        QTest::newRow("other data") << QByteArray("{" + given + R"("when":{"type":"Withdraw","data":{"amount":50}},"then":[{"type":"Withdrawn","data":{"amount":5,"currency":"EUR","reason":"command"}}]})")
                                    << QStringLiteral("event 0 (Withdrawn): expected data {\"amount\":5,\"currency\":\"EUR\",\"reason\":\"command\"}, "
                                                      "got {\"amount\":50,\"currency\":\"EUR\",\"reason\":\"command\"}");
        QTest::newRow("other type") << QByteArray("{" + given + R"("when":{"type":"Deposit","data":{"amount":50}},"then":[{"type":"Withdrawn"}]})")
                                    << QStringLiteral("event 0: expected type Withdrawn, got Deposited");
        QTest::newRow("count") << QByteArray("{" + given + R"("when":{"type":"Deposit","data":{"amount":50}},"then":[]})")
                               << QStringLiteral("expected 0 event(s), got 1 (Deposited)");
        QTest::newRow("metadata") << QByteArray("{" + given + R"("when":{"type":"Deposit","data":{"amount":50}},"then":[{"type":"Deposited","data":{"amount":50,"currency":"EUR","source":"command"},"metadata":{"userId":"x"}}]})")
                                  << QStringLiteral("event 0 (Deposited): expected metadata.userId = \"x\", got nothing");
    }

    void failuresSayWhat()
    {
        QFETCH(QByteArray, spec);
        QFETCH(QString, message);
        auto bank = Decider::bundled(QStringLiteral("bank"));
        const Specification::Result r = Specification::parse(spec).at(0).run(*bank);
        QVERIFY(!r.passed);
        QCOMPARE(r.message, message);
    }

    void parseErrorsNameThePlace_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << QByteArray("{") << QStringLiteral("not valid JSON");
        QTest::newRow("no domain") << QByteArray(R"({"stream":"a-1","when":{"type":"X"},"then":[]})")
                                   << QStringLiteral("specification 1: give exactly one of \"domain\" and \"decider\"");
        QTest::newRow("no when") << QByteArray(R"([{"name":"ok","domain":"bank","stream":"a-1","when":{"type":"X"},"then":[]},{"name":"second","domain":"bank","stream":"a-1","then":[]}])")
                                 << QStringLiteral("specification 2 (second): \"when\" must be a command object {\"type\": ..., \"data\": {...}}");
        QTest::newRow("given type") << QByteArray(R"({"domain":"bank","stream":"a-1","given":[{"data":{}}],"when":{"type":"X"},"then":[]})")
                                    << QStringLiteral("specification 1, given[0]: \"type\" is missing");
        QTest::newRow("both") << QByteArray(R"({"domain":"bank","stream":"a-1","when":{"type":"X"},"then":[],"thenError":"x"})")
                              << QStringLiteral("specification 1: give exactly one of \"then\" (the events) and \"thenError\" (the domain error)");
        QTest::newRow("then data") << QByteArray(R"({"domain":"bank","stream":"a-1","when":{"type":"X"},"then":[{"type":"A","metadata":3}]})")
                                   << QStringLiteral("specification 1, then[0]: \"metadata\" must be a JSON object");
    }

    void parseErrorsNameThePlace()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        try {
            Specification::parse(text);
            QFAIL("expected an error");
        } catch (const std::runtime_error &e) {
            QCOMPARE(QString::fromUtf8(e.what()), message);
        }
    }

    void fromHistoryRoundTrips()
    {
        auto order = Decider::bundled(QStringLiteral("order"));
        std::vector<Event> history;
        const auto add = [&](const char *type, const char *data) {
            Event e;
            e.type = QLatin1String(type);
            e.data = data;
            e.metadata = "{}";
            e.stream = QStringLiteral("order-9"); // renumbered by fromHistory
            e.version = 40;
            history.push_back(e);
        };
        add("OrderPlaced", R"({"customer":"account-1","currency":"EUR"})");
        add("ItemAdded", R"({"sku":"A","name":"Pen","qty":2,"price":1.5})");
        DeciderCommand pay{QStringLiteral("Pay"), {}, Json::object(), Json::object()};
        const Specification accepted = Specification::fromHistory(*order, QStringLiteral("order"), QStringLiteral("order-9"), history, pay);
        QCOMPARE(accepted.given[1].version, 1);
        QVERIFY(accepted.then);
        QCOMPARE(accepted.then->size(), size_t(1));
        QCOMPARE(accepted.then->at(0).type, QStringLiteral("OrderPaid"));
        QCOMPARE(accepted.then->at(0).data["amount"], 3);
        QCOMPARE(accepted.name, QStringLiteral("Pay after 2 events of order-9: accepted"));

        // Through JSON and back, it still passes.
        const QByteArray text = QByteArray::fromStdString(accepted.toJson().dump());
        const Specification again = Specification::parse(text).at(0);
        QCOMPARE(again.toJson(), accepted.toJson());
        QVERIFY(again.run(*order).passed);

        DeciderCommand ship{QStringLiteral("Ship"), {}, Json::object(), Json::object()};
        const Specification rejected = Specification::fromHistory(*order, QStringLiteral("order"), QStringLiteral("order-9"), history, ship);
        QCOMPARE(rejected.thenError.value_or(QString()), QStringLiteral("cannot ship before payment"));
        QVERIFY(rejected.run(*order).passed);
        QCOMPARE(rejected.toJson()["thenError"], "cannot ship before payment");
    }
};

QTEST_GUILESS_MAIN(TestSpecification)
#include "tst_specification.moc"
