#include "aggregatehistory.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "mergestatefunction.h"
#include "modeltesting.h"
#include "statepane.h"

#include <QCoreApplication>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <nlohmann/json.hpp>

#include <memory>

using namespace eventlens;

namespace {

constexpr int Timeout = 60000; // generous: sanitizer builds on a busy machine
using Json = nlohmann::ordered_json;
using Diff = JsonTreeModel::Diff;

QString idOf(int position)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(position, 12, 10, QLatin1Char('0'));
}

// Two bank accounts and an order; position n has id idOf(n).
//   1 account-1 v0 AccountOpened {owner ada, balance 0, status pending}
//   2 account-2 v0 AccountOpened {owner bob, balance 0}
//   3 account-1 v1 Deposited     {amount 150, balance 150, memo salary}
//   4 account-2 v1 Deposited     {amount 500, balance 500}
//   5 account-1 v2 Withdrawn     {amount 30, balance 120, status null}   (removes status)
//   6 account-2 v2 Withdrawn     {amount 120, balance 380, to account-1}
//   7 account-1 v3 Deposited     {amount 120, balance 240, from account-2}
//   8 account-2 v3 Deposited     {amount 40, balance 420}
//   9 order-1   v0 OrderPlaced   {customer ada, total 250}
void createBankStore(const QString &path)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    int n = 0;
    const auto add = [&](const char *stream, const char *type, const char *data) {
        ++n;
        NewEvent e;
        e.id = idOf(n);
        e.type = QLatin1String(type);
        e.data = data;
        e.metadata = "{\"correlationId\":\"corr-" + QByteArray::number(n) + "\"}";
        e.timeMs = 1704067200000 + qint64(n) * 60000;
        store->append(QLatin1String(stream), ExpectedVersion::any(), {e});
    };
    add("account-1", "AccountOpened", R"({"owner":"ada","balance":0,"status":"pending"})");
    add("account-2", "AccountOpened", R"({"owner":"bob","balance":0})");
    add("account-1", "Deposited", R"({"amount":150,"balance":150,"memo":"salary"})");
    add("account-2", "Deposited", R"({"amount":500,"balance":500})");
    add("account-1", "Withdrawn", R"({"amount":30,"balance":120,"status":null})");
    add("account-2", "Withdrawn", R"({"amount":120,"balance":380,"to":"account-1"})");
    add("account-1", "Deposited", R"({"amount":120,"balance":240,"from":"account-2"})");
    add("account-2", "Deposited", R"({"amount":40,"balance":420})");
    add("order-1", "OrderPlaced", R"({"customer":"ada","total":250})");
}

// The state of a stream after `version` as if the events of `skipped` had never happened: the
// default state function folded over the other events (the reference the pane must agree with).
Json referenceState(const EventStore &store, const QString &stream, qint64 version, const QList<qint64> &skipped = {})
{
    const MergeStateFunction function;
    Json state = function.initialState();
    for (const Event &e : store.readStream(stream, 0)) {
        if (e.version > version)
            break;
        if (!skipped.contains(e.version))
            state = function.evolve(state, e);
    }
    return state;
}

QModelIndex nodeAt(const StatePane &pane, const char *path)
{
    return pane.stateView()->model()->indexForPath(QLatin1String(path));
}

QVariant valueAt(const StatePane &pane, const char *path)
{
    const QModelIndex index = nodeAt(pane, path);
    return index.isValid() ? index.data(JsonTreeModel::ValueRole) : QVariant();
}

Diff diffAt(const StatePane &pane, const char *path)
{
    return nodeAt(pane, path).data(JsonTreeModel::DiffRole).value<Diff>();
}

// Compact JSON text, member order kept: comparisons print readably when they fail.
QString text(const Json &json)
{
    return QString::fromStdString(json.dump());
}

Json shownState(const StatePane &pane)
{
    return Json::parse(pane.stateView()->model()->documentJson().toStdString());
}

Json shownPatch(const StatePane &pane)
{
    return Json::parse(pane.patchView()->toPlainText().toStdString(), nullptr, false);
}

// A patch as compact JSON with the members of each operation sorted by name (their order in
// the text is not part of the format).
QString patchText(const std::string &json)
{
    const nlohmann::json patch = nlohmann::json::parse(json, nullptr, false);
    return patch.is_discarded() ? QString::fromStdString(json) : QString::fromStdString(patch.dump());
}

