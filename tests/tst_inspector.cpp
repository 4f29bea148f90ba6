// The inspector window end to end (the acceptance scenario of the inspector issue): a small store
// whose every event is known, driven with the mouse and the keyboard as a user would.

#include "eventdetailpane.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"
#include "filterbar.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "mainwindow.h"
#include "mergestatefunction.h"
#include "modeltesting.h"
#include "predicatescan.h"
#include "statepane.h"
#include "streamspane.h"
#include "streamtreemodel.h"

#include <QAction>
#include <QApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleOptionViewItem>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QHash>
#include <QMenuBar>
#include <QClipboard>
#include <QToolButton>
#include <QTreeView>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

using namespace eventlens;

namespace {

constexpr int Timeout = 60000; // generous: sanitizer builds on 2 busy cores
constexpr int EventCount = 9;
using Json = nlohmann::ordered_json;
using Diff = JsonTreeModel::Diff;
using Positions = QList<qint64>;

QString idOf(int position)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(position, 12, 10, QLatin1Char('0'));
}

// Two bank accounts and an order; position n has id idOf(n), time 2024-01-01T00:0n:00Z.
//   pos stream    v type          data                                        correlation   causation
//   1   account-1 0 AccountOpened {owner ada, balance 0, status pending}      corr-ada
//   2   account-2 0 AccountOpened {owner bob, balance 0}                      corr-bob
//   3   account-1 1 Deposited     {amount 150, balance 150, memo salary}      corr-ada      1
//   4   account-2 1 Deposited     {amount 500, balance 500}                   corr-bob      2
//   5   account-1 2 Withdrawn     {amount 30, balance 120, status null}       corr-rent
//   6   account-2 2 Withdrawn     {amount 120, balance 380, to account-1}     corr-transfer 4
//   7   account-1 3 Deposited     {amount 120, balance 240, from account-2}   corr-transfer 6
//   8   account-2 3 Deposited     {amount 40, balance 420}                    corr-refund
//   9   order-1   0 OrderPlaced   {customer ada, total 250}                   corr-order
void createBankStore(const QString &path)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    int n = 0;
    const auto add = [&](const char *stream, const char *type, const char *data, const char *correlation, int causation) {
        ++n;
        NewEvent e;
        e.id = idOf(n);
        e.type = QLatin1String(type);
        e.data = data;
        QJsonObject metadata{{QStringLiteral("correlationId"), QLatin1String(correlation)}, {QStringLiteral("userId"), QStringLiteral("user-7")}};
        if (causation > 0)
            metadata.insert(QStringLiteral("causationId"), idOf(causation));
        e.metadata = QJsonDocument(metadata).toJson(QJsonDocument::Compact);
        e.timeMs = 1704067200000 + qint64(n) * 60000;
        store->append(QLatin1String(stream), ExpectedVersion::any(), {e});
    };
    add("account-1", "AccountOpened", R"({"owner":"ada","balance":0,"status":"pending"})", "corr-ada", 0);
    add("account-2", "AccountOpened", R"({"owner":"bob","balance":0})", "corr-bob", 0);
    add("account-1", "Deposited", R"({"amount":150,"balance":150,"memo":"salary"})", "corr-ada", 1);
    add("account-2", "Deposited", R"({"amount":500,"balance":500})", "corr-bob", 2);
    add("account-1", "Withdrawn", R"({"amount":30,"balance":120,"status":null})", "corr-rent", 0);
    add("account-2", "Withdrawn", R"({"amount":120,"balance":380,"to":"account-1"})", "corr-transfer", 4);
    add("account-1", "Deposited", R"({"amount":120,"balance":240,"from":"account-2"})", "corr-transfer", 6);
    add("account-2", "Deposited", R"({"amount":40,"balance":420})", "corr-refund", 0);
    add("order-1", "OrderPlaced", R"({"customer":"ada","total":250})", "corr-order", 0);
}

// The C++ reference of a filter: the positions of the events of `query` that `keep` accepts.
Positions reference(const EventStore &store, const EventQuery &query, const std::function<bool(const Event &, const QJsonObject &data)> &keep)
{
    Positions out;
    store.forEach(query, [&](const Event &e) {
        if (keep(e, QJsonDocument::fromJson(e.data).object()))
            out.append(e.position);
        return true;
    });
    return out;
}

Positions allPositions(qint64 from = 1, qint64 to = EventCount)
{
    Positions out;
    for (qint64 p = from; p <= to; ++p)
        out.append(p);
    return out;
}

// The stream's state after `version` with the default state function, as if the events of
// `skipped` had never happened: the reference the state pane must agree with.
QString referenceState(const EventStore &store, const QString &stream, qint64 version, const QList<qint64> &skipped = {})
{
    const MergeStateFunction function;
    Json state = function.initialState();
    for (const Event &e : store.readStream(stream, 0)) {
        if (e.version <= version && !skipped.contains(e.version))
            state = function.evolve(state, e);
    }
    return QString::fromStdString(state.dump());
}

// The positions of every row of the log, once all are counted and loaded ({-1} until then, so
// that QTRY_COMPARE waits).
Positions shownPositions(const MainWindow &window)
{
    const EventListModel *model = window.model();
    if (model->totalCount() < 0)
        return {-1};
    Positions out;
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, 0);
        if (!index.data(EventListModel::LoadedRole).toBool())
            return {-1};
        out.append(index.data(EventListModel::PositionRole).toLongLong());
    }
    return out;
}

