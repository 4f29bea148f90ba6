#include "jsonformat.h"

#include <QTest>

using namespace eventlens;

class TestJsonFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pretty_data();
    void pretty();
    void rawBytes();
};

void TestJsonFormat::pretty_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");

    QTest::newRow("scalar") << QByteArray("42") << QStringLiteral("42");
    QTest::newRow("empty object") << QByteArray("{}") << QStringLiteral("{}");
    QTest::newRow("empty containers inside")
        << QByteArray("{\"a\":[],\"b\":{ }}") << QStringLiteral("{\n  \"a\": [],\n  \"b\": {}\n}");
    QTest::newRow("nested")
        << QByteArray("{\"a\":1,\"b\":[true,null,{\"c\":-1.50e3}]}")
        << QStringLiteral("{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    {\n      \"c\": -1.50e3\n    }\n  ]\n}");
    // Structural characters and escaped quotes inside strings are text, not structure.
    QTest::newRow("strings")
        << QByteArray(R"({"k,{":"v:[\"]}\\","x":"\u00e9"})")
        << QStringLiteral("{\n  \"k,{\": \"v:[\\\"]}\\\\\",\n  \"x\": \"\\u00e9\"\n}");
    QTest::newRow("utf8") << QByteArray("[\"\xc3\xa9\"]") << QStringLiteral("[\n  \"\u00e9\"\n]");
    QTest::newRow("whitespace in input") << QByteArray(" {\n\t\"a\" :  1 ,\r\n \"b\":2 } ")
                                         << QStringLiteral("{\n  \"a\": 1,\n  \"b\": 2\n}");
    // Not JSON: still shown, never lost.
    QTest::newRow("truncated") << QByteArray("{\"a\":[1,2") << QStringLiteral("{\n  \"a\": [\n    1,\n    2");
    QTest::newRow("unbalanced") << QByteArray("}}") << QStringLiteral("\n}\n}");
}

void TestJsonFormat::pretty()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QCOMPARE(jsonformat::pretty(json), expected);
}

void TestJsonFormat::rawBytes()
{
    QCOMPARE(jsonformat::rawBytes("plain text\nline 2"), QStringLiteral("plain text\nline 2"));
    QCOMPARE(jsonformat::rawBytes(QByteArray()), QString());
    const QString dump = jsonformat::rawBytes(QByteArray("\x00\x41\xff", 3));
    // Offset, 16 hex columns (the missing ones blank), then the printable ASCII.
    QCOMPARE(dump, QStringLiteral("00000000  00 41 ff ") + QString(13 * 3 + 1, QLatin1Char(' ')) + QStringLiteral(".A.\n"));
    const QByteArray seventeen(17, 'a');
    QByteArray binary = seventeen;
    binary[0] = '\0';
    const QStringList lines = jsonformat::rawBytes(binary).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines.at(1).startsWith(QLatin1String("00000010  61 ")));
}

QTEST_GUILESS_MAIN(TestJsonFormat)
#include "tst_jsonformat.moc"
