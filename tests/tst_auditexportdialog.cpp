// The audit export dialog, the verify actions and their result dialog (issue 6, GUI; offscreen).
// Driven with QTest input events where a user would click or type: scope, point, format and
// destination chosen, the export run in the background to its finished state and its file read
// back as a snapshot of the chosen point; Cancel leaves no file; a projection that does not
// compile is shown and nothing is exported; Verify Store and Verify Snapshot on a copy of the
// store altered with the SQLite library directly name the first bad position, and a double-click
// leads to it in the window's log.

#include "tampering.h"
#include "testfiles.h"
#include "auditactions.h"
#include "auditexportdialog.h"
#include "auditsnapshot.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "mainwindow.h"
#include "modeltesting.h"
#include "projectiontesting.h"
#include "verifyresultdialog.h"

#include <QAction>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyle>
#include <QStyleOptionButton>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>


#include <memory>
#include <set>

using namespace eventlens;

namespace {

constexpr int Timeout = 60000;



std::set<std::string> aggregateNames(const AuditSnapshot &snapshot)
{
    std::set<std::string> names;
    for (auto it = snapshot.json().at("aggregates").begin(); it != snapshot.json().at("aggregates").end(); ++it)
        names.insert(it.key());
    return names;
}

// Clicks a radio button on its indicator (a click beside its label does nothing).
void clickRadio(QRadioButton *button)
{
    QStyleOptionButton option;
    option.initFrom(button);
    const QRect indicator = button->style()->subElementRect(QStyle::SE_RadioButtonIndicator, &option, button);
    QTest::mouseClick(button, Qt::LeftButton, {}, indicator.center());
}

// Double-clicks a cell once the table has been laid out (it is shown only when there are rows).
void doubleClick(QTableView *table, const QModelIndex &index)
{
    QTRY_VERIFY(table->isVisible() && table->viewport()->rect().contains(table->visualRect(index).center()));
    // A real double-click starts with a press: the view acts only on the row it pressed.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(index).center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(index).center());
}

// Replaces the text of a line edit (or a spin box's) the way a user does: select all, type.
void retype(QWidget *widget, const QString &text)
{
    widget->setFocus();
    QTest::keyClick(widget, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(widget, Qt::Key_Delete);
    QTest::keyClicks(widget, text);
}

// Occupies every thread of a pool until release(): work started meanwhile waits in the queue,
// so that a test can cancel it before it begins.
class PoolBlocker
{
public:
    explicit PoolBlocker(QThreadPool *pool)
        : m_threads(pool->maxThreadCount())
    {
        for (int i = 0; i < m_threads; ++i) {
            pool->start([this] {
                m_started.release();
                m_go.acquire();
            });
        }
        m_started.acquire(m_threads); // every thread is held now
    }
    ~PoolBlocker() { release(); }
    void release()
    {
        if (!m_released)
            m_go.release(m_threads);
        m_released = true;
    }

private:
    int m_threads;
    QSemaphore m_started;
    QSemaphore m_go;
    bool m_released = false;
};

} // namespace

class TestAuditExportDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void exportPatternAtPosition();
    void exportCategoryAtTimelinePositionAsPdf();
    void exportAtTime();
    void selectedStreamsScope();
    void cancelLeavesNoFile();
    void badProjectionExportsNothing();
    void failingProjectionExportsNothing();
    void verifyStore();
    void verifySnapshot();
    void windowToolsMenu();

private:
    void exportAndWait(AuditExportDialog::State expected = AuditExportDialog::State::Finished);
    QString tamperedCopy(const QString &name, qint64 position);

    QTemporaryDir m_dir;
    QString m_storePath;
    std::shared_ptr<EventStore> m_store;
    std::vector<Event> m_events;
    std::unique_ptr<AuditExportDialog> m_dialog;
    std::vector<QUrl> m_opened;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestAuditExportDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_storePath = m_dir.filePath(QStringLiteral("bank.eventlens"));
    testing::createBankStore(m_storePath);
    m_store = EventStore::open(m_storePath, EventStore::OpenMode::ReadOnly);
    m_events = m_store->read(EventQuery{});
    QCOMPARE(m_events.size(), size_t(8));
}

