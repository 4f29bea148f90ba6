#include "eventlistmodel.h"
#include "eventtableproxy.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "mainwindow.h"
#include "modeltesting.h"
#include "projectiondiffview.h"
#include "projectiondock.h"
#include "statepane.h"
#include "scripteditor.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include "projectiontesting.h"

#include <QTest>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>

#include <nlohmann/json.hpp>

#include <memory>

using namespace eventlens;

namespace {

constexpr int Timeout = 120000; // generous: sanitizer builds on a busy machine
using Json = nlohmann::ordered_json;

using testing::createBankStore;
const QString &Balances = testing::balancesScript();

Json documentOf(const JsonTreeView *view)
{
    const QString text = view->model()->documentJson();
    return text.isEmpty() ? Json() : Json::parse(text.toStdString());
}

bool jsonEqual(const Json &a, const char *b)
{
    return JsonPatch::equal(a, Json::parse(b));
}

} // namespace

class TestProjectionDock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void pasteScriptStepAndStepBack();
    void conditionBreakpointStops();
    void diffOfTwoPositions();
    void diffOfTwoScriptVersions();
    void syntaxErrorMarksLine();
    void runtimeErrorShowsPosition();
    void emittedEventsAndLog();
    void examplesOpenAndSave();
    void mainWindowIntegration();
    void stateFunctionInStatePane();

private:
    // Presses a key where the user's focus is (the dock's shortcuts act on the whole window).
    void press(Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier);
    void waitIdle();
    void typeScript(const QString &script);

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<QMainWindow> m_window;
    ProjectionDock *m_dock = nullptr;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestProjectionDock::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("eventlens-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_projectiondock"));
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("bank.eventlens"));
    createBankStore(m_path);
}

void TestProjectionDock::init()
{
    m_window = std::make_unique<QMainWindow>();
    m_window->setCentralWidget(new QLabel(QStringLiteral("log"), m_window.get()));
    m_dock = new ProjectionDock(m_window.get());
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_dock);
    m_window->resize(1400, 800);
    for (JsonTreeView *view : {m_dock->stateView(), m_dock->sharedView(), m_dock->resultView(), m_dock->eventDataView(),
                               m_dock->diffView()->treeA(), m_dock->diffView()->treeB()})
        m_testers.push_back(testing::attachTester(*view->model()));
    m_testers.push_back(testing::attachTester(*m_dock->emittedTable()->model()));
    m_testers.push_back(testing::attachTester(*m_dock->breakpointTable()->model()));
    m_testers.push_back(testing::attachTester(*m_dock->partitionPicker()->model()));
    m_dock->setStorePath(m_path);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestProjectionDock::cleanup()
{
    m_testers.clear();
    m_window.reset();
    m_dock = nullptr;
}

void TestProjectionDock::press(Qt::Key key, Qt::KeyboardModifiers modifiers)
{
    QWidget *focus = QApplication::focusWidget();
    QVERIFY(focus);
    QTest::keyClick(focus, key, modifiers);
}

void TestProjectionDock::waitIdle()
{
    QTRY_VERIFY_WITH_TIMEOUT(!m_dock->isBusy(), Timeout);
}

void TestProjectionDock::typeScript(const QString &script)
{
    ScriptEditor *editor = m_dock->editor();
    editor->setFocus();
    QTRY_VERIFY(editor->hasFocus());
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QApplication::clipboard()->setText(script);
    QTest::keyClick(editor, Qt::Key_V, Qt::ControlModifier);
    QCOMPARE(editor->toPlainText(), script);
}

