// The command console dock, the race and the CQRS flow view, offscreen, driven by QTest input
// events against real store files: open an account, deposit, overdraw, a conflict with an exact
// expected version, a race, history re-send, templates, Show in Log, deciders from files,
// snapshots; the flow view's highlighted path per outcome; the main window's wiring.

#include "projectiontesting.h"
#include "commandconsoledock.h"
#include "cqrsflowview.h"
#include "queryconsoledock.h"
#include "readmodelhost.h"
#include "specificationdialog.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "mainwindow.h"
#include "modeltesting.h"
#include "scripteditor.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <memory>

using namespace eventlens;
using Json = nlohmann::ordered_json;
using Kind = CommandOutcome::Kind;
using Stage = CqrsFlowView::Stage;

namespace {

constexpr int Timeout = 120000; // generous: sanitizer builds on a busy machine

Json documentOf(const JsonTreeView *view)
{
    const QString text = view->model()->documentJson();
    return text.isEmpty() ? Json() : Json::parse(text.toStdString());
}

// A member of the document a view shows, as compact JSON.
QString member(const JsonTreeView *view, const char *key)
{
    const Json document = documentOf(view);
    return document.contains(key) ? QString::fromStdString(document[key].dump()) : QString();
}

JsonTreeModel::Diff diffAt(const JsonTreeView *view, const char *path)
{
    const QModelIndex index = view->model()->indexForPath(QLatin1String(path));
    return index.isValid() ? index.data(JsonTreeModel::DiffRole).value<JsonTreeModel::Diff>() : JsonTreeModel::Diff::None;
}

// Pixels of exactly this colour inside a rectangle of an image.
int pixelsOf(const QImage &image, const QRectF &rect, const QColor &color)
{
    int count = 0;
    const QRect r = rect.toAlignedRect().intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y) {
        for (int x = r.left(); x <= r.right(); ++x) {
            if (image.pixelColor(x, y).rgb() == color.rgb())
                ++count;
        }
    }
    return count;
}

} // namespace

class TestCommandConsole : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void openDepositAndOverdraw();
    void conflictWithExactVersion();
    void raceTwoCommands();
    void historyResend();
    void templatePrefillOnTypeChange();
    void showInLogActivatesPosition();
    void payloadErrors();
    void deciderFromFile();
    void snapshotsListed();
    void flowViewHighlightsPath();
    void flowViewLayoutAndPalettes();
    void mainWindowIntegration();
    void mainWindowReadSide();

private:
    QString newStore();
    QString writeFile(const char *name, const QString &text);
    void typePayload(ScriptEditor *editor, const QString &text);
    void typeLine(QLineEdit *edit, const QString &text);
    void waitOutcome(Kind kind);
    void waitIdle();
    void selectStream(const QString &stream, qint64 version);
    qint64 storedVersion(const QString &stream) const;

    QTemporaryDir m_dir;
    int m_stores = 0;
    QString m_path;
    std::unique_ptr<QMainWindow> m_window;
    CommandConsoleDock *m_dock = nullptr;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestCommandConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("eventlens-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_commandconsole"));
    QVERIFY(m_dir.isValid());
}

// A new store with account-1 (Ada, balance 100) and account-2 (Bob, balance 0).
QString TestCommandConsole::newStore()
{
    const QString path = m_dir.filePath(QStringLiteral("store-%1.eventlens").arg(++m_stores));
    testing::createCommandBankStore(path);
    return path;
}

QString TestCommandConsole::writeFile(const char *name, const QString &text)
{
    const QString path = m_dir.filePath(QLatin1String(name));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text.toUtf8());
    return path;
}

qint64 TestCommandConsole::storedVersion(const QString &stream) const
{
    return EventStore::open(m_path, EventStore::OpenMode::ReadOnly)->streamVersion(stream);
}

void TestCommandConsole::init()
{
    m_path = newStore();
    m_window = std::make_unique<QMainWindow>();
    m_window->setCentralWidget(new QLabel(QStringLiteral("log"), m_window.get()));
    m_dock = new CommandConsoleDock(m_window.get());
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_dock);
    m_window->resize(1500, 850);
    for (QTableWidget *table : {m_dock->historyTable(), m_dock->eventsTable(), m_dock->snapshotsTable()})
        m_testers.push_back(testing::attachTester(*table->model()));
    for (JsonTreeView *view : {m_dock->stateBeforeView(), m_dock->stateAfterView(), m_dock->snapshotStateView()})
        m_testers.push_back(testing::attachTester(*view->model()));
    for (QComboBox *box : {m_dock->domainBox(), m_dock->streamBox(), m_dock->typeBox(), m_dock->raceTypeBox(0), m_dock->raceTypeBox(1)})
        m_testers.push_back(testing::attachTester(*box->model()));
    m_dock->setStorePath(m_path);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    // Shown: the session opens the store and lists the domain's streams; a free name is offered.
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->suggestedStream(), QStringLiteral("account-3"), Timeout);
    waitIdle();
}

void TestCommandConsole::cleanup()
{
    m_testers.clear();
    m_window.reset();
    m_dock = nullptr;
}

