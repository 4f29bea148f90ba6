#include "event.h"
#include "eventpredicate.h"

#include <QTest>

using namespace eventlens;

namespace {

constexpr qint64 BaseTime = 1704096000000; // 2024-01-01T08:00:00.000Z

Event makeEvent(qint64 position, const QString &stream, qint64 version, const QString &type, const QByteArray &data,
                const QByteArray &metadata = QByteArrayLiteral("{}"), bool isJson = true)
{
    Event e;
    e.position = position;
    e.stream = stream;
    e.version = version;
    e.id = QStringLiteral("0190b2a0-1234-7abc-8def-%1").arg(position, 12, 10, QLatin1Char('0'));
    e.type = type;
    e.data = data;
    e.metadata = metadata;
    e.dataIsJson = isJson;
    e.timeMs = BaseTime + position * 1000;
    return e;
}

Event deposit(qint64 position, double amount, const char *user = "user-7")
{
    return makeEvent(position, QStringLiteral("account-42"), position - 1, QStringLiteral("Deposited"),
                     "{\"amount\":" + QByteArray::number(amount) + ",\"currency\":\"EUR\",\"source\":\"transfer\"}",
                     QByteArrayLiteral("{\"correlationId\":\"c-1\",\"causationId\":\"c-1\",\"userId\":\"") + user + "\"}");
}

} // namespace

class TestEventPredicate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void syntaxErrorLineAndColumn_data();
    void syntaxErrorLineAndColumn();
    void syntaxErrorAtEnd();
    void emptyPredicate();
    void checkDoesNotRun();
    void eventFields_data();
    void eventFields();
    void nonJsonData();
    void lazyJson();
    void runtimeErrorCounted();
    void thrownValueCounted();
    void infiniteLoopInterrupted();
    void functionForms_data();
    void functionForms();
    void sandbox();
};

void TestEventPredicate::syntaxErrorLineAndColumn_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");

    QTest::newRow("expression") << QStringLiteral("e.data.amount > 100 &&& true") << 1 << 23;
    QTest::newRow("two identifiers") << QStringLiteral("e.type foo") << 1 << 8;
    QTest::newRow("second line") << QStringLiteral("e.data.amount >\n  100 +* 3") << 2 << 8;
    QTest::newRow("third line") << QStringLiteral("e.version == 0 ||\n\n  e.type == = 'x'") << 3 << 13;
    QTest::newRow("function") << QStringLiteral("function (e) {\n  return e.x > ;\n}") << 2 << 16;
    QTest::newRow("arrow") << QStringLiteral("e => e.type == )") << 1 << 16;
    QTest::newRow("body") << QStringLiteral("if (e.isJson)\n  return e.data.x >> > 1;\nreturn false;") << 2 << 22;
    QTest::newRow("dynamic import") << QStringLiteral("import('/etc/passwd')") << 1 << 1;
}

void TestEventPredicate::syntaxErrorLineAndColumn()
{
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(int, column);

    const std::optional<PredicateSyntaxError> error = EventPredicate::syntaxError(source);
    QVERIFY(error);
    QCOMPARE(error->line, line);
    QCOMPARE(error->column, column);
    QVERIFY(!error->message.isEmpty());

    const std::optional<QString> text = EventPredicate::check(source);
    QVERIFY(text);
    QVERIFY2(text->startsWith(QStringLiteral("syntax error at line %1, column %2: ").arg(line).arg(column)), qPrintable(*text));

    EventPredicate predicate(source);
    QVERIFY(!predicate.isValid());
    QCOMPARE(predicate.error(), *text);
    QCOMPARE(predicate.evaluate(deposit(1, 500)), EventPredicate::Outcome::Invalid);
    QVERIFY(!predicate.matches(deposit(1, 500)));
}

void TestEventPredicate::syntaxErrorAtEnd()
{
    // The text ends in the middle of an expression: the error is at its end.
    const std::optional<PredicateSyntaxError> error = EventPredicate::syntaxError(QStringLiteral("e.version == 0 &&\n  e.data.amount >"));
    QVERIFY(error);
    QCOMPARE(error->line, 2);
    QCOMPARE(error->column, 18);
    QVERIFY2(error->message.contains(QStringLiteral("end of the predicate")), qPrintable(error->message));

    const std::optional<PredicateSyntaxError> unclosed = EventPredicate::syntaxError(QStringLiteral("(e.version == 0"));
    QVERIFY(unclosed);
    QCOMPARE(unclosed->line, 1);
    QCOMPARE(unclosed->column, 16);
}