void TestProjectionDock::pasteScriptStepAndStepBack()
{
    // Pasted, then a line typed at the end: typing "s" or "S" in the editor is text, not a shortcut.
    typeScript(Balances);
    QTest::keyClicks(m_dock->editor(), QStringLiteral("// Step-by-step sums"));
    QVERIFY(m_dock->script().endsWith(QStringLiteral("// Step-by-step sums")));

    press(Qt::Key_F10);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(1));
    QVERIFY2(m_dock->currentEventText().contains(QStringLiteral("position: 1")), qPrintable(m_dock->currentEventText()));
    QVERIFY(m_dock->currentEventText().contains(QStringLiteral("processed: AccountOpened")));
    QCOMPARE(m_dock->partitionPicker()->currentData().toString(), QStringLiteral("account-1"));
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()), R"({"balance":0,"owner":"ada"})"));
    QVERIFY(jsonEqual(documentOf(m_dock->eventDataView()), R"({"owner":"ada"})"));

    press(Qt::Key_F10);
    press(Qt::Key_F10);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(3));
    QVERIFY(m_dock->currentEventText().contains(QStringLiteral("type: Deposited")));
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()), R"({"balance":100,"owner":"ada"})"));
    // The change the event made: marked in the tree and as a patch.
    QVERIFY(m_dock->stateView()->model()->hasDiff());
    const QModelIndex balance = m_dock->stateView()->model()->indexForPath(QStringLiteral("/balance"));
    QVERIFY(balance.isValid());
    QCOMPARE(balance.data(JsonTreeModel::DiffRole).value<JsonTreeModel::Diff>(), JsonTreeModel::Diff::Changed);
    QVERIFY(m_dock->statePatchView()->toPlainText().contains(QStringLiteral("\"/balance\"")));
    QCOMPARE(m_dock->partitionPicker()->count(), 2);

    // The picker shows another partition's state.
    m_dock->partitionPicker()->setCurrentIndex(m_dock->partitionPicker()->findData(QStringLiteral("account-2")));
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()), R"({"balance":0,"owner":"bob"})"));

    press(Qt::Key_F10, Qt::ShiftModifier);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(2));
    QVERIFY(m_dock->currentEventText().contains(QStringLiteral("stream: account-2")));
    QCOMPARE(m_dock->partitionPicker()->currentData().toString(), QStringLiteral("account-2"));

    // Run to position 7, then back to 4 with the same action.
    m_dock->positionSpin()->setValue(7);
    press(Qt::Key_F10, Qt::ControlModifier);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(7));
    m_dock->positionSpin()->setValue(4);
    m_dock->runToPositionAction()->trigger();
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(4));

    // Run to the end, then Reset.
    press(Qt::Key_F8, Qt::ControlModifier);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(8));
    QVERIFY(m_dock->currentEventText().contains(QStringLiteral("skipped: not selected")));
    QVERIFY(m_dock->statusLabel()->text().contains(QStringLiteral("at the end")));
    press(Qt::Key_F5, Qt::ShiftModifier);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(0));
    QVERIFY(m_dock->currentEventText().isEmpty());
    QVERIFY(!m_dock->lastError());
}

void TestProjectionDock::conditionBreakpointStops()
{
    typeScript(Balances);
    // A condition breakpoint, typed into the breakpoint row and added with Enter.
    QComboBox *kind = m_dock->breakpointKindBox();
    kind->setCurrentIndex(kind->findData(int(ProjectionBreakpoint::Kind::Condition)));
    QLineEdit *edit = m_dock->breakpointEdit();
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("state.balance < 0"));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(m_dock->breakpointTable()->rowCount(), 1);
    QVERIFY(edit->text().isEmpty());
    const std::vector<ProjectionBreakpoint> breakpoints = m_dock->breakpoints();
    QCOMPARE(breakpoints.size(), size_t(1));
    QCOMPARE(breakpoints.front().kind, ProjectionBreakpoint::Kind::Condition);
    QCOMPARE(breakpoints.front().text, QStringLiteral("state.balance < 0"));

    press(Qt::Key_F8);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(6));
    QVERIFY(m_dock->currentEventText().contains(QStringLiteral("type: Withdrawn")));
    QVERIFY(m_dock->statusLabel()->text().contains(QStringLiteral("breakpoint")));
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()), R"({"balance":-30,"owner":"bob"})"));

    // Disabled (its check box), the breakpoint no longer stops the run.
    press(Qt::Key_F5, Qt::ShiftModifier);
    m_dock->breakpointTable()->item(0, 0)->setCheckState(Qt::Unchecked);
    QVERIFY(!m_dock->breakpoints().front().enabled);
    press(Qt::Key_F8);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(8));

    // An event type breakpoint added with the button; Remove takes it away again.
    press(Qt::Key_F5, Qt::ShiftModifier);
    kind->setCurrentIndex(kind->findData(int(ProjectionBreakpoint::Kind::EventType)));
    edit->setText(QStringLiteral("Withdrawn"));
    QTest::mouseClick(m_dock->addBreakpointButton(), Qt::LeftButton);
    QCOMPARE(m_dock->breakpointTable()->rowCount(), 2);
    press(Qt::Key_F8);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(5));
    m_dock->breakpointTable()->selectRow(1);
    QTest::mouseClick(m_dock->removeBreakpointButton(), Qt::LeftButton);
    QCOMPARE(m_dock->breakpointTable()->rowCount(), 1);
    press(Qt::Key_F8);
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(8));
}

