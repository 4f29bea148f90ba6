#include "eventstore.h"
#include "streamspane.h"
#include "streamtreemodel.h"

#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using namespace eventlens;

namespace {

constexpr int Timeout = 60000; // generous: sanitizer builds on a busy machine

void appendEvents(EventStore &store, const QString &stream, int count)
{
    std::vector<NewEvent> events;
    for (int i = 0; i < count; ++i) {
        NewEvent e;
        e.type = QStringLiteral("Happened");
        e.timeMs = 1704067200000 + i;
        events.push_back(e);
    }
    store.append(stream, ExpectedVersion::any(), events);
}

QModelIndex categoryRow(const StreamsPane &pane, const QString &name)
{
    return pane.model()->categoryIndex(name);
}

// Clicks the middle of a row's name cell.
void clickRow(QTreeView *tree, const QModelIndex &index)
{
    tree->scrollTo(index);
    const QRect rect = tree->visualRect(index);
    QVERIFY(rect.isValid());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
}

QStringList visibleStreams(const StreamsPane &pane)
{
    QStringList out;
    const StreamTreeModel *model = pane.model();
    for (int c = 0; c < model->rowCount(); ++c) {
        const QModelIndex category = model->index(c, 0);
        if (!pane.treeView()->isExpanded(category))
            continue;
        for (int s = 0; s < model->rowCount(category); ++s)
            out.append(model->index(s, 0, category).data(StreamTreeModel::NameRole).toString());
    }
    return out;
}

} // namespace

class TestStreamsPane : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void showsCategoriesAndExpandsLazily();
    void typingAFilterFilters();
    void regexToggleAndInvalidPattern();
    void clickingEmitsSelection();
    void keyboardSelection();
    void selectionKeptAcrossFilters();
    void reloadAndSwitchStores();

private:
    void waitIdle();

    QTemporaryDir m_dir;
    std::shared_ptr<EventStore> m_store;
    std::unique_ptr<StreamsPane> m_pane;
};

void TestStreamsPane::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_store = EventStore::open(m_dir.filePath(QStringLiteral("pane.eventlens")), EventStore::OpenMode::ReadWrite);
    appendEvents(*m_store, QStringLiteral("account-1"), 3);
    appendEvents(*m_store, QStringLiteral("account-2"), 1);
    appendEvents(*m_store, QStringLiteral("account-10"), 2);
    appendEvents(*m_store, QStringLiteral("order-7"), 4);
    appendEvents(*m_store, QStringLiteral("order-8"), 1);
}

void TestStreamsPane::init()
{
    m_pane = std::make_unique<StreamsPane>();
    m_pane->resize(400, 500);
    m_pane->show();
    m_pane->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_pane.get()));
    m_pane->setStore(m_store);
    waitIdle();
}

void TestStreamsPane::cleanup()
{
    m_pane.reset();
}

void TestStreamsPane::waitIdle()
{
    QTRY_VERIFY_WITH_TIMEOUT(!m_pane->model()->isBusy(), Timeout);
}