void TestCommandConsole::waitIdle()
{
    QTRY_VERIFY_WITH_TIMEOUT(!m_dock->isBusy(), Timeout);
}

void TestCommandConsole::waitOutcome(Kind kind)
{
    QTRY_VERIFY_WITH_TIMEOUT(m_dock->lastOutcomeKind().has_value(), Timeout);
    QCOMPARE(CommandOutcome::kindName(*m_dock->lastOutcomeKind()), CommandOutcome::kindName(kind));
}

// Replaces an editor's text by typing it.
void TestCommandConsole::typePayload(ScriptEditor *editor, const QString &text)
{
    editor->setFocus();
    QTRY_VERIFY(editor->hasFocus());
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(editor, Qt::Key_Delete);
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i > 0)
            QTest::keyClick(editor, Qt::Key_Return);
        QTest::keyClicks(editor, lines[i]);
    }
    QCOMPARE(editor->toPlainText(), text);
}

void TestCommandConsole::typeLine(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
}

void TestCommandConsole::selectStream(const QString &stream, qint64 version)
{
    QLineEdit *edit = m_dock->streamBox()->lineEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, stream);
    QCOMPARE(m_dock->stream(), stream);
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->streamVersion(), version, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_dock->stateLabel()->text().contains(stream), Timeout);
}

void TestCommandConsole::openDepositAndOverdraw()
{
    QSignalSpy changed(m_dock, &CommandConsoleDock::storeChanged);
    // The defaults: the bank, the free stream, its first command with the template.
    QCOMPARE(m_dock->domain(), QStringLiteral("bank"));
    QCOMPARE(m_dock->stream(), QStringLiteral("account-3"));
    QCOMPARE(m_dock->commandType(), QStringLiteral("OpenAccount"));
    QVERIFY(m_dock->payload().contains(QStringLiteral("Ada Lovelace")));
    QTRY_COMPARE(m_dock->streamInfoLabel()->text(), QStringLiteral("new stream"));

    // Open the account: typed payload, mouse click on Send.
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"owner": "Grace Hopper"})"));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QVERIFY2(m_dock->outcomeText().contains(QStringLiteral("Appended 1 event to account-3 at version 0")), qPrintable(m_dock->outcomeText()));
    QTableWidget *events = m_dock->eventsTable();
    QCOMPARE(events->rowCount(), 1);
    QCOMPARE(events->item(0, 0)->text(), QStringLiteral("AccountOpened"));
    QCOMPARE(events->item(0, 1)->text(), QStringLiteral("account-3@0"));
    QCOMPARE(events->item(0, 2)->text(), QStringLiteral("4"));
    QCOMPARE(events->item(0, 0)->foreground().color(), CqrsFlowView::outcomeColor(Kind::Appended, m_dock->palette()));
    QVERIFY(m_dock->showInLogButton()->isEnabled());
    QCOMPARE(member(m_dock->stateAfterView(), "owner"), QStringLiteral(R"("Grace Hopper")"));
    QCOMPARE(member(m_dock->stateBeforeView(), "status"), QStringLiteral(R"("new")"));
    QCOMPARE(diffAt(m_dock->stateAfterView(), "/status"), JsonTreeModel::Diff::Changed);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_dock->streamInfoLabel()->text(), QStringLiteral("version 0"));
    QCOMPARE(storedVersion(QStringLiteral("account-3")), 0);
    // The list of streams knows it now: the next free name moves on.
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->suggestedStream(), QStringLiteral("account-4"), Timeout);
    QCOMPARE(m_dock->stream(), QStringLiteral("account-3"));

    // Deposit 50 with Ctrl+Return from the editor.
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"amount": 50})"));
    QTest::keyClick(m_dock->payloadEditor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(m_dock->payload(), QStringLiteral(R"({"amount": 50})")); // the shortcut, not a new line
    waitOutcome(Kind::Appended);
    QCOMPARE(member(m_dock->stateBeforeView(), "balance"), QStringLiteral(R"(0)"));
    QCOMPARE(member(m_dock->stateAfterView(), "balance"), QStringLiteral(R"(50)"));
    QCOMPARE(diffAt(m_dock->stateAfterView(), "/balance"), JsonTreeModel::Diff::Changed);
    QVERIFY(m_dock->stateLabel()->text().contains(QStringLiteral("before (version 0) → after (version 1)")));
    QCOMPARE(changed.count(), 2);

    // Overdraw: the decider's message, in the rejection colour; nothing appended.
    QVERIFY(m_dock->setCommandType(QStringLiteral("Withdraw")));
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"amount": 80})"));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Rejected);
    QVERIFY2(m_dock->outcomeText().contains(QStringLiteral("Rejected by the aggregate: insufficient funds: balance 50.00, requested 80.00")),
             qPrintable(m_dock->outcomeText()));
    QVERIFY(m_dock->outcomeLabel()->styleSheet().contains(CqrsFlowView::outcomeColor(Kind::Rejected, m_dock->palette()).name()));
    QCOMPARE(events->rowCount(), 0);
    QVERIFY(!m_dock->showInLogButton()->isEnabled());
    QVERIFY(m_dock->stateLabel()->text().contains(QStringLiteral("unchanged (rejected)")));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(storedVersion(QStringLiteral("account-3")), 1);

    // The history, newest first.
    QTableWidget *history = m_dock->historyTable();
    QCOMPARE(history->rowCount(), 3);
    QCOMPARE(history->item(0, CommandConsoleDock::TypeColumn)->text(), QStringLiteral("Withdraw"));
    QCOMPARE(history->item(0, CommandConsoleDock::OutcomeColumn)->text(),
             QStringLiteral("rejected: insufficient funds: balance 50.00, requested 80.00"));
    QCOMPARE(history->item(1, CommandConsoleDock::OutcomeColumn)->text(), QStringLiteral("appended 1 event"));
    QCOMPARE(history->item(2, CommandConsoleDock::TypeColumn)->text(), QStringLiteral("OpenAccount"));
    QCOMPARE(history->item(2, CommandConsoleDock::StreamColumn)->text(), QStringLiteral("account-3"));
    QCOMPARE(history->item(2, CommandConsoleDock::DomainColumn)->text(), QStringLiteral("bank"));
    QVERIFY(history->item(2, CommandConsoleDock::DurationColumn)->text().endsWith(QStringLiteral(" ms")));
}

