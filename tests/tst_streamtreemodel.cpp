#include "eventstore.h"
#include "streamtreemodel.h"

#include "modeltesting.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace eventlens;

using Kind = StreamTreeModel::Kind;

namespace {

using testing::attachTester;

constexpr int Timeout = 60000; // generous: sanitizer builds on a busy machine

// stream -> number of events in the fixture store.
const QList<QPair<QString, int>> &fixtureStreams()
{
    static const QList<QPair<QString, int>> streams = {
        {QStringLiteral("account-1"), 3},
        {QStringLiteral("account-2"), 1},
        {QStringLiteral("account-10"), 2},
        {QStringLiteral("order-7"), 4},
        {QStringLiteral("order-8"), 1},
        {QStringLiteral("inventory-x/1"), 2},
    };
    return streams;
}

void appendEvents(EventStore &store, const QString &stream, int count)
{
    std::vector<NewEvent> events;
    for (int i = 0; i < count; ++i) {
        NewEvent e;
        e.type = QStringLiteral("Happened");
        e.data = "{\"i\":" + QByteArray::number(i) + "}";
        e.timeMs = 1704067200000 + i;
        events.push_back(e);
    }
    store.append(stream, ExpectedVersion::any(), events);
}

void waitIdle(StreamTreeModel &model)
{
    QTRY_VERIFY_WITH_TIMEOUT(!model.isBusy(), Timeout);
}

QStringList names(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QStringList out;
    for (int row = 0; row < model.rowCount(parent); ++row)
        out.append(model.index(row, 0, parent).data(StreamTreeModel::NameRole).toString());
    return out;
}

QModelIndex category(const QAbstractItemModel &model, const QString &name)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(StreamTreeModel::NameRole).toString() == name)
            return model.index(row, 0);
    }
    return {};
}

// Every stream shown, fetching every category, as "name" in tree order.
QStringList shownStreams(QAbstractItemModel &model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex c = model.index(row, 0);
        while (model.canFetchMore(c))
            model.fetchMore(c);
        out += names(model, c);
    }
    return out;
}

} // namespace

class TestStreamTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void noStore();
    void loadsCategoriesAndStreams();
    void rolesAndColumns();
    void fetchesStreamsInChunks();
    void globFilter();
    void regexFilter();
    void invalidPatterns();
    void filterSetWhileLoading();
    void staleResultsAreDropped();
    void reloadSeesAppends();
    void unreadableStore();
    void destroyedWhileLoading();
    void headerAndRoleNames();

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::shared_ptr<EventStore> m_store;
};

void TestStreamTreeModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("streams.eventlens"));
    m_store = EventStore::open(m_path, EventStore::OpenMode::ReadWrite);
    for (const auto &[stream, count] : fixtureStreams())
        appendEvents(*m_store, stream, count);
}

void TestStreamTreeModel::noStore()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(StreamTreeModel::ColumnCount));
    QVERIFY(!model.isBusy());
    model.setFilter(QStringLiteral("account*"));
    model.reload();
    QVERIFY(!model.isBusy());
    model.setStore(nullptr);
    QVERIFY(!model.isBusy());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.categoryIndex(QStringLiteral("account")).isValid());
    QVERIFY(!model.streamIndex(QStringLiteral("account"), QStringLiteral("account-1")).isValid());
}

