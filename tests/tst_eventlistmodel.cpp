// EventListModel: the count on a worker, anchors, pages read off the GUI thread into a bounded
// cache, placeholders, position lists, stale results, and the store left untouched.

#include "eventlistmodel.h"
#include "eventstore.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include "modeltesting.h"

#include <QTest>

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>

using namespace eventlens;

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z
constexpr int FixtureEvents = 20000;
constexpr int Timeout = 60000; // ms; generous for sanitizer builds on a busy machine

// Event n (1-based) of the fixture.
QString streamOf(int n)
{
    return n % 3 == 0 ? QStringLiteral("order-%1").arg(n % 5) : QStringLiteral("account-%1").arg(n % 4);
}

QString typeOf(int n)
{
    static const char *const types[] = {"Deposited", "Withdrawn", "OrderPlaced", "AccountOpened"};
    return QString::fromLatin1(types[n % 4]);
}

QByteArray dataOf(int n)
{
    return "{\"amount\":" + QByteArray::number(n) + ",\"note\":\"n\\u00e9 " + QByteArray::number(n) + "\"}";
}

qint64 timeOf(int n)
{
    return BaseTime + qint64(n) * 1000;
}

void appendFixture(EventStore &store, int from, int to)
{
    auto batch = store.beginBatch();
    for (int n = from; n <= to; ++n) {
        NewEvent e;
        e.id = QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
        e.type = typeOf(n);
        e.data = dataOf(n);
        e.metadata = "{\"correlationId\":\"c-" + QByteArray::number(n) + "\"}";
        e.timeMs = timeOf(n);
        batch.append(streamOf(n), ExpectedVersion::any(), {e});
    }
    batch.commit();
}

// The fixture's positions a predicate keeps, in the order of the log or newest first.
std::vector<qint64> positionsWhere(const std::function<bool(int)> &keep, bool backward, int events = FixtureEvents)
{
    std::vector<qint64> out;
    for (int n = 1; n <= events; ++n) {
        if (keep(n))
            out.push_back(n);
    }
    if (backward)
        std::reverse(out.begin(), out.end());
    return out;
}

bool isLoaded(const QAbstractItemModel &model, int row)
{
    return model.index(row, 0).data(EventListModel::LoadedRole).toBool();
}

// Asks for a row (data() requests its page) and waits for it.
bool waitLoaded(const QAbstractItemModel &model, int row)
{
    return QTest::qWaitFor([&] { return isLoaded(model, row); }, Timeout);
}

bool waitCounted(const EventListModel &model)
{
    return QTest::qWaitFor([&] { return model.totalCount() >= 0 && !model.isLoading(); }, Timeout);
}

using testing::attachTester;
using testing::fetchAll;

} // namespace

class TestEventListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void noStore();
    void emptyStore();
    void countArrivesThenPagesLoad();
    void valuesForwardBackwardAndFiltered();
    void cacheStaysBounded();
    void positionList();
    void staleResultsAreDropped();
    void snapshotAndReload();
    void rowOfAnyPosition();
    void fetchMoreWhileCounting();
    void readFailures();
    void readOnlyConnectionsOnly();
    void roles();
    void headerAndRoleNames();

private:
    // Checks every field of a loaded row against fixture event n.
    void verifyRow(const QAbstractItemModel &model, int row, int n);
    // Waits for each row and checks it against the position expected there.
    void verifyRows(const QAbstractItemModel &model, const std::vector<qint64> &expected, const std::vector<int> &rows);

    QTemporaryDir m_dir;
    QString m_path;
    std::vector<qint64> m_versions; // version of fixture event n
};

void TestEventListModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("model.eventlens"));
    auto store = EventStore::open(m_path, EventStore::OpenMode::ReadWrite);
    appendFixture(*store, 1, FixtureEvents);
    QCOMPARE(store->headPosition(), qint64(FixtureEvents));
    QHash<QString, qint64> versions;
    m_versions.assign(FixtureEvents + 1, -1);
    for (int n = 1; n <= FixtureEvents; ++n)
        m_versions[size_t(n)] = versions[streamOf(n)]++;
}