void TestEventPredicate::emptyPredicate()
{
    for (const QString &source : {QString(), QStringLiteral("  \n "), QStringLiteral("// nothing\n/* at all */ ;")}) {
        const std::optional<QString> error = EventPredicate::check(source);
        QVERIFY(error);
        QCOMPARE(*error, QStringLiteral("the predicate is empty"));
    }
}

void TestEventPredicate::checkDoesNotRun()
{
    // check() compiles only: code that would throw or loop forever is not run.
    QCOMPARE(EventPredicate::check(QStringLiteral("(function () { throw new Error('ran') })()")), std::nullopt);
    QCOMPARE(EventPredicate::check(QStringLiteral("(function () { while (true) {} })()")), std::nullopt);
    QCOMPARE(EventPredicate::check(QStringLiteral("e.data.amount > 100 && e.metadata.userId == \"u7\"")), std::nullopt);
    // A trailing semicolon is still an expression.
    QCOMPARE(EventPredicate::check(QStringLiteral("e.version == 0;")), std::nullopt);
}

void TestEventPredicate::eventFields_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<bool>("expected");

    // The event: position 5, account-42 version 4, Deposited 150 EUR by user-7 at 08:00:05.
    QTest::newRow("data number") << QStringLiteral("e.data.amount > 100") << true;
    QTest::newRow("data number false") << QStringLiteral("e.data.amount > 200") << false;
    QTest::newRow("data string") << QStringLiteral("e.data.currency === 'EUR' && e.data.source == \"transfer\"") << true;
    QTest::newRow("body alias") << QStringLiteral("e.body.amount === 150") << true;
    QTest::newRow("data missing member") << QStringLiteral("e.data.missing === undefined") << true;
    QTest::newRow("metadata") << QStringLiteral("e.metadata.userId == 'user-7'") << true;
    QTest::newRow("metadata other user") << QStringLiteral("e.metadata.userId == 'user-8'") << false;
    QTest::newRow("type") << QStringLiteral("e.type == 'Deposited'") << true;
    QTest::newRow("type other") << QStringLiteral("e.type == 'Withdrawn'") << false;
    QTest::newRow("stream") << QStringLiteral("e.stream === 'account-42'") << true;
    QTest::newRow("category") << QStringLiteral("e.category === 'account'") << true;
    QTest::newRow("version") << QStringLiteral("e.version === 4") << true;
    QTest::newRow("position") << QStringLiteral("e.position === 5") << true;
    QTest::newRow("id") << QStringLiteral("e.id === '0190b2a0-1234-7abc-8def-000000000005'") << true;
    QTest::newRow("time text") << QStringLiteral("e.time === '2024-01-01T08:00:05.000Z'") << true;
    QTest::newRow("time compare") << QStringLiteral("e.time >= '2024-01-01T08' && e.time < '2024-01-02'") << true;
    QTest::newRow("timeMs") << QStringLiteral("e.timeMs === 1704096005000") << true;
    QTest::newRow("isJson") << QStringLiteral("e.isJson === true") << true;
    QTest::newRow("raw text") << QStringLiteral("e.dataRaw.indexOf('\"amount\":150') == 1 && JSON.parse(e.metadataRaw).causationId == 'c-1'") << true;
    QTest::newRow("combined") << QStringLiteral("e.data.amount > 100 && e.metadata.userId == 'user-7' && e.version < 10") << true;
    QTest::newRow("stringify") << QStringLiteral("JSON.stringify(e).indexOf('\"data\":{\"amount\":150,') > 0") << true;
    QTest::newRow("truthy number") << QStringLiteral("e.data.amount") << true;
    QTest::newRow("falsy string") << QStringLiteral("''") << false;
    QTest::newRow("multi-line with comment") << QStringLiteral("// big deposits\ne.data.amount >= 150 // inclusive\n") << true;
}

void TestEventPredicate::eventFields()
{
    QFETCH(QString, source);
    QFETCH(bool, expected);

    EventPredicate predicate(source);
    QVERIFY2(predicate.isValid(), qPrintable(predicate.error()));
    const Event event = deposit(5, 150);
    QCOMPARE(predicate.matches(event), expected);
    QCOMPARE(predicate.evaluate(event), expected ? EventPredicate::Outcome::Match : EventPredicate::Outcome::NoMatch);
    QCOMPARE(predicate.runtimeErrorCount(), 0);
    // Same answer again, and for another event the answer follows that event.
    QCOMPARE(predicate.matches(event), expected);
}