void TestAuditExportDialog::init()
{
    m_opened.clear();
    m_dialog = std::make_unique<AuditExportDialog>();
    m_testers.push_back(testing::attachTester(*m_dialog->categoryList()->model()));
    m_testers.push_back(testing::attachTester(*m_dialog->projectionList()->model()));
    m_testers.push_back(testing::attachTester(*m_dialog->formatBox()->model()));
    m_dialog->setUrlOpener([this](const QUrl &url) {
        m_opened.push_back(url);
        return true;
    });
    QSignalSpy loaded(m_dialog.get(), &AuditExportDialog::storeInfoLoaded);
    m_dialog->setStore(m_store);
    m_dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
    m_dialog->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_dialog.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_dialog->isStoreInfoLoaded(), Timeout);
    QCOMPARE(loaded.count(), 1);
}

void TestAuditExportDialog::cleanup()
{
    m_testers.clear();
    m_dialog.reset();
}

void TestAuditExportDialog::exportAndWait(AuditExportDialog::State expected)
{
    QSignalSpy finished(m_dialog.get(), &AuditExportDialog::exportFinished);
    QSignalSpy failed(m_dialog.get(), &AuditExportDialog::exportFailed);
    QVERIFY(m_dialog->exportButton()->isEnabled());
    QTest::mouseClick(m_dialog->exportButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() == 1, Timeout);
    QVERIFY2(m_dialog->state() == expected, qPrintable(m_dialog->errorText()));
    QVERIFY(!m_dialog->isRunning());
    QVERIFY(m_dialog->exportButton()->isEnabled());
    QVERIFY(!m_dialog->progressBar()->isVisible());
}

void TestAuditExportDialog::exportPatternAtPosition()
{
    // What the store offers.
    QCOMPARE(m_dialog->headPosition(), qint64(8));
    QCOMPARE(m_dialog->positionSpin()->maximum(), 8);
    QCOMPARE(m_dialog->positionSpin()->value(), 8); // no point given: the head
    QCOMPARE(m_dialog->categoryList()->count(), 2);
    QVERIFY(m_dialog->categoryList()->item(0)->text().startsWith(QStringLiteral("account")));
    QVERIFY(m_dialog->scopeButton(AuditScope::Kind::All)->isChecked());

    // Streams matching account-*: typing the pattern selects the scope.
    m_dialog->patternEdit()->setFocus();
    QTest::keyClicks(m_dialog->patternEdit(), QStringLiteral("account-*"));
    QVERIFY(m_dialog->scopeButton(AuditScope::Kind::Pattern)->isChecked());
    QCOMPARE(m_dialog->scope(), AuditScope::pattern(QStringLiteral("account-*")));

    // Position 5, typed; the spin box stops at the head.
    retype(m_dialog->positionSpin(), QStringLiteral("5"));
    QCOMPARE(m_dialog->positionSpin()->value(), 5);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Up);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Up);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Up);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Up);
    QCOMPARE(m_dialog->positionSpin()->value(), 8);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Down);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Down);
    QTest::keyClick(m_dialog->positionSpin(), Qt::Key_Down);
    QCOMPARE(m_dialog->positionSpin()->value(), 5);
    QVERIFY(m_dialog->positionButton()->isChecked());

    // JSON (the default) into a file of ours; the default name follows the point meanwhile.
    QCOMPARE(m_dialog->format(), AuditFormat::Json);
    QVERIFY2(m_dialog->destination().endsWith(QStringLiteral("bank-at-5.json")), qPrintable(m_dialog->destination()));
    const QString path = m_dir.filePath(QStringLiteral("accounts-at-5.json"));
    retype(m_dialog->destinationEdit(), path);
    QCOMPARE(m_dialog->destination(), path);

    exportAndWait();
    QCOMPARE(m_dialog->resultPath(), path);
    const AuditSnapshot snapshot = AuditSnapshot::fromText(testing::readFile(path), path);
    QCOMPARE(snapshot.position(), qint64(5));
    QCOMPARE(snapshot.storeName(), QStringLiteral("bank.eventlens"));
    QVERIFY(snapshot.request().scope == AuditScope::pattern(QStringLiteral("account-*")));
    QCOMPARE(aggregateNames(snapshot), (std::set<std::string>{"account-1", "account-2"}));
    QCOMPARE(snapshot.json().at("aggregates").at("account-1").at("version").get<qint64>(), qint64(2));
    QCOMPARE(snapshot.computeDigest(), snapshot.digest());
    // The same snapshot as one built directly (digests leave out the generation time).
    AuditRequest request;
    request.atPosition = 5;
    request.scope = AuditScope::pattern(QStringLiteral("account-*"));
    request.storeName = QStringLiteral("bank.eventlens");
    QCOMPARE(snapshot.digest(), AuditSnapshot::build(*m_store, request).digest());

    // The result line: the digest, Open and Show Folder.
    QCOMPARE(m_dialog->resultDigest(), snapshot.digest());
    QVERIFY(m_dialog->resultLabel()->isVisible());
    QVERIFY2(m_dialog->resultText().contains(snapshot.digest()), qPrintable(m_dialog->resultText()));
    QVERIFY(m_dialog->resultText().contains(QStringLiteral("position 5")));
    QVERIFY(m_dialog->openButton()->isVisible());
    QTest::mouseClick(m_dialog->openButton(), Qt::LeftButton);
    QTest::mouseClick(m_dialog->showFolderButton(), Qt::LeftButton);
    QCOMPARE(m_opened.size(), size_t(2));
    QCOMPARE(m_opened[0], QUrl::fromLocalFile(path));
    QCOMPARE(m_opened[1], QUrl::fromLocalFile(m_dir.path()));
    QVERIFY(m_dialog->errorText().isEmpty());

    // Another name, then this one again: the dialog says it will be replaced.
    QLabel *note = m_dialog->findChild<QLabel *>(QStringLiteral("destinationNote"));
    QVERIFY(!note->isVisible()); // the file just written
    retype(m_dialog->destinationEdit(), m_dir.filePath(QStringLiteral("other.json")));
    QVERIFY(!note->isVisible());
    retype(m_dialog->destinationEdit(), path);
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QStringLiteral("accounts-at-5.json exists and will be replaced")), qPrintable(note->text()));
}