void TestProjectionDock::diffOfTwoPositions()
{
    typeScript(Balances);
    ProjectionDiffView *diff = m_dock->diffView();
    m_dock->tabs()->setCurrentWidget(diff);
    diff->setMode(ProjectionDiffView::Mode::Positions);
    diff->positionASpin()->setValue(3);
    diff->positionBSpin()->setValue(5);
    QTest::mouseClick(diff->compareButton(), Qt::LeftButton);
    waitIdle();
    QCOMPARE(diff->differingPartitions(), QStringList({QStringLiteral("account-1"), QStringLiteral("account-2")}));
    const QString patch = diff->patchText();
    QVERIFY2(patch.contains(QStringLiteral("# account-1")), qPrintable(patch));
    const Json account1 = Json::parse(patch.section(QStringLiteral("# account-1\n"), 1).section(QStringLiteral("# "), 0, 0).toStdString());
    QVERIFY2(jsonEqual(account1, R"([{"op":"replace","path":"/balance","value":70}])"), qPrintable(patch));
    QVERIFY2(diff->summaryLabel()->text().contains(QStringLiteral("2 partitions differ")), qPrintable(diff->summaryLabel()->text()));
    // Side by side: A plain, B with the change marked.
    diff->selectPartition(QStringLiteral("account-1"));
    QVERIFY(jsonEqual(documentOf(diff->treeA()), R"({"balance":100,"owner":"ada"})"));
    QVERIFY(jsonEqual(documentOf(diff->treeB()), R"({"balance":70,"owner":"ada"})"));
    const QModelIndex changed = diff->treeB()->model()->indexForPath(QStringLiteral("/balance"));
    QCOMPARE(changed.data(JsonTreeModel::DiffRole).value<JsonTreeModel::Diff>(), JsonTreeModel::Diff::Changed);
    QCOMPARE(diff->patchText().trimmed(), QStringLiteral("# account-1\n") + QString::fromStdString(Json::parse(R"([{"op":"replace","path":"/balance","value":70}])").dump(2)));
    // The run itself did not move.
    QCOMPARE(m_dock->position(), qint64(0));
}

