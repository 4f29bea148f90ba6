// The decider runtime and the two bundled domains: their rules, upcasting, domain errors versus
// script errors, and states in and out of the engine.

#include "decider.h"

#include <QtTest>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

Event eventOf(const NewEvent &ne, const QString &stream, qint64 version)
{
    Event e;
    e.position = version + 1;
    e.stream = stream;
    e.version = version;
    e.id = ne.id;
    e.type = ne.type;
    e.data = ne.data;
    e.metadata = ne.metadata;
    e.timeMs = 1700000000000 + version;
    return e;
}

// Drives one aggregate through commands: every accepted command's events are evolved into the
// state, as the command handler does after an append.
class Aggregate
{
public:
    Aggregate(Decider &decider, QString stream) : m_decider(decider), m_stream(std::move(stream)), m_state(decider.initialState()) {}

    // The rejection message, or an empty string when accepted.
    QString send(const char *type, const char *data = "{}")
    {
        DeciderCommand c;
        c.type = QLatin1String(type);
        c.stream = m_stream;
        c.data = Json::parse(data);
        const Decider::Decision d = m_decider.decide(c, m_state);
        if (d.rejection)
            return *d.rejection;
        std::vector<Event> events;
        for (const NewEvent &ne : d.events)
            events.push_back(eventOf(ne, m_stream, m_state.version() + 1 + qint64(events.size())));
        m_decider.evolve(m_state, events);
        m_last = d.events;
        return {};
    }
    Json state() { return m_decider.stateJson(m_state); }
    const std::vector<NewEvent> &last() const { return m_last; }

private:
    Decider &m_decider;
    QString m_stream;
    Decider::State m_state;
    std::vector<NewEvent> m_last;
};

} // namespace

class TestDecider : public QObject
{
    Q_OBJECT

private slots:
    void bundledDomains()
    {
        QCOMPARE(Decider::bundledDomains(), (QStringList{QStringLiteral("bank"), QStringLiteral("order")}));
        QCOMPARE(Decider::bundledDomainForStream(QStringLiteral("account-7")), QStringLiteral("bank"));
        QCOMPARE(Decider::bundledDomainForStream(QStringLiteral("order-12")), QStringLiteral("order"));
        QVERIFY(Decider::bundledDomainForStream(QStringLiteral("cart-1")).isEmpty());
        auto bank = Decider::bundled(QStringLiteral("bank"));
        QVERIFY2(bank->isValid(), qPrintable(bank->error() ? bank->error()->toString() : QString()));
        QCOMPARE(bank->name(), QStringLiteral("bank"));
        QCOMPARE(bank->commandTypes(), (QStringList{QStringLiteral("OpenAccount"), QStringLiteral("Deposit"),
                                                    QStringLiteral("Withdraw"), QStringLiteral("CloseAccount")}));
        QCOMPARE(bank->commandTemplate(QStringLiteral("Deposit")), Json::parse(R"({"amount":100.0})"));
        QCOMPARE(bank->schemaVersion(QStringLiteral("AccountOpened")), 2);
        QCOMPARE(bank->schemaVersion(QStringLiteral("Deposited")), 1);
        QCOMPARE(bank->scriptHash().size(), 64);
        auto order = Decider::bundled(QStringLiteral("order"));
        QVERIFY(order->isValid());
        QCOMPARE(order->commandTypes().size(), 5);
        QVERIFY_THROWS_EXCEPTION(DeciderError, Decider::bundled(QStringLiteral("shop")));
    }

    void bankRules()
    {
        auto bank = Decider::bundled(QStringLiteral("bank"));
        Aggregate a(*bank, QStringLiteral("account-1"));
        QCOMPARE(a.send("Deposit", R"({"amount":10})"), QStringLiteral("account is not open"));
        QCOMPARE(a.send("OpenAccount", R"({"owner":"  "})"), QStringLiteral("owner is required"));
        QCOMPARE(a.send("OpenAccount", R"({"owner":"Ada","currency":"GBP"})"), QString());
        QCOMPARE(a.last().size(), size_t(1));
        QCOMPARE(a.last()[0].type, QStringLiteral("AccountOpened"));
        QCOMPARE(Json::parse(a.last()[0].metadata.toStdString())["schemaVersion"], 2);
        QCOMPARE(a.send("OpenAccount", R"({"owner":"Ada"})"), QStringLiteral("account already exists"));
        QCOMPARE(a.send("Deposit", R"({"amount":-5})"), QStringLiteral("amount must be positive (was -5)"));
        QCOMPARE(a.send("Deposit", R"({"amount":"5"})"), QStringLiteral("amount must be a number"));
        QCOMPARE(a.send("Deposit", R"({"amount":0.1})"), QString());
        QCOMPARE(a.send("Deposit", R"({"amount":0.2})"), QString());
        QCOMPARE(a.state()["balanceCents"], 30); // no float drift
        QCOMPARE(a.send("Withdraw", R"({"amount":0.31})"), QStringLiteral("insufficient funds: balance 0.30, requested 0.31"));
        QCOMPARE(a.send("CloseAccount"), QStringLiteral("balance must be zero to close the account (is 0.30)"));
        QCOMPARE(a.send("Withdraw", R"({"amount":0.3})"), QString());
        QCOMPARE(Json::parse(a.last()[0].data.toStdString()), Json::parse(R"({"amount":0.3,"currency":"GBP","reason":"command"})"));
        QCOMPARE(a.send("CloseAccount"), QString());
        QCOMPARE(a.send("Deposit", R"({"amount":1})"), QStringLiteral("account is closed"));
        QCOMPARE(a.send("Withdraw", R"({"amount":1})"), QStringLiteral("account is closed"));
        const Json state = a.state();
        QCOMPARE(state["status"], "closed");
        QCOMPARE(state["owner"], "Ada");
        QCOMPARE(state["currency"], "GBP");
        QCOMPARE(a.send("Transfer"), QStringLiteral("unknown command Transfer"));
    }