QString shownPatchText(const StatePane &pane)
{
    return patchText(pane.patchView()->toPlainText().toStdString());
}

QStringList skippedListTexts(const StatePane &pane)
{
    QStringList out;
    for (int i = 0; i < pane.skippedList()->count(); ++i)
        out.append(pane.skippedList()->item(i)->text());
    return out;
}

// A state function that fails on Withdrawn events taking more than the balance allows.
class StrictFunction final : public StateFunction
{
public:
    QString name() const override { return QStringLiteral("strict"); }
    Json evolve(const Json &state, const Event &event) const override
    {
        if (event.type == QLatin1String("Withdrawn") && event.stream == QLatin1String("account-1"))
            throw StateError(QStringLiteral("withdrawals are frozen"));
        Json next = state;
        JsonPatch::mergePatchInPlace(next, parsedData(event));
        return next;
    }
};

} // namespace

class TestStatePane : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void showEventLoadsTheStream();
    void stateAndDiffAtEveryVersion();
    void firstEventIsAllAdded();
    void skipAndUnskip();
    void unskipFromTheList();
    void skipsArePerStream();
    void newerRequestWins();
    void storeChangeClears();
    void failingStateFunction();
    void missingStream();

private:
    Event eventAt(qint64 position) const { return *m_store->eventAt(position); }
    void showAndWait(const Event &event);

    QTemporaryDir m_dir;
    std::shared_ptr<EventStore> m_store;
    std::unique_ptr<StatePane> m_pane;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestStatePane::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("state.eventlens"));
    createBankStore(path);
    m_store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
}

void TestStatePane::init()
{
    m_pane = std::make_unique<StatePane>();
    m_tester = testing::attachTester(*m_pane->stateView()->model());
    m_pane->resize(600, 700);
    m_pane->show();
    m_pane->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_pane.get()));
    m_pane->setStore(m_store);
}

void TestStatePane::cleanup()
{
    m_tester.reset();
    m_pane.reset();
}

void TestStatePane::showAndWait(const Event &event)
{
    QSignalSpy shown(m_pane.get(), &StatePane::stateShown);
    m_pane->showEvent(event);
    if (!m_pane->history() || m_pane->history()->stream() != event.stream)
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, Timeout);
    QVERIFY(m_pane->history());
    QCOMPARE(m_pane->history()->stream(), event.stream);
    QVERIFY(!m_pane->isLoading());
}

void TestStatePane::showEventLoadsTheStream()
{
    StatePane &pane = *m_pane;
    QCOMPARE(pane.titleLabel()->text(), QStringLiteral("Select an event to see its stream's state after it."));
    QVERIFY(!pane.skipButton()->isEnabled());
    QVERIFY(pane.stateView()->model()->isEmpty());
    QVERIFY(!pane.history());

    QSignalSpy shown(&pane, &StatePane::stateShown);
    pane.showEvent(eventAt(3));
    // The stream is read off the GUI thread.
    QVERIFY(pane.isLoading());
    QCOMPARE(pane.titleLabel()->text(), QStringLiteral("Loading the state of account-1…"));
    QVERIFY(!pane.skipButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, Timeout);
    QVERIFY(!pane.isLoading());
    QVERIFY(pane.history());
    QCOMPARE(pane.history()->stream(), QStringLiteral("account-1"));
    QCOMPARE(pane.history()->count(), qint64(4));
    QCOMPARE(pane.titleLabel()->text(),
             QStringLiteral("account-1 after version 1 (Deposited) · 4 events, state function: JSON merge"));
    QVERIFY(pane.skipButton()->isEnabled());
    QVERIFY(!pane.skipButton()->isChecked());
    QCOMPARE(pane.skipButton()->text(), QStringLiteral("Skip Event"));
    QVERIFY(pane.skippedList()->isHidden());

    // Another event of the same stream needs no load: shown at once.
    pane.showEvent(eventAt(7));
    QVERIFY(!pane.isLoading());
    QCOMPARE(pane.titleLabel()->text(),
             QStringLiteral("account-1 after version 3 (Deposited) · 4 events, state function: JSON merge"));
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(240)));
    QCOMPARE(shown.count(), 1);
}