void TestCommandConsole::conflictWithExactVersion()
{
    selectStream(QStringLiteral("account-1"), 1);
    QVERIFY(m_dock->stateLabel()->text().contains(QStringLiteral("version 1")));
    QCOMPARE(member(m_dock->stateAfterView(), "balance"), QStringLiteral(R"(100)"));
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    // "exactly", chosen with the keyboard; the box starts at the stream's version.
    QVERIFY(!m_dock->expectedSpin()->isEnabled());
    m_dock->expectedBox()->setFocus();
    QTest::keyClick(m_dock->expectedBox(), Qt::Key_Down);
    QTest::keyClick(m_dock->expectedBox(), Qt::Key_Down);
    QCOMPARE(m_dock->expectedMode(), CommandConsoleDock::ExpectedMode::Exact);
    QVERIFY(m_dock->expectedSpin()->isEnabled());
    QCOMPARE(m_dock->expectedSpin()->value(), 1);

    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QCOMPARE(m_dock->streamVersion(), 2);
    // The same expected version again: the stream has moved on.
    QCOMPARE(m_dock->expectedSpin()->value(), 1);
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Conflict);
    QVERIFY2(m_dock->outcomeText().contains(QStringLiteral("Conflict on account-1: expected version 1, actual version 2")),
             qPrintable(m_dock->outcomeText()));
    QVERIFY(m_dock->outcomeLabel()->styleSheet().contains(CqrsFlowView::outcomeColor(Kind::Conflict, m_dock->palette()).name()));
    QCOMPARE(m_dock->historyTable()->item(0, CommandConsoleDock::OutcomeColumn)->text(), QStringLiteral("conflict: expected 1, actual 2"));
    QCOMPARE(storedVersion(QStringLiteral("account-1")), 2);

    // "any" appends.
    m_dock->setExpected(CommandConsoleDock::ExpectedMode::Any);
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QCOMPARE(storedVersion(QStringLiteral("account-1")), 3);
}

