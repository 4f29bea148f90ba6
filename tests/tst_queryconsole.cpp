// The query console (issue 5, GUI): a real store in a temporary folder, a real ReadModelHost
// started on it, and the dock driven through its widgets with QTest input events. Gets by key
// (found, absent), filters (rows, parse errors, the limit), the status strip (live, checkpoint,
// lag), the artificial delay (a fresh append stays invisible to queries until the projector gets
// to it), rebuild, and a user's read model (a syntax error with its line, then a valid one).

#include "eventstore.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "modeltesting.h"
#include "queryconsoledock.h"
#include "readentrytablemodel.h"
#include "readmodelhost.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStringListModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

using namespace eventlens;
using Json = nlohmann::ordered_json;

// JSON equality with both values in the failure message (QCOMPARE's overloads do not fit Json).
#define COMPARE_JSON(actual, expected)                                                                  \
    do {                                                                                                \
        const Json a_ = (actual);                                                                       \
        const Json e_ = (expected);                                                                     \
        QVERIFY2(a_ == e_, (a_.dump() + "\n   expected: " + e_.dump()).c_str());                        \
    } while (false)
using namespace std::chrono_literals;

namespace {

constexpr int Timeout = 120000; // only reached when something is broken (sanitizers, busy machine)
constexpr qint64 Head = 10;     // events in the store made by init()

void add(EventStore &store, const char *stream, const char *type, const char *data)
{
    NewEvent e;
    e.type = QLatin1String(type);
    e.data = data;
    store.append(QLatin1String(stream), ExpectedVersion::any(), {e});
}

// Balances after these: account-1 70 (open, last change at 5), account-2 250 (open, 4),
// account-3 0 (closed, 9).
void fillBank(EventStore &store)
{
    add(store, "account-1", "AccountOpened", R"({"owner":"ada","currency":"EUR"})");
    add(store, "account-2", "AccountOpened", R"({"owner":"bob","currency":"EUR"})");
    add(store, "account-1", "Deposited", R"({"amount":100,"currency":"EUR"})");
    add(store, "account-2", "Deposited", R"({"amount":250,"currency":"EUR"})");
    add(store, "account-1", "Withdrawn", R"({"amount":30,"currency":"EUR"})");
    add(store, "account-3", "AccountOpened", R"({"owner":"cy","currency":"EUR"})");
    add(store, "account-3", "Deposited", R"({"amount":5,"currency":"EUR"})");
    add(store, "account-3", "Withdrawn", R"({"amount":5,"currency":"EUR"})");
    add(store, "account-3", "AccountClosed", R"({"reason":"moved"})");
    add(store, "order-1", "OrderPlaced", R"({"customer":"ada","currency":"EUR"})");
}

Json documentOf(const JsonTreeView *view)
{
    const QString text = view->model()->documentJson();
    return text.isEmpty() ? Json() : Json::parse(text.toStdString());
}

} // namespace

class TestQueryConsole : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void placeholderWithoutHost();
    void listsModelsAndCompletesKeys();
    void getExistingKey();
    void getAbsentKey();
    void staleAnswersAreDropped();
    void filters();
    void invalidFilterShowsError();
    void parseFiltersSplits();
    void statusShowsLiveAndCheckpoint();
    void delayHidesFreshAppendUntilItPasses();
    void rebuildReplays();
    void addUserModel();