void TestEventListModel::verifyRow(const QAbstractItemModel &model, int row, int n)
{
    const QModelIndex index = model.index(row, 0);
    QVERIFY2(index.data(EventListModel::LoadedRole).toBool(), qPrintable(QStringLiteral("row %1").arg(row)));
    QCOMPARE(index.data(EventListModel::PositionRole).toLongLong(), qint64(n));
    QCOMPARE(index.data(EventListModel::StreamRole).toString(), streamOf(n));
    QCOMPARE(index.data(EventListModel::TypeRole).toString(), typeOf(n));
    QCOMPARE(index.data(EventListModel::VersionRole).toLongLong(), m_versions[size_t(n)]);
    QCOMPARE(index.data(EventListModel::TimeRole).toLongLong(), timeOf(n));
    QCOMPARE(index.data(EventListModel::DataRole).toByteArray(), dataOf(n));
    QCOMPARE(model.index(row, EventListModel::PositionColumn).data(), QVariant(qint64(n)));
}

void TestEventListModel::verifyRows(const QAbstractItemModel &model, const std::vector<qint64> &expected, const std::vector<int> &rows)
{
    for (const int row : rows) {
        QVERIFY2(waitLoaded(model, row), qPrintable(QStringLiteral("row %1 never loaded").arg(row)));
        verifyRow(model, row, int(expected[size_t(row)]));
        if (QTest::currentTestFailed())
            return;
    }
}

void TestEventListModel::noStore()
{
    EventListModel model;
    const auto tester = attachTester(model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(EventListModel::ColumnCount));
    QVERIFY(!model.canFetchMore({}));
    model.fetchMore({});
    model.reload();
    model.setQuery(EventQuery{});
    model.setPositions(std::vector<qint64>{1, 2, 3});
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.eventAt(0));
    QCOMPARE(model.rowOfPosition(1), -1);
    QVERIFY(!model.isLoading());
}

void TestEventListModel::emptyStore()
{
    const QString path = m_dir.filePath(QStringLiteral("empty.eventlens"));
    EventStore::open(path, EventStore::OpenMode::ReadWrite);
    EventListModel model;
    const auto tester = attachTester(model);
    QSignalSpy counted(&model, &EventListModel::countChanged);
    model.setStore(EventStore::open(path, EventStore::OpenMode::ReadOnly));
    QVERIFY(waitCounted(model));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toLongLong(), qint64(0));
    QCOMPARE(model.totalCount(), qint64(0));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));
    QVERIFY(model.lastError().isEmpty());
}