void TestAuditExportDialog::exportCategoryAtTimelinePositionAsPdf()
{
    // The window's current event: position 7.
    m_dialog->setPointProvider([this] {
        return std::optional(AuditExportDialog::TimelinePoint{m_events[6].position, m_events[6].timeMs});
    });
    QVERIFY(m_dialog->timelineButton()->isEnabled());
    QTest::mouseClick(m_dialog->timelineButton(), Qt::LeftButton);
    QCOMPARE(m_dialog->positionSpin()->value(), 7);
    QCOMPARE(m_dialog->timeEdit()->dateTime().toMSecsSinceEpoch(), m_events[6].timeMs);
    QVERIFY(m_dialog->positionButton()->isChecked());

    // The categories "order" and "account", checked with the keyboard (Space on the current one).
    QListWidget *categories = m_dialog->categoryList();
    categories->setFocus();
    categories->setCurrentRow(1);
    QCOMPARE(categories->currentItem()->data(Qt::UserRole + 1).toString(), QStringLiteral("order"));
    QTest::keyClick(categories, Qt::Key_Space);
    QCOMPARE(categories->item(1)->checkState(), Qt::Checked);
    QVERIFY(m_dialog->scopeButton(AuditScope::Kind::Categories)->isChecked());
    QTest::keyClick(categories, Qt::Key_Up);
    QTest::keyClick(categories, Qt::Key_Space);
    QCOMPARE(categories->item(0)->checkState(), Qt::Checked);
    QCOMPARE(m_dialog->scope(), AuditScope::categories({QStringLiteral("account"), QStringLiteral("order")}));
    // Unchecking order again: the snapshot is of the accounts only.
    QTest::keyClick(categories, Qt::Key_Down);
    QTest::keyClick(categories, Qt::Key_Space);
    QCOMPARE(categories->item(1)->checkState(), Qt::Unchecked);
    QCOMPARE(m_dialog->scope(), AuditScope::categories({QStringLiteral("account")}));

    // A projection.
    const QString script = m_dir.filePath(QStringLiteral("balances.js"));
    testing::writeFile(script, testing::balancesScript().toUtf8());
    QVERIFY(m_dialog->addProjectionFile(script));
    QCOMPARE(m_dialog->projectionList()->count(), 1);
    QVERIFY(!m_dialog->addProjectionFile(script)); // once
    QCOMPARE(m_dialog->projectionList()->count(), 1);

    // PDF, chosen with the keyboard; the suffix follows.
    m_dialog->setDestination(m_dir.filePath(QStringLiteral("accounts.json")));
    m_dialog->formatBox()->setFocus();
    QTest::keyClick(m_dialog->formatBox(), Qt::Key_Down);
    QCOMPARE(m_dialog->format(), AuditFormat::Csv);
    QCOMPARE(m_dialog->destination(), m_dir.filePath(QStringLiteral("accounts.csv")));
    QTest::keyClick(m_dialog->formatBox(), Qt::Key_Down);
    QCOMPARE(m_dialog->format(), AuditFormat::Pdf);
    const QString path = m_dir.filePath(QStringLiteral("accounts.pdf"));
    QCOMPARE(m_dialog->destination(), path);

    exportAndWait();
    QVERIFY(testing::readFile(path).startsWith("%PDF-"));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("accounts.json"))));
    // The digest shown is that of the snapshot of the chosen point, scope and projection.
    AuditRequest request;
    request.atPosition = 7;
    request.scope = AuditScope::categories({QStringLiteral("account")});
    request.projections.push_back({QStringLiteral("balances.js"), testing::balancesScript()});
    request.storeName = QStringLiteral("bank.eventlens");
    const AuditSnapshot expected = AuditSnapshot::build(*m_store, request);
    QCOMPARE(m_dialog->resultDigest(), expected.digest());
    QVERIFY2(m_dialog->resultText().contains(QStringLiteral("2 aggregates, 1 projection.")), qPrintable(m_dialog->resultText()));
}