// The same for one column of the table (formatted by the presentation proxy).
QStringList shownTexts(const MainWindow &window, int column)
{
    QStringList out;
    const QAbstractItemModel *table = window.tableModel();
    for (int row = 0; row < table->rowCount(); ++row)
        out.append(table->index(row, column).data().toString());
    return out;
}

// The position of the current event (-1: none, -2: its page is still loading).
qint64 currentPosition(const MainWindow &window)
{
    const QModelIndex current = window.tableModel()->mapToSource(window.eventTable()->currentIndex());
    if (!current.isValid())
        return -1;
    if (!current.data(EventListModel::LoadedRole).toBool())
        return -2;
    return current.data(EventListModel::PositionRole).toLongLong();
}

int rowOf(const MainWindow &window, qint64 position)
{
    const EventListModel *model = window.model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, 0).data(EventListModel::PositionRole).toLongLong() == position)
            return row;
    }
    return -1;
}

bool struckOut(const MainWindow &window, int row, int column = EventListModel::TypeColumn)
{
    return window.tableModel()->index(row, column).data(Qt::FontRole).value<QFont>().strikeOut();
}

QString field(const MainWindow &window, const char *name)
{
    const auto *edit = window.detailPane()->findChild<QLineEdit *>(QLatin1String(name));
    return edit ? edit->text() : QStringLiteral("<no field %1>").arg(QLatin1String(name));
}

QString statusLabel(const MainWindow &window, const char *name)
{
    const auto *label = window.findChild<QLabel *>(QLatin1String(name));
    return label ? label->text() : QStringLiteral("<no label %1>").arg(QLatin1String(name));
}

QString stateTitle(const MainWindow &window)
{
    return window.statePane()->titleLabel()->text();
}

const JsonTreeModel *stateTree(const MainWindow &window)
{
    return window.statePane()->stateView()->model();
}

QVariant stateValue(const MainWindow &window, const char *path)
{
    const QModelIndex index = stateTree(window)->indexForPath(QLatin1String(path));
    return index.isValid() ? index.data(JsonTreeModel::ValueRole) : QVariant();
}

Diff stateDiff(const MainWindow &window, const char *path)
{
    return stateTree(window)->indexForPath(QLatin1String(path)).data(JsonTreeModel::DiffRole).value<Diff>();
}

// The JSON Patch tab as compact JSON (members of each operation sorted by name), or its text when
// it is not JSON.
QString statePatch(const MainWindow &window)
{
    const nlohmann::json patch = nlohmann::json::parse(window.statePane()->patchView()->toPlainText().toStdString(), nullptr, false);
    return patch.is_discarded() ? window.statePane()->patchView()->toPlainText() : QString::fromStdString(patch.dump());
}

QStringList skippedTexts(const MainWindow &window)
{
    QStringList out;
    const QListWidget *list = window.statePane()->skippedList();
    for (int i = 0; i < list->count(); ++i)
        out.append(list->item(i)->text());
    return out;
}

QModelIndex streamRow(const MainWindow &window, const QString &stream)
{
    return window.streamsPane()->model()->streamIndex(Event::categoryOf(stream), stream);
}

// Clicks the middle of a row of a tree view.
void clickRow(QTreeView *tree, const QModelIndex &index)
{
    QVERIFY(index.isValid());
    tree->scrollTo(index);
    const QRect rect = tree->visualRect(index);
    QVERIFY(rect.isValid());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
}

QListWidgetItem *typeItem(const FilterBar &bar, const QString &type)
{
    QListWidget *list = bar.typesList();
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->text().startsWith(type + QLatin1String("  (")))
            return list->item(i);
    }
    return nullptr;
}

// Opens the types menu as a click on its button does, without QToolButton's nested exec().
QMenu *openTypesMenu(const FilterBar &bar)
{
    QMenu *menu = bar.typesButton()->menu();
    menu->popup(bar.typesButton()->mapToGlobal(QPoint(0, bar.typesButton()->height())));
    return menu;
}

// Clicks the check box of a type in the (open) types menu.
void clickType(const FilterBar &bar, const QString &type)
{
    QListWidget *list = bar.typesList();
    QListWidgetItem *item = typeItem(bar, type);
    QVERIFY2(item, qPrintable(type));
    QVERIFY(list->isVisible());
    list->scrollToItem(item);
    QStyleOptionViewItem option;
    option.initFrom(list);
    option.rect = list->visualItemRect(item);
    option.features = QStyleOptionViewItem::HasCheckIndicator | QStyleOptionViewItem::HasDisplay;
    option.text = item->text();
    option.checkState = item->checkState();
    const QRect box = list->style()->subElementRect(QStyle::SE_ItemViewItemCheckIndicator, &option, list);
    QVERIFY(box.isValid());
    const Qt::CheckState before = item->checkState();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, box.center());
    QVERIFY(item->checkState() != before);
}

// Closes the types menu with Escape. The offscreen platform activates a popup when it opens and
// does not give the activation back when it closes (a window manager would): the window is
// activated again, else its shortcuts would not work.
void closeMenu(QMenu *menu, QWidget &window)
{
    QTest::keyClick(menu, Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(!menu->isVisible(), Timeout);
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
}

// Types a predicate as a user does: Ctrl+F from the log, the text, Enter.
void typePredicate(MainWindow &window, const QString &text)
{
    QTableView *table = window.eventTable();
    table->setFocus();
    QTest::keyClick(table, Qt::Key_F, Qt::ControlModifier);
    QLineEdit *edit = window.filterBar()->predicateEdit();
    QVERIFY2(edit->hasFocus(), QApplication::focusWidget() ? QApplication::focusWidget()->metaObject()->className() : "no focus");
    QCOMPARE(edit->selectedText(), edit->text()); // Ctrl+F selects what was there: typing replaces it
    QTest::keyClicks(edit, text);
    QCOMPARE(edit->text(), text);
    QTest::keyClick(edit, Qt::Key_Return);
}

// Presses a key in the log (the window's shortcuts act on it).
void keyInLog(MainWindow &window, Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier)
{
    QTableView *table = window.eventTable();
    if (!table->hasFocus())
        table->setFocus();
    QTest::keyClick(table, key, modifiers);
}

} // namespace