void TestEventListModel::countArrivesThenPagesLoad()
{
    EventListModel model;
    const auto tester = attachTester(model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy counted(&model, &EventListModel::countChanged);
    QSignalSpy loading(&model, &EventListModel::loadingChanged);
    QSignalSpy progress(&model, &EventListModel::countProgress);

    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(progress.count(), 1);
    QCOMPARE(progress.at(0).at(0).toLongLong(), qint64(0));
    QCOMPARE(progress.at(0).at(1).toLongLong(), EventListModel::ProgressScale);
    // Nothing is read on the GUI thread: the count comes from a worker.
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalCount(), qint64(-1));
    QVERIFY(model.isLoading());
    QCOMPARE(loading.count(), 1);
    QCOMPARE(loading.at(0).at(0).toBool(), true);

    QVERIFY(waitCounted(model));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toLongLong(), qint64(FixtureEvents));
    QCOMPARE(model.totalCount(), qint64(FixtureEvents));
    QCOMPARE(model.rowCount(), FixtureEvents);
    QCOMPARE(loading.last().at(0).toBool(), false);
    // Progress on a fixed scale, never backwards, ending at the end.
    qint64 lastDone = 0;
    for (const QList<QVariant> &args : progress) {
        QCOMPARE(args.at(1).toLongLong(), EventListModel::ProgressScale);
        QVERIFY(args.at(0).toLongLong() >= lastDone);
        lastDone = args.at(0).toLongLong();
    }
    QCOMPARE(lastDone, EventListModel::ProgressScale);
    // Rows appeared at the end, in order, never twice.
    QVERIFY(inserted.count() >= 1);
    int next = 0;
    for (const QList<QVariant> &args : inserted) {
        QCOMPARE(args.at(1).toInt(), next);
        next = args.at(2).toInt() + 1;
    }
    QCOMPARE(next, FixtureEvents);

    // The first and last pages came with the count.
    const int pageSize = model.pageSize();
    QCOMPARE(pageSize, EventListModel::DefaultPageSize);
    QVERIFY(isLoaded(model, 0));
    QVERIFY(isLoaded(model, pageSize - 1));
    QVERIFY(isLoaded(model, FixtureEvents - 1));
    verifyRow(model, 0, 1);
    verifyRow(model, FixtureEvents - 1, FixtureEvents);
    QCOMPARE(model.eventAt(0)->position, qint64(1));

    // The middle and near the end: placeholders, then the events.
    for (const int row : {FixtureEvents / 2, FixtureEvents - 3 * pageSize + 7}) {
        const QModelIndex index = model.index(row, EventListModel::StreamColumn);
        QVERIFY(!model.eventAt(row));
        QCOMPARE(index.data(EventListModel::LoadedRole), QVariant(false));
        for (int column = 0; column < EventListModel::ColumnCount; ++column)
            QVERIFY(!model.index(row, column).data().isValid());
        QVERIFY(!index.data(EventListModel::PositionRole).isValid());
        QVERIFY(!index.data(EventListModel::StreamRole).isValid());
        changed.clear();
        QVERIFY(waitLoaded(model, row));
        verifyRow(model, row, row + 1);
        QVERIFY(model.eventAt(row));
        QCOMPARE(model.eventAt(row)->position, qint64(row + 1));
        // dataChanged for the page's rows only (the margin pages come with their own).
        const int first = row / pageSize * pageSize;
        bool announced = false;
        for (const QList<QVariant> &args : changed) {
            const QModelIndex topLeft = args.at(0).value<QModelIndex>();
            const QModelIndex bottomRight = args.at(1).value<QModelIndex>();
            QCOMPARE(topLeft.row() % pageSize, 0);
            QCOMPARE(bottomRight.row() - topLeft.row() + 1, pageSize);
            QCOMPARE(topLeft.column(), 0);
            QCOMPARE(bottomRight.column(), EventListModel::ColumnCount - 1);
            announced = announced || topLeft.row() == first;
        }
        QVERIFY(announced);
    }
    QVERIFY(QTest::qWaitFor([&] { return !model.isLoading(); }, Timeout));
    QCOMPARE(loading.last().at(0).toBool(), false);
    QVERIFY(model.lastError().isEmpty());
}

void TestEventListModel::valuesForwardBackwardAndFiltered()
{
    struct Case
    {
        const char *name;
        EventQuery query;
        std::function<bool(int)> keep;
    };
    std::vector<Case> cases;
    const auto add = [&](const char *name, EventQuery q, std::function<bool(int)> keep) { cases.push_back({name, q, keep}); };
    const auto all = [](int) { return true; };
    EventQuery q;
    add("all", q, all);
    q.backward = true;
    add("all backward", q, all);
    q = {};
    q.category = QStringLiteral("order");
    add("category", q, [](int n) { return n % 3 == 0; });
    q.backward = true;
    add("category backward", q, [](int n) { return n % 3 == 0; });
    q = {};
    q.types = {QStringLiteral("Withdrawn")};
    add("one type", q, [](int n) { return n % 4 == 1; });
    q.types = {QStringLiteral("Withdrawn"), QStringLiteral("AccountOpened")};
    q.backward = true;
    add("two types backward", q, [](int n) { return n % 4 == 1 || n % 4 == 3; });
    q = {};
    q.stream = QStringLiteral("account-2");
    add("stream", q, [](int n) { return streamOf(n) == QLatin1String("account-2"); });
    q.backward = true;
    add("stream backward", q, [](int n) { return streamOf(n) == QLatin1String("account-2"); });
    q = {};
    q.streamGlob = QStringLiteral("order-[13]");
    add("glob", q, [](int n) { return n % 3 == 0 && (n % 5 == 1 || n % 5 == 3); });
    q = {};
    q.sinceMs = timeOf(5000);
    q.untilMs = timeOf(15000);
    add("time range", q, [](int n) { return n >= 5000 && n < 15000; });
    q = {};
    q.fromPosition = 1001;
    q.toPosition = 12000;
    q.backward = false;
    add("position bounds", q, [](int n) { return n >= 1001 && n <= 12000; });
    q = {};
    q.backward = true;
    q.fromPosition = 12000;
    q.toPosition = 1001;
    add("position bounds backward", q, [](int n) { return n >= 1001 && n <= 12000; });
    q = {};
    q.category = QStringLiteral("account");
    q.types = {QStringLiteral("Deposited")};
    q.sinceMs = timeOf(3000);
    q.backward = true;
    add("category, type and time, backward", q, [](int n) { return n % 3 != 0 && n % 4 == 0 && n >= 3000; });
    q = {};
    q.types = {QStringLiteral("NoSuchType")};
    add("nothing", q, [](int) { return false; });

    EventListModel model;
    model.setPageSize(100); // more pages, more anchors
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    std::mt19937 random(7);
    for (const Case &c : cases) {
        const std::vector<qint64> expected = positionsWhere(c.keep, c.query.backward);
        QSignalSpy counted(&model, &EventListModel::countChanged);
        model.setQuery(c.query);
        QCOMPARE(model.query().backward, c.query.backward);
        QCOMPARE(model.query().types, c.query.types);
        QVERIFY2(waitCounted(model), c.name);
        QCOMPARE(counted.count(), 1);
        QVERIFY2(model.rowCount() == int(expected.size()),
                 qPrintable(QStringLiteral("%1: %2 rows, %3 expected").arg(QLatin1String(c.name)).arg(model.rowCount()).arg(expected.size())));
        if (expected.empty())
            continue;
        const int last = int(expected.size()) - 1;
        std::vector<int> rows = {0, 1, last / 2, last, std::max(0, last - 150)};
        for (int i = 0; i < 6; ++i)
            rows.push_back(int(random() % expected.size()));
        verifyRows(model, expected, rows);
        if (QTest::currentTestFailed())
            qWarning("case: %s", c.name);
        QVERIFY(!QTest::currentTestFailed());
    }
}