void TestStreamTreeModel::loadsCategoriesAndStreams()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy busy(&model, &StreamTreeModel::busyChanged);
    QSignalSpy loaded(&model, &StreamTreeModel::loaded);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.setStore(m_store);
    QVERIFY(model.isBusy());
    QCOMPARE(busy.count(), 1);
    waitIdle(model);
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(busy.count(), 2);
    QVERIFY(model.lastError().isEmpty());
    QCOMPARE(reset.count(), 2); // cleared at once, then the loaded result swapped in

    // Categories by name, with totals; no stream rows until fetched.
    QCOMPARE(names(model), (QStringList{QStringLiteral("account"), QStringLiteral("inventory"), QStringLiteral("order")}));
    const QModelIndex account = category(model, QStringLiteral("account"));
    QCOMPARE(account.data(StreamTreeModel::EventCountRole).toLongLong(), qint64(6));
    QCOMPARE(account.data(StreamTreeModel::StreamCountRole).toLongLong(), qint64(3));
    QCOMPARE(category(model, QStringLiteral("order")).data(StreamTreeModel::EventCountRole).toLongLong(), qint64(5));
    QCOMPARE(category(model, QStringLiteral("inventory")).data(StreamTreeModel::EventCountRole).toLongLong(), qint64(2));
    QVERIFY(model.hasChildren(account));
    QCOMPARE(model.rowCount(account), 0);
    QVERIFY(model.canFetchMore(account));
    model.fetchMore(account);
    QVERIFY(!model.canFetchMore(account));

    // Streams in the store's name order, with counts and versions.
    QCOMPARE(names(model, account), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-10"), QStringLiteral("account-2")}));
    for (const auto &[stream, count] : fixtureStreams()) {
        const QModelIndex index = model.streamIndex(Event::categoryOf(stream), stream);
        QVERIFY2(index.isValid(), qPrintable(stream));
        QCOMPARE(index.data(StreamTreeModel::EventCountRole).toLongLong(), qint64(count));
        QCOMPARE(index.data(StreamTreeModel::VersionRole).toLongLong(), qint64(count - 1));
    }

    QCOMPARE(model.storeEventCount(), qint64(13));
    QCOMPARE(model.storeStreamCount(), qint64(6));
    QCOMPARE(model.matchingStreamCount(), qint64(6));
    QCOMPARE(model.matchingEventCount(), qint64(13));
}

void TestStreamTreeModel::rolesAndColumns()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    model.setStore(m_store);
    waitIdle(model);

    const QModelIndex order = model.categoryIndex(QStringLiteral("order"));
    QVERIFY(order.isValid());
    QCOMPARE(order.data(StreamTreeModel::KindRole).value<Kind>(), Kind::Category);
    QCOMPARE(order.data(StreamTreeModel::NameRole).toString(), QStringLiteral("order"));
    QCOMPARE(order.data(StreamTreeModel::CategoryRole).toString(), QStringLiteral("order"));
    QCOMPARE(order.data(StreamTreeModel::StreamRole).toString(), QString());
    QVERIFY(!order.data(StreamTreeModel::VersionRole).isValid());
    QCOMPARE(order.siblingAtColumn(StreamTreeModel::NameColumn).data(), QVariant(QStringLiteral("order")));
    QCOMPARE(order.siblingAtColumn(StreamTreeModel::EventsColumn).data(), QVariant(qint64(5)));
    QVERIFY(!order.siblingAtColumn(StreamTreeModel::VersionColumn).data().isValid());

    const QModelIndex stream = model.streamIndex(QStringLiteral("order"), QStringLiteral("order-7"));
    QCOMPARE(stream.parent(), order);
    QCOMPARE(stream.data(StreamTreeModel::KindRole).value<Kind>(), Kind::Stream);
    QCOMPARE(stream.data(StreamTreeModel::NameRole).toString(), QStringLiteral("order-7"));
    QCOMPARE(stream.data(StreamTreeModel::StreamRole).toString(), QStringLiteral("order-7"));
    QCOMPARE(stream.data(StreamTreeModel::CategoryRole).toString(), QStringLiteral("order"));
    QVERIFY(!stream.data(StreamTreeModel::StreamCountRole).isValid());
    QCOMPARE(stream.siblingAtColumn(StreamTreeModel::EventsColumn).data(), QVariant(qint64(4)));
    QCOMPARE(stream.siblingAtColumn(StreamTreeModel::VersionColumn).data(), QVariant(qint64(3)));
    QCOMPARE(stream.siblingAtColumn(StreamTreeModel::VersionColumn).parent(), order);
    // Streams have no children; only the first column of a category does.
    QVERIFY(!model.hasChildren(stream));
    QCOMPARE(model.rowCount(stream), 0);
    QCOMPARE(model.rowCount(order.siblingAtColumn(StreamTreeModel::EventsColumn)), 0);
    QVERIFY(!model.canFetchMore(order.siblingAtColumn(StreamTreeModel::EventsColumn)));
    QVERIFY(!model.streamIndex(QStringLiteral("order"), QStringLiteral("order-9")).isValid());
    QVERIFY(!model.streamIndex(QStringLiteral("account"), QStringLiteral("order-7")).isValid());
}