void TestAuditExportDialog::exportAtTime()
{
    // At the time of event 4: the last event at or before it (4, or a later one with the same
    // millisecond).
    const qint64 time = m_events[3].timeMs;
    qint64 expectedPosition = 0;
    for (const Event &e : m_events) {
        if (e.timeMs <= time)
            expectedPosition = e.position;
    }
    clickRadio(m_dialog->timeButton());
    QVERIFY(m_dialog->timeButton()->isChecked());
    m_dialog->timeEdit()->setDateTime(QDateTime::fromMSecsSinceEpoch(time, Qt::UTC));
    QVERIFY(m_dialog->timeButton()->isChecked());
    QCOMPARE(m_dialog->timeEdit()->dateTime().toMSecsSinceEpoch(), time);
    const std::optional<AuditRequest> request = m_dialog->request();
    QVERIFY(request);
    QVERIFY(!request->atPosition);
    QCOMPARE(request->atTimeMs, std::optional<qint64>(time));

    const QString path = m_dir.filePath(QStringLiteral("at-time.csv"));
    m_dialog->setFormat(AuditFormat::Csv);
    retype(m_dialog->destinationEdit(), path);
    exportAndWait();
    QCOMPARE(testing::readFile(path), AuditSnapshot::build(*m_store, *request).csv());
    QVERIFY(m_dialog->resultText().contains(QStringLiteral("position %1").arg(expectedPosition)));

    // Back to a position with the mouse.
    clickRadio(m_dialog->positionButton());
    QVERIFY(m_dialog->request()->atPosition);
}

void TestAuditExportDialog::selectedStreamsScope()
{
    // The window passes the selected stream; the list can be edited.
    m_dialog->setScope(AuditScope::streams({QStringLiteral("account-2")}));
    QVERIFY(m_dialog->scopeButton(AuditScope::Kind::Streams)->isChecked());
    QCOMPARE(m_dialog->streamsEdit()->toPlainText(), QStringLiteral("account-2"));
    m_dialog->streamsEdit()->setFocus();
    QTest::keyClick(m_dialog->streamsEdit(), Qt::Key_End, Qt::ControlModifier);
    QTest::keyClick(m_dialog->streamsEdit(), Qt::Key_Return);
    QTest::keyClicks(m_dialog->streamsEdit(), QStringLiteral("  order-1  "));
    QCOMPARE(m_dialog->scope(), AuditScope::streams({QStringLiteral("account-2"), QStringLiteral("order-1")}));

    const QString path = m_dir.filePath(QStringLiteral("streams.json"));
    m_dialog->setDestination(path);
    exportAndWait();
    const AuditSnapshot snapshot = AuditSnapshot::fromText(testing::readFile(path));
    QCOMPARE(aggregateNames(snapshot), (std::set<std::string>{"account-2", "order-1"}));
    QCOMPARE(snapshot.position(), qint64(8));

    // An empty list is refused inline; nothing is written.
    clickRadio(m_dialog->scopeButton(AuditScope::Kind::Categories));
    QVERIFY(m_dialog->scopeButton(AuditScope::Kind::Categories)->isChecked());
    const QString none = m_dir.filePath(QStringLiteral("none.json"));
    m_dialog->setDestination(none);
    QSignalSpy failed(m_dialog.get(), &AuditExportDialog::exportFailed);
    QTest::mouseClick(m_dialog->exportButton(), Qt::LeftButton);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(m_dialog->state(), AuditExportDialog::State::Failed);
    QVERIFY2(m_dialog->errorText().contains(QStringLiteral("Check at least one category")), qPrintable(m_dialog->errorText()));
    QVERIFY(m_dialog->errorLabel()->isVisible());
    QVERIFY(!QFileInfo::exists(none));
}