void TestEventPredicate::nonJsonData()
{
    const Event text = makeEvent(1, QStringLiteral("log-1"), 0, QStringLiteral("Line"), QByteArrayLiteral("plain text, not JSON"),
                                 QByteArrayLiteral("{}"), false);
    EventPredicate isText(QStringLiteral("!e.isJson && typeof e.data === 'string' && e.data.indexOf('not JSON') > 0"));
    QVERIFY(isText.matches(text));
    QVERIFY(!isText.matches(deposit(2, 10)));
    QCOMPARE(isText.runtimeErrorCount(), 0);

    // Bytes that are not UTF-8 are shown as base64, as everywhere else.
    const Event binary = makeEvent(3, QStringLiteral("log-1"), 1, QStringLiteral("Blob"), QByteArray("\xff\xfe\x01", 3),
                                   QByteArrayLiteral("{}"), false);
    EventPredicate isBase64(QStringLiteral("e.data === 'base64:' + '//4B'"));
    QVERIFY(isBase64.matches(binary));

    // Empty JSON data is null; empty metadata an empty object.
    Event empty = makeEvent(4, QStringLiteral("x-1"), 0, QStringLiteral("Empty"), QByteArray(), QByteArray());
    EventPredicate nulls(QStringLiteral("e.data === null && Object.keys(e.metadata).length === 0"));
    QVERIFY(nulls.matches(empty));
    QCOMPARE(nulls.runtimeErrorCount(), 0);
}

void TestEventPredicate::lazyJson()
{
    // Data that does not parse: a predicate that never reads it never notices.
    const Event broken = makeEvent(9, QStringLiteral("account-1"), 0, QStringLiteral("Deposited"), QByteArrayLiteral("{broken"));
    EventPredicate byType(QStringLiteral("e.type === 'Deposited' && e.category === 'account'"));
    QVERIFY(byType.matches(broken));
    QCOMPARE(byType.runtimeErrorCount(), 0);

    EventPredicate byData(QStringLiteral("e.data.amount > 1"));
    QCOMPARE(byData.evaluate(broken), EventPredicate::Outcome::RuntimeError);
    QCOMPARE(byData.runtimeErrorCount(), 1);
    QVERIFY2(byData.firstRuntimeError().startsWith(QStringLiteral("SyntaxError")), qPrintable(byData.firstRuntimeError()));
    QVERIFY(byData.firstRuntimeError().endsWith(QStringLiteral(" at position 9")));
}

void TestEventPredicate::runtimeErrorCounted()
{
    EventPredicate predicate(QStringLiteral("e.version >= 0 &&\n  e.data.limits.daily > 10"));
    QVERIFY2(predicate.isValid(), qPrintable(predicate.error()));

    // Events without data.limits throw a TypeError: no match, counted, and the scan goes on.
    QCOMPARE(predicate.evaluate(deposit(3, 10)), EventPredicate::Outcome::RuntimeError);
    QVERIFY(!predicate.matches(deposit(4, 10)));
    const Event withLimits = makeEvent(5, QStringLiteral("account-1"), 0, QStringLiteral("LimitSet"),
                                       QByteArrayLiteral("{\"limits\":{\"daily\":50}}"));
    QVERIFY(predicate.matches(withLimits));
    QVERIFY(!predicate.matches(deposit(6, 10)));

    QCOMPARE(predicate.runtimeErrorCount(), 3);
    QCOMPARE(predicate.firstRuntimeErrorPosition(), 3);
    const QString first = predicate.firstRuntimeError();
    QVERIFY2(first.startsWith(QStringLiteral("TypeError: ")), qPrintable(first));
    QVERIFY2(first.contains(QStringLiteral("daily")), qPrintable(first));
    QVERIFY2(first.endsWith(QStringLiteral("(line 2) at position 3")), qPrintable(first));
    QVERIFY(predicate.interruption().isEmpty());
}

void TestEventPredicate::thrownValueCounted()
{
    EventPredicate predicate(QStringLiteral("e.position == 2 ? (function () { throw 'boom'; })() : true"));
    QVERIFY(predicate.matches(deposit(1, 1)));
    QCOMPARE(predicate.evaluate(deposit(2, 1)), EventPredicate::Outcome::RuntimeError);
    QVERIFY(predicate.matches(deposit(3, 1)));
    QCOMPARE(predicate.runtimeErrorCount(), 1);
    QCOMPARE(predicate.firstRuntimeError(), QStringLiteral("uncaught exception: boom at position 2"));
}

