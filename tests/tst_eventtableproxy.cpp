#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QStyleOptionViewItem>
#include <QStyledItemDelegate>
#include <QTemporaryDir>
#include "modeltesting.h"

#include <QTest>
#include <QFont>
#include <QDateTime>
#include <QTextDocument>

#include <memory>

using namespace eventlens;

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z
constexpr int FixtureEvents = 300;

// Events 1 to 5 of the fixture are special; the others are dataOf(n).
constexpr int HtmlJsonPosition = 1;  // JSON that looks like HTML
constexpr int RawTextPosition = 2;   // raw UTF-8 text with line breaks
constexpr int BinaryPosition = 3;    // raw bytes, not UTF-8
constexpr int EmptyRawPosition = 4;  // no bytes at all
constexpr int BigJsonPosition = 5;   // larger than a tooltip

const QByteArray HtmlJson = QByteArrayLiteral("{\"amount\":1,\"note\":\"<b>bold</b> & co\"}");
const QByteArray RawText = QByteArrayLiteral("line one\r\nline\ttwo");
const QByteArray Binary = QByteArray("\x00\x01\x02raw", 6);

QByteArray bigJson()
{
    QByteArray json = "{\"items\":[";
    for (int i = 0; i < 2000; ++i)
        json += (i ? "," : "") + QByteArray::number(i);
    return json + "]}";
}

QByteArray dataOf(int n)
{
    switch (n) {
    case HtmlJsonPosition:
        return HtmlJson;
    case RawTextPosition:
        return RawText;
    case BinaryPosition:
        return Binary;
    case EmptyRawPosition:
        return {};
    case BigJsonPosition:
        return bigJson();
    default:
        return "{\"amount\":" + QByteArray::number(n) + "}";
    }
}

QString streamOf(int n)
{
    return QStringLiteral("account-%1").arg(n % 3);
}

void createFixture(const QString &path)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    auto batch = store->beginBatch();
    for (int n = 1; n <= FixtureEvents; ++n) {
        NewEvent e;
        e.id = QStringLiteral("20000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
        e.type = n % 2 ? QStringLiteral("Deposited") : QStringLiteral("Withdrawn");
        e.data = dataOf(n);
        e.dataIsJson = n != RawTextPosition && n != BinaryPosition && n != EmptyRawPosition;
        e.timeMs = BaseTime + qint64(n) * 1000 + n % 1000;
        batch.append(streamOf(n), ExpectedVersion::any(), {e});
    }
    batch.commit();
}

using testing::attachTester;
using testing::fetchAll;

QString text(const QAbstractItemModel &model, int row, int column, int role = Qt::DisplayRole)
{
    return model.index(row, column).data(role).toString();
}

// What a table cell shows: the default delegate's view of the proxy's roles.
class CellDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::initStyleOption;
};

QStyleOptionViewItem cellOption(const QModelIndex &index)
{
    CellDelegate delegate;
    QStyleOptionViewItem option;
    delegate.initStyleOption(&option, index);
    return option;
}

QString ellipsis()
{
    return QString(QChar(0x2026));
}

} // namespace

class TestEventTableProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void testerWhileLoadingFetchingAndResetting();
    void formattedCells();
    void localTimeSkipsAndPlaceholders();
    void alignment();
    void toolTips();
    void otherRolesPassThrough();
    void preview_data();
    void preview();
    void toolTipText_data();
    void toolTipText();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestEventTableProxy::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("proxy.eventlens"));
    createFixture(m_path);
}