void TestEventListModel::cacheStaysBounded()
{
    constexpr int PageSize = 100;
    EventListModel model;
    model.setPageSize(PageSize); // 200 pages
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QVERIFY(waitCounted(model));
    QCOMPARE(model.cacheCapacity(), EventListModel::DefaultCacheCapacity);
    const int pages = FixtureEvents / PageSize;
    QVERIFY(pages > 3 * model.cacheCapacity());

    // Scroll through everything, a window of rows at a time.
    int most = 0;
    for (int page = 0; page < pages; ++page) {
        const int row = page * PageSize + 10;
        for (int r = row; r < row + 40; ++r)
            model.index(r, EventListModel::DataColumn).data();
        QVERIFY(waitLoaded(model, row));
        QCOMPARE(model.index(row, 0).data(EventListModel::PositionRole).toLongLong(), qint64(row + 1));
        most = std::max(most, model.cachedPageCount());
        QVERIFY2(model.cachedPageCount() <= model.cacheCapacity(), qPrintable(QString::number(model.cachedPageCount())));
    }
    QCOMPARE(most, model.cacheCapacity());
    // The early pages are long gone (page 0 stays: the tester reads row 0 on every change); they
    // come back when asked for.
    const int early = PageSize + 10;
    QVERIFY(!model.eventAt(early));
    QVERIFY(!isLoaded(model, early));
    verifyRows(model, positionsWhere([](int) { return true; }, false), {early});
    QCOMPARE(model.eventAt(early)->position, qint64(early + 1));

    model.setCacheCapacity(8);
    QCOMPARE(model.cacheCapacity(), 8);
    QVERIFY(model.cachedPageCount() <= 8);
    QVERIFY(model.eventAt(early)); // a page used last stays
    QVERIFY(QTest::qWaitFor([&] { return !model.isLoading(); }, Timeout));
    QVERIFY(model.cachedPageCount() <= 8);
}