void TestStreamTreeModel::fetchesStreamsInChunks()
{
    // One category with more streams than a chunk.
    constexpr int Streams = StreamTreeModel::FetchChunk * 2 + 500;
    const QString path = m_dir.filePath(QStringLiteral("many.eventlens"));
    {
        auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
        auto batch = store->beginBatch();
        for (int i = 0; i < Streams; ++i) {
            NewEvent e;
            e.type = QStringLiteral("Opened");
            e.timeMs = 1704067200000;
            batch.append(QStringLiteral("cart-%1").arg(i, 5, 10, QLatin1Char('0')), ExpectedVersion::noStream(), {e, e});
        }
        batch.commit();
    }
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.setStore(EventStore::open(path, EventStore::OpenMode::ReadOnly));
    waitIdle(model);
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex cart = model.index(0, 0);
    QCOMPARE(cart.data(StreamTreeModel::StreamCountRole).toLongLong(), qint64(Streams));
    QCOMPARE(cart.data(StreamTreeModel::EventCountRole).toLongLong(), qint64(Streams) * 2);
    QCOMPARE(model.rowCount(cart), 0);

    model.fetchMore(cart);
    QCOMPARE(model.rowCount(cart), StreamTreeModel::FetchChunk);
    model.fetchMore(cart);
    QCOMPARE(model.rowCount(cart), StreamTreeModel::FetchChunk * 2);
    QVERIFY(model.canFetchMore(cart));
    model.fetchMore(cart);
    QCOMPARE(model.rowCount(cart), Streams);
    QVERIFY(!model.canFetchMore(cart));
    QCOMPARE(inserted.count(), 3);
    QCOMPARE(model.index(Streams - 1, 0, cart).data(StreamTreeModel::NameRole).toString(),
             QStringLiteral("cart-%1").arg(Streams - 1, 5, 10, QLatin1Char('0')));
    QCOMPARE(model.index(Streams - 1, 0, cart).data(StreamTreeModel::VersionRole).toLongLong(), qint64(1));

    // A filter (a reset) starts from no rows again; streamIndex() fetches what it needs.
    model.setFilter(QStringLiteral("cart-0*"));
    waitIdle(model);
    QCOMPARE(model.matchingStreamCount(), qint64(Streams));
    const QModelIndex filteredCart = model.index(0, 0);
    QCOMPARE(model.rowCount(filteredCart), 0);
    const QString far = QStringLiteral("cart-%1").arg(Streams - 10, 5, 10, QLatin1Char('0'));
    const QModelIndex farIndex = model.streamIndex(QStringLiteral("cart"), far);
    QVERIFY(farIndex.isValid());
    QCOMPARE(farIndex.row(), Streams - 10);
    QVERIFY(model.rowCount(filteredCart) > Streams - 10);
    QCOMPARE(farIndex.data(StreamTreeModel::NameRole).toString(), far);
}

void TestStreamTreeModel::globFilter()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy filtered(&model, &StreamTreeModel::filtered);
    model.setStore(m_store);
    waitIdle(model);

    model.setFilter(QStringLiteral("account-1*"));
    QVERIFY(model.isBusy());
    waitIdle(model);
    QCOMPARE(filtered.count(), 1);
    QCOMPARE(model.filterPattern(), QStringLiteral("account-1*"));
    QVERIFY(!model.isRegexFilter());
    // Categories without a match are hidden; totals are of the matching streams.
    QCOMPARE(names(model), QStringList{QStringLiteral("account")});
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-10")}));
    QCOMPARE(model.index(0, 0).data(StreamTreeModel::EventCountRole).toLongLong(), qint64(5));
    QCOMPARE(model.index(0, 0).data(StreamTreeModel::StreamCountRole).toLongLong(), qint64(2));
    QCOMPARE(model.matchingStreamCount(), qint64(2));
    QCOMPARE(model.matchingEventCount(), qint64(5));
    QCOMPARE(model.storeStreamCount(), qint64(6));

    // The whole name must match a glob: "account-1" alone is not "account-10" (but see below).
    model.setFilter(QStringLiteral("*-?"));
    waitIdle(model);
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2"),
                                               QStringLiteral("order-7"), QStringLiteral("order-8")}));
    model.setFilter(QStringLiteral("order-[8]"));
    waitIdle(model);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("order-8")});

    // Case-insensitive; * matches a "/" too.
    model.setFilter(QStringLiteral("INVENTORY-*1"));
    waitIdle(model);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("inventory-x/1")});

    // Without wildcards: anywhere in the name.
    model.setFilter(QStringLiteral("DER-"));
    waitIdle(model);
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("order-7"), QStringLiteral("order-8")}));

    // No match: nothing shown.
    model.setFilter(QStringLiteral("nothing*"));
    waitIdle(model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.matchingStreamCount(), qint64(0));

    // Empty: everything again.
    model.setFilter(QString());
    waitIdle(model);
    QCOMPARE(shownStreams(model).size(), 6);
    QCOMPARE(model.rowCount(), 3);
}

