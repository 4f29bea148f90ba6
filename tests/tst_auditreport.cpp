// The audit report and the audit export files (issue 6, GUI part): the PDF report of a snapshot
// of the small bank store (read back with pdftotext: store, point, hashes, streams, event types),
// the JSON and CSV files (exactly the snapshot's text), atomic writing (an unwritable destination
// fails with a clear error and leaves an existing file alone; a cancelled PDF leaves nothing), the
// report's caps (applied and stated) and its escaping.

#include "testfiles.h"
#include "auditexport.h"
#include "auditreport.h"
#include "auditsnapshot.h"
#include "eventstore.h"
#include "projectiontesting.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <memory>

using namespace eventlens;

namespace {



// Runs a poppler tool on a PDF and returns its standard output; whitespace runs become one space.
QString poppler(const char *tool, const QStringList &arguments, bool simplify = true)
{
    const QString program = QStandardPaths::findExecutable(QLatin1String(tool));
    if (program.isEmpty()) {
        qWarning("%s is missing: install poppler-utils (.ci/install-deps does)", tool);
        return {};
    }
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(120000) || process.exitCode() != 0) {
        qWarning("%s failed: %s", tool, process.readAllStandardError().constData());
        return {};
    }
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    return simplify ? out.simplified() : out;
}

QString pdfText(const QString &path)
{
    return poppler("pdftotext", {QStringLiteral("-enc"), QStringLiteral("UTF-8"), path, QStringLiteral("-")});
}

// Names of the files in a folder (to see that nothing, not even a temporary file, was left).
QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TestAuditReport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void formatNames();
    void pdfReport();
    void jsonAndCsvAreTheSnapshot();
    void unwritableDestination();
    void existingFileKeptOnFailure();
    void cancelledPdfLeavesNothing();
    void historyStopsAtThePoint();
    void capsAppliedAndStated();
    void everythingEscaped();

private:
    AuditSnapshot snapshotAt(qint64 position, bool withProjection = true) const;

    QTemporaryDir m_dir;
    QString m_storePath;
    std::unique_ptr<EventStore> m_store;
};

void TestAuditReport::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_storePath = m_dir.filePath(QStringLiteral("bank.eventlens"));
    testing::createBankStore(m_storePath);
    m_store = EventStore::open(m_storePath, EventStore::OpenMode::ReadOnly);
}

AuditSnapshot TestAuditReport::snapshotAt(qint64 position, bool withProjection) const
{
    AuditRequest request;
    request.atPosition = position;
    request.storeName = QStringLiteral("bank.eventlens");
    if (withProjection)
        request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
    return AuditSnapshot::build(*m_store, request);
}

void TestAuditReport::formatNames()
{
    QCOMPARE(auditFormatFromName(QStringLiteral("json")), std::optional(AuditFormat::Json));
    QCOMPARE(auditFormatFromName(QStringLiteral("CSV")), std::optional(AuditFormat::Csv));
    QCOMPARE(auditFormatFromName(QStringLiteral("pdf")), std::optional(AuditFormat::Pdf));
    QVERIFY(!auditFormatFromName(QStringLiteral("xml")));
    QVERIFY(!auditFormatFromName(QString()));
    for (const AuditFormat format : {AuditFormat::Json, AuditFormat::Csv, AuditFormat::Pdf})
        QCOMPARE(auditFormatFromName(auditFormatName(format)), std::optional(format));
}