void TestStatePane::stateAndDiffAtEveryVersion()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(3)); // account-1 v1, Deposited 150

    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 1)));
    QCOMPARE(text(shownState(pane)), text(Json::parse(R"({"_version":1,"_lastEventType":"Deposited","owner":"ada","balance":150,
                                               "status":"pending","amount":150,"memo":"salary"})")));
    QVERIFY(pane.stateView()->model()->hasDiff());
    QCOMPARE(valueAt(pane, "/_version"), QVariant(qint64(1)));
    QCOMPARE(valueAt(pane, "/_lastEventType"), QVariant(QStringLiteral("Deposited")));
    QCOMPARE(valueAt(pane, "/owner"), QVariant(QStringLiteral("ada")));
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(150)));
    QCOMPARE(valueAt(pane, "/memo"), QVariant(QStringLiteral("salary")));
    QCOMPARE(diffAt(pane, "/_version"), Diff::Changed);
    QCOMPARE(diffAt(pane, "/_lastEventType"), Diff::Changed);
    QCOMPARE(diffAt(pane, "/balance"), Diff::Changed);
    QCOMPARE(diffAt(pane, "/amount"), Diff::Added);
    QCOMPARE(diffAt(pane, "/memo"), Diff::Added);
    QCOMPARE(diffAt(pane, "/owner"), Diff::None);
    QCOMPARE(diffAt(pane, "/status"), Diff::None);
    QCOMPARE(nodeAt(pane, "/balance").data(JsonTreeModel::BeforeJsonRole).toString(), QStringLiteral("0"));
    // The same difference as a JSON Patch: changed members, then added ones.
    QCOMPARE(shownPatchText(pane), patchText(R"([
        {"op":"replace","path":"/_version","value":1},
        {"op":"replace","path":"/_lastEventType","value":"Deposited"},
        {"op":"replace","path":"/balance","value":150},
        {"op":"add","path":"/amount","value":150},
        {"op":"add","path":"/memo","value":"salary"}])"));

    // v2 removes status (a null member of the merge patch).
    pane.showEvent(eventAt(5));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 2)));
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(120)));
    QCOMPARE(valueAt(pane, "/amount"), QVariant(qint64(30)));
    QCOMPARE(diffAt(pane, "/status"), Diff::Removed);
    QCOMPARE(valueAt(pane, "/status"), QVariant(QStringLiteral("pending"))); // the removed value is shown
    QCOMPARE(diffAt(pane, "/amount"), Diff::Changed);
    QCOMPARE(diffAt(pane, "/memo"), Diff::None);
    QCOMPARE(diffAt(pane, "/owner"), Diff::None);
    QVERIFY(!shownState(pane).contains("status"));
    QCOMPARE(shownPatchText(pane), patchText(R"([
        {"op":"remove","path":"/status"},
        {"op":"replace","path":"/_version","value":2},
        {"op":"replace","path":"/_lastEventType","value":"Withdrawn"},
        {"op":"replace","path":"/balance","value":120},
        {"op":"replace","path":"/amount","value":30}])"));
    // Applied to the state before, the patch gives the state after.
    QCOMPARE(text(JsonPatch::apply(referenceState(*m_store, QStringLiteral("account-1"), 1), shownPatch(pane))), text(shownState(pane)));

    // v3 adds from.
    pane.showEvent(eventAt(7));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3)));
    QCOMPARE(diffAt(pane, "/from"), Diff::Added);
    QCOMPARE(valueAt(pane, "/from"), QVariant(QStringLiteral("account-2")));
    QVERIFY(!nodeAt(pane, "/status").isValid());
}

void TestStatePane::firstEventIsAllAdded()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(2)); // account-2 v0
    QCOMPARE(text(shownState(pane)), text(Json::parse(R"({"_version":0,"_lastEventType":"AccountOpened","owner":"bob","balance":0})")));
    for (const char *path : {"/_version", "/_lastEventType", "/owner", "/balance"})
        QCOMPARE(diffAt(pane, path), Diff::Added);
    QCOMPARE(shownPatchText(pane), patchText(R"([
        {"op":"add","path":"/_version","value":0},
        {"op":"add","path":"/_lastEventType","value":"AccountOpened"},
        {"op":"add","path":"/owner","value":"bob"},
        {"op":"add","path":"/balance","value":0}])"));
}