    void orderRules()
    {
        auto order = Decider::bundled(QStringLiteral("order"));
        Aggregate o(*order, QStringLiteral("order-1"));
        QCOMPARE(o.send("AddItem", R"({"sku":"A","qty":1,"price":1})"), QStringLiteral("order does not exist"));
        QCOMPARE(o.send("PlaceOrder", R"({"customer":"account-1"})"), QString());
        QCOMPARE(o.send("Pay"), QStringLiteral("cannot pay an empty order"));
        QCOMPARE(o.send("Ship"), QStringLiteral("cannot ship before payment"));
        QCOMPARE(o.send("AddItem", R"({"sku":"A","qty":0,"price":1})"), QStringLiteral("qty must be a positive whole number"));
        QCOMPARE(o.send("AddItem", R"({"sku":"A","name":"Pen","qty":3,"price":1.1})"), QString());
        QCOMPARE(o.send("AddItem", R"({"sku":"B","qty":1,"price":0.7})"), QString());
        QCOMPARE(o.state()["totalCents"], 400);
        QCOMPARE(o.send("Pay", R"({"amount":3.99})"), QStringLiteral("amount 3.99 does not match the order total 4.00"));
        QCOMPARE(o.send("Pay", R"({"amount":4})"), QString());
        QCOMPARE(Json::parse(o.last()[0].data.toStdString())["amount"], 4);
        QCOMPARE(o.send("AddItem", R"({"sku":"C","qty":1,"price":1})"), QStringLiteral("cannot add items after payment"));
        QCOMPARE(o.send("Ship", R"({"carrier":"UPS"})"), QString());
        QCOMPARE(o.send("Cancel"), QStringLiteral("cannot cancel after shipping"));
        QCOMPARE(o.send("Ship"), QStringLiteral("order is already shipped"));
        QCOMPARE(o.state()["status"], "shipped");

        Aggregate paid(*order, QStringLiteral("order-2"));
        QCOMPARE(paid.send("PlaceOrder", R"({"customer":"account-2"})"), QString());
        QCOMPARE(paid.send("AddItem", R"({"sku":"A","qty":2,"price":2.5})"), QString());
        QCOMPARE(paid.send("Pay"), QString());
        QCOMPARE(paid.send("Cancel", R"({"reason":"changed mind"})"), QString());
        QCOMPARE(Json::parse(paid.last()[0].data.toStdString()), Json::parse(R"({"reason":"changed mind","refund":5})"));
        QCOMPARE(paid.send("Pay"), QStringLiteral("order is cancelled"));
    }

    void upcastsOldEvents()
    {
        auto bank = Decider::bundled(QStringLiteral("bank"));
        Event v1;
        v1.position = 1;
        v1.stream = QStringLiteral("account-9");
        v1.version = 0;
        v1.type = QStringLiteral("AccountOpened");
        v1.data = R"({"owner":"Grace"})";
        v1.metadata = R"({"userId":"u"})";
        const Event up = bank->upcast(v1);
        QCOMPARE(Json::parse(up.data.toStdString()), Json::parse(R"({"owner":"Grace","currency":"EUR"})"));
        QCOMPARE(Json::parse(up.metadata.toStdString()), Json::parse(R"({"userId":"u","schemaVersion":2})"));
        // A version 2 event is left as it is.
        Event v2 = v1;
        v2.data = R"({"owner":"Grace","currency":"USD"})";
        v2.metadata = R"({"schemaVersion":2})";
        QCOMPARE(bank->upcast(v2), v2);
        // evolve() sees the upcast event.
        Decider::State state = bank->initialState();
        bank->evolve(state, std::vector<Event>{v1});
        QCOMPARE(bank->stateJson(state)["currency"], "EUR");
        QCOMPARE(state.version(), 0);
    }

    void statesRoundTrip()
    {
        auto bank = Decider::bundled(QStringLiteral("bank"));
        const Json json = Json::parse(R"({"status":"open","owner":"A","currency":"EUR","balanceCents":1250,"balance":12.5})");
        Decider::State state = bank->stateFromJson(json, 41);
        QCOMPARE(state.version(), 41);
        QCOMPARE(bank->stateJson(state), json);
    }

