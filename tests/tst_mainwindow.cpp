#include "eventdetailpane.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"
#include "filterbar.h"
#include "importreviewdialog.h"
#include "mainwindow.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace eventlens;

namespace {

constexpr int FixtureEvents = 600;
constexpr int RawEventPosition = 5;

QByteArray dataOf(int n)
{
    return "{\"amount\":" + QByteArray::number(n) + ",\"tags\":[],\"nested\":{\"ok\":true,\"list\":[1,\"a,b\"]}}";
}

void createFixture(const QString &path)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    auto batch = store->beginBatch();
    for (int n = 1; n <= FixtureEvents; ++n) {
        NewEvent e;
        e.id = QStringLiteral("10000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
        e.type = n % 2 ? QStringLiteral("Deposited") : QStringLiteral("Withdrawn");
        if (n == RawEventPosition) {
            e.data = QByteArray("\x00\x01\x02raw", 6);
            e.dataIsJson = false;
        } else {
            e.data = dataOf(n);
        }
        e.metadata = "{\"correlationId\":\"c-" + QByteArray::number(n) + "\"}";
        e.timeMs = 1704067200000 + qint64(n) * 1000;
        batch.append(QStringLiteral("account-%1").arg(n % 4), ExpectedVersion::any(), {e});
    }
    batch.commit();
}

// The text of a status bar label or of a detail pane field.
QString label(const QWidget &parent, const char *name)
{
    if (auto *l = parent.findChild<QLabel *>(QLatin1String(name)))
        return l->text();
    if (auto *e = parent.findChild<QLineEdit *>(QLatin1String(name)))
        return e->text();
    return QStringLiteral("<no widget %1>").arg(QLatin1String(name));
}

// Triggers a window action and reports whether it returned at once. A dialog run with a nested
// exec() would block here: a watchdog then rejects the window's dialogs and the call fails.
bool triggerReturnsAtOnce(QWidget &window, const char *action)
{
    bool returned = false;
    bool blocked = false;
    QTimer watchdog;
    watchdog.setSingleShot(true);
    QObject::connect(&watchdog, &QTimer::timeout, &window, [&] {
        if (returned)
            return;
        blocked = true;
        const auto dialogs = window.findChildren<QDialog *>();
        for (QDialog *dialog : dialogs)
            dialog->reject();
    });
    watchdog.start(10000);
    window.findChild<QAction *>(QLatin1String(action))->trigger();
    returned = true;
    return !blocked;
}

// The visible file dialog of the window named name, or nullptr.
QFileDialog *fileDialog(const QWidget &window, const char *name)
{
    auto *dialog = window.findChild<QFileDialog *>(QLatin1String(name));
    return dialog && dialog->isVisible() ? dialog : nullptr;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void openStoreAndSelectWithKeyboard();
    void rawDataAndScrolling();
    void tableShowsModelThroughProxy();
    void openFailureKeepsCurrentStore();
    void demoStoreOnFirstRunThenLastStore();
    void cancelDemoCreation();
    void importFiles();
    void settingsPersist();
    void openStoreDialogDoesNotBlock();
    void importDialogDoesNotBlock();
    void newStoreReplacesOpenStore();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("eventlens-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("window.eventlens"));
    createFixture(m_path);
}

void TestMainWindow::init()
{
    QSettings().clear();
}

void TestMainWindow::openStoreAndSelectWithKeyboard()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy counted(&window, &MainWindow::eventCountChanged);

    QVERIFY(window.openStore(m_path));
    QCOMPARE(window.storePath(), m_path);
    QCOMPARE(label(window, "storePathLabel"), QDir::toNativeSeparators(m_path));
    QVERIFY(window.windowTitle().startsWith(QLatin1String("window.eventlens")));
    // The count comes from a worker thread.
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("%1 events").arg(QLocale().toString(FixtureEvents)));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toLongLong(), qint64(FixtureEvents));

    QTableView *table = window.eventTable();
    // The model counts the whole log in the background; a row's page is read when it is shown.
    QTRY_COMPARE(window.model()->rowCount(), FixtureEvents);
    QCOMPARE(table->model()->rowCount(), FixtureEvents);

    QTest::keyClick(table, Qt::Key_Home, Qt::ControlModifier);
    QTest::keyClick(table, Qt::Key_Down);
    QTest::keyClick(table, Qt::Key_Down);
    QCOMPARE(table->currentIndex().row(), 2);
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().row(), 2);

    const EventDetailPane *pane = window.detailPane();
    QCOMPARE(label(*pane, "positionValue"), QStringLiteral("3"));
    QCOMPARE(label(*pane, "streamValue"), QStringLiteral("account-3"));
    QCOMPARE(label(*pane, "versionValue"), QStringLiteral("0"));
    QCOMPARE(label(*pane, "typeValue"), QStringLiteral("Deposited"));
    QCOMPARE(label(*pane, "idValue"), QStringLiteral("10000000-0000-4000-8000-000000000003"));
    QCOMPARE(label(*pane, "timeValue"), QStringLiteral("2024-01-01T00:00:03.000Z"));
    QCOMPARE(label(*pane, "hashValue").size(), 64);
    QCOMPARE(pane->dataText(), QStringLiteral("{\n"
                                              "  \"amount\": 3,\n"
                                              "  \"tags\": [],\n"
                                              "  \"nested\": {\n"
                                              "    \"ok\": true,\n"
                                              "    \"list\": [\n"
                                              "      1,\n"
                                              "      \"a,b\"\n"
                                              "    ]\n"
                                              "  }\n"
                                              "}"));
    QCOMPARE(pane->metadataText(), QStringLiteral("{\n  \"correlationId\": \"c-3\"\n}"));
    QVERIFY(pane->text().contains(QLatin1String("Position: 3\n")));

    QTest::keyClick(table, Qt::Key_Up);
    QCOMPARE(label(*pane, "positionValue"), QStringLiteral("2"));
    QCOMPARE(pane->metadataText(), QStringLiteral("{\n  \"correlationId\": \"c-2\"\n}"));
}