void TestEventTableProxy::testerWhileLoadingFetchingAndResetting()
{
    EventListModel model;
    model.setPageSize(64);
    EventTableProxy proxy;
    const auto tester = attachTester(proxy);
    proxy.setSourceModel(&model);
    QSignalSpy inserted(&proxy, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&proxy, &QAbstractItemModel::modelReset);

    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(proxy.rowCount(), 0);
    QCOMPARE(proxy.columnCount(), int(EventListModel::ColumnCount));

    // A view fetches through the proxy: one page per fetchMore(), forwarded to the model.
    QVERIFY(proxy.canFetchMore({}));
    proxy.fetchMore({});
    QCOMPARE(model.rowCount(), 64);
    QCOMPARE(proxy.rowCount(), 64);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(text(proxy, 63, EventListModel::PositionColumn), QStringLiteral("64"));
    fetchAll(proxy);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(proxy.rowCount(), FixtureEvents);
    QCOMPARE(text(proxy, FixtureEvents - 1, EventListModel::PositionColumn), QString::number(FixtureEvents));

    // Reset, then a new query: rows come again, newest first.
    model.reload();
    QCOMPARE(reset.count(), 2);
    QCOMPARE(proxy.rowCount(), 0);
    EventQuery backward;
    backward.backward = true;
    model.setQuery(backward);
    proxy.fetchMore({});
    QCOMPARE(text(proxy, 0, EventListModel::PositionColumn), QString::number(FixtureEvents));
    fetchAll(proxy);
    QCOMPARE(proxy.rowCount(), FixtureEvents);
    QCOMPARE(text(proxy, FixtureEvents - 1, EventListModel::PositionColumn), QStringLiteral("1"));

    // Rows map one to one, whatever the row.
    for (int row : {0, 1, 150, FixtureEvents - 1}) {
        const QModelIndex index = proxy.index(row, EventListModel::TypeColumn);
        QCOMPARE(proxy.mapToSource(index), model.index(row, EventListModel::TypeColumn));
        QCOMPARE(proxy.mapFromSource(model.index(row, EventListModel::TypeColumn)), index);
    }

    // Another source, then none.
    EventListModel other;
    other.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    proxy.setSourceModel(&other);
    fetchAll(proxy);
    QCOMPARE(proxy.rowCount(), FixtureEvents);
    QCOMPARE(text(proxy, 0, EventListModel::PositionColumn), QStringLiteral("1"));
    model.setStore(nullptr); // the old source no longer matters
    QCOMPARE(proxy.rowCount(), FixtureEvents);
    other.setStore(nullptr);
    QCOMPARE(proxy.rowCount(), 0);
    QVERIFY(!proxy.canFetchMore({}));
    proxy.setSourceModel(nullptr);
    QCOMPARE(proxy.rowCount(), 0);
    QVERIFY(!proxy.index(0, 0).data().isValid());
}

void TestEventTableProxy::localTimeSkipsAndPlaceholders()
{
    EventListModel model;
    EventTableProxy proxy;
    const auto tester = attachTester(proxy);
    proxy.setSourceModel(&model);
    model.setPageSize(16);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    QTRY_COMPARE(model.totalCount(), qint64(FixtureEvents));
    // A row whose page has not been read shows a placeholder in its first column only.
    const int far = FixtureEvents / 2;
    if (!model.index(far, 0).data(EventListModel::LoadedRole).toBool()) {
        QCOMPARE(text(proxy, far, EventListModel::PositionColumn), QStringLiteral("…"));
        QVERIFY(!proxy.index(far, EventListModel::StreamColumn).data().isValid());
    }
    QTRY_VERIFY(model.index(far, 0).data(EventListModel::LoadedRole).toBool());
    QCOMPARE(text(proxy, far, EventListModel::PositionColumn), QString::number(far + 1));

    // Local time: the same instant with the local offset; UTC again when switched back.
    QTRY_VERIFY(model.index(0, 0).data(EventListModel::LoadedRole).toBool());
    const qint64 ms = model.index(0, 0).data(EventListModel::TimeRole).toLongLong();
    QSignalSpy layout(&proxy, &QAbstractItemModel::layoutChanged);
    proxy.setLocalTime(true);
    QCOMPARE(layout.count(), 1);
    const QString local = text(proxy, 0, EventListModel::TimeColumn);
    QCOMPARE(QDateTime::fromString(local, Qt::ISODateWithMs).toMSecsSinceEpoch(), ms);
    QCOMPARE(local, QDateTime::fromMSecsSinceEpoch(ms).toOffsetFromUtc(QDateTime::fromMSecsSinceEpoch(ms).offsetFromUtc()).toString(Qt::ISODateWithMs));
    proxy.setLocalTime(false);
    QCOMPARE(text(proxy, 0, EventListModel::TimeColumn), QStringLiteral("2024-01-01T00:00:01.001Z"));

    // Skipped events are struck through, in every column, and only they.
    proxy.setSkippedPositions({1, 3});
    for (int column = 0; column < EventListModel::ColumnCount; ++column) {
        QVERIFY(proxy.index(0, column).data(Qt::FontRole).value<QFont>().strikeOut());
        QVERIFY(!proxy.index(1, column).data(Qt::FontRole).isValid());
    }
    QVERIFY(proxy.index(2, 0).data(Qt::FontRole).value<QFont>().strikeOut());
    proxy.setSkippedPositions({});
    QVERIFY(!proxy.index(0, 0).data(Qt::FontRole).isValid());
}

