#include "eventlistmodel.h"
#include "eventstore.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include "modeltesting.h"

#include <QTest>

#include <iterator>
#include <memory>

using namespace eventlens;

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z

// Event n (1-based) of the fixture: three streams in turn, types alternating.
QString streamOf(int n)
{
    static const char *const names[] = {"account-1", "account-2", "order-7"};
    return QString::fromLatin1(names[(n - 1) % 3]);
}

QString typeOf(int n)
{
    return n % 2 ? QStringLiteral("Deposited") : QStringLiteral("Withdrawn");
}

QByteArray dataOf(int n)
{
    return "{\"amount\":" + QByteArray::number(n) + ",\"note\":\"n\\u00e9 " + QByteArray::number(n) + "\"}";
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
        e.timeMs = BaseTime + qint64(n) * 1000;
        batch.append(streamOf(n), ExpectedVersion::any(), {e});
    }
    batch.commit();
}

QVariant display(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data(Qt::DisplayRole);
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
    void paging();
    void loadsPagesAndContents();
    void roles();
    void reloadAfterAppend();
    void switchStores();
    void backwardAndFiltered();
    void headerAndRoleNames();

private:
    QTemporaryDir m_dir;
    QString m_path;
    static constexpr int FixtureEvents = 1000;
};

void TestEventListModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("model.eventlens"));
    auto store = EventStore::open(m_path, EventStore::OpenMode::ReadWrite);
    appendFixture(*store, 1, FixtureEvents);
    QCOMPARE(store->headPosition(), qint64(FixtureEvents));
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
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.eventAt(0));
}

void TestEventListModel::emptyStore()
{
    const QString path = m_dir.filePath(QStringLiteral("empty.eventlens"));
    EventStore::open(path, EventStore::OpenMode::ReadWrite);
    EventListModel model;
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(path, EventStore::OpenMode::ReadOnly));
    fetchAll(model);
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));
    QVERIFY(model.lastError().isEmpty());
}

// Without a tester (which fetches on its own): exactly one page per fetchMore().
void TestEventListModel::paging()
{
    EventListModel model;
    model.setPageSize(100);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0); // nothing is read before a view (or anyone) asks
    QVERIFY(model.canFetchMore({}));

    model.fetchMore({});
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 99);
    QCOMPARE(display(model, 99, EventListModel::PositionColumn), QVariant(qint64(100)));

    model.fetchMore({});
    QCOMPARE(model.rowCount(), 200);
    QCOMPARE(inserted.at(1).at(1).toInt(), 100);
    QCOMPARE(inserted.at(1).at(2).toInt(), 199);
    QCOMPARE(display(model, 100, EventListModel::PositionColumn), QVariant(qint64(101)));

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

    fetchAll(model);
    QCOMPARE(model.rowCount(), FixtureEvents);
    QCOMPARE(inserted.count(), FixtureEvents / 100);
    QVERIFY(!model.canFetchMore({}));
    model.fetchMore({}); // at the end: nothing happens
    QCOMPARE(inserted.count(), FixtureEvents / 100);

    model.reload();
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 0);
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(display(model, 0, EventListModel::PositionColumn), QVariant(qint64(1)));
}

void TestEventListModel::loadsPagesAndContents()
{
    EventListModel model;
    model.setPageSize(100);
    const auto tester = attachTester(model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QCOMPARE(model.rowCount(), 0);
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 100);

    // First row, every column: DisplayRole is the raw typed value of the column, no text.
    QCOMPARE(display(model, 0, EventListModel::PositionColumn), QVariant(qint64(1)));
    QCOMPARE(display(model, 0, EventListModel::TimeColumn), QVariant(BaseTime + 1000));
    QCOMPARE(display(model, 0, EventListModel::StreamColumn), QVariant(QStringLiteral("account-1")));
    QCOMPARE(display(model, 0, EventListModel::VersionColumn), QVariant(qint64(0)));
    QCOMPARE(display(model, 0, EventListModel::TypeColumn), QVariant(QStringLiteral("Deposited")));
    QCOMPARE(display(model, 0, EventListModel::DataColumn), QVariant(dataOf(1)));

    fetchAll(model);
    QCOMPARE(model.rowCount(), FixtureEvents);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(inserted.count(), FixtureEvents / 100); // one insertion per page, never nested

    // Every row in order, positions contiguous, versions per stream.
    QHash<QString, qint64> versions;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        QCOMPARE(index.data(EventListModel::PositionRole).toLongLong(), qint64(row + 1));
        const QString stream = index.data(EventListModel::StreamRole).toString();
        QCOMPARE(stream, streamOf(row + 1));
        const qint64 expectedVersion = versions.value(stream, -1) + 1;
        versions[stream] = expectedVersion;
        QCOMPARE(index.data(EventListModel::VersionRole).toLongLong(), expectedVersion);
        QCOMPARE(model.rowOfPosition(row + 1), row);
    }
    QCOMPARE(display(model, 999, EventListModel::PositionColumn), QVariant(qint64(1000)));
    QCOMPARE(model.rowOfPosition(0), -1);
    QCOMPARE(model.rowOfPosition(FixtureEvents + 1), -1);
}