void TestAuditReport::pdfReport()
{
    const AuditSnapshot snapshot = snapshotAt(6);
    const QString path = m_dir.filePath(QStringLiteral("report.pdf"));
    writeAuditExport(*m_store, snapshot, AuditFormat::Pdf, path);

    const QByteArray bytes = testing::readFile(path);
    QVERIFY2(bytes.startsWith("%PDF-"), bytes.left(16).constData());
    QVERIFY(bytes.trimmed().endsWith("%%EOF"));

    const QString text = pdfText(path);
    QVERIFY2(!text.isEmpty(), "pdftotext gave nothing (is poppler-utils installed?)");
    const QString headHash = QString::fromStdString(snapshot.json().at("chain").at("headHash").get<std::string>());
    QCOMPARE(headHash.size(), 64);
    const QStringList expected{
        QStringLiteral("Audit snapshot of bank.eventlens at position 6"),
        QStringLiteral("bank.eventlens"),
        QStringLiteral("position 6"),
        headHash,
        snapshot.digest(),
        QStringLiteral("account-1"),
        QStringLiteral("account-2"),
        QStringLiteral("AccountOpened"),
        QStringLiteral("Withdrawn"),
        QStringLiteral("Deposited"),
        QStringLiteral("balances.js"),        // the projection
        QStringLiteral("JSON merge"),         // the state function
        QStringLiteral("eventlens " EVENTLENS_VERSION), // the generator
        QStringLiteral("\"owner\": \"bob\""), // a state, as indented JSON
    };
    for (const QString &needle : expected)
        QVERIFY2(text.contains(needle), qPrintable(QStringLiteral("'%1' is not in the PDF's text:\n%2").arg(needle, text)));
    // order-1 begins at position 8, after the point.
    QVERIFY2(!text.contains(QStringLiteral("order-1")), qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("OrderPlaced")));
    // Every page has its footer.
    QVERIFY2(QRegularExpression(QStringLiteral("page 1 of \\d+")).match(text).hasMatch(), qPrintable(text));

    // The document's metadata.
    const QString info = poppler("pdfinfo", {path}, false);
    QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Title:\\s+Audit snapshot of bank.eventlens at position 6"))), qPrintable(info));
    QVERIFY2(info.contains(QRegularExpression(QStringLiteral("Creator:\\s+eventlens"))), qPrintable(info));
    QVERIFY2(info.contains(QStringLiteral("595 x 842 pts (A4)")), qPrintable(info));
    QVERIFY2(QRegularExpression(QStringLiteral("Pages:\\s+[1-9]")).match(info).hasMatch(), qPrintable(info));
}

void TestAuditReport::jsonAndCsvAreTheSnapshot()
{
    const AuditSnapshot snapshot = snapshotAt(8);
    const QString json = m_dir.filePath(QStringLiteral("snapshot.json"));
    const QString csv = m_dir.filePath(QStringLiteral("snapshot.csv"));
    writeAuditExport(*m_store, snapshot, AuditFormat::Json, json);
    writeAuditExport(*m_store, snapshot, AuditFormat::Csv, csv);
    QCOMPARE(testing::readFile(json), snapshot.text());
    QCOMPARE(testing::readFile(csv), snapshot.csv());
    QVERIFY(testing::readFile(csv).contains("order-1"));
    // The JSON file reads back as the same snapshot.
    const AuditSnapshot back = AuditSnapshot::fromText(testing::readFile(json), json);
    QCOMPARE(back.digest(), snapshot.digest());
    QCOMPARE(back.computeDigest(), snapshot.digest());
    QCOMPARE(back.position(), qint64(8));

    // Writing again replaces the file with the new content.
    const AuditSnapshot earlier = snapshotAt(3, false);
    writeAuditExport(*m_store, earlier, AuditFormat::Json, json);
    QCOMPARE(testing::readFile(json), earlier.text());
}

void TestAuditReport::unwritableDestination()
{
    const AuditSnapshot snapshot = snapshotAt(4, false);
    // The parent is a file: no one can write there, not even root.
    const QString blocker = m_dir.filePath(QStringLiteral("not-a-folder"));
    testing::writeFile(blocker, "x");
    for (const AuditFormat format : {AuditFormat::Json, AuditFormat::Csv, AuditFormat::Pdf}) {
        const QString path = blocker + QStringLiteral("/out.") + auditFormatName(format);
        try {
            writeAuditExport(*m_store, snapshot, format, path);
            QFAIL("no error");
        } catch (const AuditError &e) {
            QVERIFY2(e.message().startsWith(QStringLiteral("could not write %1: ").arg(QDir::toNativeSeparators(path))), qPrintable(e.message()));
            QVERIFY2(e.message().size() > QStringLiteral("could not write %1: ").arg(path).size(), qPrintable(e.message()));
        }
        QVERIFY(!QFileInfo::exists(path));
    }
    QCOMPARE(testing::readFile(blocker), QByteArray("x"));
    // No destination at all.
    QVERIFY_THROWS_EXCEPTION(AuditError, writeAuditExport(*m_store, snapshot, AuditFormat::Json, QString()));
}