void TestCommandConsole::raceTwoCommands()
{
    selectStream(QStringLiteral("account-1"), 1);
    QSignalSpy changed(m_dock, &CommandConsoleDock::storeChanged);
    // Two withdrawals by default, each with the template.
    for (int c = 0; c < 2; ++c) {
        QCOMPARE(m_dock->raceTypeBox(c)->currentText(), QStringLiteral("Withdraw"));
        QVERIFY(Json::parse(m_dock->racePayloadEdit(c)->text().toStdString()) == Json::parse(R"({"amount":40.0})"));
    }
    typeLine(m_dock->racePayloadEdit(1), QStringLiteral(R"({"amount": 50})"));
    QTest::mouseClick(m_dock->raceButton(), Qt::LeftButton);
    waitOutcome(Kind::Conflict);
    QCOMPARE(m_dock->tabs()->currentIndex(), 1);
    const QString a = m_dock->raceOutcomeLabel(0)->text();
    const QString b = m_dock->raceOutcomeLabel(1)->text();
    QVERIFY2(a.contains(QStringLiteral("appended</b> Withdrawn@2")) != b.contains(QStringLiteral("appended</b> Withdrawn@2")), qPrintable(a + b));
    const QString lost = a.contains(QStringLiteral("conflict")) ? a : b;
    QVERIFY2(lost.contains(QStringLiteral("conflict</b>: expected 1, actual 2")), qPrintable(lost));
    QVERIFY2(m_dock->raceSummaryLabel()->text().contains(QStringLiteral("1 appended, 1 conflicted")), qPrintable(m_dock->raceSummaryLabel()->text()));
    QVERIFY(m_dock->raceSummaryLabel()->text().contains(QStringLiteral("at version 1")));
    QCOMPARE(m_dock->eventsTable()->rowCount(), 1);
    QCOMPARE(m_dock->eventsTable()->item(0, 0)->text(), QStringLiteral("Withdrawn"));
    QCOMPARE(m_dock->eventsTable()->item(0, 1)->text(), QStringLiteral("account-1@2"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(storedVersion(QStringLiteral("account-1")), 2);

    // Both in the history, side by side: one appended, one conflict.
    QTableWidget *history = m_dock->historyTable();
    QCOMPARE(history->rowCount(), 2);
    QCOMPARE(history->item(0, CommandConsoleDock::TypeColumn)->text(), QStringLiteral("Withdraw (race A)"));
    QCOMPARE(history->item(1, CommandConsoleDock::TypeColumn)->text(), QStringLiteral("Withdraw (race B)"));
    QStringList outcomes = {history->item(0, CommandConsoleDock::OutcomeColumn)->text(),
                            history->item(1, CommandConsoleDock::OutcomeColumn)->text()};
    outcomes.sort();
    QCOMPARE(outcomes, QStringList({QStringLiteral("appended 1 event"), QStringLiteral("conflict: expected 1, actual 2")}));

    // Again from the keyboard (Ctrl+Shift+Return): at version 2 now.
    typeLine(m_dock->racePayloadEdit(0), QStringLiteral(R"({"amount": 5})"));
    typeLine(m_dock->racePayloadEdit(1), QStringLiteral(R"({"amount": 6})"));
    m_dock->payloadEditor()->setFocus();
    QTest::keyClick(m_dock->payloadEditor(), Qt::Key_Return, Qt::ControlModifier | Qt::ShiftModifier);
    waitOutcome(Kind::Conflict);
    QVERIFY(m_dock->raceSummaryLabel()->text().contains(QStringLiteral("at version 2")));
    QCOMPARE(storedVersion(QStringLiteral("account-1")), 3);
}

void TestCommandConsole::historyResend()
{
    selectStream(QStringLiteral("account-1"), 1);
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"amount": 5})"));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QTableWidget *history = m_dock->historyTable();
    QCOMPARE(history->rowCount(), 1);
    QVERIFY(!m_dock->resendButton()->isEnabled());

    // A double-click sends it again.
    const QRect cell = history->visualItemRect(history->item(0, CommandConsoleDock::OutcomeColumn));
    // (A real double-click starts with a press: the view acts only on the row it pressed.)
    QTest::mouseClick(history->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(history->viewport(), Qt::LeftButton, {}, cell.center());
    QTRY_COMPARE_WITH_TIMEOUT(history->rowCount(), 2, Timeout);
    waitOutcome(Kind::Appended);
    QCOMPARE(history->item(0, CommandConsoleDock::StreamColumn)->text(), QStringLiteral("account-1"));
    QCOMPARE(history->item(0, CommandConsoleDock::TypeColumn)->text(), QStringLiteral("Deposit"));
    QCOMPARE(history->item(0, CommandConsoleDock::OutcomeColumn)->text(), QStringLiteral("appended 1 event"));
    QCOMPARE(member(m_dock->stateAfterView(), "balance"), QStringLiteral(R"(110)"));

    // Re-send with the button, the payload the row was sent with (not the editor's).
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"amount": 1000})"));
    history->selectRow(1);
    QVERIFY(m_dock->resendButton()->isEnabled());
    QTest::mouseClick(m_dock->resendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(history->rowCount(), 3, Timeout);
    waitOutcome(Kind::Appended);
    QCOMPARE(member(m_dock->stateAfterView(), "balance"), QStringLiteral(R"(115)"));
    QCOMPARE(storedVersion(QStringLiteral("account-1")), 4);
}

void TestCommandConsole::templatePrefillOnTypeChange()
{
    QCOMPARE(m_dock->typeBox()->count(), 4);
    // Down in the type list: Deposit, with its template.
    m_dock->typeBox()->setFocus();
    QTest::keyClick(m_dock->typeBox(), Qt::Key_Down);
    QCOMPARE(m_dock->commandType(), QStringLiteral("Deposit"));
    QVERIFY(Json::parse(m_dock->payload().toStdString()) == Json::parse(R"({"amount":100.0})"));
    // Edits are replaced by the next type's template.
    typePayload(m_dock->payloadEditor(), QStringLiteral(R"({"amount": 1})"));
    m_dock->typeBox()->setFocus();
    QTest::keyClick(m_dock->typeBox(), Qt::Key_Down);
    QCOMPARE(m_dock->commandType(), QStringLiteral("Withdraw"));
    QVERIFY(Json::parse(m_dock->payload().toStdString()) == Json::parse(R"({"amount":40.0})"));

    // Another domain: its types, templates, streams and race defaults.
    QVERIFY(m_dock->setDomain(QStringLiteral("order")));
    QCOMPARE(m_dock->commandType(), QStringLiteral("PlaceOrder"));
    QCOMPARE(m_dock->typeBox()->count(), 5);
    QVERIFY(Json::parse(m_dock->payload().toStdString()) == Json::parse(R"({"customer":"account-1","currency":"EUR"})"));
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->suggestedStream(), QStringLiteral("order-1"), Timeout);
    QCOMPARE(m_dock->stream(), QStringLiteral("order-1"));
    QCOMPARE(m_dock->raceTypeBox(0)->currentText(), QStringLiteral("AddItem"));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QCOMPARE(m_dock->eventsTable()->item(0, 0)->text(), QStringLiteral("OrderPlaced"));
    // The last entry of the domain list loads a decider.
    QCOMPARE(m_dock->domainBox()->itemText(m_dock->domainBox()->count() - 1), QStringLiteral("Load decider…"));
}