private:
    // Types the key into the field and presses Enter where a user's Enter goes (the completer's
    // popup when it is open), then waits for the answer.
    void getKey(const QString &key);
    void runFilter(const QString &filter);
    void setDelay(int ms);
    QString waitForStatus(const QString &part);
    // Until the strip shows every part at once.
    QString waitForStatus(const QStringList &parts);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventStore> m_store;
    std::unique_ptr<ReadModelHost> m_host;
    std::unique_ptr<QMainWindow> m_window;
    QueryConsoleDock *m_dock = nullptr;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestQueryConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestQueryConsole::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = EventStore::open(m_dir->filePath(QStringLiteral("bank.eventlens")));
    fillBank(*m_store);
    m_host = std::make_unique<ReadModelHost>(*m_store);
    m_host->start();
    QVERIFY(m_host->waitUntilCaughtUp(QStringLiteral("balance"), Head, std::chrono::milliseconds(Timeout)));

    m_window = std::make_unique<QMainWindow>();
    m_window->setCentralWidget(new QLabel(QStringLiteral("log"), m_window.get()));
    m_dock = new QueryConsoleDock(m_window.get());
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_dock);
    m_testers.push_back(testing::attachTester(*m_dock->resultModel()));
    m_testers.push_back(testing::attachTester(*m_dock->entryView()->model()));
    m_testers.push_back(testing::attachTester(*m_dock->modelBox()->model()));
    m_testers.push_back(testing::attachTester(*m_dock->keyCompleter()->model()));
    m_dock->setReadModelHost(m_host.get());
    m_window->resize(1300, 700);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestQueryConsole::cleanup()
{
    if (m_dock)
        m_dock->setReadModelHost(nullptr); // waits for the queries still running on the host
    m_testers.clear();
    m_window.reset();
    m_dock = nullptr;
    m_host.reset();
    m_store.reset();
    m_dir.reset();
}

void TestQueryConsole::getKey(const QString &key)
{
    QLineEdit *edit = m_dock->keyEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, key);
    QCOMPARE(edit->text(), key);
    QAbstractItemView *popup = m_dock->keyCompleter()->popup();
    if (popup->isVisible()) {
        popup->setCurrentIndex({}); // nothing picked: Enter gets what was typed
        QTest::keyClick(popup, Qt::Key_Return);
    } else {
        QTest::keyClick(edit, Qt::Key_Return);
    }
    QVERIFY(!popup->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(m_dock->getState() != QueryConsoleDock::GetState::Pending
                                 && m_dock->getState() != QueryConsoleDock::GetState::None,
                             Timeout);
}

void TestQueryConsole::runFilter(const QString &filter)
{
    QLineEdit *edit = m_dock->filterEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, filter);
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 1, Timeout);
}

void TestQueryConsole::setDelay(int ms)
{
    QSpinBox *spin = m_dock->delaySpin();
    spin->setFocus();
    QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(spin, QString::number(ms));
    QTest::keyClick(spin, Qt::Key_Return);
    QCOMPARE(spin->value(), ms);
    QCOMPARE(m_host->delay(), ms);
}

QString TestQueryConsole::waitForStatus(const QString &part)
{
    return waitForStatus(QStringList{part});
}

QString TestQueryConsole::waitForStatus(const QStringList &parts)
{
    const auto shows = [&] {
        const QString text = m_dock->statusText();
        return std::all_of(parts.begin(), parts.end(), [&](const QString &part) { return text.contains(part); });
    };
    [&] { QTRY_VERIFY2_WITH_TIMEOUT(shows(), qPrintable(m_dock->statusText()), Timeout); }();
    return m_dock->statusText();
}

void TestQueryConsole::placeholderWithoutHost()
{
    QueryConsoleDock dock;
    QCOMPARE(dock.objectName(), QStringLiteral("queryConsoleDock"));
    QVERIFY(dock.unavailableText().contains(QStringLiteral("writable embedded store")));
    auto *stack = dock.findChild<QStackedWidget *>();
    QVERIFY(stack);
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("queryConsolePlaceholder"));
    QVERIFY(!dock.keyEdit()->isEnabled());
    QVERIFY(!dock.addModelButton()->isEnabled());
    QCOMPARE(dock.modelBox()->count(), 0);
    dock.get(); // nothing to ask: no crash, no answer
    QCOMPARE(dock.getState(), QueryConsoleDock::GetState::None);
    dock.setUnavailableText(QStringLiteral("read-only store"));
    QCOMPARE(dock.unavailableText(), QStringLiteral("read-only store"));

    // Attached, the content shows; detached again, the placeholder.
    QVERIFY(m_dock->keyEdit()->isEnabled());
    QVERIFY(m_dock->findChild<QStackedWidget *>()->currentIndex() == 1);
    m_dock->setReadModelHost(nullptr);
    QCOMPARE(m_dock->findChild<QStackedWidget *>()->currentIndex(), 0);
    QCOMPARE(m_dock->modelBox()->count(), 0);
}