class TestInspector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void navigateActions();
    void copyActions();
    void acceptanceScenario();
    void predicateMatchesReference_data();
    void predicateMatchesReference();
    void predicateWithinStreamAndTypes();
    void clearingPredicateWhileItRuns();
    void openingAnotherStoreResets();

private:
    void openWindow();
    void selectWithKeyboard();
    void stepAndCheck(Qt::Key key, Qt::KeyboardModifiers modifiers, qint64 expected);

    QTemporaryDir m_dir;
    QString m_path;
    std::shared_ptr<EventStore> m_store; // the reference reader
    std::unique_ptr<MainWindow> m_window;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestInspector::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("eventlens-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_inspector"));
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("bank.eventlens"));
    createBankStore(m_path);
    m_store = EventStore::open(m_path, EventStore::OpenMode::ReadOnly);
    QCOMPARE(m_store->count(EventQuery{}), qint64(EventCount));
}

void TestInspector::init()
{
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    MainWindow &window = *m_window;
    m_testers.push_back(testing::attachTester(*window.model()));
    m_testers.push_back(testing::attachTester(*window.tableModel()));
    m_testers.push_back(testing::attachTester(*window.streamsPane()->model()));
    m_testers.push_back(testing::attachTester(*window.statePane()->stateView()->model()));
    m_testers.push_back(testing::attachTester(*window.filterBar()->typesList()->model()));
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
}

void TestInspector::cleanup()
{
    m_testers.clear();
    m_window.reset();
}

void TestInspector::openWindow()
{
    MainWindow &window = *m_window;
    QVERIFY(window.openStore(m_path));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "eventCountLabel"), QStringLiteral("9 events"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("9 matching"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(1), Timeout);
    // The streams and the types (with their counts) arrive from workers too.
    QTRY_VERIFY_WITH_TIMEOUT(!window.streamsPane()->model()->isBusy() && window.streamsPane()->model()->rowCount() == 2, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.filterBar()->typesList()->count(), 4, Timeout);
    QVERIFY(window.eventTable()->hasFocus());
}

void TestInspector::stepAndCheck(Qt::Key key, Qt::KeyboardModifiers modifiers, qint64 expected)
{
    MainWindow &window = *m_window;
    keyInLog(window, key, modifiers);
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), expected, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(field(window, "positionValue"), QString::number(expected), Timeout);
    QCOMPARE(window.eventTable()->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(window.tableModel()->mapToSource(window.eventTable()->selectionModel()->selectedRows().constFirst())
                 .data(EventListModel::PositionRole).toLongLong(), expected);
}

void TestInspector::navigateActions()
{
    // The Navigate and View actions with the shortcuts the README lists.
    const MainWindow &window = *m_window;
    const QList<std::pair<const char *, QKeySequence>> expected{
        {"nextEventAction", QKeySequence(Qt::CTRL | Qt::Key_Down)},
        {"previousEventAction", QKeySequence(Qt::CTRL | Qt::Key_Up)},
        {"nextInStreamAction", QKeySequence(Qt::ALT | Qt::Key_Down)},
        {"previousInStreamAction", QKeySequence(Qt::ALT | Qt::Key_Up)},
        {"firstEventAction", QKeySequence(Qt::CTRL | Qt::Key_Home)},
        {"lastEventAction", QKeySequence(Qt::CTRL | Qt::Key_End)},
        {"skipAction", QKeySequence(Qt::Key_S)},
        {"focusPredicateAction", QKeySequence(Qt::CTRL | Qt::Key_F)},
    };
    for (const auto &[name, key] : expected) {
        QAction *action = window.action(QLatin1String(name));
        QVERIFY2(action, name);
        QCOMPARE(action->shortcut(), key);
    }
    for (const char *name : {"clearFiltersAction", "newestFirstAction", "localTimeAction"})
        QVERIFY2(window.action(QLatin1String(name)), name);
    QVERIFY(window.action(QStringLiteral("newestFirstAction"))->isCheckable());
    QVERIFY(window.action(QStringLiteral("localTimeAction"))->isCheckable());
    QVERIFY(!window.action(QStringLiteral("noSuchAction")));

    // Every action of the menus has its own shortcut (the numbered recent stores aside).
    QHash<QString, QString> owners;
    const QList<QAction *> menus = window.menuBar()->actions();
    for (QAction *menuAction : menus) {
        QMenu *menu = menuAction->menu();
        QVERIFY(menu);
        const QList<QAction *> actions = menu->actions();
        for (QAction *action : actions) {
            if (action->isSeparator() || action->menu())
                continue;
            QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->text()));
            const QString key = action->shortcut().toString();
            QVERIFY2(!owners.contains(key), qPrintable(key + QStringLiteral(": ") + owners.value(key) + QStringLiteral(" and ") + action->text()));
            owners.insert(key, action->text());
        }
    }
    QVERIFY2(owners.size() >= 20, qPrintable(QString::number(owners.size())));
}