void TestMainWindow::rawDataAndScrolling()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openStore(m_path));
    QTableView *table = window.eventTable();
    QTRY_VERIFY(window.model()->rowCount() > 0);

    // Raw (non-JSON) data is shown as bytes, not as JSON.
    QTest::keyClick(table, Qt::Key_Home, Qt::ControlModifier);
    for (int i = 1; i < RawEventPosition; ++i)
        QTest::keyClick(table, Qt::Key_Down);
    const EventDetailPane *pane = window.detailPane();
    QCOMPARE(label(*pane, "positionValue"), QString::number(RawEventPosition));
    QVERIFY2(pane->dataText().startsWith(QLatin1String("00000000  00 01 02 72 61 77")), qPrintable(pane->dataText()));
    QVERIFY(pane->text().contains(QLatin1String("raw bytes")));
    // The table shows the model through the presentation proxy: the model's cell is raw bytes.
    QCOMPARE(table->model()->index(RawEventPosition - 1, EventListModel::DataColumn).data().toString(),
             QStringLiteral("<6 bytes> 00 01 02 72 61 77"));
    QCOMPARE(window.model()->index(RawEventPosition - 1, EventListModel::DataColumn).data().toByteArray(),
             QByteArray("\x00\x01\x02raw", 6));

    // Every row is counted; Ctrl+End goes to the last one, whose event shows once its page is read.
    QTRY_COMPARE(window.model()->rowCount(), FixtureEvents);
    QTest::keyClick(table, Qt::Key_End, Qt::ControlModifier);
    QCOMPARE(table->currentIndex().row(), FixtureEvents - 1);
    QTRY_COMPARE(label(*pane, "positionValue"), QString::number(FixtureEvents));
    // A row in a page nobody has looked at yet: a placeholder first, then the event.
    const int middle = EventListModel::DefaultPageSize + 44;
    table->setCurrentIndex(table->model()->index(middle, EventListModel::TypeColumn));
    QTRY_COMPARE(label(*pane, "positionValue"), QString::number(middle + 1));
    QCOMPARE(window.model()->index(middle, 0).data(EventListModel::PositionRole).toLongLong(), qint64(middle + 1));

    // Uniform row heights.
    QCOMPARE(table->rowHeight(0), table->rowHeight(FixtureEvents - 1));
    QCOMPARE(table->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
}