void TestEventTableProxy::formattedCells()
{
    EventListModel model;
    EventTableProxy proxy;
    const auto tester = attachTester(proxy);
    proxy.setSourceModel(&model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    fetchAll(proxy);
    QCOMPARE(proxy.rowCount(), FixtureEvents);

    // Every column of the first row: text, whatever the model's raw type.
    const int row = HtmlJsonPosition - 1;
    QCOMPARE(text(proxy, row, EventListModel::PositionColumn), QStringLiteral("1"));
    QCOMPARE(text(proxy, row, EventListModel::TimeColumn), QStringLiteral("2024-01-01T00:00:01.001Z"));
    QCOMPARE(text(proxy, row, EventListModel::StreamColumn), QStringLiteral("account-1"));
    QCOMPARE(text(proxy, row, EventListModel::VersionColumn), QStringLiteral("0"));
    QCOMPARE(text(proxy, row, EventListModel::TypeColumn), QStringLiteral("Deposited"));
    QCOMPARE(text(proxy, row, EventListModel::DataColumn), QString::fromUtf8(HtmlJson));
    for (int column = 0; column < EventListModel::ColumnCount; ++column)
        QCOMPARE(proxy.index(row, column).data().typeId(), int(QMetaType::QString));

    // Raw data: text on one line, binary as its size and hex, nothing as nothing.
    QCOMPARE(text(proxy, RawTextPosition - 1, EventListModel::DataColumn), QStringLiteral("line one  line two"));
    QCOMPARE(text(proxy, BinaryPosition - 1, EventListModel::DataColumn), QStringLiteral("<6 bytes> 00 01 02 72 61 77"));
    QCOMPARE(text(proxy, EmptyRawPosition - 1, EventListModel::DataColumn), QString());
    // Long data: a preview of PreviewLength characters.
    const QString big = text(proxy, BigJsonPosition - 1, EventListModel::DataColumn);
    QCOMPARE(big.size(), EventTableProxy::PreviewLength);
    QVERIFY(big.endsWith(ellipsis()));
    QCOMPARE(big.chopped(1), QString::fromUtf8(bigJson().left(EventTableProxy::PreviewLength - 1)));

    // Later rows, and versions counted per stream.
    QCOMPARE(text(proxy, 299, EventListModel::PositionColumn), QStringLiteral("300"));
    QCOMPARE(text(proxy, 299, EventListModel::VersionColumn), QStringLiteral("99"));
    QCOMPARE(text(proxy, 299, EventListModel::TimeColumn), QStringLiteral("2024-01-01T00:05:00.300Z"));
    QCOMPARE(text(proxy, 299, EventListModel::DataColumn), QStringLiteral("{\"amount\":300}"));

    // The default delegate shows the same text.
    QCOMPARE(cellOption(proxy.index(299, EventListModel::TimeColumn)).text, QStringLiteral("2024-01-01T00:05:00.300Z"));
    QCOMPARE(cellOption(proxy.index(299, EventListModel::PositionColumn)).text, QStringLiteral("300"));
}

void TestEventTableProxy::alignment()
{
    EventListModel model;
    EventTableProxy proxy;
    proxy.setSourceModel(&model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    proxy.fetchMore({});
    QVERIFY(proxy.rowCount() > 0);

    const Qt::Alignment right = Qt::AlignRight | Qt::AlignVCenter;
    for (int column = 0; column < EventListModel::ColumnCount; ++column) {
        const QModelIndex index = proxy.index(0, column);
        const bool numeric = column == EventListModel::PositionColumn || column == EventListModel::VersionColumn;
        const QVariant value = index.data(Qt::TextAlignmentRole);
        QCOMPARE(value.isValid(), numeric);
        if (numeric) {
            QCOMPARE(value.value<Qt::Alignment>(), right);
            // What the default delegate draws with.
            QCOMPARE(cellOption(index).displayAlignment, right);
        }
    }
}

void TestEventTableProxy::toolTips()
{
    EventListModel model;
    EventTableProxy proxy;
    const auto tester = attachTester(proxy);
    proxy.setSourceModel(&model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    proxy.fetchMore({});
    QVERIFY(proxy.rowCount() >= BigJsonPosition);

    // The data column's tooltip: the data, re-indented, as rich text that shows as it is.
    const QString expected = QStringLiteral("{\n  \"amount\": 1,\n  \"note\": \"<b>bold</b> & co\"\n}");
    QCOMPARE(EventTableProxy::dataToolTip(HtmlJson, true), expected);
    const QString tip = text(proxy, HtmlJsonPosition - 1, EventListModel::DataColumn, Qt::ToolTipRole);
    QCOMPARE(tip, QStringLiteral("<pre>") + expected.toHtmlEscaped() + QStringLiteral("</pre>"));
    QVERIFY(Qt::mightBeRichText(tip));
    QTextDocument shown;
    shown.setHtml(tip);
    QCOMPARE(shown.toPlainText(), expected);

    // Raw text keeps its lines; binary is a hex dump; no data, no tooltip.
    QTextDocument raw;
    raw.setHtml(text(proxy, RawTextPosition - 1, EventListModel::DataColumn, Qt::ToolTipRole));
    QCOMPARE(raw.toPlainText(), QStringLiteral("line one\nline\ttwo"));
    QVERIFY(text(proxy, BinaryPosition - 1, EventListModel::DataColumn, Qt::ToolTipRole)
                .contains(QLatin1String("00000000  00 01 02 72 61 77")));
    QVERIFY(!proxy.index(EmptyRawPosition - 1, EventListModel::DataColumn).data(Qt::ToolTipRole).isValid());

    // Long data is cut: ToolTipLines lines, then "…".
    QTextDocument big;
    big.setHtml(text(proxy, BigJsonPosition - 1, EventListModel::DataColumn, Qt::ToolTipRole));
    const QStringList lines = big.toPlainText().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), EventTableProxy::ToolTipLines + 1);
    QCOMPARE(lines.first(), QStringLiteral("{"));
    QCOMPARE(lines.at(1), QStringLiteral("  \"items\": ["));
    QCOMPARE(lines.at(2), QStringLiteral("    0,"));
    QCOMPARE(lines.last(), ellipsis());

    // Other columns have none.
    for (int column = 0; column < EventListModel::ColumnCount; ++column) {
        if (column != EventListModel::DataColumn)
            QVERIFY(!proxy.index(0, column).data(Qt::ToolTipRole).isValid());
    }
}

void TestEventTableProxy::otherRolesPassThrough()
{
    EventListModel model;
    EventTableProxy proxy;
    proxy.setSourceModel(&model);
    model.setStore(EventStore::open(m_path, EventStore::OpenMode::ReadOnly));
    proxy.fetchMore({});
    QVERIFY(proxy.rowCount() > BinaryPosition);

    const int roles[] = {EventListModel::PositionRole, EventListModel::TimeRole,     EventListModel::StreamRole,
                         EventListModel::CategoryRole, EventListModel::VersionRole,  EventListModel::IdRole,
                         EventListModel::TypeRole,     EventListModel::DataRole,     EventListModel::DataIsJsonRole,
                         EventListModel::MetadataRole, EventListModel::HashRole,     Qt::DecorationRole,
                         Qt::ForegroundRole,           Qt::BackgroundRole,           Qt::FontRole,
                         Qt::EditRole,                 Qt::StatusTipRole,            Qt::UserRole + 100};
    for (int row : {0, BinaryPosition - 1}) {
        for (int column = 0; column < EventListModel::ColumnCount; ++column) {
            const QModelIndex index = proxy.index(row, column);
            for (int role : roles) {
                const QVariant value = index.data(role);
                const QVariant source = model.index(row, column).data(role);
                QCOMPARE(value.typeId(), source.typeId());
                QCOMPARE(value, source);
            }
            QCOMPARE(proxy.flags(index), model.flags(model.index(row, column)));
        }
    }
    QCOMPARE(proxy.index(BinaryPosition - 1, 0).data(EventListModel::DataRole).toByteArray(), Binary);
    QCOMPARE(proxy.index(0, 0).data(EventListModel::PositionRole).typeId(), int(QMetaType::LongLong));

    for (int column = 0; column <= EventListModel::ColumnCount; ++column)
        QCOMPARE(proxy.headerData(column, Qt::Horizontal), model.headerData(column, Qt::Horizontal));
    QCOMPARE(proxy.headerData(EventListModel::TimeColumn, Qt::Horizontal).toString(), QStringLiteral("Time (UTC)"));
    QCOMPARE(proxy.roleNames(), model.roleNames());

    // Invalid indexes have nothing.
    QVERIFY(!proxy.data({}, Qt::DisplayRole).isValid());
    QVERIFY(!proxy.data({}, Qt::ToolTipRole).isValid());
    QVERIFY(!proxy.data({}, Qt::TextAlignmentRole).isValid());
}

void TestEventTableProxy::preview_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("isJson");
    QTest::addColumn<int>("maxChars");
    QTest::addColumn<QString>("expected");

    QTest::newRow("json") << QByteArray("{\"a\":1}") << true << 160 << QStringLiteral("{\"a\":1}");
    QTest::newRow("json cut") << QByteArray("{\"abcdefghij\":1}") << true << 8 << QStringLiteral("{\"abcde\u2026");
    QTest::newRow("utf8 cut") << QByteArray("[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]") << true << 4
                              << QStringLiteral("[\"\u00e9\u2026");
    QTest::newRow("surrogate cut") << QByteArray("[\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"]") << true << 4
                                   << QStringLiteral("[\"\u2026");
    QTest::newRow("json line separator") << QByteArray("[\"a\xe2\x80\xa8" "b\"]") << true << 160 << QStringLiteral("[\"a b\"]");
    QTest::newRow("raw text") << QByteArray("line one\nline\ttwo") << false << 160 << QStringLiteral("line one line two");
    QTest::newRow("raw crlf") << QByteArray("a\r\nb\x1b") << false << 160 << QStringLiteral("a  b ");
    QTest::newRow("binary") << QByteArray("\x00\x01\xff", 3) << false << 160 << QStringLiteral("<3 bytes> 00 01 ff");
    QTest::newRow("empty raw") << QByteArray() << false << 160 << QString();
    // Bytes that never start a UTF-8 sequence: still binary, however many.
    QTest::newRow("continuation bytes") << QByteArray(1000, '\x80') << false << 160
                                        << QString(QString(QStringLiteral("<1000 bytes> ")
                                                           + QString::fromLatin1(QByteArray(54, '\x80').toHex(' ')))
                                                       .left(159)
                                                   + QChar(0x2026));
}

