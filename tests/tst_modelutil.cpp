// Small model utilities: time parsing/formatting, expected versions, JSON helpers, the script
// engine's compiled functions.

#include "event.h"
#include "expectedversion.h"
#include "jsonutil.h"
#include "scriptengine.h"
#include "timeutil.h"

#include <QDateTime>
#include <QTest>

using namespace eventlens;

class TestModelUtil : public QObject
{
    Q_OBJECT

private slots:
    // compileFunction() makes a function of parameters and a body (the runtimes' way to get code
    // compiled with V4's lookup caches), runs it under the watchdog, and reports syntax errors.
    void compilesFunctions()
    {
        ScriptEngine js(1000);
        QJSValue fn;
        QStringList trace;
        QCOMPARE(js.compileFunction({QStringLiteral("a"), QStringLiteral("b")},
                                    QStringLiteral("'use strict'; var o = { x: a }; o.y = b; return o.x * 10 + o.y;"), &fn, &trace),
                 ScriptEngine::Outcome::Ok);
        QVERIFY(fn.isCallable());
        QJSValue result;
        QCOMPARE(js.call(fn, {QJSValue(4), QJSValue(2)}, &result, &trace), ScriptEngine::Outcome::Ok);
        QCOMPARE(result.toInt(), 42);
        // The body sees globals, and what it declares stays its own.
        QCOMPARE(js.compileFunction({}, QStringLiteral("var hidden = 1; return typeof Math.max;"), &fn, &trace), ScriptEngine::Outcome::Ok);
        QCOMPARE(js.call(fn, {}, &result, &trace), ScriptEngine::Outcome::Ok);
        QCOMPARE(result.toString(), QStringLiteral("function"));
        QVERIFY(js.engine().globalObject().property(QStringLiteral("hidden")).isUndefined());
        // A syntax error throws.
        QCOMPARE(js.compileFunction({QStringLiteral("a")}, QStringLiteral("return (a;"), &fn, &trace), ScriptEngine::Outcome::Threw);
        QVERIFY(fn.isError());
        QCOMPARE(fn.property(QStringLiteral("name")).toString(), QStringLiteral("SyntaxError"));
        // A function that runs past the budget is interrupted.
        QCOMPARE(js.compileFunction({}, QStringLiteral("for (;;) {}"), &fn, &trace), ScriptEngine::Outcome::Ok);
        QCOMPARE(js.call(fn, {}, &result, &trace), ScriptEngine::Outcome::Interrupted);
    }

    void formatsIsoWithMilliseconds()
    {
        QCOMPARE(timeutil::formatIso(0), QByteArray("1970-01-01T00:00:00.000Z"));
        QCOMPARE(timeutil::formatIso(1709251198123), QByteArray("2024-02-29T23:59:58.123Z"));
        QCOMPARE(timeutil::formatIso(-1), QByteArray("1969-12-31T23:59:59.999Z"));
        // Agrees with QDateTime over a spread of instants.
        for (qint64 ms = -86400000LL * 365 * 3; ms < 86400000LL * 365 * 80; ms += 86400000LL * 37 + 3600123) {
            const QString expected = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
            QCOMPARE(timeutil::formatIsoString(ms), expected);
            QCOMPARE(*timeutil::parseIso(expected), ms);
        }
    }