// The table's indexes belong to the presentation proxy; selection, reload and fetching map
// between its rows and the model's.
void TestMainWindow::tableShowsModelThroughProxy()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTableView *table = window.eventTable();
    QCOMPARE(table->model(), window.tableModel());
    QCOMPARE(window.tableModel()->sourceModel(), window.model());

    QVERIFY(window.openStore(m_path));
    QTRY_COMPARE(window.model()->rowCount(), FixtureEvents);
    QCOMPARE(table->model()->rowCount(), window.model()->rowCount());
    const int firstPage = window.model()->pageSize();
    QVERIFY(firstPage < FixtureEvents);

    // Opening selects the first row, an index of the table's model.
    QCOMPARE(table->currentIndex().model(), table->model());
    QCOMPARE(table->currentIndex().row(), 0);
    QCOMPARE(label(*window.detailPane(), "positionValue"), QStringLiteral("1"));

    // Formatted cells in the table, raw values in the model.
    QCOMPARE(table->model()->index(0, EventListModel::PositionColumn).data().toString(), QStringLiteral("1"));
    QCOMPARE(table->model()->index(0, EventListModel::TimeColumn).data().toString(), QStringLiteral("2024-01-01T00:00:01.000Z"));
    QCOMPARE(table->model()->index(0, EventListModel::PositionColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::AlignRight | Qt::AlignVCenter);
    QVERIFY(table->model()->index(0, EventListModel::DataColumn).data(Qt::ToolTipRole).toString().contains(QLatin1String("amount")));
    QCOMPARE(window.model()->index(0, EventListModel::TimeColumn).data().toLongLong(), qint64(1704067201000));

    // Going to the end through the table shows the model's last row.
    QTest::keyClick(table, Qt::Key_End, Qt::ControlModifier);
    QCOMPARE(table->currentIndex().model(), table->model());
    QCOMPARE(window.tableModel()->mapToSource(table->currentIndex()).row(), FixtureEvents - 1);
    QTRY_COMPARE(label(*window.detailPane(), "positionValue"), QString::number(FixtureEvents));

    // Select an event past the first page, then reload: the same event is current again,
    // its pages loaded again, in the table's model.
    const int row = firstPage + 3;
    QVERIFY(row < window.model()->rowCount());
    table->setCurrentIndex(table->model()->index(row, EventListModel::TypeColumn));
    QTRY_VERIFY(window.model()->index(row, 0).data(EventListModel::LoadedRole).toBool());
    const qint64 position = window.model()->index(row, 0).data(EventListModel::PositionRole).toLongLong();
    QCOMPARE(position, qint64(row + 1));
    QTRY_COMPARE(label(*window.detailPane(), "positionValue"), QString::number(position));
    window.reload();
    QVERIFY(window.model()->rowCount() > row);
    const QModelIndex current = table->currentIndex();
    QVERIFY(current.isValid());
    QCOMPARE(current.model(), table->model());
    QCOMPARE(current.row(), window.model()->rowOfPosition(position));
    QCOMPARE(window.tableModel()->mapToSource(current).data(EventListModel::PositionRole).toLongLong(), position);
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().row(), current.row());
    QTRY_COMPARE(label(*window.detailPane(), "positionValue"), QString::number(position));
    QTest::keyClick(table, Qt::Key_Down);
    QTRY_COMPARE(label(*window.detailPane(), "positionValue"), QString::number(position + 1));
}

void TestMainWindow::openFailureKeepsCurrentStore()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openStore(m_path));

    const QString notAStore = m_dir.filePath(QStringLiteral("not-a-store.eventlens"));
    {
        QFile f(notAStore);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not SQLite");
    }
    QVERIFY(!window.openStore(notAStore));
    QVERIFY(!window.openStore(m_dir.filePath(QStringLiteral("missing.eventlens"))));
    QCOMPARE(window.storePath(), m_path);
    QCOMPARE(label(window, "storePathLabel"), QDir::toNativeSeparators(m_path));
    QTRY_VERIFY(window.findChild<QMessageBox *>(QStringLiteral("errorBox")));
    const auto boxes = window.findChildren<QMessageBox *>(QStringLiteral("errorBox"));
    QVERIFY(boxes.first()->text().contains(QLatin1String("not-a-store.eventlens")));
    for (QMessageBox *box : boxes)
        box->close();
}