void TestEventListModel::roles()
{
    EventListModel model;
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    model.fetchMore({});
    QVERIFY(model.rowCount() > 5);

    // Any column of a row gives the same raw values.
    for (int column = 0; column < EventListModel::ColumnCount; ++column) {
        const QModelIndex index = model.index(4, column); // position 5
        QCOMPARE(index.data(EventListModel::PositionRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::PositionRole).toLongLong(), qint64(5));
        QCOMPARE(index.data(EventListModel::TimeRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::TimeRole).toLongLong(), BaseTime + 5000);
        QCOMPARE(index.data(EventListModel::StreamRole).toString(), QStringLiteral("account-2"));
        QCOMPARE(index.data(EventListModel::CategoryRole).toString(), QStringLiteral("account"));
        QCOMPARE(index.data(EventListModel::VersionRole).typeId(), QMetaType::LongLong);
        QCOMPARE(index.data(EventListModel::VersionRole).toLongLong(), qint64(1));
        QCOMPARE(index.data(EventListModel::IdRole).toString(), QStringLiteral("00000000-0000-4000-8000-000000000005"));
        QCOMPARE(index.data(EventListModel::TypeRole).toString(), QStringLiteral("Deposited"));
        QCOMPARE(index.data(EventListModel::DataRole).typeId(), QMetaType::QByteArray);
        QCOMPARE(index.data(EventListModel::DataRole).toByteArray(), dataOf(5));
        QCOMPARE(index.data(EventListModel::DataIsJsonRole).toBool(), true);
        QCOMPARE(index.data(EventListModel::MetadataRole).toByteArray(), QByteArray("{\"correlationId\":\"c-5\"}"));
        QCOMPARE(index.data(EventListModel::HashRole).toByteArray().size(), 32);
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
    QCOMPARE(model.index(4, EventListModel::TimeColumn).data().toLongLong(), BaseTime + 5000);
    QVERIFY(!model.index(4, 0).data(Qt::UserRole + 100).isValid());

    const Event *event = model.eventAt(4);
    QVERIFY(event);
    QCOMPARE(event->position, qint64(5));
    QVERIFY(!model.eventAt(-1));
    QVERIFY(!model.eventAt(model.rowCount()));
}

void TestEventListModel::reloadAfterAppend()
{
    const QString path = m_dir.filePath(QStringLiteral("growing.eventlens"));
    auto writer = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    appendFixture(*writer, 1, 30);

    EventListModel model;
    model.setPageSize(7);
    const auto tester = attachTester(model);
    QSignalSpy aboutToReset(&model, &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setStore(writer->openAnother(EventStore::OpenMode::ReadOnly));
    QCOMPARE(reset.count(), 1);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 30);

    // Appends are not seen until the reload (the view is a snapshot, paged by keyset).
    appendFixture(*writer, 31, 45);
    QCOMPARE(model.rowCount(), 30);

    model.reload();
    QCOMPARE(aboutToReset.count(), 2);
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.canFetchMore({}));
    fetchAll(model);
    QCOMPARE(model.rowCount(), 45);
    QCOMPARE(display(model, 44, EventListModel::PositionColumn), QVariant(qint64(45)));
    QCOMPARE(display(model, 44, EventListModel::DataColumn), QVariant(dataOf(45)));

    // A reload starts from the first page again.
    model.reload();
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(display(model, 0, EventListModel::PositionColumn), QVariant(qint64(1)));
    QCOMPARE(display(model, 6, EventListModel::PositionColumn), QVariant(qint64(7)));
}

void TestEventListModel::switchStores()
{
    EventListModel model;
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    model.fetchMore({});
    QVERIFY(model.rowCount() > 0);

    const QString other = m_dir.filePath(QStringLiteral("other.eventlens"));
    {
        auto store = EventStore::open(other, EventStore::OpenMode::ReadWrite);
        appendFixture(*store, 1, 3);
    }
    model.setStore(EventStore::open(other, EventStore::OpenMode::ReadOnly));
    QCOMPARE(model.rowCount(), 0);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 3);

    model.setStore(nullptr);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchMore({}));
}

void TestEventListModel::backwardAndFiltered()
{
    EventListModel model;
    model.setPageSize(64);
    const auto tester = attachTester(model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));

    // Newest first.
    EventQuery backward;
    backward.backward = true;
    model.setQuery(backward);
    fetchAll(model);
    QCOMPARE(model.rowCount(), FixtureEvents);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.index(row, 0).data(EventListModel::PositionRole).toLongLong(), qint64(FixtureEvents - row));
    QCOMPARE(model.rowOfPosition(FixtureEvents), 0);
    QCOMPARE(model.rowOfPosition(1), FixtureEvents - 1);

    // One type in one category, across several pages.
    EventQuery filtered;
    filtered.category = QStringLiteral("account");
    filtered.types = {QStringLiteral("Withdrawn")};
    model.setQuery(filtered);
    fetchAll(model);
    int expected = 0;
    for (int n = 1; n <= FixtureEvents; ++n)
        expected += streamOf(n).startsWith(QLatin1String("account-")) && typeOf(n) == QLatin1String("Withdrawn");
    QCOMPARE(model.rowCount(), expected);
    qint64 previous = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        QCOMPARE(index.data(EventListModel::TypeRole).toString(), QStringLiteral("Withdrawn"));
        QCOMPARE(index.data(EventListModel::CategoryRole).toString(), QStringLiteral("account"));
        QVERIFY(index.data(EventListModel::PositionRole).toLongLong() > previous);
        previous = index.data(EventListModel::PositionRole).toLongLong();
    }

    // A position window bounds the whole view.
    EventQuery window;
    window.fromPosition = 101;
    window.toPosition = 250;
    model.setQuery(window);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 150);
    QCOMPARE(display(model, 0, EventListModel::PositionColumn), QVariant(qint64(101)));
    QCOMPARE(display(model, 149, EventListModel::PositionColumn), QVariant(qint64(250)));
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
    QCOMPARE(names.value(Qt::DisplayRole), QByteArray("display"));
}

QTEST_GUILESS_MAIN(TestEventListModel)
#include "tst_eventlistmodel.moc"