void TestProjectionDock::diffOfTwoScriptVersions()
{
    typeScript(Balances);
    ProjectionDiffView *diff = m_dock->diffView();
    m_dock->tabs()->setCurrentWidget(diff);
    diff->setMode(ProjectionDiffView::Mode::Scripts);
    QVERIFY(diff->otherEditor()->isVisible());
    QString doubled = Balances;
    doubled.replace(QStringLiteral("s.balance -= e.data.amount;"), QStringLiteral("s.balance -= 2 * e.data.amount;"));
    diff->otherEditor()->setFocus();
    QApplication::clipboard()->setText(doubled);
    QTest::keyClick(diff->otherEditor(), Qt::Key_V, Qt::ControlModifier);
    QTest::mouseClick(diff->compareButton(), Qt::LeftButton);
    waitIdle();
    QCOMPARE(diff->firstDivergentPosition(), qint64(5));
    QVERIFY2(diff->summaryLabel()->text().contains(QStringLiteral("position 5")), qPrintable(diff->summaryLabel()->text()));
    QVERIFY(diff->summaryLabel()->text().contains(QStringLiteral("account-1 Withdrawn")));
    QCOMPARE(diff->differingPartitions(), QStringList({QStringLiteral("account-1"), QStringLiteral("account-2")}));
    diff->selectPartition(QStringLiteral("account-2"));
    QVERIFY(jsonEqual(documentOf(diff->treeA()), R"({"balance":-30,"owner":"bob"})"));
    QVERIFY(jsonEqual(documentOf(diff->treeB()), R"({"balance":-110,"owner":"bob"})"));
    QVERIFY(diff->patchText().contains(QStringLiteral("-110")));

    // The same script: no difference.
    diff->otherEditor()->setPlainText(Balances);
    diff->compare();
    waitIdle();
    QVERIFY(diff->differingPartitions().isEmpty());
    QVERIFY(diff->summaryLabel()->text().contains(QStringLiteral("same states")));
}

void TestProjectionDock::syntaxErrorMarksLine()
{
    typeScript(QStringLiteral("fromAll()\n    .when({\n        $any: function (s, e) { s.n = ; }\n    });\n"));
    press(Qt::Key_F10);
    waitIdle();
    QVERIFY(m_dock->lastError());
    QCOMPARE(m_dock->lastError()->kind, ProjectionError::Kind::Syntax);
    QCOMPARE(m_dock->editor()->errorLines(), QList<int>({3}));
    QVERIFY(m_dock->errorLabel()->isVisible());
    QVERIFY2(m_dock->errorLabel()->text().contains(QStringLiteral("line 3")), qPrintable(m_dock->errorLabel()->text()));
    QVERIFY(m_dock->editor()->errorMessage(3).contains(QStringLiteral("line 3")));
    QCOMPARE(m_dock->editor()->textCursor().blockNumber(), 2); // the cursor went to the error
    QCOMPARE(m_dock->position(), qint64(0));

    // Fixing the line clears the marker; the run works.
    QTextCursor cursor = m_dock->editor()->textCursor();
    cursor.movePosition(QTextCursor::StartOfBlock);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    m_dock->editor()->setTextCursor(cursor);
    QTest::keyClicks(m_dock->editor(), QStringLiteral("        $any: function (s, e) { s.n = (s.n || 0) + 1; }"));
    QVERIFY(m_dock->editor()->errorLines().isEmpty());
    press(Qt::Key_F10);
    waitIdle();
    QVERIFY(!m_dock->lastError());
    QVERIFY(m_dock->errorLabel()->isHidden());
    QCOMPARE(m_dock->position(), qint64(1));
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()), R"({"n":1})"));
}