void TestStreamsPane::showsCategoriesAndExpandsLazily()
{
    StreamsPane &pane = *m_pane;
    QTreeView *tree = pane.treeView();
    QCOMPARE(tree->model(), pane.model());
    QCOMPARE(pane.model()->rowCount(), 2);
    QCOMPARE(pane.summaryText(), QStringLiteral("5 streams in 2 categories, 11 events"));
    QCOMPARE(tree->model()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("Name"));
    QCOMPARE(tree->model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("Events"));
    QCOMPARE(tree->model()->headerData(2, Qt::Horizontal).toString(), QStringLiteral("Version"));

    // Streams are read into the tree when their category is expanded (by the view's fetchMore()).
    const QModelIndex account = categoryRow(pane, QStringLiteral("account"));
    QCOMPARE(pane.model()->rowCount(account), 0);
    QVERIFY(!tree->isExpanded(account));
    tree->setFocus();
    tree->setCurrentIndex(account);
    QTest::keyClick(tree, Qt::Key_Right);
    QVERIFY(tree->isExpanded(account));
    QCOMPARE(pane.model()->rowCount(account), 3);
    QCOMPARE(visibleStreams(pane), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-10"), QStringLiteral("account-2")}));
}

void TestStreamsPane::typingAFilterFilters()
{
    StreamsPane &pane = *m_pane;
    QLineEdit *filter = pane.filterEdit();
    QTest::mouseClick(filter, Qt::LeftButton);
    QTest::keyClicks(filter, QStringLiteral("order*"));
    waitIdle();
    QCOMPARE(pane.model()->filterPattern(), QStringLiteral("order*"));
    QCOMPARE(pane.model()->rowCount(), 1);
    // Few matches: their categories open by themselves.
    QCOMPARE(visibleStreams(pane), (QStringList{QStringLiteral("order-7"), QStringLiteral("order-8")}));
    QCOMPARE(pane.summaryText(), QStringLiteral("2 of 5 streams match, 5 events"));
    QVERIFY(pane.filterErrorText().isEmpty());

    // Editing the text filters again.
    QTest::keyClick(filter, Qt::Key_Backspace);
    QTest::keyClicks(filter, QStringLiteral("-8")); // "order-8": no wildcard, anywhere in the name
    waitIdle();
    QCOMPARE(visibleStreams(pane), QStringList{QStringLiteral("order-8")});

    // Cleared: everything again.
    filter->selectAll();
    QTest::keyClick(filter, Qt::Key_Delete);
    waitIdle();
    QCOMPARE(pane.model()->rowCount(), 2);
    QCOMPARE(pane.model()->matchingStreamCount(), qint64(5));
}

void TestStreamsPane::regexToggleAndInvalidPattern()
{
    StreamsPane &pane = *m_pane;
    QLineEdit *filter = pane.filterEdit();
    QToolButton *regex = pane.regexToggle();
    QVERIFY(regex->isCheckable());

    QTest::mouseClick(regex, Qt::LeftButton);
    QVERIFY(regex->isChecked());
    QTest::mouseClick(filter, Qt::LeftButton);
    QTest::keyClicks(filter, QStringLiteral("account-(1|2"));
    // Invalid: said under the box, and the tree is left alone.
    QVERIFY(pane.filterErrorText().startsWith(QStringLiteral("Invalid regular expression")));
    auto *error = pane.findChild<QLabel *>(QStringLiteral("filterError"));
    QVERIFY(error && error->isVisible());
    QVERIFY(!filter->toolTip().isEmpty());
    // The tree shows the last valid pattern typed on the way ("account-").
    waitIdle();
    QCOMPARE(pane.model()->filterPattern(), QStringLiteral("account-"));
    QCOMPARE(pane.model()->rowCount(), 1);
    QCOMPARE(pane.model()->matchingStreamCount(), qint64(3));
    QVERIFY(error->isVisible());

    QTest::keyClicks(filter, QStringLiteral(")$"));
    QVERIFY(pane.filterErrorText().isEmpty());
    QVERIFY(!error->isVisible());
    waitIdle();
    QCOMPARE(visibleStreams(pane), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2")}));

    // Off again: the same text is a glob now, matching nothing.
    QTest::mouseClick(regex, Qt::LeftButton);
    QVERIFY(!regex->isChecked());
    waitIdle();
    QVERIFY(!pane.model()->isRegexFilter());
    QCOMPARE(pane.model()->rowCount(), 0);
    QCOMPARE(pane.summaryText(), QStringLiteral("0 of 5 streams match, 0 events"));
}

void TestStreamsPane::clickingEmitsSelection()
{
    StreamsPane &pane = *m_pane;
    QTreeView *tree = pane.treeView();
    QSignalSpy streams(&pane, &StreamsPane::streamSelected);
    QSignalSpy categories(&pane, &StreamsPane::categorySelected);
    QSignalSpy cleared(&pane, &StreamsPane::selectionCleared);

    const QModelIndex order = categoryRow(pane, QStringLiteral("order"));
    clickRow(tree, order);
    QCOMPARE(categories.count(), 1);
    QCOMPARE(categories.first().first().toString(), QStringLiteral("order"));
    QCOMPARE(pane.selectedCategory(), QStringLiteral("order"));
    QCOMPARE(pane.selectedStream(), QString());

    tree->expand(order);
    const QModelIndex order7 = pane.model()->index(0, 0, order);
    QCOMPARE(order7.data(StreamTreeModel::NameRole).toString(), QStringLiteral("order-7"));
    clickRow(tree, order7);
    QCOMPARE(streams.count(), 1);
    QCOMPARE(streams.first().first().toString(), QStringLiteral("order-7"));
    QCOMPARE(pane.selectedStream(), QStringLiteral("order-7"));

    // The same row again: nothing new. Another column of another row: that stream.
    clickRow(tree, order7);
    QCOMPARE(streams.count(), 1);
    clickRow(tree, pane.model()->index(1, StreamTreeModel::EventsColumn, order));
    QCOMPARE(streams.count(), 2);
    QCOMPARE(streams.last().first().toString(), QStringLiteral("order-8"));

    tree->selectionModel()->clearSelection();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(pane.selectedStream(), QString());
    QCOMPARE(categories.count(), 1);
}

void TestStreamsPane::keyboardSelection()
{
    StreamsPane &pane = *m_pane;
    QTreeView *tree = pane.treeView();
    QSignalSpy streams(&pane, &StreamsPane::streamSelected);
    QSignalSpy categories(&pane, &StreamsPane::categorySelected);

    // Tab from the filter box reaches the tree; arrows select.
    pane.filterEdit()->setFocus();
    QVERIFY(pane.filterEdit()->hasFocus());
    QTest::keyClick(pane.filterEdit(), Qt::Key_Tab); // the regex toggle
    QTest::keyClick(pane.regexToggle(), Qt::Key_Tab);
    QVERIFY(tree->hasFocus());
    tree->setCurrentIndex(pane.model()->index(1, 0));
    QCOMPARE(categories.count(), 1);
    QCOMPARE(categories.last().first().toString(), QStringLiteral("order"));
    QTest::keyClick(tree, Qt::Key_Up);
    QCOMPARE(categories.count(), 2);
    QCOMPARE(categories.last().first().toString(), QStringLiteral("account"));
    QTest::keyClick(tree, Qt::Key_Right); // expand
    QTest::keyClick(tree, Qt::Key_Down);
    QCOMPARE(streams.count(), 1);
    QCOMPARE(streams.last().first().toString(), QStringLiteral("account-1"));
    QTest::keyClick(tree, Qt::Key_Down);
    QCOMPARE(streams.last().first().toString(), QStringLiteral("account-10"));
}

void TestStreamsPane::selectionKeptAcrossFilters()
{
    StreamsPane &pane = *m_pane;
    QTreeView *tree = pane.treeView();
    QSignalSpy streams(&pane, &StreamsPane::streamSelected);
    QSignalSpy cleared(&pane, &StreamsPane::selectionCleared);

    const QModelIndex order = categoryRow(pane, QStringLiteral("order"));
    tree->expand(order);
    clickRow(tree, pane.model()->index(1, 0, order));
    QCOMPARE(streams.count(), 1);
    QCOMPARE(pane.selectedStream(), QStringLiteral("order-8"));

    // Still shown after the filter: still selected, no new signal.
    QTest::keyClicks(pane.filterEdit(), QStringLiteral("*8"));
    waitIdle();
    QCOMPARE(pane.selectedStream(), QStringLiteral("order-8"));
    QCOMPARE(streams.count(), 1);
    QCOMPARE(cleared.count(), 0);

    // Filtered away: the selection is gone, and the pane says so once.
    pane.filterEdit()->setText(QStringLiteral("account*"));
    waitIdle();
    QCOMPARE(pane.selectedStream(), QString());
    QCOMPARE(cleared.count(), 1);
    pane.filterEdit()->clear();
    waitIdle();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(streams.count(), 1);
}

void TestStreamsPane::reloadAndSwitchStores()
{
    StreamsPane &pane = *m_pane;
    QTreeView *tree = pane.treeView();
    QSignalSpy cleared(&pane, &StreamsPane::selectionCleared);

    const QModelIndex account = categoryRow(pane, QStringLiteral("account"));
    tree->expand(account);
    clickRow(tree, account);
    QCOMPARE(pane.selectedCategory(), QStringLiteral("account"));

    // A reload keeps what is open and selected, and shows new streams.
    const QString path = m_dir.filePath(QStringLiteral("second.eventlens"));
    std::shared_ptr<EventStore> second = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    appendEvents(*second, QStringLiteral("account-1"), 1);
    appendEvents(*second, QStringLiteral("ledger-1"), 2);
    pane.setStore(second);
    QCOMPARE(cleared.count(), 1); // another store: nothing is selected any more
    waitIdle();
    QCOMPARE(pane.model()->rowCount(), 2);

    const QModelIndex ledger = categoryRow(pane, QStringLiteral("ledger"));
    tree->expand(ledger);
    clickRow(tree, pane.model()->index(0, 0, ledger));
    QCOMPARE(pane.selectedStream(), QStringLiteral("ledger-1"));
    appendEvents(*second, QStringLiteral("ledger-2"), 5);
    pane.reload();
    QCOMPARE(pane.summaryText(), QStringLiteral("Loading streams…"));
    waitIdle();
    QCOMPARE(pane.selectedStream(), QStringLiteral("ledger-1"));
    QVERIFY(tree->isExpanded(categoryRow(pane, QStringLiteral("ledger"))));
    QCOMPARE(visibleStreams(pane), (QStringList{QStringLiteral("ledger-1"), QStringLiteral("ledger-2")}));
    QCOMPARE(pane.model()->streamIndex(QStringLiteral("ledger"), QStringLiteral("ledger-2")).data(StreamTreeModel::EventCountRole).toLongLong(), qint64(5));
    QCOMPARE(cleared.count(), 1);
}

QTEST_MAIN(TestStreamsPane)
#include "tst_streamspane.moc"