void TestEventListModel::positionList()
{
    EventListModel model;
    model.setPageSize(50);
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QVERIFY(waitCounted(model));

    // Any order, repeats, and a position that is not in the store.
    const std::vector<qint64> list = {17, 3, 19999, 3, 123456, 20000, 1, 500};
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy counted(&model, &EventListModel::countChanged);
    model.setPositions(list);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toLongLong(), qint64(list.size()));
    QCOMPARE(model.rowCount(), int(list.size()));
    QCOMPARE(model.totalCount(), qint64(list.size()));
    QVERIFY(model.positions());
    QCOMPARE(*model.positions(), list);
    QVERIFY(!model.canFetchMore({}));
    QVERIFY(!isLoaded(model, 0));
    for (int row = 0; row < int(list.size()); ++row) {
        QVERIFY(waitLoaded(model, row));
        if (list[size_t(row)] == 123456) {
            QCOMPARE(model.index(row, 0).data(EventListModel::PositionRole).toLongLong(), qint64(123456));
            QVERIFY(model.index(row, 0).data(EventListModel::StreamRole).toString().isEmpty());
            continue;
        }
        verifyRow(model, row, int(list[size_t(row)]));
    }
    QCOMPARE(model.rowOfPosition(19999), 2);
    QCOMPARE(model.rowOfPosition(3), 1); // the first of the repeats
    QCOMPARE(model.rowOfPosition(2), -1);

    // A long list in log order (newest first), over many pages: a predicate filter's result.
    const std::vector<qint64> withdrawn = positionsWhere([](int n) { return n % 4 == 1; }, true);
    model.setPositions(std::make_shared<const std::vector<qint64>>(withdrawn));
    QCOMPARE(model.rowCount(), int(withdrawn.size()));
    const int last = int(withdrawn.size()) - 1;
    verifyRows(model, withdrawn, {0, 49, 50, last / 2, last});
    QCOMPARE(model.rowOfPosition(withdrawn[1234]), 1234);
    QCOMPARE(model.rowOfPosition(4), -1);

    // Reload keeps the list; setQuery() returns to the query.
    model.reload();
    QCOMPARE(model.rowCount(), int(withdrawn.size()));
    verifyRows(model, withdrawn, {last});
    model.setQuery(EventQuery{});
    QVERIFY(!model.positions());
    QVERIFY(waitCounted(model));
    QCOMPARE(model.rowCount(), FixtureEvents);

    model.setPositions(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestEventListModel::staleResultsAreDropped()
{
    EventListModel model;
    model.setPageSize(50);
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QVERIFY(waitCounted(model));

    // View A asks for pages all over the log; its count and its pages are under way...
    EventQuery a;
    a.backward = true;
    model.setQuery(a);
    for (int row = 0; row < FixtureEvents; row += 997)
        model.index(row, 0).data();
    model.setPositions(std::vector<qint64>{5, 6, 7});
    for (int row = 0; row < 3; ++row)
        model.index(row, 0).data();
    // ...and finish while the GUI thread is busy (no events are processed here), so their
    // results are queued for the views that come next.
    QThread::msleep(300);

    // View B: only its own rows ever show.
    EventQuery b;
    b.category = QStringLiteral("order");
    b.types = {QStringLiteral("Deposited")};
    const std::vector<qint64> expected = positionsWhere([](int n) { return n % 3 == 0 && n % 4 == 0; }, false);
    QSignalSpy counted(&model, &EventListModel::countChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    int wrong = 0;
    const auto check = connect(&model, &QAbstractItemModel::dataChanged, this, [&](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
        for (int row = topLeft.row(); row <= bottomRight.row(); ++row) {
            const qint64 position = model.index(row, 0).data(EventListModel::PositionRole).toLongLong();
            if (row >= int(expected.size()) || position != expected[size_t(row)])
                ++wrong;
        }
    });
    model.setQuery(b);
    QVERIFY(waitCounted(model));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toLongLong(), qint64(expected.size()));
    QCOMPARE(model.rowCount(), int(expected.size()));
    for (const QList<QVariant> &args : inserted)
        QVERIFY(args.at(2).toInt() < int(expected.size()));
    std::vector<int> rows(expected.size());
    std::iota(rows.begin(), rows.end(), 0);
    verifyRows(model, expected, rows);
    QVERIFY(QTest::qWaitFor([&] { return !model.isLoading(); }, Timeout));
    disconnect(check);
    QCOMPARE(wrong, 0);
}

void TestEventListModel::snapshotAndReload()
{
    const QString path = m_dir.filePath(QStringLiteral("growing.eventlens"));
    auto writer = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    appendFixture(*writer, 1, 1000);

    EventListModel model;
    model.setPageSize(64);
    const auto tester = attachTester(model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setStore(writer->openAnother(EventStore::OpenMode::ReadOnly));
    // Appended after the view was set up: not in this view, whoever reads (here the synchronous
    // paging, before any worker result is seen; then the count).
    appendFixture(*writer, 1001, 1500);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(model.totalCount(), qint64(1000));
    QVERIFY(waitCounted(model));
    QCOMPARE(model.rowCount(), 1000);
    verifyRows(model, positionsWhere([](int) { return true; }, false, 1000), {0, 500, 999});

    // Newest first, then more appends: the view starts at the head it was set up with.
    EventQuery backward;
    backward.backward = true;
    model.setQuery(backward);
    appendFixture(*writer, 1501, 1600);
    QVERIFY(waitCounted(model));
    QCOMPARE(model.rowCount(), 1500);
    const std::vector<qint64> before = positionsWhere([](int) { return true; }, true, 1500);
    verifyRows(model, before, {0, 500, 1499});

    model.reload();
    QCOMPARE(reset.count(), 3);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(waitCounted(model));
    QCOMPARE(model.rowCount(), 1600);
    const std::vector<qint64> after = positionsWhere([](int) { return true; }, true, 1600);
    verifyRows(model, after, {0, 99, 100, 1599});
}

void TestEventListModel::rowOfAnyPosition()
{
    for (const bool backward : {false, true}) {
        EventListModel model;
        model.setPageSize(100);
        const auto tester = attachTester(model);
        QSignalSpy found(&model, &EventListModel::rowFound);
        model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
        EventQuery q;
        q.category = QStringLiteral("account");
        q.backward = backward;
        model.setQuery(q);
        const std::vector<qint64> expected = positionsWhere([](int n) { return n % 3 != 0; }, backward);
        // Asked before the count has got there: answered once it has.
        const qint64 deep = expected[expected.size() - 5];
        model.requestRowOfPosition(deep);
        model.requestRowOfPosition(3); // not in this view (an order)
        QVERIFY(QTest::qWaitFor([&] { return found.count() == 2; }, Timeout));
        QVERIFY(waitCounted(model));
        QCOMPARE(model.rowCount(), int(expected.size()));
        QHash<qint64, int> answers;
        for (const QList<QVariant> &args : found)
            answers.insert(args.at(0).toLongLong(), args.at(1).toInt());
        QCOMPARE(answers.value(deep), int(expected.size()) - 5);
        QCOMPARE(answers.value(3), -1);
        // The row's page came with the answer.
        verifyRow(model, int(expected.size()) - 5, int(deep));

        // Synchronously, for any row: anchors, cached pages, or one page's positions read.
        for (const size_t row : {size_t(0), size_t(1), size_t(99), size_t(100), size_t(5555), size_t(9001), expected.size() - 1}) {
            QVERIFY(model.eventAt(int(row)) == nullptr || model.eventAt(int(row))->position == expected[row]);
            QCOMPARE(model.rowOfPosition(expected[row]), int(row));
        }
        QCOMPARE(model.rowOfPosition(3), -1);
        QCOMPARE(model.rowOfPosition(0), -1);
        QCOMPARE(model.rowOfPosition(FixtureEvents + 1), -1);

        // Asynchronously once counted: the answer comes from the event loop.
        found.clear();
        model.requestRowOfPosition(expected[7777]);
        QCOMPARE(found.count(), 0);
        QVERIFY(found.wait(Timeout));
        QCOMPARE(found.at(0).at(0).toLongLong(), expected[7777]);
        QCOMPARE(found.at(0).at(1).toInt(), 7777);
        QVERIFY(waitLoaded(model, 7777));
        verifyRow(model, 7777, int(expected[7777]));
    }
}

// The synchronous paging of before (views scrolled to the bottom of the rows counted so far,
// headless callers) still works, and agrees with the count.
void TestEventListModel::fetchMoreWhileCounting()
{
    EventListModel model;
    model.setPageSize(100);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy counted(&model, &EventListModel::countChanged);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 100);
    QVERIFY(isLoaded(model, 0) && isLoaded(model, 99));
    verifyRow(model, 99, 100);
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 200);
    verifyRow(model, 150, 151);

    // A slot that fetches again while rows are being inserted gets nothing (no nested insert).
    int nested = 0;
    const auto connection = connect(&model, &QAbstractItemModel::rowsAboutToBeInserted, this, [&] {
        QVERIFY(!model.canFetchMore({}));
        model.fetchMore({});
        ++nested;
    });
    model.fetchMore({});
    disconnect(connection);
    QCOMPARE(nested, 1);
    QCOMPARE(model.rowCount(), 300);

    // The count takes over from there.
    QVERIFY(waitCounted(model));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(model.rowCount(), FixtureEvents);
    int next = 0;
    for (const QList<QVariant> &args : inserted) {
        QCOMPARE(args.at(1).toInt(), next);
        next = args.at(2).toInt() + 1;
    }
    QCOMPARE(next, FixtureEvents);
    verifyRows(model, positionsWhere([](int) { return true; }, false), {299, 300, 12345});
    QVERIFY(!model.canFetchMore({}));

    // Paging to the end before the count finishes: the count is known once, from the paging.
    const QString path = m_dir.filePath(QStringLiteral("small.eventlens"));
    appendFixture(*EventStore::open(path, EventStore::OpenMode::ReadWrite), 1, 250);
    EventListModel small;
    small.setPageSize(100);
    const auto tester = attachTester(small);
    QSignalSpy smallCounted(&small, &EventListModel::countChanged);
    small.setStore(EventStore::open(path, EventStore::OpenMode::ReadOnly));
    fetchAll(small);
    QCOMPARE(small.rowCount(), 250);
    QCOMPARE(small.totalCount(), qint64(250));
    QCOMPARE(smallCounted.count(), 1);
    QVERIFY(!small.canFetchMore({}));
    verifyRow(small, 249, 250);
    QVERIFY(QTest::qWaitFor([&] { return !small.isLoading(); }, Timeout));
    QTest::qWait(50); // anything the cancelled count had sent is dropped
    QCOMPARE(smallCounted.count(), 1);
    QCOMPARE(small.rowCount(), 250);
}