void TestCommandConsole::showInLogActivatesPosition()
{
    selectStream(QStringLiteral("account-1"), 1);
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QSignalSpy activated(m_dock, &CommandConsoleDock::positionActivated);
    QTest::mouseClick(m_dock->showInLogButton(), Qt::LeftButton);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), qint64(4));
    // A double-click on the event does the same.
    QTableWidget *events = m_dock->eventsTable();
    const QRect cell = events->visualItemRect(events->item(0, 0));
    QTest::mouseClick(events->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(events->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(activated.count(), 2);
    QCOMPARE(activated.at(1).at(0).toLongLong(), qint64(4));
}

void TestCommandConsole::payloadErrors()
{
    selectStream(QStringLiteral("account-1"), 1);
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    typePayload(m_dock->payloadEditor(), QStringLiteral("{\n  \"amount\": 5,\n  oops\n}"));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    QVERIFY(!m_dock->lastOutcomeKind());
    QVERIFY2(m_dock->outcomeText().contains(QStringLiteral("The payload is not valid JSON (line 3")), qPrintable(m_dock->outcomeText()));
    QCOMPARE(m_dock->payloadEditor()->errorLines(), QList<int>({3}));
    QCOMPARE(m_dock->historyTable()->rowCount(), 0);
    typePayload(m_dock->payloadEditor(), QStringLiteral("[1, 2]"));
    QVERIFY(m_dock->payloadEditor()->errorLines().isEmpty());
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    QVERIFY(m_dock->outcomeText().contains(QStringLiteral("must be a JSON object")));
    QCOMPARE(m_dock->historyTable()->rowCount(), 0);
    // An empty payload is {}: the decider says what is missing.
    typePayload(m_dock->payloadEditor(), QString());
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Rejected);
    QVERIFY(m_dock->outcomeText().contains(QStringLiteral("amount must be a number")));
}

void TestCommandConsole::deciderFromFile()
{
    const QString broken = writeFile("broken.js", QStringLiteral("function initialState() { return {n: 0}; }\n"
                                                                 "function evolve(s, e) { return s; }\n"
                                                                 "function decide(c, s) { return [ }\n"));
    m_dock->loadDeciderFile(broken);
    QTRY_VERIFY_WITH_TIMEOUT(!m_dock->deciderError().isEmpty(), Timeout);
    QVERIFY2(m_dock->deciderError().contains(QStringLiteral("line 3")), qPrintable(m_dock->deciderError()));
    QVERIFY(m_dock->outcomeText().contains(QStringLiteral("Could not load the decider broken.js")));
    QCOMPARE(m_dock->domain(), QStringLiteral("bank"));

    const QString counter = writeFile("counter.js", QStringLiteral(
        "var commands = { Increment: { by: 1 }, Reset: {} };\n"
        "function initialState() { return { n: 0 }; }\n"
        "function evolve(s, e) { if (e.type === 'Incremented') s.n += e.data.by; else s.n = 0; return s; }\n"
        "function decide(c, s) {\n"
        "    if (c.type === 'Increment') return [{ type: 'Incremented', data: { by: c.data.by } }];\n"
        "    return [{ type: 'WasReset', data: {} }];\n"
        "}\n"));
    m_dock->loadDeciderFile(counter);
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->domain(), QStringLiteral("counter"), Timeout);
    QVERIFY(m_dock->deciderError().isEmpty());
    QCOMPARE(m_dock->typeBox()->count(), 2);
    QCOMPARE(m_dock->commandType(), QStringLiteral("Increment"));
    QVERIFY(Json::parse(m_dock->payload().toStdString()) == Json::parse(R"({"by":1})"));
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->suggestedStream(), QStringLiteral("counter-1"), Timeout);
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QCOMPARE(member(m_dock->stateAfterView(), "n"), QStringLiteral(R"(1)"));
    QCOMPARE(m_dock->domainBox()->itemData(2).toString(), QStringLiteral("counter"));
    QCOMPARE(m_dock->domainBox()->itemData(2, Qt::ToolTipRole).toString(), QDir::toNativeSeparators(counter));
}

void TestCommandConsole::snapshotsListed()
{
    // Every 3 events, set with the keyboard.
    QSpinBox *every = m_dock->snapshotEverySpin();
    QCOMPARE(every->value(), CommandSession::DefaultSnapshotEvery);
    every->setFocus();
    every->selectAll();
    QTest::keyClicks(every, QStringLiteral("3"));
    QCOMPARE(every->value(), 3);
    selectStream(QStringLiteral("account-1"), 1);
    QCOMPARE(m_dock->snapshotsTable()->rowCount(), 0);
    QVERIFY(m_dock->setCommandType(QStringLiteral("Deposit")));
    QTest::mouseClick(m_dock->sendButton(), Qt::LeftButton);
    waitOutcome(Kind::Appended);
    QVERIFY2(m_dock->outcomeText().contains(QStringLiteral("snapshot saved")), qPrintable(m_dock->outcomeText()));
    QTRY_COMPARE_WITH_TIMEOUT(m_dock->snapshotsTable()->rowCount(), 1, Timeout);
    QCOMPARE(m_dock->snapshotsTable()->item(0, 0)->text(), QStringLiteral("2"));
    QCOMPARE(m_dock->snapshotsTable()->item(0, 1)->text(), QStringLiteral("bank"));
    QCOMPARE(member(m_dock->snapshotStateView(), "balance"), QStringLiteral(R"(200)"));
    QCOMPARE(m_dock->tabs()->tabText(2), QStringLiteral("Snapshots (1)"));
    // Loading the stream again starts from the snapshot.
    m_dock->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(m_dock->stateLabel()->text().contains(QStringLiteral("snapshot at version 2")), Timeout);
}