void TestMainWindow::demoStoreOnFirstRunThenLastStore()
{
    const QString demo = MainWindow::defaultDemoStorePath();
    QVERIFY(demo.endsWith(QLatin1String("/demo.eventlens")));
    QFile::remove(demo);
    {
        MainWindow window;
        window.show();
        QSignalSpy ended(&window, &MainWindow::taskEnded);
        QSignalSpy opened(&window, &MainWindow::storeOpened);
        window.openDefaultStore(300);
        QVERIFY(window.isBusy());
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 60000);
        QVERIFY2(ended.at(0).at(0).toBool(), qPrintable(ended.at(0).at(1).toString()));
        QVERIFY(!window.isBusy());
        QCOMPARE(opened.count(), 1);
        QCOMPARE(window.storePath(), demo);
        QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("300 events"));
        QTRY_VERIFY(window.model()->rowCount() > 0);
        QCOMPARE(MainWindow::lastStorePath(), demo);
    }
    {
        // Second run: the last store, without creating anything.
        QVERIFY(QFile::copy(m_path, m_dir.filePath(QStringLiteral("second.eventlens"))));
        MainWindow first;
        QVERIFY(first.openStore(m_dir.filePath(QStringLiteral("second.eventlens"))));
        MainWindow window;
        window.openDefaultStore(300);
        QVERIFY(!window.isBusy());
        QCOMPARE(window.storePath(), m_dir.filePath(QStringLiteral("second.eventlens")));
    }
    QVERIFY(QFile::remove(demo));
}

void TestMainWindow::cancelDemoCreation()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy ended(&window, &MainWindow::taskEnded);
    const QString path = m_dir.filePath(QStringLiteral("cancelled.eventlens"));
    window.createDemoStore(path, 2'000'000);
    QVERIFY(window.isBusy());
    QVERIFY(!window.findChild<QAction *>(QStringLiteral("openStoreAction"))->isEnabled());

    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<QDialog *>(QStringLiteral("progressDialog"))) && dialog->isVisible());
    QVERIFY(dialog->isModal());
    auto *cancel = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel);
    QVERIFY(cancel);
    QTest::mouseClick(cancel, Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 60000);
    QCOMPARE(ended.at(0).at(0).toBool(), false);
    QVERIFY(!window.isBusy());
    QVERIFY(window.findChild<QAction *>(QStringLiteral("openStoreAction"))->isEnabled());
    QVERIFY(!QFile::exists(path));
    QVERIFY(window.storePath().isEmpty());
    QTRY_VERIFY(!window.findChild<QDialog *>(QStringLiteral("progressDialog")));
}