    void parsesIsoVariants_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        const qint64 base = 1709251198000;
        QTest::newRow("Z") << QStringLiteral("2024-02-29T23:59:58Z") << base;
        QTest::newRow("ms") << QStringLiteral("2024-02-29T23:59:58.123Z") << base + 123;
        QTest::newRow("micros") << QStringLiteral("2024-02-29T23:59:58.123456Z") << base + 123;
        QTest::newRow("one digit") << QStringLiteral("2024-02-29T23:59:58.5Z") << base + 500;
        QTest::newRow("offset") << QStringLiteral("2024-03-01T01:59:58+02:00") << base;
        QTest::newRow("negative offset") << QStringLiteral("2024-02-29T18:59:58-0500") << base;
        QTest::newRow("space") << QStringLiteral("2024-02-29 23:59:58") << base;
        QTest::newRow("no zone") << QStringLiteral("2024-02-29T23:59:58") << base;
        QTest::newRow("no seconds") << QStringLiteral("2024-02-29T23:59Z") << base - 58000;
        QTest::newRow("date only") << QStringLiteral("2024-02-29") << base - (23 * 3600 + 59 * 60 + 58) * 1000LL;
    }
    void parsesIsoVariants()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        QCOMPARE(timeutil::parseIso(QStringView(text)), std::optional<qint64>(ms));
        QCOMPARE(timeutil::parseIso(text.toUtf8()), std::optional<qint64>(ms));
    }

    void rejectsBadTimes()
    {
        for (const char *bad : {"", "yesterday", "2024-02-30", "2023-02-29T00:00:00Z", "2024-13-01", "2024-01-01T25:00:00Z",
                                "2024-01-01T10:00:00Q", "2024-01-01T10:00:00.Z", "2024/01/01"})
            QVERIFY2(!timeutil::parseIso(QByteArray(bad)), bad);
    }

    void parsesUnixNumbers()
    {
        QCOMPARE(timeutil::parseTimeValue(u"1709251198"), std::optional<qint64>(1709251198000));
        QCOMPARE(timeutil::parseTimeValue(u"1709251198.25"), std::optional<qint64>(1709251198250));
        QCOMPARE(timeutil::parseTimeValue(u"1709251198123"), std::optional<qint64>(1709251198123));
        QCOMPARE(timeutil::parseTimeValue(u"2024-02-29T23:59:58Z"), std::optional<qint64>(1709251198000));
        QVERIFY(!timeutil::parseTimeValue(u"nan"));
        // Past 9999-12-31 the canonical time format breaks: refused.
        QVERIFY(!timeutil::parseTimeValue(u"253402300800000"));
        QCOMPARE(timeutil::parseTimeValue(u"253402300799999"), std::optional<qint64>(timeutil::kMaxMs));
        QVERIFY(!timeutil::parseIso(QByteArrayLiteral("9999-12-31T23:59:59.999-01:00")));
        QVERIFY(!timeutil::parseTimeValue(u""));
    }

    void parsesExpectedVersions()
    {
        QCOMPARE(ExpectedVersion::parse(QStringLiteral("any"))->kind(), ExpectedVersion::Kind::Any);
        QCOMPARE(ExpectedVersion::parse(QStringLiteral("no-stream"))->kind(), ExpectedVersion::Kind::NoStream);
        QCOMPARE(ExpectedVersion::parse(QStringLiteral("-1"))->kind(), ExpectedVersion::Kind::NoStream);
        QCOMPARE(ExpectedVersion::parse(QStringLiteral("exists"))->kind(), ExpectedVersion::Kind::Exists);
        QCOMPARE(ExpectedVersion::parse(QStringLiteral("7"))->version(), 7);
        QVERIFY(!ExpectedVersion::parse(QStringLiteral("-2")));
        QVERIFY(!ExpectedVersion::parse(QStringLiteral("seven")));
        QVERIFY(ExpectedVersion::exact(3).matches(3));
        QVERIFY(!ExpectedVersion::exact(3).matches(2));
        QVERIFY(ExpectedVersion::noStream().matches(-1));
        QVERIFY(!ExpectedVersion::exists().matches(-1));
        QVERIFY(ExpectedVersion::any().matches(-1));
        QCOMPARE(ExpectedVersion::exists().toString(), QStringLiteral("exists"));
    }

    void jsonHelpers()
    {
        QString error;
        QCOMPARE(*jsonutil::compact(QByteArrayLiteral("{ \"b\" : [1, 2],\n \"a\": null }")), QByteArray("{\"b\":[1,2],\"a\":null}"));
        QVERIFY(!jsonutil::compact(QByteArrayLiteral("{\"a\":"), &error));
        QVERIFY2(error.contains(u"syntax error"), qPrintable(error));
        QByteArray out;
        jsonutil::appendString(out, QStringLiteral("q\"\\\n\x01\u00e9"));
        QCOMPARE(out, QByteArray("\"q\\\"\\\\\\n\\u0001\xc3\xa9\""));
        QCOMPARE(Event::categoryOf(QStringLiteral("account-12-x")), QStringLiteral("account"));
        QCOMPARE(Event::categoryOf(QStringLiteral("nodash")), QStringLiteral("nodash"));
    }

    // parseStringified: the same value as nlohmann's parser (members in their order, numbers,
    // nesting, escapes), null for text that is not JSON, and big objects in linear time.
    void parseStringified()
    {
        const QByteArray samples[] = {
            R"({"b":[1,2,{"z":null,"a":[]}],"a":{"y":true,"x":false},"n":-3,"u":18446744073709551615,"f":1.5e300,"s":"\u00e9\n"})",
            "[]", "{}", "42", "\"text\"", "null", "[[[[1]]],{\"k\":{\"k\":{}}}]",
        };
        for (const QByteArray &text : samples) {
            const nlohmann::ordered_json want = nlohmann::ordered_json::parse(text.constBegin(), text.constEnd());
            const nlohmann::ordered_json got = jsonutil::parseStringified(text);
            QVERIFY2(got.dump() == want.dump(), text.constData());
        }
        for (const char *bad : {"", "{", "{\"a\":}", "[1,]", "{} x", "nul"})
            QVERIFY2(jsonutil::parseStringified(QByteArray(bad)).is_null(), bad);

        // 200,000 members: nlohmann's ordered_json parser would compare keys some 2e10 times.
        QByteArray big = "{";
        for (int i = 0; i < 200000; ++i)
            big += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":" + QByteArray::number(i);
        big += '}';
        const nlohmann::ordered_json object = jsonutil::parseStringified(big);
        QCOMPARE(object.size(), size_t(200000));
        QCOMPARE(object.begin().key(), std::string("k0"));
        QCOMPARE((--object.end()).value().get<int>(), 199999);
    }
};

QTEST_GUILESS_MAIN(TestModelUtil)

#include "tst_modelutil.moc"