void TestQueryConsole::listsModelsAndCompletesKeys()
{
    QCOMPARE(m_dock->modelBox()->count(), 2);
    QCOMPARE(m_dock->modelBox()->itemData(0).toString(), QStringLiteral("balance"));
    QCOMPARE(m_dock->modelBox()->itemData(1).toString(), QStringLiteral("orders"));
    QCOMPARE(m_dock->currentModel(), QStringLiteral("balance"));

    auto *keys = qobject_cast<QStringListModel *>(m_dock->keyCompleter()->model());
    QVERIFY(keys);
    const QStringList all{QStringLiteral("account-1"), QStringLiteral("account-2"), QStringLiteral("account-3")};
    QTRY_COMPARE_WITH_TIMEOUT(keys->stringList(), all, Timeout);

    // Typing narrows the keys asked for.
    m_dock->keyEdit()->setFocus();
    QTest::keyClicks(m_dock->keyEdit(), QStringLiteral("t-2"));
    QTRY_COMPARE_WITH_TIMEOUT(keys->stringList(), QStringList{QStringLiteral("account-2")}, Timeout);

    // Another model, other keys.
    m_dock->modelBox()->setCurrentIndex(1);
    QCOMPARE(m_dock->currentModel(), QStringLiteral("orders"));
    m_dock->keyEdit()->clear();
    QTest::keyClicks(m_dock->keyEdit(), QStringLiteral("order"));
    QTRY_COMPARE_WITH_TIMEOUT(keys->stringList(), QStringList{QStringLiteral("order-1")}, Timeout);
}

void TestQueryConsole::getExistingKey()
{
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    getKey(QStringLiteral("account-1"));
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::Found);
    const Json entry = documentOf(m_dock->entryView());
    COMPARE_JSON(entry["balance"], Json(70));
    COMPARE_JSON(entry["owner"], Json("ada"));
    COMPARE_JSON(entry["status"], Json("open"));
    QVERIFY(m_dock->lastEntry());
    QCOMPARE(m_dock->lastEntry()->position, qint64(5));
    QVERIFY2(m_dock->answerText().contains(QStringLiteral("position 5")), qPrintable(m_dock->answerText()));
    QVERIFY2(m_dock->answerText().contains(QStringLiteral("checkpoint %1").arg(Head)), qPrintable(m_dock->answerText()));
    QCOMPARE(answered.count(), 1);
    QCOMPARE(answered.at(0).at(0).toString(), QStringLiteral("balance"));
    QCOMPARE(answered.at(0).at(1).toBool(), true);

    // The Get button asks too; another key replaces the tree.
    m_dock->keyEdit()->setText(QStringLiteral("account-3"));
    QTest::mouseClick(m_dock->getButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 2, Timeout);
    COMPARE_JSON(documentOf(m_dock->entryView())["status"], Json("closed"));
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(0));
}

void TestQueryConsole::getAbsentKey()
{
    getKey(QStringLiteral("account-1"));
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::Found);
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    getKey(QStringLiteral("account-99"));
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::Absent);
    QVERIFY(!m_dock->lastEntry());
    QVERIFY2(m_dock->answerText().contains(QStringLiteral("Absent")), qPrintable(m_dock->answerText()));
    QVERIFY(m_dock->answerText().contains(QStringLiteral("account-99")));
    QVERIFY(m_dock->entryView()->model()->documentJson().isEmpty()); // the old entry is gone
    QCOMPARE(answered.count(), 1);
    QCOMPARE(answered.at(0).at(1).toBool(), false);
}