void TestMainWindow::importFiles()
{
    const QString path = m_dir.filePath(QStringLiteral("import.eventlens"));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.createStore(path));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("0 events"));
    QCOMPARE(window.model()->rowCount(), 0);

    const QString good = m_dir.filePath(QStringLiteral("good.jsonl"));
    {
        QFile f(good);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"stream\":\"cart-1\",\"type\":\"CartCreated\",\"data\":{\"user\":\"ada\"},\"time\":\"2024-02-01T10:00:00.000Z\"}\n"
                "{\"stream\":\"cart-1\",\"type\":\"ItemAdded\",\"data\":{\"sku\":\"A-1\",\"qty\":2},\"time\":\"2024-02-01T10:00:01.000Z\"}\n"
                "{\"stream\":\"cart-2\",\"type\":\"CartCreated\",\"data\":{\"user\":\"bob\"},\"time\":\"2024-02-01T10:00:02.000Z\"}\n");
    }
    QSignalSpy ended(&window, &MainWindow::taskEnded);
    window.importFiles({good});
    QVERIFY(window.isBusy());
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 60000);
    QVERIFY2(ended.at(0).at(0).toBool(), qPrintable(ended.at(0).at(1).toString()));
    QCOMPARE(ended.at(0).at(1).toString(), QStringLiteral("Imported 3 events from 1 file."));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("3 events"));
    QTRY_COMPARE(window.model()->rowCount(), 3);
    QCOMPARE(window.eventTable()->model()->index(1, EventListModel::TypeColumn).data().toString(), QStringLiteral("ItemAdded"));
    QCOMPARE(window.eventTable()->model()->index(1, EventListModel::VersionColumn).data().toString(), QStringLiteral("1"));
    QCOMPARE(window.eventTable()->model()->index(1, EventListModel::TimeColumn).data().toString(),
             QStringLiteral("2024-02-01T10:00:01.000Z"));
    QCOMPARE(window.model()->index(1, EventListModel::VersionColumn).data().toLongLong(), qint64(1));

    QTest::keyClick(window.eventTable(), Qt::Key_End, Qt::ControlModifier);
    QCOMPARE(label(*window.detailPane(), "streamValue"), QStringLiteral("cart-2"));
    QCOMPARE(window.detailPane()->dataText(), QStringLiteral("{\n  \"user\": \"bob\"\n}"));

    QVERIFY(!window.findChild<QDialog *>(QStringLiteral("importReviewDialog"))); // a clean file: no review

    // A file with bad records: they are listed first (file, line, field, reason) and nothing is
    // imported until the user chooses. Abort imports nothing.
    const QString bad = m_dir.filePath(QStringLiteral("bad.jsonl"));
    {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"stream\":\"cart-3\",\"type\":\"CartCreated\",\"data\":{}}\n"
                "{\"stream\":\"cart-3\",\"type\":\"ItemAdded\",\"data\":{\"sku\":}\n"
                "{\"stream\":\"cart-4\",\"data\":{\"qty\":1}}\n"
                "{\"stream\":\"cart-4\",\"type\":\"CartCreated\",\"data\":{\"user\":\"eve\"}}\n");
    }
    const auto review = [&]() -> ImportReviewDialog * {
        ImportReviewDialog *dialog = nullptr;
        if (!QTest::qWaitFor([&] { return (dialog = window.findChild<ImportReviewDialog *>(QStringLiteral("importReviewDialog"))) && dialog->isVisible(); }, 60000))
            return nullptr;
        return dialog;
    };
    const auto storeCount = [&] { return EventStore::open(path, EventStore::OpenMode::ReadOnly)->count(EventQuery{}); };
    window.importFiles({bad});
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 2, 60000);
    QVERIFY2(ended.at(1).at(1).toString().contains(QLatin1String("nothing was imported")), qPrintable(ended.at(1).at(1).toString()));
    ImportReviewDialog *dialog = review();
    QVERIFY(dialog);
    QCOMPARE(dialog->windowModality(), Qt::WindowModal); // open(), not a nested exec()
    QVERIFY(dialog->abortButton()->isDefault());
    QCOMPARE(dialog->issues()->rowCount(), 2);
    QCOMPARE(dialog->issues()->index(0, 0).data().toString(), QStringLiteral("bad.jsonl"));
    QCOMPARE(dialog->issues()->index(0, 1).data().toLongLong(), qint64(2));
    QCOMPARE(dialog->issues()->index(1, 1).data().toLongLong(), qint64(3));
    QCOMPARE(dialog->issues()->index(1, 3).data().toString(), QStringLiteral("type"));
    QVERIFY(!window.isBusy());
    QCOMPARE(storeCount(), qint64(3));
    QTest::mouseClick(dialog->abortButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QDialog *>(QStringLiteral("importReviewDialog"))); // closed and deleted
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Import aborted; nothing was imported."));
    QVERIFY(!window.isBusy());
    QCOMPARE(ended.count(), 2); // no second pass
    QCOMPARE(storeCount(), qint64(3));
    window.reload();
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("3 events"));

    // Skip imports the good records only.
    window.importFiles({bad});
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 3, 60000);
    QVERIFY((dialog = review()));
    QCOMPARE(storeCount(), qint64(3));
    QTest::mouseClick(dialog->skipButton(), Qt::LeftButton);
    QVERIFY(window.isBusy());
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 4, 60000);
    QVERIFY2(ended.at(3).at(0).toBool(), qPrintable(ended.at(3).at(1).toString()));
    QVERIFY2(ended.at(3).at(1).toString().contains(QLatin1String("2 bad records skipped")), qPrintable(ended.at(3).at(1).toString()));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("5 events"));
    QTRY_COMPARE(window.model()->rowCount(), 5);
    QCOMPARE(storeCount(), qint64(5));
    QTRY_COMPARE(window.eventTable()->model()->index(3, EventListModel::StreamColumn).data().toString(), QStringLiteral("cart-3"));
    QCOMPARE(window.eventTable()->model()->index(4, EventListModel::StreamColumn).data().toString(), QStringLiteral("cart-4"));
    QCOMPARE(window.eventTable()->model()->index(4, EventListModel::TypeColumn).data().toString(), QStringLiteral("CartCreated"));
    QTRY_VERIFY(!window.findChild<QDialog *>(QStringLiteral("importReviewDialog")));

    // A file that cannot be read at all fails with an error naming it; nothing to review.
    const QString empty = m_dir.filePath(QStringLiteral("empty.jsonl"));
    {
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    window.importFiles({empty});
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 5, 60000);
    QCOMPARE(ended.at(4).at(0).toBool(), false);
    QVERIFY2(ended.at(4).at(1).toString().contains(QLatin1String("empty.jsonl")), qPrintable(ended.at(4).at(1).toString()));
    QTRY_VERIFY(window.findChild<QMessageBox *>(QStringLiteral("errorBox")));
    QVERIFY(!window.findChild<QDialog *>(QStringLiteral("importReviewDialog")));
    QCOMPARE(storeCount(), qint64(5));
    for (QMessageBox *box : window.findChildren<QMessageBox *>(QStringLiteral("errorBox")))
        box->close();
}