void TestEventListModel::readFailures()
{
    // The store's file disappears after it was opened: the workers cannot open their connections.
    const QString path = m_dir.filePath(QStringLiteral("vanishing.eventlens"));
    appendFixture(*EventStore::open(path, EventStore::OpenMode::ReadWrite), 1, 10);
    std::shared_ptr<EventStore> store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    QVERIFY(EventStore::removeFiles(path));

    EventListModel model;
    const auto tester = attachTester(model);
    QSignalSpy failed(&model, &EventListModel::readFailed);
    model.setStore(store);
    QVERIFY(failed.count() >= 1);
    QVERIFY(failed.at(0).at(0).toString().contains(QLatin1String("vanishing.eventlens")));
    QCOMPARE(model.lastError(), failed.last().at(0).toString());
    QVERIFY(!model.isLoading());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));
}

void TestEventListModel::readOnlyConnectionsOnly()
{
    const auto fingerprint = [this] {
        QFile f(m_path);
        if (!f.open(QIODevice::ReadOnly))
            return QByteArray();
        return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
    };
    const QFileInfo before(m_path);
    const QByteArray hashBefore = fingerprint();
    QVERIFY(!hashBefore.isEmpty());
    {
        EventListModel model;
        const auto tester = attachTester(model);
        model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
        QVERIFY(waitCounted(model));
        verifyRows(model, positionsWhere([](int) { return true; }, false), {0, 7000, 15000});
        EventQuery q;
        q.types = {QStringLiteral("Withdrawn")};
        q.backward = true;
        model.setQuery(q);
        QVERIFY(waitCounted(model));
        QVERIFY(waitLoaded(model, 3000));
        model.setPositions(std::vector<qint64>{1, 2, 3});
        QVERIFY(waitLoaded(model, 2));
        model.reload();
        QVERIFY(waitLoaded(model, 1));
    }
    const QFileInfo after(m_path);
    QCOMPARE(after.size(), before.size());
    QCOMPARE(after.lastModified(), before.lastModified());
    QCOMPARE(fingerprint(), hashBefore);
    QVERIFY(!QFileInfo::exists(m_path + QStringLiteral("-journal")));
}