void TestQueryConsole::staleAnswersAreDropped()
{
    // Both asked before the first answer can be shown (answers arrive through the event loop):
    // only the newest is shown and counted.
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    m_dock->keyEdit()->setText(QStringLiteral("account-1"));
    m_dock->get();
    m_dock->keyEdit()->setText(QStringLiteral("account-2"));
    m_dock->get();
    QVERIFY(m_dock->isQueryRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!m_dock->isQueryRunning(), Timeout);
    QCOMPARE(answered.count(), 1);
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::Found);
    COMPARE_JSON(documentOf(m_dock->entryView())["owner"], Json("bob"));

    // Likewise for filters; and a model switch drops what was asked of the model before.
    m_dock->filterEdit()->setText(QStringLiteral("owner = ada"));
    m_dock->runFilter();
    m_dock->filterEdit()->setText(QStringLiteral("owner = cy"));
    m_dock->runFilter();
    m_dock->keyEdit()->setText(QStringLiteral("account-1"));
    m_dock->get();
    m_dock->modelBox()->setCurrentIndex(1);
    QTRY_VERIFY_WITH_TIMEOUT(!m_dock->isQueryRunning(), Timeout);
    QCOMPARE(answered.count(), 1);
    QCOMPARE(m_dock->resultModel()->rowCount(), 0);
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::None);
    m_dock->modelBox()->setCurrentIndex(0);
    m_dock->runFilter();
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 2, Timeout);
    QCOMPARE(m_dock->resultModel()->rowCount(), 1);
    QCOMPARE(m_dock->resultModel()->index(0, 0).data().toString(), QStringLiteral("account-3"));
}

void TestQueryConsole::filters()
{
    ReadEntryTableModel *rows = m_dock->resultModel();
    runFilter(QStringLiteral("balance > 50 && status = open"));
    QCOMPARE(rows->rowCount(), 2);
    QCOMPARE(rows->index(0, rows->keyColumn()).data().toString(), QStringLiteral("account-1"));
    QCOMPARE(rows->index(1, rows->keyColumn()).data().toString(), QStringLiteral("account-2"));
    QCOMPARE(rows->index(1, rows->positionColumn()).data().toLongLong(), qint64(4));
    // A few columns from the JSON: the scalar members, in their order.
    QCOMPARE(rows->fieldColumns(), (QStringList{QStringLiteral("owner"), QStringLiteral("currency"), QStringLiteral("status"),
                                                QStringLiteral("balance")}));
    const int balance = int(rows->fieldColumns().indexOf(QStringLiteral("balance"))) + 1;
    QCOMPARE(rows->headerData(balance, Qt::Horizontal).toString(), QStringLiteral("balance"));
    QCOMPARE(rows->index(0, balance).data().toDouble(), 70.0);
    QCOMPARE(rows->index(1, balance).data().toDouble(), 250.0);
    QCOMPARE(rows->index(0, balance).data(Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignRight, Qt::AlignRight);
    QVERIFY(!rows->index(0, 1).data(Qt::TextAlignmentRole).isValid()); // owner: text
    QVERIFY(m_dock->filterErrorText().isEmpty());
    QVERIFY(m_dock->resultLabel()->text().contains(QStringLiteral("2 entries")));

    // ';' joins too; ~ is contains, case-insensitive.
    runFilter(QStringLiteral("status = open; owner ~ BO"));
    QCOMPARE(rows->rowCount(), 1);
    QCOMPARE(rows->index(0, 0).data().toString(), QStringLiteral("account-2"));
    runFilter(QStringLiteral("status=closed"));
    QCOMPARE(rows->rowCount(), 1);
    QCOMPARE(rows->index(0, 0).data().toString(), QStringLiteral("account-3"));

    // Nothing matches: an empty table, answered as not found.
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    runFilter(QStringLiteral("balance > 1000"));
    QCOMPARE(rows->rowCount(), 0);
    QCOMPARE(answered.count(), 1);
    QCOMPARE(answered.at(0).at(1).toBool(), false);

    // No filter: every entry up to the limit, which is said.
    m_dock->limitSpin()->setValue(2);
    runFilter(QString());
    QCOMPARE(rows->rowCount(), 2);
    QVERIFY2(m_dock->resultLabel()->text().contains(QStringLiteral("limit")), qPrintable(m_dock->resultLabel()->text()));

    // Activating a row shows that entry by key.
    m_dock->limitSpin()->setValue(100);
    runFilter(QStringLiteral("owner = bob"));
    QCOMPARE(rows->rowCount(), 1);
    m_dock->resultView()->setFocus();
    m_dock->resultView()->setCurrentIndex(rows->index(0, 0));
    QTest::keyClick(m_dock->resultView(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(m_dock->getState() == QueryConsoleDock::GetState::Found, Timeout);
    QCOMPARE(m_dock->keyEdit()->text(), QStringLiteral("account-2"));
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(250));
}

void TestQueryConsole::invalidFilterShowsError()
{
    runFilter(QStringLiteral("status = open"));
    QCOMPARE(m_dock->resultModel()->rowCount(), 2);

    QLineEdit *edit = m_dock->filterEdit();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, QStringLiteral("status = open && balance >"));
    QSignalSpy answered(m_dock, &QueryConsoleDock::queryAnswered);
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY2(m_dock->filterErrorText().contains(QStringLiteral("Filter 2")), qPrintable(m_dock->filterErrorText()));
    QVERIFY(m_dock->filterErrorText().contains(QStringLiteral("balance >")));
    QVERIFY(m_dock->filterErrorLabel()->isVisible());
    QCOMPARE(answered.count(), 0); // nothing was asked

    // Editing the filter clears the error; a good one runs.
    QTest::keyClicks(edit, QStringLiteral(" 100"));
    QVERIFY(!m_dock->filterErrorLabel()->isVisible());
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 1, Timeout);
    QCOMPARE(m_dock->resultModel()->rowCount(), 1);
    QCOMPARE(m_dock->resultModel()->index(0, 0).data().toString(), QStringLiteral("account-2"));
}