void TestMainWindow::settingsPersist()
{
    QList<int> sizes;
    {
        MainWindow window;
        window.resize(1000, 600);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openStore(m_path));
        auto *splitter = window.findChild<QSplitter *>(QStringLiteral("mainSplitter"));
        splitter->setSizes({600, 400});
        sizes = splitter->sizes();
        window.eventTable()->setColumnWidth(EventListModel::StreamColumn, 222);
        window.close();
    }
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
    QCOMPARE(window.eventTable()->columnWidth(EventListModel::StreamColumn), 222);
}

void TestMainWindow::openStoreDialogDoesNotBlock()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy opened(&window, &MainWindow::storeOpened);

    QVERIFY2(triggerReturnsAtOnce(window, "openStoreAction"), "the Open Store dialog ran a nested event loop");
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = fileDialog(window, "openStoreDialog")));
    QCOMPARE(dialog->windowModality(), Qt::WindowModal);
    QCOMPARE(dialog->fileMode(), QFileDialog::ExistingFile);
    QCOMPARE(opened.count(), 0);

    dialog->selectFile(m_path);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept() is protected
    QCOMPARE(opened.count(), 1);
    QCOMPARE(window.storePath(), m_path);
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("%1 events").arg(QLocale().toString(FixtureEvents)));
    QTRY_VERIFY(!window.findChild<QFileDialog *>()); // deleted once closed

    // Cancelling keeps the open store.
    QVERIFY(triggerReturnsAtOnce(window, "openStoreAction"));
    QTRY_VERIFY((dialog = fileDialog(window, "openStoreDialog")));
    QCOMPARE(dialog->directory().absolutePath(), QFileInfo(m_path).absolutePath());
    dialog->reject();
    QCOMPARE(opened.count(), 1);
    QCOMPARE(window.storePath(), m_path);
    QTRY_VERIFY(!window.findChild<QFileDialog *>());
}

void TestMainWindow::importDialogDoesNotBlock()
{
    const QString path = m_dir.filePath(QStringLiteral("import-dialog.eventlens"));
    const QString file = m_dir.filePath(QStringLiteral("import-dialog.jsonl"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"stream\":\"cart-1\",\"type\":\"CartCreated\",\"data\":{\"user\":\"ada\"}}\n"
                "{\"stream\":\"cart-1\",\"type\":\"ItemAdded\",\"data\":{\"sku\":\"A-1\"}}\n");
    }
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.createStore(path));
    QSignalSpy ended(&window, &MainWindow::taskEnded);

    QVERIFY2(triggerReturnsAtOnce(window, "importAction"), "the Import dialog ran a nested event loop");
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = fileDialog(window, "importDialog")));
    QCOMPARE(dialog->windowModality(), Qt::WindowModal);
    QCOMPARE(dialog->fileMode(), QFileDialog::ExistingFiles);
    dialog->selectFile(file);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept() is protected
    QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, 60000);
    QVERIFY2(ended.at(0).at(0).toBool(), qPrintable(ended.at(0).at(1).toString()));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("2 events"));
}