void TestAuditReport::existingFileKeptOnFailure()
{
    const AuditSnapshot snapshot = snapshotAt(4, false);
    QString folder;
    QString path;
    if (::geteuid() != 0) {
        // A folder the user may not write to, holding an older export.
        folder = m_dir.filePath(QStringLiteral("readonly"));
        QVERIFY(QDir().mkpath(folder));
        path = QDir(folder).filePath(QStringLiteral("existing.json"));
        testing::writeFile(path, "the old export\n");
        QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    } else {
        // Root writes anywhere but in the kernel's own files.
        path = QStringLiteral("/proc/version");
        folder = QStringLiteral("/proc");
    }
    const QByteArray before = testing::readFile(path);
    QVERIFY(!before.isEmpty());
    for (const AuditFormat format : {AuditFormat::Json, AuditFormat::Pdf}) {
        try {
            writeAuditExport(*m_store, snapshot, format, path);
            QFAIL("no error");
        } catch (const AuditError &e) {
            QVERIFY2(e.message().contains(QDir::toNativeSeparators(path)), qPrintable(e.message()));
        }
        QCOMPARE(testing::readFile(path), before);
    }
    if (::geteuid() != 0) {
        QCOMPARE(filesIn(folder), QStringList{QStringLiteral("existing.json")});
        QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
    }
}