void TestCommandConsole::flowViewHighlightsPath()
{
    CqrsFlowView view;
    view.resize(1200, 300);
    QVERIFY(view.highlightedStages().isEmpty());
    QVERIFY(!view.highlightKind());
    for (const Stage stage : {Stage::Projectors, Stage::ReadModels, Stage::Queries})
        QCOMPARE(view.counterLines(stage), QStringList({QStringLiteral("—")}));
    QVERIFY(view.counterLines(Stage::EventStore).contains(QStringLiteral("head —")));
    QVERIFY(view.captionText().contains(QStringLiteral("No command yet")));

    CommandCounters c;
    c.received = 3;
    c.accepted = 1;
    c.rejected = 1;
    c.conflicts = 1;
    c.eventsAppended = 2;
    c.snapshotsTaken = 1;
    c.headPosition = 1234;
    c.hasLast = true;
    c.lastKind = Kind::Appended;
    c.lastStage = CommandStage::EventStore;
    c.lastCommand = QStringLiteral("Deposit → account-1");
    view.setCounters(c);
    QCOMPARE(view.highlightedStages(), QStringList({QStringLiteral("Commands"), QStringLiteral("Command Handler"), QStringLiteral("Aggregate"),
                                                    QStringLiteral("Event Store"), QStringLiteral("Event Bus"), QStringLiteral("Projectors"),
                                                    QStringLiteral("Read Models")}));
    QCOMPARE(view.counterLines(Stage::Commands), QStringList({QStringLiteral("received 3")}));
    QVERIFY(view.counterLines(Stage::EventStore).contains(QStringLiteral("head %1").arg(QLocale().toString(1234))));
    QVERIFY(view.counterLines(Stage::EventStore).contains(QStringLiteral("conflicts 1")));
    QVERIFY(view.counterLines(Stage::Aggregate).contains(QStringLiteral("rejected 1")));
    QVERIFY(view.counterLines(Stage::Aggregate).contains(QStringLiteral("snapshots 1")));
    QCOMPARE(view.counterLines(Stage::EventBus), QStringList({QStringLiteral("published 2")}));
    QVERIFY(view.captionText().contains(QStringLiteral("Deposit → account-1 · appended")));

    c.lastKind = Kind::Rejected;
    c.lastStage = CommandStage::Aggregate;
    c.lastMessage = QStringLiteral("insufficient funds");
    view.setCounters(c);
    QCOMPARE(view.highlightedStages(), QStringList({QStringLiteral("Commands"), QStringLiteral("Command Handler"), QStringLiteral("Aggregate")}));
    QCOMPARE(*view.highlightKind(), Kind::Rejected);
    QVERIFY(view.captionText().contains(QStringLiteral("rejected at Aggregate: insufficient funds")));

    c.lastKind = Kind::Conflict;
    c.lastStage = CommandStage::EventStore;
    view.setCounters(c);
    QCOMPARE(view.highlightedStages().size(), 4);
    QCOMPARE(view.highlightedStages().last(), QStringLiteral("Event Store"));

    c.lastKind = Kind::Failed;
    c.lastStage = CommandStage::CommandHandler;
    view.setCounters(c);
    QCOMPARE(view.highlightedStages(), QStringList({QStringLiteral("Commands"), QStringLiteral("Command Handler")}));

    // The read side, once someone reports it.
    view.setReadModelStatus(QStringLiteral("balance"), 1200, 34);
    view.setReadModelStatus(QStringLiteral("orders"), 1234, 0);
    view.setQueryCount(7);
    QCOMPARE(view.counterLines(Stage::ReadModels), QStringList({QStringLiteral("balance: lag 34"), QStringLiteral("orders: lag 0")}));
    QCOMPARE(view.counterLines(Stage::Projectors),
             QStringList({QStringLiteral("2 projectors"), QStringLiteral("checkpoint %1").arg(QLocale().toString(1200))}));
    QCOMPARE(view.counterLines(Stage::Queries), QStringList({QStringLiteral("answered 7")}));
    view.clearReadModels();
    QCOMPARE(view.counterLines(Stage::ReadModels), QStringList({QStringLiteral("—")}));
}