void TestInspector::copyActions()
{
    openWindow();
    MainWindow &window = *m_window;
    QTRY_VERIFY_WITH_TIMEOUT(!field(window, "idValue").isEmpty(), Timeout);
    QApplication::clipboard()->clear();
    window.action(QStringLiteral("copyIdAction"))->trigger();
    QCOMPARE(QApplication::clipboard()->text(), field(window, "idValue"));
    window.action(QStringLiteral("copyJsonAction"))->trigger();
    const auto json = nlohmann::json::parse(QApplication::clipboard()->text().toStdString());
    QCOMPARE(QString::fromStdString(json["id"].get<std::string>()), field(window, "idValue"));
    QCOMPARE(json["position"].get<qint64>(), field(window, "positionValue").toLongLong());
    QCOMPARE(QString::fromStdString(json["stream"].get<std::string>()), field(window, "streamValue"));
}

void TestInspector::acceptanceScenario()
{
    openWindow();
    MainWindow &window = *m_window;
    QTreeView *tree = window.streamsPane()->treeView();
    FilterBar *bar = window.filterBar();
    const StreamTreeModel *streams = window.streamsPane()->model();

    // --- The streams pane: a category, then a stream, by mouse and keys. ---
    const QModelIndex account = streams->categoryIndex(QStringLiteral("account"));
    clickRow(tree, account);
    QCOMPARE(window.currentQuery().category, QStringLiteral("account"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(1, 8), Timeout);
    QVERIFY(tree->hasFocus());
    QTest::keyClick(tree, Qt::Key_Right); // expand
    QVERIFY(tree->isExpanded(account));
    QTest::keyClick(tree, Qt::Key_Down); // account-1
    QCOMPARE(window.streamsPane()->selectedStream(), QStringLiteral("account-1"));
    QCOMPARE(window.currentQuery().stream, QStringLiteral("account-1"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{1, 3, 5, 7}), Timeout);
    QCOMPARE(shownTexts(window, EventListModel::StreamColumn), QStringList(4, QStringLiteral("account-1")));
    QCOMPARE(shownTexts(window, EventListModel::VersionColumn), (QStringList{QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")}));
    QCOMPARE(shownTexts(window, EventListModel::TypeColumn),
             (QStringList{QStringLiteral("AccountOpened"), QStringLiteral("Deposited"), QStringLiteral("Withdrawn"), QStringLiteral("Deposited")}));
    QCOMPARE(shownTexts(window, EventListModel::TimeColumn).at(1), QStringLiteral("2024-01-01T00:03:00.000Z"));
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("4 matching"), Timeout);
    // The first event of the stream is current, and its state is shown.
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(1), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-1 after version 0 (AccountOpened)")), Timeout);

    clickRow(tree, streamRow(window, QStringLiteral("account-2")));
    QCOMPARE(window.streamsPane()->selectedStream(), QStringLiteral("account-2"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{2, 4, 6, 8}), Timeout);
    QCOMPARE(shownTexts(window, EventListModel::StreamColumn), QStringList(4, QStringLiteral("account-2")));
    QTest::keyClick(tree, Qt::Key_Up); // back to account-1
    QCOMPARE(window.streamsPane()->selectedStream(), QStringLiteral("account-1"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{1, 3, 5, 7}), Timeout);

    // --- The filter bar's types: only Deposited of account-1, then of every stream. ---
    QCOMPARE(typeItem(*bar, QStringLiteral("Deposited"))->text(), QStringLiteral("Deposited  (4)"));
    QCOMPARE(typeItem(*bar, QStringLiteral("AccountOpened"))->text(), QStringLiteral("AccountOpened  (2)"));
    QCOMPARE(typeItem(*bar, QStringLiteral("OrderPlaced"))->text(), QStringLiteral("OrderPlaced  (1)"));
    QCOMPARE(typeItem(*bar, QStringLiteral("Withdrawn"))->text(), QStringLiteral("Withdrawn  (2)"));
    QMenu *menu = openTypesMenu(*bar);
    QTRY_VERIFY_WITH_TIMEOUT(bar->typesList()->isVisible(), Timeout);
    clickType(*bar, QStringLiteral("Deposited"));
    QCOMPARE(window.currentQuery().types, QStringList{QStringLiteral("Deposited")});
    QCOMPARE(window.currentQuery().stream, QStringLiteral("account-1"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{3, 7}), Timeout);
    QCOMPARE(shownTexts(window, EventListModel::TypeColumn), QStringList(2, QStringLiteral("Deposited")));
    QCOMPARE(bar->typesButton()->text(), QStringLiteral("Deposited"));
    closeMenu(menu, window);

    tree->selectionModel()->clearSelection(); // every stream
    QVERIFY(window.currentQuery().stream.isEmpty() && window.currentQuery().category.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{3, 4, 7, 8}), Timeout);
    QCOMPARE(shownPositions(window), reference(*m_store, EventQuery{}, [](const Event &e, const QJsonObject &) {
                 return e.type == QLatin1String("Deposited");
             }));
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("4 matching"), Timeout);

    // A second type with the keyboard, then both off.
    menu = openTypesMenu(*bar);
    QTRY_VERIFY_WITH_TIMEOUT(bar->typesList()->isVisible(), Timeout);
    bar->typesList()->setCurrentItem(typeItem(*bar, QStringLiteral("OrderPlaced")));
    QTest::keyClick(bar->typesList(), Qt::Key_Space);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{3, 4, 7, 8, 9}), Timeout);
    QCOMPARE(bar->typesButton()->text(), QStringLiteral("2 types"));
    QTest::keyClick(bar->typesList(), Qt::Key_Space);
    clickType(*bar, QStringLiteral("Deposited"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    closeMenu(menu, window);

    // --- A JavaScript predicate, typed and applied with Enter: exactly the reference's events. ---
    const Positions big = reference(*m_store, EventQuery{}, [](const Event &, const QJsonObject &data) {
        return data.value(QLatin1String("amount")).toDouble() > 100;
    });
    QCOMPARE(big, (Positions{3, 4, 6, 7}));
    typePredicate(window, QStringLiteral("e.data.amount > 100"));
    QCOMPARE(bar->predicate(), QStringLiteral("e.data.amount > 100"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), big, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("4 matching"), Timeout);
    QCOMPARE(bar->predicateStatus()->text(), QStringLiteral("4 of 9 match"));
    QCOMPARE(bar->predicateStatus()->palette().color(QPalette::WindowText), window.palette().color(QPalette::WindowText));
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(3), Timeout); // the first match

    // A predicate that does not compile: the error with its line and column, nothing shown.
    typePredicate(window, QStringLiteral("e.data.amount >"));
    QTRY_VERIFY2_WITH_TIMEOUT(bar->predicateStatus()->text().contains(QLatin1String("line 1, column 16")),
                              qPrintable(bar->predicateStatus()->text()), Timeout);
    QVERIFY2(bar->predicateStatus()->text().contains(QLatin1String("syntax error")), qPrintable(bar->predicateStatus()->text()));
    QCOMPARE(bar->predicateStatus()->palette().color(QPalette::WindowText), QColor(Qt::red));
    QCOMPARE(bar->predicateStatus()->toolTip(), bar->predicateStatus()->text());
    QCOMPARE(statusLabel(window, "matchCountLabel"), QStringLiteral("predicate failed"));
    QCOMPARE(window.model()->rowCount(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(window.detailPane()->eventId(), QString(), Timeout);

    // One that throws on some events: they count as no match, and the status says so.
    typePredicate(window, QStringLiteral("e.data.to.length > 0"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), Positions{6}, Timeout);
    QTRY_VERIFY2_WITH_TIMEOUT(bar->predicateStatus()->text().startsWith(QStringLiteral("1 of 9 match · 8 event(s) raised an error, e.g. TypeError")),
                              qPrintable(bar->predicateStatus()->text()), Timeout);
    QCOMPARE(bar->predicateStatus()->palette().color(QPalette::WindowText), QColor(Qt::red));

    // Emptying the field removes the predicate at once.
    bar->predicateEdit()->selectAll();
    QTest::keyClick(bar->predicateEdit(), Qt::Key_Delete);
    QVERIFY(bar->predicate().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QVERIFY(bar->predicateStatus()->text().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("9 matching"), Timeout);

    // --- Stepping with the keyboard. ---
    window.eventTable()->setFocus();
    stepAndCheck(Qt::Key_Home, Qt::ControlModifier, 1);
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 2);
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 3); // account-1 v1
    QCOMPARE(field(window, "streamValue"), QStringLiteral("account-1"));
    QCOMPARE(field(window, "versionValue"), QStringLiteral("1"));
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 5);     // account-1 v2
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 7);     // account-1 v3
    keyInLog(window, Qt::Key_Down, Qt::AltModifier);    // the stream ends here
    QCOMPARE(currentPosition(window), qint64(7));
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("account-1 ends here."));
    stepAndCheck(Qt::Key_Up, Qt::AltModifier, 5);
    stepAndCheck(Qt::Key_Up, Qt::ControlModifier, 4);
    stepAndCheck(Qt::Key_Up, Qt::AltModifier, 2);       // account-2 v0
    keyInLog(window, Qt::Key_Up, Qt::AltModifier);
    QCOMPARE(currentPosition(window), qint64(2));
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("account-2 starts here."));
    stepAndCheck(Qt::Key_End, Qt::ControlModifier, 9);
    keyInLog(window, Qt::Key_Down, Qt::ControlModifier); // the last event stays current
    QCOMPARE(currentPosition(window), qint64(9));
    stepAndCheck(Qt::Key_Home, Qt::ControlModifier, 1);
    keyInLog(window, Qt::Key_Up, Qt::ControlModifier);
    QCOMPARE(currentPosition(window), qint64(1));

    // --- The state after the selected event, with the difference from the one before. ---
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 2);
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 3);
    QTRY_VERIFY2_WITH_TIMEOUT(stateTitle(window).startsWith(QStringLiteral("account-1 after version 1 (Deposited) · 4 events")),
                              qPrintable(stateTitle(window)), Timeout);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-1"), 1));
    QCOMPARE(stateValue(window, "/balance"), QVariant(qint64(150)));
    QCOMPARE(stateValue(window, "/memo"), QVariant(QStringLiteral("salary")));
    QCOMPARE(stateValue(window, "/owner"), QVariant(QStringLiteral("ada")));
    QCOMPARE(stateDiff(window, "/balance"), Diff::Changed);
    QCOMPARE(stateDiff(window, "/_version"), Diff::Changed);
    QCOMPARE(stateDiff(window, "/amount"), Diff::Added);
    QCOMPARE(stateDiff(window, "/memo"), Diff::Added);
    QCOMPARE(stateDiff(window, "/owner"), Diff::None);
    QCOMPARE(statePatch(window), QStringLiteral(R"([{"op":"replace","path":"/_version","value":1},)"
                                                R"({"op":"replace","path":"/_lastEventType","value":"Deposited"},)"
                                                R"({"op":"replace","path":"/balance","value":150},)"
                                                R"({"op":"add","path":"/amount","value":150},)"
                                                R"({"op":"add","path":"/memo","value":"salary"}])"));
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 5); // v2 removes status
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-1 after version 2 (Withdrawn)")), Timeout);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-1"), 2));
    QCOMPARE(stateDiff(window, "/status"), Diff::Removed);
    QCOMPARE(stateValue(window, "/status"), QVariant(QStringLiteral("pending")));
    QCOMPARE(stateDiff(window, "/amount"), Diff::Changed);
    QCOMPARE(stateValue(window, "/amount"), QVariant(qint64(30)));
    QCOMPARE(stateDiff(window, "/memo"), Diff::None);
    QCOMPARE(statePatch(window), QStringLiteral(R"([{"op":"remove","path":"/status"},)"
                                                R"({"op":"replace","path":"/_version","value":2},)"
                                                R"({"op":"replace","path":"/_lastEventType","value":"Withdrawn"},)"
                                                R"({"op":"replace","path":"/balance","value":120},)"
                                                R"({"op":"replace","path":"/amount","value":30}])"));
    // Another stream's event loads that stream's state.
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 6);
    QTRY_VERIFY2_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-2 after version 2 (Withdrawn)")),
                              qPrintable(stateTitle(window)), Timeout);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-2"), 2));
    QCOMPARE(stateDiff(window, "/to"), Diff::Added);

    // --- Skip (S) the salary deposit: the state goes on as if it never happened. ---
    stepAndCheck(Qt::Key_Up, Qt::ControlModifier, 5);
    stepAndCheck(Qt::Key_Up, Qt::AltModifier, 3);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-1 after version 1")), Timeout);
    QVERIFY(window.statePane()->skipButton()->isEnabled());
    QVERIFY(!struckOut(window, rowOf(window, 3)));
    keyInLog(window, Qt::Key_S);
    QVERIFY(window.statePane()->isSkipped(QStringLiteral("account-1"), 1));
    QCOMPARE(window.statePane()->skippedPositions(), QSet<qint64>{3});
    QCOMPARE(skippedTexts(window), QStringList{QStringLiteral("version 1 · Deposited")});
    QVERIFY(window.statePane()->skippedList()->isVisible());
    QVERIFY(window.statePane()->skipButton()->isChecked());
    QVERIFY(stateTitle(window).endsWith(QStringLiteral(" · this event is skipped")));
    QCOMPARE(statePatch(window), QStringLiteral("[]  (no change)"));
    // Struck through in the log, in every column; no other row is.
    for (int column = 0; column < EventListModel::ColumnCount; ++column)
        QVERIFY(struckOut(window, rowOf(window, 3), column));
    for (const qint64 p : allPositions()) {
        if (p != 3)
            QVERIFY2(!struckOut(window, rowOf(window, p)), qPrintable(QString::number(p)));
    }
    QCOMPARE(window.tableModel()->skippedPositions(), QSet<qint64>{3});
    QCOMPARE(currentPosition(window), qint64(3)); // S does not move
    // S is the shortcut, not text for the predicate (other text typed in the log goes there).
    QVERIFY(bar->predicateEdit()->text().isEmpty());
    QVERIFY(window.eventTable()->hasFocus());

    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 5);
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 7);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-1 after version 3 (Deposited)")), Timeout);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-1"), 3, {1}));
    QCOMPARE(stateTree(window)->documentJson(),
             QStringLiteral(R"({"_version":3,"_lastEventType":"Deposited","owner":"ada","balance":240,"amount":120,"from":"account-2"})"));
    QVERIFY(!stateTree(window)->indexForPath(QStringLiteral("/memo")).isValid());
    QCOMPARE(skippedTexts(window), QStringList{QStringLiteral("version 1 · Deposited")});
    QVERIFY(!window.statePane()->skipButton()->isChecked());
    // Another stream is not affected.
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 8);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-2 after version 3")), Timeout);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-2"), 3));
    QVERIFY(skippedTexts(window).isEmpty());
    QVERIFY(struckOut(window, rowOf(window, 3)));

    // Unskip (S again on the event) restores it.
    stepAndCheck(Qt::Key_Up, Qt::ControlModifier, 7);
    stepAndCheck(Qt::Key_Up, Qt::AltModifier, 5);
    stepAndCheck(Qt::Key_Up, Qt::AltModifier, 3);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-1 after version 1")), Timeout);
    QVERIFY(window.statePane()->skipButton()->isChecked());
    keyInLog(window, Qt::Key_S);
    QVERIFY(!window.statePane()->isSkipped(QStringLiteral("account-1"), 1));
    QVERIFY(window.statePane()->skippedPositions().isEmpty());
    QVERIFY(window.tableModel()->skippedPositions().isEmpty());
    QVERIFY(!struckOut(window, rowOf(window, 3)));
    QVERIFY(window.statePane()->skippedList()->isHidden());
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-1"), 1));
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 5);
    stepAndCheck(Qt::Key_Down, Qt::AltModifier, 7);
    QCOMPARE(stateTree(window)->documentJson(), referenceState(*m_store, QStringLiteral("account-1"), 3));
    QCOMPARE(stateValue(window, "/memo"), QVariant(QStringLiteral("salary")));

    // --- Related events: causation and correlation links of the detail pane. ---
    // With account-1 selected, the cause of v3 (in account-2) is hidden: following the link
    // shows the whole log again and selects it.
    clickRow(tree, streamRow(window, QStringLiteral("account-1")));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{1, 3, 5, 7}), Timeout);
    window.eventTable()->setFocus();
    stepAndCheck(Qt::Key_End, Qt::ControlModifier, 7);
    QLabel *links = window.detailPane()->linksLabel();
    QVERIFY2(links->text().contains(QStringLiteral("causation:%1").arg(idOf(6))), qPrintable(links->text()));
    QVERIFY2(links->text().contains(QLatin1String("correlation:corr-transfer")), qPrintable(links->text()));
    Q_EMIT links->linkActivated(QStringLiteral("causation:%1").arg(idOf(6)));
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(6), Timeout);
    QVERIFY(window.streamsPane()->selectedStream().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QCOMPARE(field(window, "idValue"), idOf(6));

    // Every event of the correlation, through the predicate filter.
    QVERIFY2(links->text().contains(QLatin1String("correlation:corr-transfer")), qPrintable(links->text()));
    Q_EMIT links->linkActivated(QStringLiteral("correlation:corr-transfer"));
    QCOMPARE(bar->predicateEdit()->text(), QStringLiteral("e.metadata.correlationId == \"corr-transfer\""));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{6, 7}), Timeout);
    QCOMPARE(shownPositions(window), reference(*m_store, EventQuery{}, [](const Event &e, const QJsonObject &) {
                 return QJsonDocument::fromJson(e.metadata).object().value(QLatin1String("correlationId")).toString() == QLatin1String("corr-transfer");
             }));
    QTRY_COMPARE_WITH_TIMEOUT(bar->predicateStatus()->text(), QStringLiteral("2 of 9 match"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(6), Timeout);

    // The cause of 6 (position 4) is hidden by the predicate: the filters go, 4 is selected.
    Q_EMIT links->linkActivated(QStringLiteral("causation:%1").arg(idOf(4)));
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(4), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QVERIFY(bar->predicate().isEmpty());
    QVERIFY(bar->predicateEdit()->text().isEmpty());
    // An id that is not in the store: said, nothing moves.
    Q_EMIT links->linkActivated(QStringLiteral("causation:00000000-0000-4000-8000-999999999999"));
    QCOMPARE(currentPosition(window), qint64(4));
    QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("No event with id")));

    // --- Newest first reverses the log. ---
    keyInLog(window, Qt::Key_N, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(window.action(QStringLiteral("newestFirstAction"))->isChecked());
    QVERIFY(window.currentQuery().backward);
    Positions reversed = allPositions();
    std::reverse(reversed.begin(), reversed.end());
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), reversed, Timeout);
    QCOMPARE(shownTexts(window, EventListModel::TypeColumn).constFirst(), QStringLiteral("OrderPlaced"));
    stepAndCheck(Qt::Key_Home, Qt::ControlModifier, 9);
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 8);
    // With a stream selected too.
    clickRow(tree, streamRow(window, QStringLiteral("account-2")));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{8, 6, 4, 2}), Timeout);

    // --- Clear Filters restores everything (the order stays the user's choice). ---
    menu = openTypesMenu(*bar);
    QTRY_VERIFY_WITH_TIMEOUT(bar->typesList()->isVisible(), Timeout);
    clickType(*bar, QStringLiteral("Deposited"));
    closeMenu(menu, window);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{8, 4}), Timeout);
    typePredicate(window, QStringLiteral("e.data.amount > 100"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), Positions{4}, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(bar->predicateStatus()->text(), QStringLiteral("1 of 2 match"), Timeout);
    bar->streamEdit()->setText(QStringLiteral("account-*"));
    bar->sinceEdit()->setText(QStringLiteral("2024-01-01"));

    keyInLog(window, Qt::Key_Backspace, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(window.streamsPane()->selectedStream().isEmpty());
    QVERIFY(bar->selectedTypes().isEmpty());
    QVERIFY(bar->predicate().isEmpty());
    QVERIFY(bar->predicateEdit()->text().isEmpty());
    QVERIFY(bar->streamEdit()->text().isEmpty());
    QVERIFY(bar->sinceEdit()->text().isEmpty());
    const EventQuery query = window.currentQuery();
    QVERIFY(query.stream.isEmpty() && query.category.isEmpty() && query.types.isEmpty() && query.streamGlob.isEmpty());
    QVERIFY(!query.sinceMs && !query.untilMs);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), reversed, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("9 matching"), Timeout);
    QVERIFY(bar->predicateStatus()->text().isEmpty());

    // Oldest first again.
    window.action(QStringLiteral("newestFirstAction"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), qint64(1), Timeout);
}