void TestAuditExportDialog::cancelLeavesNoFile()
{
    const QString path = m_dir.filePath(QStringLiteral("cancelled.pdf"));
    m_dialog->setFormat(AuditFormat::Pdf);
    m_dialog->setDestination(path);
    QSignalSpy failed(m_dialog.get(), &AuditExportDialog::exportFailed);
    {
        PoolBlocker blocker(m_dialog->threadPool()); // the export waits for its thread
        QTest::mouseClick(m_dialog->exportButton(), Qt::LeftButton);
        QVERIFY(m_dialog->isRunning());
        // Running in the background: the dialog answers, its inputs are locked, Cancel is there.
        QVERIFY(!m_dialog->exportButton()->isEnabled());
        QVERIFY(m_dialog->cancelButton()->isVisible());
        QVERIFY(m_dialog->cancelButton()->isEnabled());
        QVERIFY(m_dialog->progressBar()->isVisible());
        QVERIFY(!m_dialog->positionSpin()->isEnabled());
        QTest::mouseClick(m_dialog->cancelButton(), Qt::LeftButton);
        QCOMPARE(m_dialog->progressText(), QStringLiteral("Cancelling…"));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!m_dialog->isRunning(), Timeout);
    QCOMPARE(m_dialog->state(), AuditExportDialog::State::Cancelled);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(1).toBool(), true);
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY2(m_dialog->errorText().contains(QStringLiteral("cancelled")), qPrintable(m_dialog->errorText()));
    QVERIFY(m_dialog->positionSpin()->isEnabled());
    QVERIFY(!m_dialog->cancelButton()->isVisible());

    // It can run again.
    exportAndWait();
    QVERIFY(testing::readFile(path).startsWith("%PDF-"));
}

void TestAuditExportDialog::badProjectionExportsNothing()
{
    const QString bad = m_dir.filePath(QStringLiteral("bad.js"));
    testing::writeFile(bad, "fromAll()\n    .when({ $init: function () { return { n: ; } } });\n");
    const QString good = m_dir.filePath(QStringLiteral("good.js"));
    testing::writeFile(good, testing::balancesScript().toUtf8());
    QVERIFY(m_dialog->addProjectionFile(good));
    QVERIFY(m_dialog->addProjectionFile(bad));
    QCOMPARE(m_dialog->projectionList()->count(), 2);
    // Shown at once: which script, what and where.
    QLabel *error = m_dialog->findChild<QLabel *>(QStringLiteral("projectionError"));
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().startsWith(QStringLiteral("bad.js: syntax error at line 2")), qPrintable(error->text()));
    QVERIFY(m_dialog->projectionList()->item(1)->text().contains(QStringLiteral("error")));
    QVERIFY(!m_dialog->projectionList()->item(0)->text().contains(QStringLiteral("error")));

    const QString path = m_dir.filePath(QStringLiteral("bad-projection.json"));
    m_dialog->setDestination(path);
    QSignalSpy failed(m_dialog.get(), &AuditExportDialog::exportFailed);
    QTest::mouseClick(m_dialog->exportButton(), Qt::LeftButton);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(m_dialog->state(), AuditExportDialog::State::Failed);
    QVERIFY2(m_dialog->errorText().contains(QStringLiteral("bad.js does not compile")), qPrintable(m_dialog->errorText()));
    QVERIFY(!QFileInfo::exists(path));

    // Removed (selected, Remove): the export goes through, with the good one.
    m_dialog->projectionList()->setFocus();
    m_dialog->projectionList()->setCurrentRow(1);
    QVERIFY(m_dialog->removeProjectionButton()->isEnabled());
    QTest::mouseClick(m_dialog->removeProjectionButton(), Qt::LeftButton);
    QCOMPARE(m_dialog->projectionFiles(), QStringList{QFileInfo(good).absoluteFilePath()});
    QVERIFY(!error->isVisible());
    exportAndWait();
    const AuditSnapshot snapshot = AuditSnapshot::fromText(testing::readFile(path));
    QVERIFY(snapshot.json().at("projections").contains("good.js"));
}