void TestQueryConsole::parseFiltersSplits()
{
    QString error;
    auto filters = QueryConsoleDock::parseFilters(QStringLiteral(" owner = \"a;b && c\" ; balance>=1 &&status!=closed ;"), &error);
    QVERIFY2(filters, qPrintable(error));
    QCOMPARE(filters->size(), size_t(3));
    QCOMPARE((*filters)[0].field, QStringLiteral("owner"));
    QCOMPARE((*filters)[0].value, QStringLiteral("a;b && c"));
    QCOMPARE((*filters)[1].op, ReadFilter::Op::GreaterEqual);
    QCOMPARE((*filters)[2].op, ReadFilter::Op::NotEqual);
    filters = QueryConsoleDock::parseFilters(QStringLiteral("   "), &error);
    QVERIFY(filters && filters->empty());
    QVERIFY(!QueryConsoleDock::parseFilters(QStringLiteral("balance"), &error));
    QVERIFY(error.startsWith(QStringLiteral("Filter 1")));
    // A forgotten value is an error; an empty text is written "".
    QVERIFY(!QueryConsoleDock::parseFilters(QStringLiteral("status = open; balance >"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("Filter 2")) && error.contains(QStringLiteral("missing")), qPrintable(error));
    filters = QueryConsoleDock::parseFilters(QStringLiteral("owner != \"\""), &error);
    QVERIFY2(filters && filters->size() == 1 && (*filters)[0].value.isEmpty(), qPrintable(error));
}

void TestQueryConsole::statusShowsLiveAndCheckpoint()
{
    QString status = waitForStatus({QStringLiteral("live"), QStringLiteral("checkpoint %1 of %1").arg(Head)});
    QVERIFY2(status.startsWith(QStringLiteral("live · checkpoint")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("lag 0 events")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("3 entries")), qPrintable(status));

    // A new account: the strip follows the log (catching up, then live again).
    add(*m_store, "account-4", "AccountOpened", R"({"owner":"dee","currency":"EUR"})");
    waitForStatus({QStringLiteral("live"), QStringLiteral("checkpoint %1 of %1").arg(Head + 1), QStringLiteral("4 entries")});

    // The other model has its own strip.
    m_dock->modelBox()->setCurrentIndex(1);
    waitForStatus({QStringLiteral("live"), QStringLiteral("checkpoint %1 of %1").arg(Head + 1), QStringLiteral("1 entry")});
}

void TestQueryConsole::delayHidesFreshAppendUntilItPasses()
{
    waitForStatus(QStringLiteral("live"));
    getKey(QStringLiteral("account-1"));
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(70));

    // Long enough per event that the query below cannot miss it on any machine.
    setDelay(4000);
    waitForStatus(QStringLiteral("delay 4000 ms/event"));
    add(*m_store, "account-1", "Deposited", R"({"amount":5,"currency":"EUR"})");
    getKey(QStringLiteral("account-1"));
    QCOMPARE(m_dock->getState(), QueryConsoleDock::GetState::Found);
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(70)); // the old value: eventual consistency
    QCOMPARE(m_dock->lastEntry()->position, qint64(5));

    // Once the projector got to it, the same query answers the new value.
    waitForStatus(QStringLiteral("checkpoint %1 of %1").arg(Head + 1));
    getKey(QStringLiteral("account-1"));
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(75));
    QCOMPARE(m_dock->lastEntry()->position, Head + 1);
    setDelay(0);
    QCOMPARE(m_host->delay(), 0);
}