void TestEventTableProxy::preview()
{
    QFETCH(QByteArray, data);
    QFETCH(bool, isJson);
    QFETCH(int, maxChars);
    QFETCH(QString, expected);
    QCOMPARE(EventTableProxy::dataPreview(data, isJson, maxChars), expected);
}

void TestEventTableProxy::toolTipText_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("isJson");
    QTest::addColumn<QString>("expected");

    const QString cut = ellipsis();
    const QString longLine = QString(QString(EventTableProxy::ToolTipLineLength - 1, QLatin1Char('x')) + cut);

    QTest::newRow("json") << QByteArray("{\"a\":1,\"b\":[1,2],\"c\":{}}") << true
                          << QStringLiteral("{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {}\n}");
    QTest::newRow("raw text") << QByteArray("line one\r\nline\ttwo\x1b!\n\n") << false << QStringLiteral("line one\nline\ttwo !");
    QTest::newRow("binary") << QByteArray("\x00\x01\x02raw", 6) << false
                            << QString(QStringLiteral("00000000  00 01 02 72 61 77") + QString(32, QLatin1Char(' '))
                                       + QStringLiteral("...raw"));
    QTest::newRow("empty") << QByteArray() << false << QString();

    QByteArray manyLines;
    QStringList firstLines;
    for (int i = 0; i < 100; ++i) {
        manyLines += "l" + QByteArray::number(i) + '\n';
        if (i < EventTableProxy::ToolTipLines)
            firstLines.append(QStringLiteral("l%1").arg(i));
    }
    QTest::newRow("many lines") << manyLines << false << QString(firstLines.join(QLatin1Char('\n')) + QLatin1Char('\n') + cut);
    QTest::newRow("long line") << QByteArray(300, 'x') << false << longLine;
    QTest::newRow("long data") << QByteArray(EventTableProxy::ToolTipBytes * 2, 'x') << false
                               << QString(longLine + QLatin1Char('\n') + cut);
    QTest::newRow("long json string") << QByteArray("[\"" + QByteArray(300, 'x') + "\"]") << true
                                      << QString(QStringLiteral("[\n  \"") + QString(EventTableProxy::ToolTipLineLength - 4, QLatin1Char('x'))
                                                 + cut + QStringLiteral("\n]"));
}

void TestEventTableProxy::toolTipText()
{
    QFETCH(QByteArray, data);
    QFETCH(bool, isJson);
    QFETCH(QString, expected);
    QCOMPARE(EventTableProxy::dataToolTip(data, isJson), expected);
}

QTEST_MAIN(TestEventTableProxy)
#include "tst_eventtableproxy.moc"