void TestEventPredicate::infiniteLoopInterrupted()
{
    EventPredicate predicate(QStringLiteral("e.position == 7 ? (function () { while (true) {} })() : e.position > 3"), 50);
    QVERIFY2(predicate.isValid(), qPrintable(predicate.error()));
    QCOMPARE(predicate.timeBudgetMs(), 50);
    QVERIFY(!predicate.matches(deposit(2, 1)));
    QCOMPARE(predicate.evaluate(deposit(7, 1)), EventPredicate::Outcome::Interrupted);
    QCOMPARE(predicate.interruption(), QStringLiteral("predicate interrupted: took longer than 50 ms at position 7"));
    QCOMPARE(predicate.interruptedPosition(), 7);
    QCOMPARE(predicate.runtimeErrorCount(), 0);
    // The engine is usable again for the next event.
    QVERIFY(predicate.matches(deposit(8, 1)));
    QVERIFY(!predicate.matches(deposit(1, 1)));

    // A loop in a function-form predicate, and unbounded recursion, end too.
    EventPredicate loop(QStringLiteral("function (e) { for (;;) { e.version++; } }"), 20);
    QCOMPARE(loop.evaluate(deposit(11, 1)), EventPredicate::Outcome::Interrupted);
    QCOMPARE(loop.interruption(), QStringLiteral("predicate interrupted: took longer than 20 ms at position 11"));
    EventPredicate recursion(QStringLiteral("(function f(n) { return f(n + 1); })(0)"));
    QCOMPARE(recursion.evaluate(deposit(12, 1)), EventPredicate::Outcome::RuntimeError);
    QVERIFY2(recursion.firstRuntimeError().startsWith(QStringLiteral("RangeError")), qPrintable(recursion.firstRuntimeError()));
}

void TestEventPredicate::functionForms_data()
{
    QTest::addColumn<QString>("source");

    QTest::newRow("function") << QStringLiteral("function (e) { return e.data.amount > 100; }");
    QTest::newRow("named function") << QStringLiteral("function big(event) {\n  return event.data.amount > 100;\n}");
    QTest::newRow("arrow") << QStringLiteral("e => e.data.amount > 100");
    QTest::newRow("arrow parens") << QStringLiteral("(ev) => ev.data.amount > 100");
    QTest::newRow("arrow block") << QStringLiteral("(ev) => { const a = ev.data.amount; return a > 100; }");
    QTest::newRow("arrow destructuring") << QStringLiteral("({data, type}) => type == 'Deposited' && data.amount > 100");
    QTest::newRow("leading comment") << QStringLiteral("/* big */ // deposits\n e => e.data.amount > 100;");
    QTest::newRow("body") << QStringLiteral("if (!e.isJson)\n  return false;\nreturn e.data.amount > 100;");
    QTest::newRow("expression yielding a function") << QStringLiteral("e.version >= 0 && (x => x.data.amount > 100)");
}

void TestEventPredicate::functionForms()
{
    QFETCH(QString, source);
    QCOMPARE(EventPredicate::check(source), std::nullopt);
    EventPredicate predicate(source);
    QVERIFY2(predicate.isValid(), qPrintable(predicate.error()));
    QVERIFY(predicate.matches(deposit(1, 150)));
    QVERIFY(!predicate.matches(deposit(2, 50)));
    QVERIFY(predicate.matches(deposit(3, 101)));
    QCOMPARE(predicate.runtimeErrorCount(), 0);
}

void TestEventPredicate::sandbox()
{
    // No extension is installed: no console, no Qt object, no network, no timers, no modules.
    EventPredicate predicate(QStringLiteral(
        "typeof console === 'undefined' && typeof Qt === 'undefined' && typeof XMLHttpRequest === 'undefined'"
        " && typeof print === 'undefined' && typeof setTimeout === 'undefined' && typeof require === 'undefined'"
        " && typeof gc === 'undefined' && typeof qsTr === 'undefined'"));
    QVERIFY2(predicate.isValid(), qPrintable(predicate.error()));
    QVERIFY(predicate.matches(deposit(1, 1)));
    QCOMPARE(predicate.runtimeErrorCount(), 0);
}

QTEST_GUILESS_MAIN(TestEventPredicate)
#include "tst_eventpredicate.moc"