void TestQueryConsole::rebuildReplays()
{
    waitForStatus(QStringLiteral("3 entries"));
    // Slow enough to see the rebuild happen: every event waits a second and a half.
    setDelay(1500);
    QTest::mouseClick(m_dock->rebuildButton(), Qt::LeftButton);
    // The entries are dropped at once and the replay starts from the beginning.
    QString status = m_dock->statusText();
    QVERIFY2(status.startsWith(QStringLiteral("catching up")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("checkpoint 0 of %1").arg(Head)), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("0 entries")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("lag %1 events").arg(Head)), qPrintable(status));

    setDelay(0);
    waitForStatus({QStringLiteral("live"), QStringLiteral("checkpoint %1 of %1").arg(Head), QStringLiteral("3 entries")});
    getKey(QStringLiteral("account-1"));
    COMPARE_JSON(documentOf(m_dock->entryView())["balance"], Json(70));
}

void TestQueryConsole::addUserModel()
{
    const QString broken = m_dir->filePath(QStringLiteral("broken.js"));
    {
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromCategory('account')\n"
                "    .foreachStream()\n"
                "    .when({ Deposited: function (s, e) { s.n += ; } });\n");
    }
    QSignalSpy modelsChanged(m_host.get(), &ReadModelHost::modelsChanged);
    QVERIFY(!m_dock->addModelFromFile(broken));
    QVERIFY2(m_dock->modelErrorText().contains(QStringLiteral("line 3")), qPrintable(m_dock->modelErrorText()));
    QVERIFY(m_dock->modelErrorText().contains(QStringLiteral("broken.js")));
    QVERIFY(m_dock->modelErrorLabel()->isVisible());
    QCOMPARE(modelsChanged.count(), 0);
    QCOMPARE(m_dock->modelBox()->count(), 2);

    const QString good = m_dir->filePath(QStringLiteral("deposit counts.js"));
    {
        QFile f(good);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromCategory('account')\n"
                "    .foreachStream()\n"
                "    .when({\n"
                "        $init: function () { return { deposits: 0 }; },\n"
                "        Deposited: function (s, e) { s.deposits += 1; }\n"
                "    });\n");
    }
    QVERIFY(m_dock->addModelFromFile(good));
    QVERIFY(!m_dock->modelErrorLabel()->isVisible());
    QCOMPARE(m_dock->modelBox()->count(), 3);
    QCOMPARE(m_dock->currentModel(), QStringLiteral("deposit-counts")); // made a valid name
    waitForStatus(QStringLiteral("checkpoint %1 of %1").arg(Head));
    getKey(QStringLiteral("account-1"));
    COMPARE_JSON(documentOf(m_dock->entryView()), Json::parse(R"({"deposits":1})"));

    // The same file again: a free name.
    QVERIFY(m_dock->addModelFromFile(good));
    QCOMPARE(m_dock->currentModel(), QStringLiteral("deposit-counts-2"));
    QCOMPARE(m_dock->modelBox()->count(), 4);

    // A model that throws at an event: the strip says it faulted, where and why.
    const QString faulty = m_dir->filePath(QStringLiteral("faulty.js"));
    {
        QFile f(faulty);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromCategory('account')\n"
                "    .foreachStream()\n"
                "    .when({\n"
                "        $init: function () { return {}; },\n"
                "        Withdrawn: function (s, e) { throw new Error('boom'); }\n"
                "    });\n");
    }
    QVERIFY(m_dock->addModelFromFile(faulty, QStringLiteral("faulty")));
    QCOMPARE(m_dock->currentModel(), QStringLiteral("faulty"));
    const QString status = waitForStatus({QStringLiteral("faulted"), QStringLiteral("boom")});
    QVERIFY2(status.contains(QStringLiteral("at position 5")) && status.contains(QStringLiteral("line 5")), qPrintable(status));
}

QTEST_MAIN(TestQueryConsole)
#include "tst_queryconsole.moc"
