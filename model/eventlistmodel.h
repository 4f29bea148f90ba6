#pragma once

#include "event.h"
#include "eventquery.h"

#include <QAbstractTableModel>
#include <QString>

#include <memory>
#include <vector>

namespace eventlens {

class EventStore;

// The store's log as a flat table (Qt Core only). Rows are fetched page by page by keyset
// (EventQuery::fromPosition + limit) through canFetchMore()/fetchMore(), so opening a store of
// any size reads one page. Raw typed values come through the named roles, and DisplayRole is the
// raw typed value of each cell's column (see Column); turning them into text, alignment and
// tooltips is left to the views (EventTableProxy).
class EventListModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    // The columns and the type of their DisplayRole value (the same as their named role's).
    enum Column {
        PositionColumn, // qint64
        TimeColumn,     // qint64, UTC ms since the epoch
        StreamColumn,   // QString
        VersionColumn,  // qint64, 0-based
        TypeColumn,     // QString
        DataColumn,     // QByteArray, as DataRole
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        PositionRole = Qt::UserRole + 1, // qint64
        TimeRole,                        // qint64, UTC ms since the epoch
        StreamRole,                      // QString
        CategoryRole,                    // QString
        VersionRole,                     // qint64, 0-based
        IdRole,                          // QString
        TypeRole,                        // QString
        DataRole,                        // QByteArray: compact JSON, or raw bytes when !DataIsJsonRole
        DataIsJsonRole,                  // bool
        MetadataRole,                    // QByteArray: compact JSON object
        HashRole,                        // QByteArray: 32 bytes SHA-256, empty when unknown
    };
    Q_ENUM(Role)

    explicit EventListModel(QObject *parent = nullptr);
    ~EventListModel() override;

    // The store whose log is shown (null: none). Shared so that the model can never outlive
    // the connection it reads from. The connection is used from the GUI thread only.
    void setStore(std::shared_ptr<const EventStore> store);
    const EventStore *store() const { return m_store.get(); }

    // Filters and direction of the log; fromPosition, toPosition and limit are managed by
    // the model (fromPosition / toPosition, when set, bound the whole view).
    void setQuery(const EventQuery &query);
    const EventQuery &query() const { return m_query; }

    // Rows read per fetchMore() (default 256).
    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }

    // Forgets every loaded row and starts again from the first page (a model reset).
    void reload();

    // The last read error (empty when the last read succeeded).
    QString lastError() const { return m_lastError; }

    // The event of a row, null when out of range.
    const Event *eventAt(int row) const;
    // The row of a loaded event, -1 when not loaded.
    int rowOfPosition(qint64 position) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    // A page could not be read; the rows loaded so far stay.
    void readFailed(const QString &message);

private:
    static QVariant columnValue(const Event &event, int column);

    std::shared_ptr<const EventStore> m_store;
    EventQuery m_query;
    std::vector<Event> m_events;
    int m_pageSize = 256;
    bool m_atEnd = true;
    bool m_fetching = false; // fetchMore() may be re-entered from a slot on rowsAboutToBeInserted
    QString m_lastError;
};

} // namespace eventlens