    void scriptErrorsAreNotDomainErrors()
    {
        Decider d(QStringLiteral("function initialState() { return {}; }\n"
                                 "function evolve(s, e) { return s; }\n"
                                 "function decide(c, s) {\n"
                                 "    if (c.type === 'Bug') return s.missing.field;\n"
                                 "    if (c.type === 'Custom') { class Nope extends Error {} throw new Nope('custom no'); }\n"
                                 "    if (c.type === 'Text') throw 'plain no';\n"
                                 "    if (c.type === 'Bad') return [{data: {}}];\n"
                                 "    if (c.type === 'Loop') for (;;) {}\n"
                                 "    return {type: 'Done', data: {n: 1}};\n"
                                 "}\n"),
                  QStringLiteral("mine.js"), 200);
        QVERIFY(d.isValid());
        QCOMPARE(d.name(), QStringLiteral("mine"));
        const Decider::State s = d.initialState();
        DeciderCommand c;
        c.stream = QStringLiteral("x-1");
        c.type = QStringLiteral("Ok");
        const Decider::Decision ok = d.decide(c, s);
        QCOMPARE(ok.events.size(), size_t(1)); // one event without an array
        QCOMPARE(ok.events[0].type, QStringLiteral("Done"));
        c.type = QStringLiteral("Custom");
        QCOMPARE(d.decide(c, s).rejection.value_or(QString()), QStringLiteral("custom no"));
        c.type = QStringLiteral("Text");
        QCOMPARE(d.decide(c, s).rejection.value_or(QString()), QStringLiteral("plain no"));
        c.type = QStringLiteral("Bug");
        try {
            d.decide(c, s);
            QFAIL("a TypeError must raise DeciderError");
        } catch (const DeciderError &e) {
            QCOMPARE(e.error().kind, ProjectionError::Kind::Runtime);
            QCOMPARE(e.error().line, 4);
            QVERIFY2(e.error().message.startsWith(QStringLiteral("TypeError")), qPrintable(e.error().message));
        }
        c.type = QStringLiteral("Bad");
        try {
            d.decide(c, s);
            QFAIL("an event without a type must raise DeciderError");
        } catch (const DeciderError &e) {
            QVERIFY2(e.error().message.contains(QStringLiteral("decide() must return events")), qPrintable(e.error().message));
        }
        c.type = QStringLiteral("Loop");
        try {
            d.decide(c, s);
            QFAIL("an endless loop must time out");
        } catch (const DeciderError &e) {
            QCOMPARE(e.error().kind, ProjectionError::Kind::Timeout);
        }
        // The engine is usable after the time-out.
        c.type = QStringLiteral("Ok");
        QCOMPARE(d.decide(c, s).events.size(), size_t(1));
    }

    void definitionErrors()
    {
        Decider syntax(QStringLiteral("function initialState() {\n  return {;\n}\n"));
        QVERIFY(!syntax.isValid());
        QCOMPARE(syntax.error()->kind, ProjectionError::Kind::Syntax);
        QCOMPARE(syntax.error()->line, 2);
        QVERIFY_THROWS_EXCEPTION(DeciderError, syntax.initialState());

        Decider missing(QStringLiteral("function initialState() { return {}; }\nfunction evolve(s) { return s; }\n"));
        QVERIFY(!missing.isValid());
        QCOMPARE(missing.error()->kind, ProjectionError::Kind::Definition);
        QCOMPARE(missing.error()->message, QStringLiteral("the script defines no decide(command, state) function"));

        // Lexical declarations work as well as function declarations and var.
        Decider lexical(QStringLiteral("const initialState = () => ({n: 0});\n"
                                       "const evolve = (s, e) => { s.n += 1; };\n"
                                       "const decide = (c, s) => [{type: 'Counted', data: {n: s.n}}];\n"
                                       "const commands = {Count: {}};\n"));
        QVERIFY2(lexical.isValid(), qPrintable(lexical.error() ? lexical.error()->toString() : QString()));
        QCOMPARE(lexical.commandTypes(), QStringList{QStringLiteral("Count")});

        Decider badUpcaster(QStringLiteral("function initialState() { return {}; }\nfunction evolve(s) { return s; }\n"
                                           "function decide() { return []; }\nvar upcasters = {A: [1]};\n"));
        QVERIFY(!badUpcaster.isValid());
        QCOMPARE(badUpcaster.error()->message, QStringLiteral("upcasters.A must be an array of functions"));
    }

    void evolveErrorsNameTheEvent()
    {
        Decider d(QStringLiteral("function initialState() { return {}; }\n"
                                 "function evolve(s, e) {\n"
                                 "    return e.data.x.y;\n"
                                 "}\n"
                                 "function decide() { return []; }\n"));
        Decider::State s = d.initialState();
        Event e;
        e.position = 17;
        e.stream = QStringLiteral("a-1");
        e.version = 0;
        e.type = QStringLiteral("T");
        e.data = "{}";
        try {
            d.evolve(s, std::vector<Event>{e});
            QFAIL("expected DeciderError");
        } catch (const DeciderError &err) {
            QCOMPARE(err.error().line, 3);
            QCOMPARE(err.error().position, 17);
        }
    }
};

QTEST_GUILESS_MAIN(TestDecider)
#include "tst_decider.moc"