void TestCommandConsole::flowViewLayoutAndPalettes()
{
    CqrsFlowView view;
    CommandCounters c;
    c.received = 1;
    c.rejected = 1;
    c.hasLast = true;
    c.lastKind = Kind::Rejected;
    c.lastStage = CommandStage::Aggregate;
    c.lastCommand = QStringLiteral("Withdraw → account-1");
    view.setCounters(c);
    for (const QSize size : {QSize(1400, 260), QSize(560, 420), QSize(320, 170)}) {
        view.resize(size);
        // The boxes stay inside and apart.
        for (int i = 0; i < CqrsFlowView::StageCount; ++i) {
            const QRectF box = view.stageRect(Stage(i));
            QVERIFY2(QRectF(view.rect()).contains(box), qPrintable(QStringLiteral("%1 at %2x%3").arg(CqrsFlowView::stageName(Stage(i))).arg(size.width()).arg(size.height())));
            for (int j = i + 1; j < CqrsFlowView::StageCount; ++j)
                QVERIFY(!box.intersects(view.stageRect(Stage(j))));
        }
    }
    view.resize(1400, 260);
    QVERIFY(view.isSingleRow());
    view.resize(560, 420);
    QVERIFY(!view.isSingleRow());
    // Two rows: Event Bus under Event Store, Queries under Commands.
    QCOMPARE(view.stageRect(Stage::EventBus).center().x(), view.stageRect(Stage::EventStore).center().x());
    QCOMPARE(view.stageRect(Stage::Queries).center().x(), view.stageRect(Stage::Commands).center().x());
    QVERIFY(view.stageRect(Stage::EventBus).top() > view.stageRect(Stage::EventStore).bottom());

    // Light and dark: the rejection's colour on the path, not beyond it.
    for (const bool dark : {false, true}) {
        QPalette palette = QApplication::palette();
        if (dark) {
            palette.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
            palette.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
            palette.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
            palette.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        } else {
            palette.setColor(QPalette::Window, QColor(0xf0, 0xf0, 0xf0));
            palette.setColor(QPalette::Base, Qt::white);
            palette.setColor(QPalette::Text, Qt::black);
        }
        view.setPalette(palette);
        const QColor red = CqrsFlowView::outcomeColor(Kind::Rejected, palette);
        QCOMPARE(CqrsFlowView::isDark(palette), dark);
        const QImage image = view.grab().toImage();
        QVERIFY(pixelsOf(image, view.stageRect(Stage::Aggregate), red) > 20);
        QVERIFY(pixelsOf(image, view.stageRect(Stage::Commands), red) > 0);
        QCOMPARE(pixelsOf(image, view.stageRect(Stage::EventStore), red), 0);
        QCOMPARE(pixelsOf(image, view.stageRect(Stage::ReadModels), red), 0);
    }
    QVERIFY(CqrsFlowView::outcomeColor(Kind::Appended, QPalette(QColor(0x20, 0x20, 0x20))) != CqrsFlowView::outcomeColor(Kind::Appended, QPalette(Qt::white)));
}