void TestStatePane::skipAndUnskip()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(3)); // account-1 v1: the salary deposit
    QSignalSpy changed(&pane, &StatePane::skippedChanged);

    QTest::mouseClick(pane.skipButton(), Qt::LeftButton);
    QCOMPARE(changed.count(), 1);
    QVERIFY(pane.isSkipped(QStringLiteral("account-1"), 1));
    QVERIFY(!pane.isSkipped(QStringLiteral("account-1"), 2));
    QCOMPARE(pane.skippedPositions(), QSet<qint64>{3});
    QVERIFY(pane.skipButton()->isChecked());
    QCOMPARE(pane.skipButton()->text(), QStringLiteral("Unskip Event"));
    QVERIFY(pane.titleLabel()->text().endsWith(QStringLiteral(" · this event is skipped")));
    // A skipped event changes nothing: the state is the one before it, with no difference.
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 0)));
    QCOMPARE(pane.patchView()->toPlainText(), QStringLiteral("[]  (no change)"));
    for (const char *path : {"/_version", "/owner", "/balance", "/status"})
        QCOMPARE(diffAt(pane, path), Diff::None);
    QVERIFY(!nodeAt(pane, "/memo").isValid());
    QVERIFY(pane.skippedList()->isVisible());
    QCOMPARE(skippedListTexts(pane), QStringList{QStringLiteral("version 1 · Deposited")});
    QVERIFY(pane.skippedList()->item(0)->font().strikeOut());

    // Later events of the stream: as if the deposit never happened.
    pane.showEvent(eventAt(7));
    const Json without = referenceState(*m_store, QStringLiteral("account-1"), 3, {1});
    QCOMPARE(text(without), text(Json::parse(R"({"_version":3,"_lastEventType":"Deposited","owner":"ada","balance":240,"amount":120,"from":"account-2"})")));
    QCOMPARE(text(shownState(pane)), text(without));
    QVERIFY(!nodeAt(pane, "/memo").isValid());
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(240)));
    QVERIFY(!pane.skipButton()->isChecked());
    QCOMPARE(skippedListTexts(pane), QStringList{QStringLiteral("version 1 · Deposited")});
    pane.showEvent(eventAt(5));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 2, {1})));
    // Before v2 (with v1 skipped) there was no amount: v2 adds it.
    QCOMPARE(diffAt(pane, "/amount"), Diff::Added);

    // A second skip, then both undone with S's slot on the shown event and setSkipped().
    pane.toggleSkip(); // v2
    QCOMPARE(changed.count(), 2);
    QCOMPARE(pane.skippedPositions(), (QSet<qint64>{3, 5}));
    QCOMPARE(skippedListTexts(pane), (QStringList{QStringLiteral("version 1 · Deposited"), QStringLiteral("version 2 · Withdrawn")}));
    pane.showEvent(eventAt(7));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3, {1, 2})));
    QCOMPARE(valueAt(pane, "/status"), QVariant(QStringLiteral("pending"))); // v2 removed it; skipped, it stays

    pane.setSkipped(QStringLiteral("account-1"), 2, false);
    pane.setSkipped(QStringLiteral("account-1"), 2, false); // already restored: nothing said
    QCOMPARE(changed.count(), 3);
    pane.showEvent(eventAt(3));
    pane.toggleSkip(); // v1 restored
    QCOMPARE(changed.count(), 4);
    QVERIFY(!pane.isSkipped(QStringLiteral("account-1"), 1));
    QVERIFY(pane.skippedPositions().isEmpty());
    QVERIFY(pane.skippedList()->isHidden());
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 1)));
    pane.showEvent(eventAt(7));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3)));
    QCOMPARE(valueAt(pane, "/memo"), QVariant(QStringLiteral("salary")));
}