void TestProjectionDock::runtimeErrorShowsPosition()
{
    typeScript(QStringLiteral("fromCategory('account').foreachStream().when({\n"
                              "    $init: function () { return { balance: 0 }; },\n"
                              "    Deposited: function (s, e) { s.balance += e.data.amount; },\n"
                              "    Withdrawn: function (s, e) {\n"
                              "        if (e.data.amount > 50) throw new Error('too much');\n"
                              "        s.balance -= e.data.amount;\n"
                              "    }\n"
                              "});\n"));
    press(Qt::Key_F8, Qt::ControlModifier);
    waitIdle();
    QVERIFY(m_dock->lastError());
    QCOMPARE(m_dock->lastError()->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(m_dock->lastError()->position, qint64(6));
    QCOMPARE(m_dock->editor()->errorLines(), QList<int>({5}));
    QVERIFY(m_dock->errorLabel()->text().contains(QStringLiteral("too much")));
    QCOMPARE(m_dock->position(), qint64(5));
}

void TestProjectionDock::emittedEventsAndLog()
{
    typeScript(QStringLiteral("fromAll().when({\n"
                              "    $any: function (s, e) { log('seen ' + e.eventType); },\n"
                              "    Withdrawn: function (s, e) { emit('alerts', 'LargeWithdrawal', { amount: e.data.amount }); }\n"
                              "});\n"));
    m_dock->runAction()->trigger();
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(8));
    QTableWidget *emitted = m_dock->emittedTable();
    QCOMPARE(emitted->rowCount(), 2);
    QCOMPARE(emitted->item(0, 0)->text(), QStringLiteral("5"));
    QCOMPARE(emitted->item(0, 1)->text(), QStringLiteral("alerts"));
    QCOMPARE(emitted->item(0, 2)->text(), QStringLiteral("LargeWithdrawal"));
    QVERIFY(jsonEqual(Json::parse(emitted->item(1, 3)->text().toStdString()), R"({"amount":80})"));
    // $any does not run for Withdrawn (it has its own handler): six log lines.
    const QStringList log = m_dock->logView()->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(log.size(), 6);
    QCOMPARE(log.first(), QStringLiteral("[1] seen AccountOpened"));
    QCOMPARE(log.last(), QStringLiteral("[8] seen OrderPlaced"));

    // Back to position 5: only what was emitted and logged up to it.
    m_dock->positionSpin()->setValue(5);
    m_dock->runToPositionAction()->trigger();
    waitIdle();
    QCOMPARE(m_dock->position(), qint64(5));
    QCOMPARE(emitted->rowCount(), 1);
    QCOMPARE(m_dock->logView()->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 4);

    // Double-clicking an emitted event asks for its source event.
    QSignalSpy activated(m_dock, &ProjectionDock::positionActivated);
    QMetaObject::invokeMethod(emitted, "cellDoubleClicked", Q_ARG(int, 0), Q_ARG(int, 1));
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), qint64(5));
}

void TestProjectionDock::examplesOpenAndSave()
{
    const QStringList examples = ProjectionDock::exampleNames();
    QCOMPARE(examples, QStringList({QStringLiteral("account-balances.js"), QStringLiteral("event-counts.js"),
                                    QStringLiteral("orders-by-status.js")}));
    QCOMPARE(m_dock->examplesButton()->menu()->actions().size(), 3);
    m_dock->examplesButton()->menu()->actions().at(1)->trigger();
    QVERIFY(m_dock->script().contains(QStringLiteral("fromAll()")));
    press(Qt::Key_F8, Qt::ControlModifier);
    waitIdle();
    QVERIFY(!m_dock->lastError());
    QVERIFY(jsonEqual(documentOf(m_dock->stateView()),
                      R"({"total":8,"AccountOpened":2,"Deposited":3,"Withdrawn":2,"OrderPlaced":1})"));

    QVERIFY(m_dock->loadExample(QStringLiteral("account-balances.js")));
    const QString path = m_dir.filePath(QStringLiteral("saved.js"));
    QVERIFY(m_dock->saveScript(path));
    m_dock->editor()->setPlainText(QStringLiteral("// something else"));
    QVERIFY(m_dock->openScript(path));
    QVERIFY(m_dock->script().startsWith(QStringLiteral("// Account balances")));
    QVERIFY(m_dock->windowTitle().contains(QStringLiteral("saved.js")));
    QVERIFY(!m_dock->openScript(m_dir.filePath(QStringLiteral("missing.js"))));
}