void TestInspector::predicateMatchesReference_data()
{
    using Keep = std::function<bool(const Event &, const QJsonObject &)>;
    QTest::addColumn<QString>("predicate");
    QTest::addColumn<Positions>("expected");

    const auto add = [this](const char *name, const char *predicate, const Keep &keep) {
        QTest::newRow(name) << QString::fromUtf8(predicate) << reference(*m_store, EventQuery{}, keep);
    };
    const auto metadata = [](const Event &e) { return QJsonDocument::fromJson(e.metadata).object(); };
    add("amount", "e.data.amount > 100", [](const Event &, const QJsonObject &d) {
        return d.value(QLatin1String("amount")).toDouble() > 100;
    });
    add("type and stream", "e.type == \"Deposited\" && e.stream == \"account-2\"", [](const Event &e, const QJsonObject &) {
        return e.type == QLatin1String("Deposited") && e.stream == QLatin1String("account-2");
    });
    add("arrow function", "({data}) => data.balance >= 240", [](const Event &, const QJsonObject &d) {
        return d.contains(QLatin1String("balance")) && d.value(QLatin1String("balance")).toDouble() >= 240;
    });
    add("function body", "if (e.version == 0) return true; return e.data.memo !== undefined;", [](const Event &e, const QJsonObject &d) {
        return e.version == 0 || d.contains(QLatin1String("memo"));
    });
    add("metadata", "e.metadata.causationId !== undefined && e.category == \"account\"", [metadata](const Event &e, const QJsonObject &) {
        return metadata(e).contains(QLatin1String("causationId")) && e.category() == QLatin1String("account");
    });
    add("time", "e.timeMs >= 1704067500000 && e.time < \"2024-01-01T00:08\"", [](const Event &e, const QJsonObject &) {
        return e.timeMs >= 1704067500000 && e.timeMs < 1704067680000;
    });
    add("none", "false", [](const Event &, const QJsonObject &) { return false; });
}