void TestStreamTreeModel::regexFilter()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    model.setStore(m_store);
    waitIdle(model);

    model.setFilter(QStringLiteral("^order-[78]$"), true);
    waitIdle(model);
    QVERIFY(model.isRegexFilter());
    QCOMPARE(names(model), QStringList{QStringLiteral("order")});
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("order-7"), QStringLiteral("order-8")}));

    model.setFilter(QStringLiteral("account-(1|2)$"), true);
    waitIdle(model);
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2")}));

    // Unanchored, case-insensitive.
    model.setFilter(QStringLiteral("X/\\d"), true);
    waitIdle(model);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("inventory-x/1")});

    // The same text as a glob means something else.
    model.setFilter(QStringLiteral("account-1*"), true);
    waitIdle(model);
    QCOMPARE(shownStreams(model).size(), 3); // "account-" then any number of "1"
    model.setFilter(QStringLiteral("account-1*"), false);
    waitIdle(model);
    QCOMPARE(shownStreams(model).size(), 2);
}

void TestStreamTreeModel::invalidPatterns()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy errors(&model, &StreamTreeModel::filterErrorChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setStore(m_store);
    waitIdle(model);
    model.setFilter(QStringLiteral("order*"));
    waitIdle(model);
    const int resets = reset.count();

    model.setFilter(QStringLiteral("order-(7"), true);
    QVERIFY(!model.isBusy());
    QCOMPARE(errors.count(), 1);
    QVERIFY(!model.filterError().isEmpty());
    QCOMPARE(errors.first().first().toString(), model.filterError());
    // The rows and the filter stay as they were.
    QCOMPARE(reset.count(), resets);
    QCOMPARE(model.filterPattern(), QStringLiteral("order*"));
    QCOMPARE(shownStreams(model), (QStringList{QStringLiteral("order-7"), QStringLiteral("order-8")}));

    model.setFilter(QStringLiteral("[a-"), true);
    QVERIFY(!model.filterError().isEmpty());
    model.setFilter(QStringLiteral("*+"), true);
    QVERIFY(!model.filterError().isEmpty());
    // An unclosed bracket is no valid glob either.
    model.setFilter(QStringLiteral("order-["), false);
    QVERIFY(!model.filterError().isEmpty());
    QCOMPARE(reset.count(), resets);

    // A valid pattern clears the error.
    model.setFilter(QStringLiteral("order-(7)"), true);
    QVERIFY(model.filterError().isEmpty());
    QCOMPARE(errors.last().first().toString(), QString());
    waitIdle(model);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("order-7")});
}

void TestStreamTreeModel::filterSetWhileLoading()
{
    StreamTreeModel model;
    const auto tester = attachTester(model);
    model.setStore(m_store);
    model.setFilter(QStringLiteral("order-8"));
    QVERIFY(model.isBusy());
    waitIdle(model);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("order-8")});

    // And a filter set before any store applies to the first load.
    StreamTreeModel early;
    const auto earlyTester = attachTester(early);
    early.setFilter(QStringLiteral("^account-\\d$"), true);
    early.setStore(m_store);
    waitIdle(early);
    QCOMPARE(shownStreams(early), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2")}));
}