void TestMainWindow::newStoreReplacesOpenStore()
{
    const QString path = m_dir.filePath(QStringLiteral("replaced.eventlens"));
    QVERIFY(QFile::copy(m_path, path));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openStore(path));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("%1 events").arg(QLocale().toString(FixtureEvents)));

    // Another writer appends and closes; the window's open connection keeps the WAL from being
    // checkpointed away, so the store is its main file plus a WAL holding committed events.
    {
        auto writer = EventStore::open(path, EventStore::OpenMode::ReadWrite);
        NewEvent e;
        e.type = QStringLiteral("Deposited");
        e.data = "{\"amount\":1}";
        writer->append(QStringLiteral("account-9"), ExpectedVersion::any(), {e});
    }
    QVERIFY(QFileInfo(path + QStringLiteral("-wal")).size() > 0);
    window.reload();
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("%1 events").arg(QLocale().toString(FixtureEvents + 1)));
    // A filter on this store, which the new store must not inherit.
    window.filterBar()->streamEdit()->setText(QStringLiteral("account-1"));
    QTest::keyClick(window.filterBar()->streamEdit(), Qt::Key_Return);
    QCOMPARE(window.model()->query().streamGlob, QStringLiteral("account-1"));
    QSignalSpy opened(&window, &MainWindow::storeOpened);

    const auto chooseNewStore = [&](QMessageBox::StandardButton answer) -> bool {
        if (!triggerReturnsAtOnce(window, "newStoreAction"))
            return false;
        QFileDialog *dialog = nullptr;
        if (!QTest::qWaitFor([&] { return (dialog = fileDialog(window, "newStoreDialog")) != nullptr; }))
            return false;
        if (dialog->acceptMode() != QFileDialog::AcceptSave || dialog->windowModality() != Qt::WindowModal)
            return false;
        dialog->selectFile(path);
        static_cast<QDialog *>(dialog)->accept(); // an existing file: the window asks, not QFileDialog (it would nest exec())
        QMessageBox *box = nullptr;
        if (!QTest::qWaitFor([&] { return (box = window.findChild<QMessageBox *>(QStringLiteral("replaceStoreBox"))) && box->isVisible(); }))
            return false;
        if (box->windowModality() != Qt::WindowModal || !box->text().contains(QDir::toNativeSeparators(path)))
            return false;
        box->button(answer)->click();
        return true;
    };

    // No: nothing changes.
    QVERIFY(chooseNewStore(QMessageBox::No));
    QCOMPARE(opened.count(), 0);
    QCOMPARE(window.storePath(), path);
    QTRY_VERIFY(!window.findChild<QMessageBox *>(QStringLiteral("replaceStoreBox")));
    QVERIFY(QFile::exists(path));

    // Yes: the open store is closed (window and model let go of it) while its file is still
    // there, then its files (WAL included) are removed and an empty store is created and opened.
    struct Reset
    {
        QString storePath;
        bool fileExists;
    };
    std::vector<Reset> resets;
    connect(window.model(), &QAbstractItemModel::modelReset, this,
            [&] { resets.push_back({window.storePath(), QFileInfo::exists(path)}); });
    QVERIFY(chooseNewStore(QMessageBox::Yes));
    // The first reset closes the store while its file is still there. Opening the new one resets
    // the model again (its store, then its query: the filters of the store before do not apply),
    // every time with the new store open.
    QVERIFY2(resets.size() >= 2, qPrintable(QString::number(resets.size())));
    QVERIFY2(resets[0].storePath.isEmpty() && resets[0].fileExists, "the open store was not closed before it was deleted");
    for (size_t i = 1; i < resets.size(); ++i)
        QCOMPARE(resets[i].storePath, path);
    QCOMPARE(window.model()->query().streamGlob, QString());
    QVERIFY(window.filterBar()->streamEdit()->text().isEmpty());
    QCOMPARE(opened.count(), 1);
    QCOMPARE(window.storePath(), path);
    QVERIFY(!window.findChild<QMessageBox *>(QStringLiteral("errorBox")));
    QTRY_COMPARE(label(window, "eventCountLabel"), QStringLiteral("0 events"));
    QCOMPARE(window.model()->rowCount(), 0);
    QCOMPARE(label(window, "storePathLabel"), QDir::toNativeSeparators(path));
    {
        auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        QCOMPARE(store->count(EventQuery{}), qint64(0));
        QVERIFY(store->verify().ok);
    }
    // The fixture the store was copied from is untouched.
    QCOMPARE(EventStore::open(m_path, EventStore::OpenMode::ReadOnly)->count(EventQuery{}), qint64(FixtureEvents));
    QTRY_VERIFY(!window.findChild<QFileDialog *>());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