void TestInspector::predicateMatchesReference()
{
    QFETCH(QString, predicate);
    QFETCH(Positions, expected);
    openWindow();
    MainWindow &window = *m_window;
    typePredicate(window, predicate);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), expected, Timeout);
    const QString count = QLocale().toString(qint64(expected.size()));
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("%1 matching").arg(count), Timeout);
    QCOMPARE(window.filterBar()->predicateStatus()->text(), QStringLiteral("%1 of 9 match").arg(count));
    if (!expected.isEmpty())
        QTRY_COMPARE_WITH_TIMEOUT(currentPosition(window), expected.constFirst(), Timeout);
}

void TestInspector::predicateWithinStreamAndTypes()
{
    openWindow();
    MainWindow &window = *m_window;
    // The predicate runs on what the SQL filters leave: the selected stream and types.
    typePredicate(window, QStringLiteral("e.data.amount > 100"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{3, 4, 6, 7}), Timeout);
    clickRow(window.streamsPane()->treeView(), window.streamsPane()->model()->categoryIndex(QStringLiteral("account")));
    window.streamsPane()->treeView()->expand(window.streamsPane()->model()->categoryIndex(QStringLiteral("account")));
    clickRow(window.streamsPane()->treeView(), streamRow(window, QStringLiteral("account-2")));
    EventQuery stream;
    stream.stream = QStringLiteral("account-2");
    const Positions expected = reference(*m_store, stream, [](const Event &, const QJsonObject &d) {
        return d.value(QLatin1String("amount")).toDouble() > 100;
    });
    QCOMPARE(expected, (Positions{4, 6}));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), expected, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.filterBar()->predicateStatus()->text(), QStringLiteral("2 of 4 match"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("2 matching"), Timeout);

    window.filterBar()->setSelectedTypes({QStringLiteral("Withdrawn")});
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), Positions{6}, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.filterBar()->predicateStatus()->text(), QStringLiteral("1 of 1 match"), Timeout);
}