void TestStatePane::unskipFromTheList()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(3));
    pane.toggleSkip();
    pane.showEvent(eventAt(5));
    pane.toggleSkip();
    QCOMPARE(pane.skippedPositions(), (QSet<qint64>{3, 5}));
    pane.showEvent(eventAt(7));

    // Delete on an item of the list restores that event.
    QListWidget *list = pane.skippedList();
    QCOMPARE(list->count(), 2);
    list->setFocus();
    list->setCurrentRow(0);
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(pane.skippedPositions(), QSet<qint64>{5});
    QCOMPARE(skippedListTexts(pane), QStringList{QStringLiteral("version 2 · Withdrawn")});
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3, {2})));

    // Unskip All restores the rest.
    pane.toggleSkip(); // v3 too
    QCOMPARE(pane.skippedPositions(), (QSet<qint64>{5, 7}));
    auto *all = pane.findChild<QPushButton *>(QStringLiteral("unskipAll"));
    QVERIFY(all && all->isVisible());
    QTest::mouseClick(all, Qt::LeftButton);
    QVERIFY(pane.skippedPositions().isEmpty());
    QCOMPARE(list->count(), 0);
    QVERIFY(!all->isVisible());
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3)));
}

void TestStatePane::skipsArePerStream()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(3));
    pane.toggleSkip(); // account-1 v1

    // Another stream: loaded on its own, with none of account-1's skips shown.
    showAndWait(eventAt(6)); // account-2 v2
    QCOMPARE(pane.history()->stream(), QStringLiteral("account-2"));
    QVERIFY(pane.skippedList()->isHidden());
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-2"), 2)));
    pane.setSkipped(QStringLiteral("account-2"), 1, true); // the 500 deposit
    QCOMPARE(pane.skippedPositions(), (QSet<qint64>{3, 4}));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-2"), 2, {1})));
    QCOMPARE(skippedListTexts(pane), QStringList{QStringLiteral("version 1 · Deposited")});

    // Back to account-1: read again, its skip applied.
    showAndWait(eventAt(7));
    QVERIFY(pane.history()->isSkipped(1));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3, {1})));
    QVERIFY(!nodeAt(pane, "/memo").isValid());
    QCOMPARE(skippedListTexts(pane), QStringList{QStringLiteral("version 1 · Deposited")});
    QVERIFY(pane.isSkipped(QStringLiteral("account-2"), 1));
    QVERIFY(!pane.isSkipped(QStringLiteral("account-1"), 3));

    // And account-2 keeps its own.
    showAndWait(eventAt(8));
    QVERIFY(pane.history()->isSkipped(1));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-2"), 3, {1})));
    QCOMPARE(pane.skippedPositions(), (QSet<qint64>{3, 4}));
}

void TestStatePane::newerRequestWins()
{
    StatePane &pane = *m_pane;
    QSignalSpy shown(&pane, &StatePane::stateShown);
    pane.showEvent(eventAt(3)); // account-1: superseded before it is read
    pane.showEvent(eventAt(4)); // account-2
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, Timeout);
    // Let the first load finish and deliver: its result is dropped.
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::sendPostedEvents();
    QCOMPARE(shown.count(), 1);
    QCOMPARE(pane.history()->stream(), QStringLiteral("account-2"));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-2"), 1)));
    QVERIFY(pane.titleLabel()->text().startsWith(QLatin1String("account-2 after version 1 (Deposited)")));

    // clear() drops a load in flight too.
    pane.showEvent(eventAt(9));
    QVERIFY(pane.isLoading());
    pane.clear();
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::sendPostedEvents();
    QCOMPARE(shown.count(), 1);
    QVERIFY(!pane.history());
    QVERIFY(pane.stateView()->model()->isEmpty());
    QCOMPARE(pane.titleLabel()->text(), QStringLiteral("Select an event to see its stream's state after it."));
}