void TestEventListModel::roles()
{
    EventListModel model;
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QVERIFY(waitCounted(model));
    QVERIFY(waitLoaded(model, 4));

    // Any column of a row gives the same raw values.
    for (int column = 0; column < EventListModel::ColumnCount; ++column) {
        const QModelIndex index = model.index(4, column); // position 5
        QCOMPARE(index.data(EventListModel::PositionRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::PositionRole).toLongLong(), qint64(5));
        QCOMPARE(index.data(EventListModel::TimeRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::TimeRole).toLongLong(), timeOf(5));
        QCOMPARE(index.data(EventListModel::StreamRole).toString(), QStringLiteral("account-1"));
        QCOMPARE(index.data(EventListModel::CategoryRole).toString(), QStringLiteral("account"));
        QCOMPARE(index.data(EventListModel::VersionRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::VersionRole).toLongLong(), m_versions[5]);
        QCOMPARE(index.data(EventListModel::IdRole).toString(), QStringLiteral("00000000-0000-4000-8000-000000000005"));
        QCOMPARE(index.data(EventListModel::TypeRole).toString(), typeOf(5));
        QCOMPARE(index.data(EventListModel::DataRole).typeId(), QMetaType::QByteArray);
        QCOMPARE(index.data(EventListModel::DataRole).toByteArray(), dataOf(5));
        QCOMPARE(index.data(EventListModel::DataIsJsonRole).toBool(), true);
        QCOMPARE(index.data(EventListModel::MetadataRole).toByteArray(), QByteArray("{\"correlationId\":\"c-5\"}"));
        QCOMPARE(index.data(EventListModel::HashRole).toByteArray().size(), 32);
        QCOMPARE(index.data(EventListModel::LoadedRole), QVariant(true));
    }

    // DisplayRole: the column's raw value, of the column's type, the same as its named role.
    const struct {
        int column;
        int role;
        QMetaType::Type type;
    } columns[] = {
        {EventListModel::PositionColumn, EventListModel::PositionRole, QMetaType::LongLong},
        {EventListModel::TimeColumn, EventListModel::TimeRole, QMetaType::LongLong},
        {EventListModel::StreamColumn, EventListModel::StreamRole, QMetaType::QString},
        {EventListModel::VersionColumn, EventListModel::VersionRole, QMetaType::LongLong},
        {EventListModel::TypeColumn, EventListModel::TypeRole, QMetaType::QString},
        {EventListModel::DataColumn, EventListModel::DataRole, QMetaType::QByteArray},
    };
    QCOMPARE(int(std::size(columns)), int(EventListModel::ColumnCount));
    for (const auto &c : columns) {
        const QModelIndex index = model.index(4, c.column);
        const QVariant value = index.data(Qt::DisplayRole);
        QCOMPARE(value.typeId(), int(c.type));
        QCOMPARE(value, index.data(c.role));
        // Presentation is left to the views: no alignment, tooltip, decoration or colour.
        for (int role : {int(Qt::TextAlignmentRole), int(Qt::ToolTipRole), int(Qt::DecorationRole),
                         int(Qt::ForegroundRole), int(Qt::BackgroundRole), int(Qt::FontRole)})
            QVERIFY2(!index.data(role).isValid(), qPrintable(QString::number(role)));
    }
    QVERIFY(!model.index(4, 0).data(Qt::UserRole + 100).isValid());

    const Event *event = model.eventAt(4);
    QVERIFY(event);
    QCOMPARE(event->position, qint64(5));
    QVERIFY(!model.eventAt(-1));
    QVERIFY(!model.eventAt(model.rowCount()));
}

void TestEventListModel::headerAndRoleNames()
{
    EventListModel model;
    const QStringList expected = {QStringLiteral("Position"), QStringLiteral("Time (UTC)"), QStringLiteral("Stream"),
                                  QStringLiteral("Version"), QStringLiteral("Type"), QStringLiteral("Data")};
    QCOMPARE(int(expected.size()), int(EventListModel::ColumnCount));
    for (int column = 0; column < EventListModel::ColumnCount; ++column)
        QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected.at(column));
    QVERIFY(!model.headerData(EventListModel::ColumnCount, Qt::Horizontal).isValid());

    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(names.value(EventListModel::PositionRole), QByteArray("position"));
    QCOMPARE(names.value(EventListModel::StreamRole), QByteArray("stream"));
    QCOMPARE(names.value(EventListModel::DataRole), QByteArray("data"));
    QCOMPARE(names.value(EventListModel::LoadedRole), QByteArray("loaded"));
    QCOMPARE(names.value(Qt::DisplayRole), QByteArray("display"));
}

QTEST_GUILESS_MAIN(TestEventListModel)
#include "tst_eventlistmodel.moc"