void TestInspector::clearingPredicateWhileItRuns()
{
    openWindow();
    MainWindow &window = *m_window;
    FilterBar *bar = window.filterBar();
    // A predicate that never returns: the scan is still running when the field is emptied.
    typePredicate(window, QStringLiteral("(() => { for (;;) {} })()"));
    QVERIFY(window.predicateScan()->isRunning());
    bar->predicateEdit()->selectAll();
    QTest::keyClick(bar->predicateEdit(), Qt::Key_Delete);
    QVERIFY(bar->predicate().isEmpty());

    // Once the cancelled scan has stopped and the log is counted, the window shows the log
    // without a predicate: every event, its count, and no word of the cancelled scan.
    QTRY_VERIFY_WITH_TIMEOUT(!window.predicateScan()->isRunning(), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), allPositions(), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("9 matching"), Timeout);
    QVERIFY2(bar->predicateStatus()->text().isEmpty(), qPrintable(bar->predicateStatus()->text()));
    QVERIFY(!window.model()->positions());
}

void TestInspector::openingAnotherStoreResets()
{
    openWindow();
    MainWindow &window = *m_window;
    // Filters and skips of one store do not apply to another.
    window.eventTable()->setFocus();
    stepAndCheck(Qt::Key_Down, Qt::ControlModifier, 2);
    QTRY_VERIFY_WITH_TIMEOUT(window.statePane()->history(), Timeout);
    keyInLog(window, Qt::Key_S);
    QCOMPARE(window.tableModel()->skippedPositions(), QSet<qint64>{2});
    window.filterBar()->setSelectedTypes({QStringLiteral("Deposited")});
    typePredicate(window, QStringLiteral("e.data.amount > 100"));
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{3, 4, 7}), Timeout);

    const QString other = m_dir.filePath(QStringLiteral("other.eventlens"));
    {
        auto store = EventStore::open(other, EventStore::OpenMode::ReadWrite);
        NewEvent e;
        e.type = QStringLiteral("Deposited");
        e.data = R"({"amount":1000})";
        store->append(QStringLiteral("account-9"), ExpectedVersion::any(), {e, e});
    }
    QVERIFY(window.openStore(other));
    QVERIFY(window.filterBar()->selectedTypes().isEmpty());
    QVERIFY(window.filterBar()->predicate().isEmpty());
    QVERIFY(window.tableModel()->skippedPositions().isEmpty());
    QVERIFY(window.statePane()->skippedPositions().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shownPositions(window), (Positions{1, 2}), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "eventCountLabel"), QStringLiteral("2 events"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(statusLabel(window, "matchCountLabel"), QStringLiteral("2 matching"), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(window.filterBar()->typesList()->count(), 1, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(stateTitle(window).startsWith(QLatin1String("account-9 after version 0")), Timeout);
    QVERIFY(!struckOut(window, 1));
}

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