void TestStatePane::storeChangeClears()
{
    StatePane &pane = *m_pane;
    showAndWait(eventAt(3));
    pane.toggleSkip();
    QCOMPARE(pane.skippedPositions(), QSet<qint64>{3});

    // Another store (a copy with the same streams): nothing shown, no skips kept.
    const QString other = m_dir.filePath(QStringLiteral("other.eventlens"));
    createBankStore(other);
    std::shared_ptr<EventStore> store = EventStore::open(other, EventStore::OpenMode::ReadOnly);
    QSignalSpy changed(&pane, &StatePane::skippedChanged);
    pane.setStore(store);
    QCOMPARE(changed.count(), 1);
    QVERIFY(pane.skippedPositions().isEmpty());
    QVERIFY(!pane.isSkipped(QStringLiteral("account-1"), 1));
    QVERIFY(!pane.history());
    QVERIFY(pane.stateView()->model()->isEmpty());
    QVERIFY(pane.patchView()->toPlainText().isEmpty());
    QVERIFY(!pane.skipButton()->isEnabled());
    QVERIFY(pane.skippedList()->isHidden());
    QCOMPARE(pane.titleLabel()->text(), QStringLiteral("Select an event to see its stream's state after it."));

    // The same stream of the new store is read from it, unskipped.
    showAndWait(*store->eventAt(7));
    QVERIFY(!pane.history()->isSkipped(1));
    QCOMPARE(text(shownState(pane)), text(referenceState(*store, QStringLiteral("account-1"), 3)));
    QCOMPARE(valueAt(pane, "/memo"), QVariant(QStringLiteral("salary")));
}

void TestStatePane::failingStateFunction()
{
    StatePane &pane = *m_pane;
    pane.setStateFunction(std::make_shared<StrictFunction>());
    showAndWait(eventAt(3));
    QVERIFY(pane.titleLabel()->text().contains(QLatin1String("state function: strict")));
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(150)));

    // From the failing event on there is no state, and the pane says why.
    pane.showEvent(eventAt(7));
    QVERIFY2(pane.titleLabel()->text().startsWith(QLatin1String("No state at version 3: ")), qPrintable(pane.titleLabel()->text()));
    QVERIFY2(pane.titleLabel()->text().contains(QLatin1String("withdrawals are frozen")), qPrintable(pane.titleLabel()->text()));
    QVERIFY(pane.stateView()->model()->isEmpty());
    QVERIFY(pane.patchView()->toPlainText().isEmpty());

    // Skipping the failing event clears the error.
    pane.showEvent(eventAt(5));
    QVERIFY(pane.titleLabel()->text().startsWith(QLatin1String("No state at version 2: ")));
    QVERIFY(pane.skipButton()->isEnabled());
    pane.toggleSkip();
    QVERIFY(pane.isSkipped(QStringLiteral("account-1"), 2));
    pane.showEvent(eventAt(7));
    QVERIFY2(pane.titleLabel()->text().startsWith(QLatin1String("account-1 after version 3 (Deposited)")), qPrintable(pane.titleLabel()->text()));
    QCOMPARE(valueAt(pane, "/balance"), QVariant(qint64(240)));
    QCOMPARE(valueAt(pane, "/status"), QVariant(QStringLiteral("pending")));

    // Back to the default function: the history is read again, the skip kept.
    QSignalSpy shown(&pane, &StatePane::stateShown);
    pane.setStateFunction(nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, Timeout);
    QVERIFY(pane.titleLabel()->text().contains(QLatin1String("state function: JSON merge")));
    QCOMPARE(text(shownState(pane)), text(referenceState(*m_store, QStringLiteral("account-1"), 3, {2})));
}

void TestStatePane::missingStream()
{
    // An event whose stream the store does not have (e.g. a row of another store).
    StatePane &pane = *m_pane;
    Event ghost;
    ghost.position = 99;
    ghost.stream = QStringLiteral("ghost-1");
    ghost.version = 0;
    ghost.type = QStringLiteral("Haunted");
    QSignalSpy shown(&pane, &StatePane::stateShown);
    pane.showEvent(ghost);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, Timeout);
    QVERIFY2(pane.titleLabel()->text().startsWith(QLatin1String("No state at version 0")), qPrintable(pane.titleLabel()->text()));
    QVERIFY(pane.stateView()->model()->isEmpty());
    // Nothing to skip.
    QVERIFY(!pane.skipButton()->isEnabled());
    QSignalSpy changed(&pane, &StatePane::skippedChanged);
    pane.toggleSkip();
    QCOMPARE(changed.count(), 0);
    QVERIFY(pane.skippedPositions().isEmpty());

    // A real event afterwards is shown as usual.
    showAndWait(eventAt(9));
    QCOMPARE(valueAt(pane, "/total"), QVariant(qint64(250)));
    QVERIFY(pane.skipButton()->isEnabled());
}

QTEST_MAIN(TestStatePane)
#include "tst_statepane.moc"