void TestAuditExportDialog::failingProjectionExportsNothing()
{
    // Compiles, but throws at the second AccountOpened (position 2).
    const QString script = m_dir.filePath(QStringLiteral("throws.js"));
    testing::writeFile(script, "fromAll().when({\n"
                      "    AccountOpened: function (s, e) { if (e.data.owner === 'bob') throw new Error('no bob'); }\n"
                      "});\n");
    QVERIFY(m_dialog->addProjectionFile(script));
    QVERIFY(!m_dialog->findChild<QLabel *>(QStringLiteral("projectionError"))->isVisible());
    const QString path = m_dir.filePath(QStringLiteral("throws.pdf"));
    m_dialog->setFormat(AuditFormat::Pdf);
    m_dialog->setDestination(path);
    exportAndWait(AuditExportDialog::State::Failed);
    QVERIFY2(m_dialog->errorText().startsWith(QStringLiteral("Export failed: ")), qPrintable(m_dialog->errorText()));
    QVERIFY2(m_dialog->errorText().contains(QStringLiteral("no bob")), qPrintable(m_dialog->errorText()));
    QVERIFY2(m_dialog->errorText().contains(QStringLiteral("position 2")), qPrintable(m_dialog->errorText()));
    QVERIFY(m_dialog->errorLabel()->isVisible());
    QVERIFY(!m_dialog->resultLabel()->isVisible());
    QVERIFY(!QFileInfo::exists(path));
}

QString TestAuditExportDialog::tamperedCopy(const QString &name, qint64 position)
{
    const QString copy = m_dir.filePath(name);
    QFile::remove(copy);
    if (!QFile::copy(m_storePath, copy))
        return {};
    QString error;
    const int changed = testing::tamperStore(
        copy, QStringLiteral("UPDATE events SET data = CAST('{\"amount\":5000}' AS BLOB) WHERE position = %1").arg(position), &error);
    if (!error.isEmpty())
        qWarning("%s", qPrintable(error));
    return changed == 1 ? copy : QString();
}

void TestAuditExportDialog::verifyStore()
{
    m_testers.clear();
    m_dialog.reset();
    QWidget window;
    window.show();
    AuditActions actions(&window);
    QVERIFY(!actions.verifyStoreAction()->isEnabled()); // no store yet
    QSignalSpy verified(&actions, &AuditActions::verificationFinished);
    QSignalSpy activated(&actions, &AuditActions::positionActivated);

    // The untouched store: verified, with its head hash.
    actions.setStore(m_store);
    QVERIFY(actions.verifyStoreAction()->isEnabled());
    actions.verifyStoreAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 1, Timeout);
    QCOMPARE(verified.at(0).at(0).toBool(), true);
    VerifyResultDialog *dialog = actions.resultDialog();
    QVERIFY(dialog && dialog->isVisible());
    auto tester = testing::attachTester(*dialog->differences());
    QVERIFY(dialog->isOk());
    const QString head = QString::fromLatin1(m_store->info().headHash.toHex());
    QVERIFY2(dialog->headlineText().contains(QStringLiteral("verified: 8 events, head hash %1").arg(head)), qPrintable(dialog->headlineText()));
    QCOMPARE(dialog->differences()->rowCount(), 0);
    QVERIFY(!dialog->goToFirstButton()->isEnabled());

    // A copy altered behind eventlens's back at position 4.
    const QString tampered = tamperedCopy(QStringLiteral("tampered-store.eventlens"), 4);
    QVERIFY(!tampered.isEmpty());
    std::shared_ptr<EventStore> store = EventStore::open(tampered, EventStore::OpenMode::ReadOnly);
    actions.setStore(store);
    actions.verifyStoreAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 2, Timeout);
    QCOMPARE(verified.at(1).at(0).toBool(), false);
    QCOMPARE(actions.resultDialog(), dialog);
    QVERIFY(!dialog->isOk());
    QCOMPARE(dialog->firstBadPosition(), qint64(4));
    QVERIFY2(dialog->headlineText().contains(QStringLiteral("Verification failed at position 4")), qPrintable(dialog->headlineText()));
    QCOMPARE(dialog->differences()->rowCount(), 1);
    QCOMPARE(dialog->differences()->index(0, VerifyResultDialog::PositionColumn).data().toLongLong(), qint64(4));

    // A double-click on the row, then the button: the window is asked to show position 4.
    doubleClick(dialog->table(), dialog->differences()->index(0, VerifyResultDialog::MessageColumn));
    QTRY_COMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), qint64(4));
    QVERIFY(dialog->goToFirstButton()->isEnabled());
    QTest::mouseClick(dialog->goToFirstButton(), Qt::LeftButton);
    QCOMPARE(activated.count(), 2);
    QCOMPARE(activated.at(1).at(0).toLongLong(), qint64(4));
    tester.reset();
    dialog->close();
}

