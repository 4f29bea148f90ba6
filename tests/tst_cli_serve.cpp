// eventlens-cli serve end to end on loopback: the real binary on a free port, real HTTP requests
// (QNetworkAccessManager): commands with each status code, bad bodies, read-model queries that
// catch up with the commands, streams, unknown paths.

#include "eventstore.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray header(const char *name) const { return headers.value(QByteArray(name)); }
    QHash<QByteArray, QByteArray> headers;
    Json json() const { return Json::parse(body.constBegin(), body.constEnd(), nullptr, false); }
};

} // namespace

class TestCliServe : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_server;
    QNetworkAccessManager m_net;
    QString m_base;

    Reply send(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        QNetworkRequest request(QUrl(m_base + path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        QNetworkReply *reply = m_net.sendCustomRequest(request, method, body);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        Reply out;
        out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        out.body = reply->readAll();
        for (const auto &pair : reply->rawHeaderPairs())
            out.headers.insert(pair.first, pair.second);
        reply->deleteLater();
        return out;
    }
    Reply post(const QString &path, const char *body) { return send("POST", path, QByteArray(body)); }
    Reply get(const QString &path) { return send("GET", path); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_server.setProgram(QStringLiteral(EVENTLENS_CLI_PATH));
        m_server.setArguments({QStringLiteral("serve"), m_dir.filePath(QStringLiteral("served.eventlens")), QStringLiteral("--port"),
                               QStringLiteral("0")});
        m_server.start();
        QVERIFY(m_server.waitForStarted(60000));
        // "serving STORE on http://127.0.0.1:PORT (...)"
        QByteArray banner;
        while (!banner.contains('\n')) {
            QVERIFY2(m_server.waitForReadyRead(60000), m_server.readAllStandardError().constData());
            banner += m_server.readAllStandardOutput();
        }
        const QRegularExpressionMatch match = QRegularExpression(QStringLiteral("on (http://127\\.0\\.0\\.1:\\d+)")).match(QString::fromUtf8(banner));
        QVERIFY2(match.hasMatch(), banner.constData());
        m_base = match.captured(1);
    }

    void cleanupTestCase()
    {
        // SIGTERM stops the server cleanly (workers joined, projectors stopped).
        m_server.terminate();
        QVERIFY(m_server.waitForFinished(30000));
        QCOMPARE(m_server.exitStatus(), QProcess::NormalExit);
        QVERIFY2(m_server.exitCode() == 0, m_server.readAllStandardError().constData());
    }

    void commands()
    {
        Reply r = post(QStringLiteral("/commands/OpenAccount"), R"({"stream":"account-1","data":{"owner":"Ada"}})");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["events"][0]["type"], "AccountOpened");
        QCOMPARE(r.json()["version"], 0);

        // The source material's call: POST /commands/deposit (lower case).
        r = post(QStringLiteral("/commands/deposit"), R"({"stream":"account-1","data":{"amount":250}})");
        QCOMPARE(r.status, 200);
        const Json deposited = r.json();
        QCOMPARE(deposited["events"][0]["type"], "Deposited");
        QCOMPARE(deposited["events"][0]["version"], 1);
        QCOMPARE(deposited["events"][0]["data"]["amount"], 250);
        QCOMPARE(deposited["events"][0]["position"], 2);

        r = post(QStringLiteral("/commands/withdraw"), R"({"stream":"account-1","data":{"amount":1000}})");
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json()["message"], "insufficient funds: balance 250.00, requested 1000.00");

        r = post(QStringLiteral("/commands/withdraw"), R"({"stream":"account-1","data":{"amount":10},"expectedVersion":0})");
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()["expected"], "0");
        QCOMPARE(r.json()["actual"], 1);

        r = post(QStringLiteral("/commands/withdraw"), R"({"stream":"account-1","data":{"amount":10},"expectedVersion":1})");
        QCOMPARE(r.status, 200);

        // The order domain on the same server.
        r = post(QStringLiteral("/commands/placeorder"), R"({"stream":"order-1","data":{"customer":"account-1"}})");
        QCOMPARE(r.status, 200);
        r = post(QStringLiteral("/commands/ship"), R"({"stream":"order-1"})");
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json()["message"], "cannot ship before payment");
    }

    void badRequests_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::newRow("not JSON") << QStringLiteral("/commands/deposit") << QByteArray("amount=5") << QStringLiteral("the body must be a JSON object");
        QTest::newRow("array") << QStringLiteral("/commands/deposit") << QByteArray("[1]") << QStringLiteral("the body must be a JSON object");
        QTest::newRow("no stream") << QStringLiteral("/commands/deposit") << QByteArray(R"({"data":{"amount":1}})") << QStringLiteral("\"stream\" must be a non-empty string");
        QTest::newRow("data not object") << QStringLiteral("/commands/deposit") << QByteArray(R"({"stream":"account-1","data":5})") << QStringLiteral("\"data\" must be a JSON object");
        QTest::newRow("bad version") << QStringLiteral("/commands/deposit") << QByteArray(R"({"stream":"account-1","data":{},"expectedVersion":"soon"})")
                                     << QStringLiteral("\"expectedVersion\" must be");
        QTest::newRow("unknown command") << QStringLiteral("/commands/transfer") << QByteArray(R"({"stream":"account-1"})")
                                         << QStringLiteral("unknown command 'transfer'");
    }

    void badRequests()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        const Reply r = send("POST", path, body);
        QCOMPARE(r.status, 400);
        QVERIFY2(QString::fromStdString(r.json()["message"].get<std::string>()).startsWith(message), r.body.constData());
    }

    void queries()
    {
        // The read model catches up with the commands above (eventually: poll, no fixed sleep).
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("/queries/balance/account-1")).json()["balance"], Json(240), 20000);
        const Reply r = get(QStringLiteral("/queries/balance/account-1"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["status"], "open");
        QCOMPARE(r.json()["owner"], "Ada");
        QVERIFY(r.header("X-Eventlens-Checkpoint").toLongLong() >= 3);
        QCOMPARE(get(QStringLiteral("/queries/balance/account-404")).status, 404);
        QCOMPARE(get(QStringLiteral("/queries/nomodel/account-1")).status, 404);
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("/queries/orders/order-1")).json()["status"], Json("placed"), 20000);
        const Reply filtered = get(QStringLiteral("/queries/balance?where=status%3Dopen"));
        QCOMPARE(filtered.status, 200);
        QCOMPARE(filtered.json().size(), size_t(1));
        QCOMPARE(filtered.json()[0]["key"], "account-1");
        QCOMPARE(get(QStringLiteral("/read-models")).json().size(), size_t(2));
    }

    void streamsAndUnknownPaths()
    {
        Reply r = get(QStringLiteral("/streams/account-1"));
        QCOMPARE(r.status, 200);
        const Json events = r.json();
        QCOMPARE(events.size(), size_t(3));
        QCOMPARE(events[1]["type"], "Deposited");
        QCOMPARE(events[2]["version"], 2);
        r = get(QStringLiteral("/streams/account-1?from=1&limit=1"));
        QCOMPARE(r.json().size(), size_t(1));
        QCOMPARE(r.json()[0]["version"], 1);
        QCOMPARE(get(QStringLiteral("/streams/account-404")).status, 404);
        QCOMPARE(get(QStringLiteral("/nothing/here")).status, 404);
        QCOMPARE(send("DELETE", QStringLiteral("/streams/account-1")).status, 404);
    }
};

QTEST_GUILESS_MAIN(TestCliServe)
#include "tst_cli_serve.moc"