void TestStreamTreeModel::staleResultsAreDropped()
{
    const QString otherPath = m_dir.filePath(QStringLiteral("other.eventlens"));
    {
        auto other = EventStore::open(otherPath, EventStore::OpenMode::ReadWrite);
        appendEvents(*other, QStringLiteral("payment-1"), 2);
    }
    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy loaded(&model, &StreamTreeModel::loaded);
    QSignalSpy filtered(&model, &StreamTreeModel::filtered);

    // Two stores in a row: only the second is ever shown.
    model.setStore(m_store);
    model.setStore(EventStore::open(otherPath, EventStore::OpenMode::ReadOnly));
    waitIdle(model);
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(names(model), QStringList{QStringLiteral("payment")});
    QCOMPARE(model.storeEventCount(), qint64(2));

    // Filters in a row: only the last one is shown.
    model.setStore(m_store);
    waitIdle(model);
    model.setFilter(QStringLiteral("account*"));
    model.setFilter(QStringLiteral("order*"));
    model.setFilter(QStringLiteral("inventory*"));
    waitIdle(model);
    QCOMPARE(filtered.count(), 1);
    QCOMPARE(shownStreams(model), QStringList{QStringLiteral("inventory-x/1")});
}

void TestStreamTreeModel::reloadSeesAppends()
{
    const QString path = m_dir.filePath(QStringLiteral("growing.eventlens"));
    std::shared_ptr<EventStore> store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    appendEvents(*store, QStringLiteral("user-1"), 1);

    StreamTreeModel model;
    const auto tester = attachTester(model);
    model.setStore(store);
    waitIdle(model);
    QCOMPARE(names(model), QStringList{QStringLiteral("user")});
    QCOMPARE(model.streamIndex(QStringLiteral("user"), QStringLiteral("user-1")).data(StreamTreeModel::VersionRole).toLongLong(), qint64(0));

    appendEvents(*store, QStringLiteral("user-1"), 4);
    appendEvents(*store, QStringLiteral("audit-1"), 1);
    model.reload();
    // The old rows stay while the new ones load.
    QCOMPARE(model.rowCount(), 1);
    waitIdle(model);
    QCOMPARE(names(model), (QStringList{QStringLiteral("audit"), QStringLiteral("user")}));
    const QModelIndex user = model.streamIndex(QStringLiteral("user"), QStringLiteral("user-1"));
    QCOMPARE(user.data(StreamTreeModel::EventCountRole).toLongLong(), qint64(5));
    QCOMPARE(user.data(StreamTreeModel::VersionRole).toLongLong(), qint64(4));
    QCOMPARE(model.storeEventCount(), qint64(6));
}

void TestStreamTreeModel::unreadableStore()
{
    // A store whose file disappeared after opening: openAnother() fails; reported, not thrown.
    const QString path = m_dir.filePath(QStringLiteral("vanishing.eventlens"));
    std::shared_ptr<EventStore> store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    appendEvents(*store, QStringLiteral("x-1"), 1);
    store.reset();
    std::shared_ptr<EventStore> readOnly = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    QVERIFY(EventStore::removeFiles(path));

    StreamTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy failed(&model, &StreamTreeModel::loadFailed);
    model.setStore(readOnly);
    waitIdle(model);
    QCOMPARE(failed.count(), 1);
    QVERIFY(!model.lastError().isEmpty());
    QCOMPARE(model.rowCount(), 0);
}

void TestStreamTreeModel::destroyedWhileLoading()
{
    // The worker posts to the model: destroying it mid-load must wait and drop the result.
    for (int i = 0; i < 5; ++i) {
        auto model = std::make_unique<StreamTreeModel>();
        model->setStore(m_store);
        model->setFilter(QStringLiteral("a*"));
        model.reset();
    }
    QCoreApplication::processEvents();
}

void TestStreamTreeModel::headerAndRoleNames()
{
    StreamTreeModel model;
    QCOMPARE(model.headerData(StreamTreeModel::NameColumn, Qt::Horizontal).toString(), QStringLiteral("Name"));
    QCOMPARE(model.headerData(StreamTreeModel::EventsColumn, Qt::Horizontal).toString(), QStringLiteral("Events"));
    QCOMPARE(model.headerData(StreamTreeModel::VersionColumn, Qt::Horizontal).toString(), QStringLiteral("Version"));
    const QHash<int, QByteArray> roles = model.roleNames();
    QCOMPARE(roles.value(StreamTreeModel::NameRole), QByteArray("name"));
    QCOMPARE(roles.value(StreamTreeModel::EventCountRole), QByteArray("eventCount"));
    QCOMPARE(roles.value(StreamTreeModel::VersionRole), QByteArray("version"));
}

QTEST_GUILESS_MAIN(TestStreamTreeModel)
#include "tst_streamtreemodel.moc"