void TestProjectionDock::mainWindowIntegration()
{
    cleanup();
    QSettings().clear();
    MainWindow window;
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    ProjectionDock *dock = window.projectionDock();
    QVERIFY(dock);
    QVERIFY(dock->isHidden());

    // The View menu toggles it with its own shortcut; the dock's shortcuts are not the window's.
    QAction *toggle = window.action(QStringLiteral("projectionDockAction"));
    QVERIFY(toggle);
    QCOMPARE(toggle->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    QHash<QString, QString> owners;
    const QList<QAction *> menus = window.menuBar()->actions();
    for (QAction *menuAction : menus) {
        const QList<QAction *> actions = menuAction->menu()->actions();
        for (QAction *action : actions) {
            if (!action->shortcut().isEmpty())
                owners.insert(action->shortcut().toString(), action->text());
        }
    }
    QVERIFY(owners.contains(toggle->shortcut().toString()));
    for (QAction *action : {dock->runAction(), dock->stepAction(), dock->stepBackAction(), dock->runToPositionAction(),
                            dock->runToBreakpointAction(), dock->resetAction(), dock->openAction(), dock->saveAction(),
                            dock->cancelAction(), dock->stateFunctionAction()}) {
        const QString key = action->shortcut().toString();
        QVERIFY2(!key.isEmpty(), qPrintable(action->text()));
        QVERIFY2(!owners.contains(key), qPrintable(key + QStringLiteral(": ") + owners.value(key) + QStringLiteral(" and ") + action->text()));
        owners.insert(key, action->text());
    }

    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(dock->isVisible());

    // It follows the store the window opens, and Show in Log selects the event there.
    QVERIFY(window.openStore(m_path));
    QCOMPARE(dock->storePath(), m_path);
    dock->setScript(Balances);
    dock->positionSpin()->setValue(6);
    dock->runToPositionAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!dock->isBusy() && dock->position() == 6, Timeout);
    QPushButton *show = dock->findChild<QPushButton *>(QStringLiteral("projectionShowInLog"));
    QVERIFY(show && show->isEnabled());
    QTest::mouseClick(show, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(window.tableModel()->mapToSource(window.eventTable()->currentIndex())
                                  .data(EventListModel::PositionRole).toLongLong(),
                              qint64(6), Timeout);

    // Another store: the run starts again there.
    const QString other = m_dir.filePath(QStringLiteral("other.eventlens"));
    {
        auto store = EventStore::open(other, EventStore::OpenMode::ReadWrite);
        NewEvent e;
        e.type = QStringLiteral("Deposited");
        e.data = R"({"amount":1})";
        store->append(QStringLiteral("account-9"), ExpectedVersion::any(), {e});
    }
    QVERIFY(window.openStore(other));
    QCOMPARE(dock->storePath(), other);
    QTRY_VERIFY_WITH_TIMEOUT(!dock->isBusy(), Timeout);
    QCOMPARE(dock->position(), qint64(0));
    dock->stepAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!dock->isBusy() && dock->position() == 1, Timeout);
    QVERIFY(dock->currentEventText().contains(QStringLiteral("account-9")));
}

// As State Function: the inspector's state pane computes the selected event's aggregate state
// with the script; unchecked, it goes back to the JSON merge; a script that defines no
// projection is refused with the reason.
void TestProjectionDock::stateFunctionInStatePane()
{
    cleanup();
    QSettings().clear();
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openStore(m_path));
    ProjectionDock *dock = window.projectionDock();
    dock->show();
    window.selectPosition(6);
    StatePane *pane = window.statePane();
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isLoading() && pane->titleLabel()->text().contains(QStringLiteral("JSON merge")), Timeout);
    QVERIFY(!documentOf(pane->stateView()).contains("balance"));

    dock->setScript(Balances, QStringLiteral("balances.js"));
    QAction *use = dock->stateFunctionAction();
    QVERIFY(use && use->isCheckable());
    use->trigger();
    QVERIFY(use->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isLoading() && pane->titleLabel()->text().contains(QStringLiteral("balances.js")), Timeout);
    const Json state = documentOf(pane->stateView());
    QVERIFY2(state.contains("balance") && state.contains("owner"), state.dump().c_str());
    QVERIFY(!state.contains("_version"));

    use->trigger();
    QVERIFY(!use->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isLoading() && pane->titleLabel()->text().contains(QStringLiteral("JSON merge")), Timeout);

    dock->setScript(QStringLiteral("var nothing = 1;"));
    use->trigger();
    QVERIFY(!use->isChecked());
    QVERIFY2(dock->errorLabel()->text().contains(QStringLiteral("Not usable as the state function")), qPrintable(dock->errorLabel()->text()));
    QVERIFY(pane->titleLabel()->text().contains(QStringLiteral("JSON merge")));
}

QTEST_MAIN(TestProjectionDock)
#include "tst_projectiondock.moc"
