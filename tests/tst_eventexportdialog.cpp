// File → Export Events… (EventExportDialog and MainWindow::exportEvents), offscreen: the
// dialog's choices made with input events, the export run in the background through the window,
// and the file imported back to the same events.

#include "eventexportdialog.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "importer.h"
#include "mainwindow.h"
#include "projectiontesting.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QTableView>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace eventlens;

namespace {

constexpr int Timeout = 30000;

// The events' exported fields (stream, version, id, type, data, metadata, time).
QStringList exportedFields(const EventStore &store, const EventQuery &query)
{
    QStringList out;
    store.forEach(query, [&out](const Event &e) {
        out << QStringLiteral("%1@%2 %3 %4 %5 %6 %7")
                   .arg(e.stream)
                   .arg(e.version)
                   .arg(e.id, e.type, QString::fromUtf8(e.data), QString::fromUtf8(e.metadata))
                   .arg(e.timeMs);
        return true;
    });
    return out;
}

} // namespace

class TestEventExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        m_store = m_dir.filePath(QStringLiteral("bank.eventlens"));
        testing::createBankStore(m_store);
    }

    void dialogChoices()
    {
        EventQuery filtered;
        filtered.category = QStringLiteral("account");
        filtered.types = {QStringLiteral("Deposited"), QStringLiteral("Withdrawn")};
        filtered.backward = true;
        filtered.limit = 10;
        EventExportDialog dialog(filtered, true, m_dir.path());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(dialog.filteredButton()->text().contains(QStringLiteral("category account, types Deposited, Withdrawn")));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("note"))->text().contains(QStringLiteral("JavaScript predicate is not applied")));
        QVERIFY(dialog.filteredButton()->isChecked());
        // The log's order and page limit are not part of what is exported.
        EventQuery q = dialog.query();
        QCOMPARE(q.category, QStringLiteral("account"));
        QCOMPARE(q.types.size(), 2);
        QVERIFY(!q.backward);
        QCOMPARE(q.limit, -1);

        QTest::mouseClick(dialog.allButton(), Qt::LeftButton, {}, QPoint(8, dialog.allButton()->height() / 2));
        QVERIFY(dialog.allButton()->isChecked());
        q = dialog.query();
        QVERIFY(q.category.isEmpty() && q.types.isEmpty());

        // The suffix follows the format.
        QCOMPARE(dialog.destination(), QDir(m_dir.path()).filePath(QStringLiteral("events.jsonl")));
        dialog.formatBox()->setFocus();
        QTest::keyClick(dialog.formatBox(), Qt::Key_Down);
        QCOMPARE(dialog.format(), EventWriter::Format::Csv);
        QCOMPARE(dialog.destination(), QDir(m_dir.path()).filePath(QStringLiteral("events.csv")));

        // No destination, no export.
        dialog.destinationEdit()->selectAll();
        QTest::keyClick(dialog.destinationEdit(), Qt::Key_Delete);
        QVERIFY(!dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());
        QTest::keyClicks(dialog.destinationEdit(), QStringLiteral("x.csv"));
        QVERIFY(dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());
        QCOMPARE(EventExportDialog::describe(EventQuery{}), QStringLiteral("no filter"));
    }

    void exportFromTheWindow_data()
    {
        QTest::addColumn<int>("formatIndex");
        QTest::addColumn<QString>("file");
        QTest::newRow("jsonl") << 0 << QStringLiteral("out.jsonl");
        QTest::newRow("csv") << 1 << QStringLiteral("out.csv");
        QTest::newRow("cloudevents") << 2 << QStringLiteral("out.ce.jsonl");
    }

    void exportFromTheWindow()
    {
        QFETCH(int, formatIndex);
        QFETCH(QString, file);
        const QString out = m_dir.filePath(file);
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(window.openStore(m_store));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 8, Timeout);

        QAction *action = window.action(QStringLiteral("exportEventsAction"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X));
        window.eventTable()->setFocus();
        QTest::keyClick(window.eventTable(), Qt::Key_X, Qt::ControlModifier | Qt::ShiftModifier);
        EventExportDialog *dialog = window.findChild<EventExportDialog *>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QTest::mouseClick(dialog->allButton(), Qt::LeftButton, {}, QPoint(8, dialog->allButton()->height() / 2));
        QVERIFY(dialog->allButton()->isChecked());
        dialog->formatBox()->setCurrentIndex(formatIndex);
        dialog->destinationEdit()->selectAll();
        QTest::keyClicks(dialog->destinationEdit(), out);
        QSignalSpy ended(&window, &MainWindow::taskEnded);
        QTest::mouseClick(dialog->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, Timeout);
        QVERIFY2(ended.at(0).at(0).toBool(), qPrintable(ended.at(0).at(1).toString()));
        QVERIFY(ended.at(0).at(1).toString().startsWith(QStringLiteral("Exported 8 events to")));

        // Imported back: the same events.
        const QString copy = m_dir.filePath(file + QStringLiteral(".eventlens"));
        auto imported = EventStore::open(copy, EventStore::OpenMode::ReadWrite);
        const ImportReport report = Importer(*imported).run({out});
        QVERIFY2(report.ok(), qPrintable(report.summary()));
        auto original = EventStore::open(m_store, EventStore::OpenMode::ReadOnly);
        QCOMPARE(exportedFields(*imported, {}), exportedFields(*original, {}));
    }

    void failureIsReported()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openStore(m_store));
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 8, Timeout);
        QSignalSpy ended(&window, &MainWindow::taskEnded);
        const QString missingFolder = m_dir.filePath(QStringLiteral("no/such/folder/out.jsonl"));
        window.exportEvents(EventQuery{}, EventWriter::Format::JsonLines, missingFolder);
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, Timeout);
        QVERIFY(!ended.at(0).at(0).toBool());
        QVERIFY2(!ended.at(0).at(1).toString().isEmpty(), "the failure says why");
        QVERIFY(!QFile::exists(missingFolder));
    }

private:
    QTemporaryDir m_dir;
    QString m_store;
};

QTEST_MAIN(TestEventExportDialog)
#include "tst_eventexportdialog.moc"