void TestAuditExportDialog::verifySnapshot()
{
    // A snapshot of the untouched store at position 6, exported with the dialog.
    const QString snapshotPath = m_dir.filePath(QStringLiteral("at-6.json"));
    retype(m_dialog->positionSpin(), QStringLiteral("6"));
    m_dialog->setDestination(snapshotPath);
    exportAndWait();
    m_testers.clear();
    m_dialog.reset();

    QWidget window;
    window.show();
    AuditActions actions(&window);
    QSignalSpy verified(&actions, &AuditActions::verificationFinished);
    QSignalSpy activated(&actions, &AuditActions::positionActivated);

    // Against the store it came from: it matches.
    actions.setStore(m_store);
    actions.verifySnapshot(snapshotPath);
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 1, Timeout);
    VerifyResultDialog *dialog = actions.resultDialog();
    QVERIFY(dialog && dialog->isVisible());
    auto tester = testing::attachTester(*dialog->differences());
    QVERIFY2(dialog->isOk(), qPrintable(dialog->headlineText() + u'\n' + dialog->detailText()));
    QCOMPARE(dialog->headlineText(), QStringLiteral("✔ at-6.json matches bank.eventlens"));
    QCOMPARE(dialog->differences()->rowCount(), 0);

    // Against a copy altered at position 3: every difference, the first bad position named.
    const QString tampered = tamperedCopy(QStringLiteral("tampered-snapshot.eventlens"), 3);
    QVERIFY(!tampered.isEmpty());
    std::shared_ptr<EventStore> store = EventStore::open(tampered, EventStore::OpenMode::ReadOnly);
    actions.setStore(store);
    QVERIFY(actions.verifySnapshotAction()->isEnabled());
    actions.verifySnapshot(snapshotPath);
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 2, Timeout);
    QCOMPARE(verified.at(1).at(0).toBool(), false);
    QVERIFY(!dialog->isOk());
    QCOMPARE(dialog->firstBadPosition(), qint64(3));
    QVERIFY2(dialog->headlineText().contains(QStringLiteral("the first bad position is 3")), qPrintable(dialog->headlineText()));
    QVERIFY2(dialog->detailText().contains(QStringLiteral("the first bad position is 3")), qPrintable(dialog->detailText()));
    // Every difference is a row; the hash chain's names position 3.
    QStandardItemModel *rows = dialog->differences();
    QVERIFY(rows->rowCount() >= 1);
    bool chain = false;
    for (int row = 0; row < rows->rowCount(); ++row) {
        QVERIFY(!rows->index(row, VerifyResultDialog::MessageColumn).data().toString().isEmpty());
        if (rows->index(row, VerifyResultDialog::PathColumn).data().toString().startsWith(QStringLiteral("chain"))) {
            chain = true;
            QCOMPARE(rows->index(row, VerifyResultDialog::PositionColumn).data().toLongLong(), qint64(3));
            QVERIFY(rows->index(row, VerifyResultDialog::MessageColumn).data().toString().contains(QStringLiteral("position 3")));
        }
    }
    QVERIFY(chain);

    // Double-click on the first row with a position.
    int positionRow = -1;
    for (int row = 0; row < rows->rowCount() && positionRow < 0; ++row) {
        if (rows->index(row, 0).data(VerifyResultDialog::PositionRole).toLongLong() > 0)
            positionRow = row;
    }
    QVERIFY(positionRow >= 0);
    const qint64 position = rows->index(positionRow, 0).data(VerifyResultDialog::PositionRole).toLongLong();
    doubleClick(dialog->table(), rows->index(positionRow, VerifyResultDialog::PathColumn));
    QTRY_COMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), position);

    // Not a snapshot: said so, clearly.
    const QString notSnapshot = m_dir.filePath(QStringLiteral("not-a-snapshot.json"));
    testing::writeFile(notSnapshot, "{\"hello\": 1}");
    actions.verifySnapshot(notSnapshot);
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 3, Timeout);
    QVERIFY(!dialog->isOk());
    QVERIFY2(dialog->headlineText().startsWith(QStringLiteral("✘ Could not verify: ")), qPrintable(dialog->headlineText()));
    QCOMPARE(dialog->differences()->rowCount(), 0);
    tester.reset();
    dialog->close();
}