void TestCommandConsole::mainWindowIntegration()
{
    cleanup();
    QSettings().clear();
    MainWindow window;
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    CommandConsoleDock *dock = window.commandConsoleDock();
    QVERIFY(dock);
    QVERIFY(dock->isHidden());
    QVERIFY(window.flowDock()->isHidden());

    // The View menu's toggles, their shortcuts unique across the menus and the console's own.
    QAction *console = window.action(QStringLiteral("commandConsoleAction"));
    QAction *flow = window.action(QStringLiteral("cqrsFlowAction"));
    QVERIFY(console && flow);
    QCOMPARE(console->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    QCOMPARE(flow->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    QHash<QString, QString> owners;
    const QList<QAction *> menus = window.menuBar()->actions();
    for (QAction *menuAction : menus) {
        const QList<QAction *> actions = menuAction->menu()->actions();
        for (QAction *action : actions) {
            if (action->shortcut().isEmpty())
                continue;
            const QString key = action->shortcut().toString();
            QVERIFY2(!owners.contains(key), qPrintable(key + QStringLiteral(": ") + owners.value(key) + QStringLiteral(" and ") + action->text()));
            owners.insert(key, action->text());
        }
    }
    for (QAction *action : {dock->sendAction(), dock->raceAction()}) {
        const QList<QKeySequence> keys = action->shortcuts();
        for (const QKeySequence &key : keys)
            QVERIFY2(!owners.contains(key.toString()), qPrintable(key.toString()));
    }

    QVERIFY(window.openStore(m_path));
    QCOMPARE(dock->storePath(), m_path);
    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(dock->isVisible());
    QTest::keyClick(window.eventTable(), Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(window.flowDock()->isVisible());
    CqrsFlowView *view = window.flowView();
    QTRY_VERIFY_WITH_TIMEOUT(view->counters().headPosition == 3, Timeout);

    // A deposit: the log reloads and Show in Log selects the new event there.
    QTRY_COMPARE_WITH_TIMEOUT(dock->suggestedStream(), QStringLiteral("account-3"), Timeout);
    dock->setStream(QStringLiteral("account-1"));
    QVERIFY(dock->setCommandType(QStringLiteral("Deposit")));
    QTest::mouseClick(dock->sendButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dock->lastOutcomeKind().has_value(), Timeout);
    QCOMPARE(*dock->lastOutcomeKind(), Kind::Appended);
    QTest::mouseClick(dock->showInLogButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(window.tableModel()->mapToSource(window.eventTable()->currentIndex())
                                  .data(EventListModel::PositionRole).toLongLong(),
                              qint64(4), Timeout);

    // The flow view follows the session.
    QCOMPARE(view->counters().received, 1);
    QCOMPARE(view->counters().accepted, 1);
    QCOMPARE(view->counters().headPosition, 4);
    QCOMPARE(view->highlightedStages().size(), 7);

    // An overdraft: the path stops at the aggregate.
    QVERIFY(dock->setCommandType(QStringLiteral("Withdraw")));
    dock->setPayload(QStringLiteral(R"({"amount": 5000})"));
    dock->sendAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(dock->lastOutcomeKind().has_value(), Timeout);
    QCOMPARE(*dock->lastOutcomeKind(), Kind::Rejected);
    QCOMPARE(view->highlightedStages().last(), QStringLiteral("Aggregate"));
    QCOMPARE(view->counters().rejected, 1);
}

// The query console and the flow view's read side in the window: the read models start when the
// console is shown, in the application data folder (never beside the store), follow the
// commands, and the specification dialog opens on the current event's stream.
void TestCommandConsole::mainWindowReadSide()
{
    cleanup();
    QSettings().clear();
    MainWindow window;
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openStore(m_path));
    QVERIFY(!window.readModelHost()); // nothing runs until asked for
    QueryConsoleDock *queries = window.queryConsoleDock();
    QVERIFY(queries && queries->isHidden());
    QCOMPARE(window.action(QStringLiteral("queryConsoleAction"))->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Q));

    const QStringList before = QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files);
    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(queries->isVisible());
    QTRY_VERIFY(window.readModelHost());
    // Shown after the command console, in the same tab group: in front of it.
    QTest::keyClick(window.eventTable(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(window.commandConsoleDock()->isVisible());
    QTRY_VERIFY(queries->visibleRegion().isEmpty());
    window.eventTable()->setFocus();
    QTest::keyClick(window.eventTable(), Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier); // hides it
    QTRY_VERIFY(!queries->isVisible());
    QTest::keyClick(window.eventTable(), Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(!queries->visibleRegion().isEmpty());
    QVERIFY(window.readModelHost()->waitUntilCaughtUp(QStringLiteral("balance"), 3, std::chrono::seconds(30)));
    QVERIFY(QFileInfo::exists(MainWindow::readDatabasePath(m_path)));
    QVERIFY(!MainWindow::readDatabasePath(m_path).startsWith(QFileInfo(m_path).absolutePath()));
    QCOMPARE(QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files), before);

    // A query through the console, counted by the flow view.
    queries->keyEdit()->clear();
    QTest::keyClicks(queries->keyEdit(), QStringLiteral("account-1"));
    QTest::mouseClick(queries->getButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(queries->getState(), QueryConsoleDock::GetState::Found, Timeout);
    QVERIFY(queries->lastEntry()->json()["balance"] == 100);
    QTRY_VERIFY(window.flowView()->counterLines(CqrsFlowView::Stage::Queries).join(u' ').contains(QStringLiteral("1")));

    // A deposit through the command console reaches the read model and the flow view.
    CommandConsoleDock *dock = window.commandConsoleDock();
    QVERIFY(window.action(QStringLiteral("commandConsoleAction"))->isChecked()); // shown, behind the query console
    dock->raise();
    QTRY_VERIFY(dock->isVisible());
    dock->setStream(QStringLiteral("account-1"));
    QVERIFY(dock->setCommandType(QStringLiteral("Deposit")));
    dock->setPayload(QStringLiteral(R"({"amount": 25})"));
    dock->sendAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(dock->lastOutcomeKind().has_value(), Timeout);
    QCOMPARE(*dock->lastOutcomeKind(), Kind::Appended);
    QVERIFY(window.readModelHost()->waitUntilCaughtUp(QStringLiteral("balance"), 4, std::chrono::seconds(30)));
    QVERIFY(window.readModelHost()->get(QStringLiteral("balance"), QStringLiteral("account-1"))->json()["balance"] == 125);
    window.action(QStringLiteral("cqrsFlowAction"))->trigger();
    QTRY_VERIFY(window.flowView()->counterLines(CqrsFlowView::Stage::ReadModels).join(u' ').contains(QStringLiteral("balance")));

    // The specification dialog opens on the stream of the current event.
    window.selectPosition(2);
    QTest::keyClick(window.eventTable(), Qt::Key_G, Qt::ControlModifier | Qt::ShiftModifier);
    SpecificationDialog *dialog = window.findChild<SpecificationDialog *>();
    QTRY_VERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->stream(), QStringLiteral("account-1"));
    dialog->close();

    // Another store: the read models of the first one stop, and start again for the new one.
    const QString other = newStore();
    QVERIFY(window.openStore(other));
    QTRY_VERIFY(window.readModelHost());
    QVERIFY(window.readModelHost()->waitUntilCaughtUp(QStringLiteral("balance"), 3, std::chrono::seconds(30)));
    QVERIFY(window.readModelHost()->get(QStringLiteral("balance"), QStringLiteral("account-1"))->json()["balance"] == 100);
}

QTEST_MAIN(TestCommandConsole)
#include "tst_commandconsole.moc"
