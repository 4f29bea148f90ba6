#include "eventlistmodel.h"

#include "eventstore.h"

#include <QScopedValueRollback>

#include <algorithm>
#include <climits>
#include <exception>

namespace eventlens {

EventListModel::EventListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

EventListModel::~EventListModel() = default;

void EventListModel::setStore(std::shared_ptr<const EventStore> store)
{
    beginResetModel();
    m_store = std::move(store);
    m_events.clear();
    m_events.shrink_to_fit();
    m_atEnd = !m_store;
    m_lastError.clear();
    endResetModel();
}

void EventListModel::setQuery(const EventQuery &query)
{
    m_query = query;
    m_query.limit = -1;
    reload();
}

void EventListModel::setPageSize(int rows)
{
    m_pageSize = std::max(1, rows);
}

void EventListModel::reload()
{
    beginResetModel();
    m_events.clear();
    m_events.shrink_to_fit();
    m_atEnd = !m_store;
    m_lastError.clear();
    endResetModel();
}

const Event *EventListModel::eventAt(int row) const
{
    if (row < 0 || static_cast<size_t>(row) >= m_events.size())
        return nullptr;
    return &m_events[static_cast<size_t>(row)];
}

int EventListModel::rowOfPosition(qint64 position) const
{
    const auto before = [this](const Event &e, qint64 p) {
        return m_query.backward ? e.position > p : e.position < p;
    };
    const auto it = std::lower_bound(m_events.begin(), m_events.end(), position, before);
    if (it == m_events.end() || it->position != position)
        return -1;
    return static_cast<int>(it - m_events.begin());
}

int EventListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int EventListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool EventListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_store && !m_atEnd && !m_fetching;
}

void EventListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Views and testers call fetchMore() from slots connected to the insertion signals;
    // a nested fetch would insert rows while this insertion is still in flight.
    const QScopedValueRollback<bool> guard(m_fetching, true);

    EventQuery page = m_query;
    if (!m_events.empty()) {
        const qint64 last = m_events.back().position;
        page.fromPosition = m_query.backward ? last - 1 : last + 1;
        if (page.fromPosition < 1 && m_query.backward) {
            m_atEnd = true;
            return;
        }
    }
    const qint64 room = qint64(INT_MAX) - qint64(m_events.size());
    page.limit = std::min<qint64>(m_pageSize, room);
    if (page.limit <= 0) {
        m_atEnd = true;
        return;
    }

    std::vector<Event> rows;
    try {
        rows = m_store->read(page);
    } catch (const std::exception &e) {
        // Stop fetching: a view would otherwise ask again and again.
        m_atEnd = true;
        m_lastError = QString::fromUtf8(e.what());
        Q_EMIT readFailed(m_lastError);
        return;
    }
    m_lastError.clear();
    if (qint64(rows.size()) < page.limit)
        m_atEnd = true;
    if (rows.empty())
        return;

    const int first = static_cast<int>(m_events.size());
    beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
    m_events.insert(m_events.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    endInsertRows();
}

QVariant EventListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event &event = m_events[static_cast<size_t>(index.row())];

    switch (role) {
    case Qt::DisplayRole:
        return columnValue(event, index.column());
    case PositionRole:
        return event.position;
    case TimeRole:
        return event.timeMs;
    case StreamRole:
        return event.stream;
    case CategoryRole:
        return event.category();
    case VersionRole:
        return event.version;
    case IdRole:
        return event.id;
    case TypeRole:
        return event.type;
    case DataRole:
        return event.data;
    case DataIsJsonRole:
        return event.dataIsJson;
    case MetadataRole:
        return event.metadata;
    case HashRole:
        return event.hash;
    default:
        return {};
    }
}

QVariant EventListModel::columnValue(const Event &event, int column)
{
    switch (column) {
    case PositionColumn:
        return event.position;
    case TimeColumn:
        return event.timeMs;
    case StreamColumn:
        return event.stream;
    case VersionColumn:
        return event.version;
    case TypeColumn:
        return event.type;
    case DataColumn:
        return event.data;
    default:
        return {};
    }
}

QVariant EventListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case PositionColumn:
        return tr("Position");
    case TimeColumn:
        return tr("Time (UTC)");
    case StreamColumn:
        return tr("Stream");
    case VersionColumn:
        return tr("Version");
    case TypeColumn:
        return tr("Type");
    case DataColumn:
        return tr("Data");
    default:
        return {};
    }
}

QHash<int, QByteArray> EventListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(PositionRole, QByteArrayLiteral("position"));
    names.insert(TimeRole, QByteArrayLiteral("time"));
    names.insert(StreamRole, QByteArrayLiteral("stream"));
    names.insert(CategoryRole, QByteArrayLiteral("category"));
    names.insert(VersionRole, QByteArrayLiteral("version"));
    names.insert(IdRole, QByteArrayLiteral("id"));
    names.insert(TypeRole, QByteArrayLiteral("type"));
    names.insert(DataRole, QByteArrayLiteral("data"));
    names.insert(DataIsJsonRole, QByteArrayLiteral("dataIsJson"));
    names.insert(MetadataRole, QByteArrayLiteral("metadata"));
    names.insert(HashRole, QByteArrayLiteral("hash"));
    return names;
}

} // namespace eventlens