void TestAuditExportDialog::windowToolsMenu()
{
    m_testers.clear();
    m_dialog.reset();
    QSettings().clear();
    const QString tampered = tamperedCopy(QStringLiteral("tampered-window.eventlens"), 5);
    QVERIFY(!tampered.isEmpty());
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openStore(tampered));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 8, Timeout);

    // The Tools menu and its shortcuts.
    AuditActions *actions = window.auditActions();
    QVERIFY(actions);
    QCOMPARE(actions->exportAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QCOMPARE(actions->verifyStoreAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    QCOMPARE(actions->verifySnapshotAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_V));
    QCOMPARE(window.action(QStringLiteral("exportAuditSnapshotAction")), actions->exportAction());
    bool inToolsMenu = false;
    for (QAction *menu : window.menuBar()->actions()) {
        if (menu->text().remove(u'&') == QStringLiteral("Tools") && menu->menu())
            inToolsMenu = menu->menu()->actions().contains(actions->verifyStoreAction());
    }
    QVERIFY(inToolsMenu);
    // No other action of the window has these shortcuts.
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action == actions->exportAction() || action == actions->verifyStoreAction() || action == actions->verifySnapshotAction())
            continue;
        for (const QAction *ours : {actions->exportAction(), actions->verifyStoreAction(), actions->verifySnapshotAction()})
            QVERIFY2(action->shortcut().isEmpty() || action->shortcut() != ours->shortcut(), qPrintable(action->objectName()));
    }

    // Ctrl+Shift+E opens the export dialog at the current event (position 3).
    window.selectPosition(3);
    QTRY_COMPARE(window.eventTable()->currentIndex().data(EventListModel::PositionRole).toLongLong(), qint64(3));
    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_E, Qt::ControlModifier | Qt::ShiftModifier);
    AuditExportDialog *dialog = actions->exportDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->isModal());
    QCOMPARE(dialog->positionSpin()->value(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isStoreInfoLoaded(), Timeout);
    QCOMPARE(dialog->positionSpin()->value(), 3);
    QVERIFY(dialog->scopeButton(AuditScope::Kind::All)->isChecked());
    // The scrubber (or the log) moves to position 6: Use Timeline Position follows.
    window.selectPosition(6);
    QTRY_COMPARE(window.eventTable()->currentIndex().data(EventListModel::PositionRole).toLongLong(), qint64(6));
    QTest::mouseClick(dialog->timelineButton(), Qt::LeftButton);
    QCOMPARE(dialog->positionSpin()->value(), 6);
    dialog->close();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    // Verify Store: the result names position 5, and "Go to" selects it in the log.
    window.selectPosition(1);
    QTRY_COMPARE(window.eventTable()->currentIndex().data(EventListModel::PositionRole).toLongLong(), qint64(1));
    QSignalSpy verified(actions, &AuditActions::verificationFinished);
    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_V, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY_WITH_TIMEOUT(verified.count() == 1, Timeout);
    VerifyResultDialog *result = actions->resultDialog();
    QVERIFY(result && result->isVisible());
    QCOMPARE(result->firstBadPosition(), qint64(5));
    QTest::mouseClick(result->goToFirstButton(), Qt::LeftButton);
    QTRY_COMPARE(window.eventTable()->currentIndex().data(EventListModel::PositionRole).toLongLong(), qint64(5));
    result->close();
}

QTEST_MAIN(TestAuditExportDialog)
#include "tst_auditexportdialog.moc"
