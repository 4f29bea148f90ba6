#include "importreport.h"
#include "importreviewdialog.h"
#include "modeltesting.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace eventlens;

namespace {

// What a Review-mode import of two files with three bad records reports.
ImportReport reviewReport()
{
    ImportReport report;
    report.status = ImportReport::Status::Failed;
    report.error = ImportIssue{{}, 0, -1, {}, QStringLiteral("3 bad records; nothing was imported")};
    FileImportReport orders;
    orders.file = QStringLiteral("/data/in/orders.jsonl");
    orders.format = QStringLiteral("jsonl");
    orders.read = 7;
    orders.skipped = 2;
    FileImportReport csv;
    csv.file = QStringLiteral("/data/in/bad.csv");
    csv.format = QStringLiteral("csv");
    csv.read = 5;
    csv.skipped = 1;
    report.files = {orders, csv};
    report.skipped = {
        ImportIssue{QStringLiteral("/data/in/orders.jsonl"), 2, 1, QStringLiteral("type"), QStringLiteral("missing")},
        ImportIssue{QStringLiteral("/data/in/orders.jsonl"), 6, 5, {}, QStringLiteral("not valid JSON: unexpected '}'")},
        ImportIssue{QStringLiteral("/data/in/bad.csv"), 3, 1, QStringLiteral("Timestamp"),
                    QStringLiteral("not a valid time: 'yesterday' (expected ISO 8601 or Unix seconds/milliseconds)")},
    };
    return report;
}

QString cell(const QStandardItemModel *model, int row, int column, int role = Qt::DisplayRole)
{
    return model->index(row, column).data(role).toString();
}

QPushButton *copyButton(const ImportReviewDialog &dialog)
{
    const QList<QPushButton *> buttons = dialog.findChildren<QPushButton *>();
    for (QPushButton *button : buttons) {
        if (button->text() == QLatin1String("&Copy List"))
            return button;
    }
    return nullptr;
}

} // namespace

class TestImportReviewDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsEveryBadRecord();
    void skipAccepts();
    void abortRejects();
    void abortIsTheDefault();
    void copyPutsTheListOnTheClipboard();
};

void TestImportReviewDialog::listsEveryBadRecord()
{
    const ImportReport report = reviewReport();
    ImportReviewDialog dialog(report);
    QAbstractItemModelTester tester(dialog.issues(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.objectName(), QStringLiteral("importReviewDialog"));
    QCOMPARE(dialog.table()->model(), dialog.issues());

    const QStandardItemModel *issues = dialog.issues();
    QCOMPARE(issues->rowCount(), 3);
    QCOMPARE(issues->columnCount(), 5);
    const QStringList headers{QStringLiteral("File"), QStringLiteral("Line"), QStringLiteral("Record"), QStringLiteral("Field"), QStringLiteral("Reason")};
    for (int c = 0; c < headers.size(); ++c)
        QCOMPARE(issues->headerData(c, Qt::Horizontal).toString(), headers[c]);

    // File name (the whole path as tooltip), 1-based line and record, field, reason.
    QCOMPARE(cell(issues, 0, 0), QStringLiteral("orders.jsonl"));
    QCOMPARE(cell(issues, 0, 0, Qt::ToolTipRole), QStringLiteral("/data/in/orders.jsonl"));
    QCOMPARE(issues->index(0, 1).data().toLongLong(), qint64(2));
    QCOMPARE(issues->index(0, 2).data().toLongLong(), qint64(2));
    QCOMPARE(cell(issues, 0, 3), QStringLiteral("type"));
    QCOMPARE(cell(issues, 0, 4), QStringLiteral("missing"));

    QCOMPARE(cell(issues, 1, 0), QStringLiteral("orders.jsonl"));
    QCOMPARE(issues->index(1, 1).data().toLongLong(), qint64(6));
    QCOMPARE(issues->index(1, 2).data().toLongLong(), qint64(6));
    QCOMPARE(cell(issues, 1, 3), QString());
    QCOMPARE(cell(issues, 1, 4), QStringLiteral("not valid JSON: unexpected '}'"));

    QCOMPARE(cell(issues, 2, 0), QStringLiteral("bad.csv"));
    QCOMPARE(issues->index(2, 1).data().toLongLong(), qint64(3));
    QCOMPARE(issues->index(2, 2).data().toLongLong(), qint64(2));
    QCOMPARE(cell(issues, 2, 3), QStringLiteral("Timestamp"));
    QVERIFY(cell(issues, 2, 4).startsWith(QLatin1String("not a valid time: 'yesterday'")));
    QCOMPARE(cell(issues, 2, 4, Qt::ToolTipRole), cell(issues, 2, 4));
    // Read only.
    for (int r = 0; r < issues->rowCount(); ++r) {
        for (int c = 0; c < issues->columnCount(); ++c)
            QVERIFY(!(issues->flags(issues->index(r, c)) & Qt::ItemIsEditable));
    }

    // The summary says how many of how many, and that nothing was imported yet.
    bool summarised = false;
    const QList<QLabel *> labels = dialog.findChildren<QLabel *>();
    for (const QLabel *label : labels) {
        if (label->text().contains(QStringLiteral("3 of %1 records cannot be imported").arg(QLocale().toString(12)))) {
            summarised = true;
            QVERIFY(label->text().contains(QLatin1String("Nothing has been imported yet")));
            QVERIFY(label->text().contains(QStringLiteral("other %1 records").arg(QLocale().toString(9))));
        }
    }
    QVERIFY(summarised);

    // A record without line or index (a problem of the whole file) leaves those cells empty.
    ImportReport whole = reviewReport();
    whole.skipped = {ImportIssue{QStringLiteral("/data/in/x.json"), 0, -1, {}, QStringLiteral("truncated")}};
    ImportReviewDialog second(whole);
    QCOMPARE(second.issues()->rowCount(), 1);
    QVERIFY(!second.issues()->index(0, 1).data().isValid());
    QVERIFY(!second.issues()->index(0, 2).data().isValid());
    QCOMPARE(cell(second.issues(), 0, 4), QStringLiteral("truncated"));
}

void TestImportReviewDialog::skipAccepts()
{
    ImportReviewDialog dialog(reviewReport());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    dialog.open();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.skipButton()->text().contains(QLatin1String("Skip")));
    QTest::mouseClick(dialog.skipButton(), Qt::LeftButton);
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(rejected.count(), 0);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
}