void TestAuditReport::cancelledPdfLeavesNothing()
{
    const AuditSnapshot snapshot = snapshotAt(7);
    const QString folder = m_dir.filePath(QStringLiteral("cancel"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = QDir(folder).filePath(QStringLiteral("report.pdf"));
    testing::writeFile(path, "an earlier report");

    // Cancelled on the second page request (or before the commit, for a one-page report).
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(AuditCancelled, writeAuditExport(*m_store, snapshot, AuditFormat::Pdf, path, {}, [&calls](qint64, qint64) {
                                 return ++calls < 2;
                             }));
    QCOMPARE(calls, 2);
    QCOMPARE(testing::readFile(path), QByteArray("an earlier report"));
    QCOMPARE(filesIn(folder), QStringList{QStringLiteral("report.pdf")});

    // JSON: cancelled before the commit.
    const QString json = QDir(folder).filePath(QStringLiteral("snapshot.json"));
    QVERIFY_THROWS_EXCEPTION(AuditCancelled, writeAuditExport(*m_store, snapshot, AuditFormat::Json, json, {}, [](qint64, qint64) { return false; }));
    QVERIFY(!QFileInfo::exists(json));
    QCOMPARE(filesIn(folder), QStringList{QStringLiteral("report.pdf")});

    // Not cancelled: the progress ends at (1, 1) before the commit.
    qint64 lastDone = -1;
    qint64 lastTotal = -1;
    writeAuditExport(*m_store, snapshot, AuditFormat::Pdf, path, {}, [&](qint64 done, qint64 total) {
        lastDone = done;
        lastTotal = total;
        return true;
    });
    QCOMPARE(lastDone, qint64(1));
    QCOMPARE(lastTotal, qint64(1));
    QVERIFY(testing::readFile(path).startsWith("%PDF-"));
}

void TestAuditReport::historyStopsAtThePoint()
{
    // At position 6: account-1 has versions 0-2 (positions 1, 3, 5); its Deposited at 7 and
    // order-1 (8) come after the point.
    const AuditSnapshot snapshot = snapshotAt(6, false);
    const QString html = auditReportHtml(*m_store, snapshot);
    const qsizetype account1 = html.indexOf(QStringLiteral("<h3>account-1</h3>"));
    const qsizetype account2 = html.indexOf(QStringLiteral("<h3>account-2</h3>"));
    QVERIFY(account1 > 0);
    QVERIFY(account2 > account1);
    const QString section1 = html.mid(account1, account2 - account1);
    QCOMPARE(section1.count(QStringLiteral("<tr><td>")), 3); // three events
    for (const char *position : {"<tr><td>1</td><td>0</td>", "<tr><td>3</td><td>1</td>", "<tr><td>5</td><td>2</td>"})
        QVERIFY2(section1.contains(QLatin1String(position)), position);
    QVERIFY(!html.contains(QStringLiteral("<tr><td>7</td>")));
    QVERIFY(!html.contains(QStringLiteral("order-1")));
    QVERIFY(section1.contains(QStringLiteral("{&quot;amount&quot;:30}")));   // the data preview
    QVERIFY(section1.contains(QStringLiteral("&quot;owner&quot;: &quot;ada&quot;"))); // the state
    QVERIFY(section1.contains(QStringLiteral("State at position 6")));
    QVERIFY(!html.contains(QStringLiteral("left out")));
}

void TestAuditReport::capsAppliedAndStated()
{
    const AuditSnapshot snapshot = snapshotAt(8);
    AuditReportOptions options;
    options.maxAggregateRows = 2;
    options.maxSections = 1;
    options.maxEventsPerAggregate = 2;
    options.maxStateChars = 12;
    options.maxPreviewChars = 5;
    const QString html = auditReportHtml(*m_store, snapshot, options);

    // The table: two of the three aggregates.
    QVERIFY2(html.contains(QStringLiteral("The table lists the first 2 of 3 aggregates")), qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("<td>account-2</td>")));
    QVERIFY(!html.contains(QStringLiteral("<td>order-1</td>")));
    // One section, account-1's, with its latest two events (positions 5 and 7) of four.
    QVERIFY(html.contains(QStringLiteral("Histories are given for the first 1 of 3 aggregates")));
    QCOMPARE(html.count(QStringLiteral("<h3>account-")), 1);
    QVERIFY(!html.contains(QStringLiteral("<h3>account-2</h3>")));
    QVERIFY(html.contains(QStringLiteral("2 earlier events (versions 0 to 1) are left out; the latest 2 are shown.")));
    QVERIFY(html.contains(QStringLiteral("<tr><td>5</td><td>2</td>")));
    QVERIFY(html.contains(QStringLiteral("<tr><td>7</td><td>3</td>")));
    QVERIFY(!html.contains(QStringLiteral("<tr><td>1</td><td>0</td>")));
    QVERIFY(!html.contains(QStringLiteral("AccountOpened")));
    // Data previews and states cut, and said to be.
    QVERIFY(html.contains(QStringLiteral("<td style=\"font-size: 8pt;\">{&quot;amo…</td>")));
    QVERIFY(html.contains(QStringLiteral("Cut: the first 12 of")));
    // The summary lists the limits.
    QVERIFY(html.contains(QStringLiteral("event histories are given for the first 1 of 3 aggregates")));
    QVERIFY(html.contains(QStringLiteral("at most the latest 2 events per aggregate history")));

    // The defaults hold the whole small store.
    const QString full = auditReportHtml(*m_store, snapshot);
    QVERIFY(!full.contains(QStringLiteral("left out")));
    QVERIFY(!full.contains(QStringLiteral("Cut: ")));
    QVERIFY(!full.contains(QStringLiteral("The table lists the first")));
    QCOMPARE(full.count(QStringLiteral("<h3>account-")), 2);
    QVERIFY(full.contains(QStringLiteral("<h3>order-1</h3>")));

    // The caps are stated in the PDF too.
    const QString path = m_dir.filePath(QStringLiteral("capped.pdf"));
    writeAuditExport(*m_store, snapshot, AuditFormat::Pdf, path, options);
    const QString text = pdfText(path);
    QVERIFY2(text.contains(QStringLiteral("2 earlier events (versions 0 to 1) are left out")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Histories are given for the first 1 of 3 aggregates")), qPrintable(text));
}

void TestAuditReport::everythingEscaped()
{
    const QString path = m_dir.filePath(QStringLiteral("markup.eventlens"));
    {
        auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
        NewEvent e;
        e.type = QStringLiteral("<i>Typed</i>");
        e.data = R"({"note":"<script>alert(1)</script> & more"})";
        store->append(QStringLiteral("x-<b>bold</b>&co"), ExpectedVersion::any(), {e});
    }
    auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    AuditRequest request;
    request.atPosition = 1;
    request.storeName = QStringLiteral("<markup>.eventlens");
    request.projections.push_back({QStringLiteral("<p>.js"), QStringLiteral("fromAll().when({$any: function (s, e) { s.n = (s.n || 0) + 1; }});")});
    const AuditSnapshot snapshot = AuditSnapshot::build(*store, request);
    const QString html = auditReportHtml(*store, snapshot);
    for (const char *raw : {"<b>bold</b>", "<i>Typed</i>", "<script>", "<markup>", "<p>.js", "&co"})
        QVERIFY2(!html.contains(QLatin1String(raw)), raw);
    for (const char *escaped : {"x-&lt;b&gt;bold&lt;/b&gt;&amp;co", "&lt;i&gt;Typed&lt;/i&gt;", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more",
                                "&lt;markup&gt;.eventlens", "&lt;p&gt;.js"})
        QVERIFY2(html.contains(QLatin1String(escaped)), escaped);

    // And the PDF shows the text as it is.
    const QString pdf = m_dir.filePath(QStringLiteral("markup.pdf"));
    writeAuditExport(*store, snapshot, AuditFormat::Pdf, pdf);
    const QString text = pdfText(pdf);
    QVERIFY2(text.contains(QStringLiteral("x-<b>bold</b>&co")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("<i>Typed</i>")), qPrintable(text));
}

QTEST_MAIN(TestAuditReport)
#include "tst_auditreport.moc"