void TestImportReviewDialog::abortRejects()
{
    ImportReviewDialog dialog(reviewReport());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    dialog.open();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.abortButton()->text().contains(QLatin1String("Abort")));
    QTest::mouseClick(dialog.abortButton(), Qt::LeftButton);
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(accepted.count(), 0);
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(!dialog.isVisible());
}

void TestImportReviewDialog::abortIsTheDefault()
{
    ImportReviewDialog dialog(reviewReport());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    dialog.open();
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QVERIFY(dialog.abortButton()->isDefault());
    QVERIFY(!dialog.skipButton()->isDefault());
    // Enter anywhere in the dialog (the table has the focus) aborts: importing only part of the
    // files takes a deliberate choice.
    dialog.table()->setFocus();
    QVERIFY(dialog.table()->hasFocus());
    QTest::keyClick(dialog.table(), Qt::Key_Return);
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(accepted.count(), 0);

    // Escape aborts too.
    dialog.open();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.table()->setFocus();
    QTest::keyClick(dialog.table(), Qt::Key_Escape);
    QCOMPARE(rejected.count(), 2);
    QCOMPARE(accepted.count(), 0);
}

void TestImportReviewDialog::copyPutsTheListOnTheClipboard()
{
    ImportReviewDialog dialog(reviewReport());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    dialog.open();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    const QString expected = QStringLiteral(
        "/data/in/orders.jsonl:2: record 2, field 'type': missing\n"
        "/data/in/orders.jsonl:6: record 6: not valid JSON: unexpected '}'\n"
        "/data/in/bad.csv:3: record 2, field 'Timestamp': not a valid time: 'yesterday' (expected ISO 8601 or Unix seconds/milliseconds)");
    QCOMPARE(dialog.issuesText(), expected);

    QApplication::clipboard()->clear();
    QPushButton *copy = copyButton(dialog);
    QVERIFY(copy);
    QTest::mouseClick(copy, Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), expected);
    // Copying decides nothing.
    QVERIFY(dialog.isVisible());
    QCOMPARE(accepted.count(), 0);
    QCOMPARE(rejected.count(), 0);
}

QTEST_MAIN(TestImportReviewDialog)
#include "tst_importreviewdialog.moc"
