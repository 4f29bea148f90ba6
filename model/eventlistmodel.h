#pragma once

#include "event.h"
#include "eventquery.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace eventlens {

class EventStore;

// The store's log as a flat table (Qt Core only), fast at any size (DESIGN.md §5).
//
// Rows. A count job on a worker thread (its own read-only connection) scans the filtered log
// once, positions only, and records an anchor every pageSize() rows: the position of the first
// row of each page. It reports as it goes, so rowCount() grows (rowsInserted at the end, in
// order) until the count is known (countChanged()); its first report carries the first page's
// events and its last one the last page's, so the top and the end show at once. Row r is then
// read by keyset from anchor[r / pageSize()], never by OFFSET, whatever the store's positions
// (gaps allowed). The model is a snapshot: events appended after setStore(), setQuery() or
// reload() are not shown until the next reload().
//
// Data. Only pages somebody asks data() for (the visible window) plus their neighbours (the
// margin) are read, off the GUI thread, into a bounded LRU cache of pages (cacheCapacity()).
// data() for a row whose page is not loaded yet returns an invalid QVariant for every role but
// LoadedRole (false), and asks for the page; when it arrives dataChanged() is emitted for that
// page's rows only. Results of an older setStore()/setQuery()/reload()/setPositions() are
// dropped (generation token).
//
// Another row source: setPositions() shows exactly the events at a list of positions, in that
// order (a JavaScript predicate filter produces such a list); pages are then read by position.
//
// Raw typed values come through the named roles, and DisplayRole is the raw typed value of each
// cell's column (see Column); turning them into text, alignment and tooltips is left to the
// views (EventTableProxy).
//
// canFetchMore()/fetchMore() remain for callers that page synchronously (a view scrolled to the
// bottom of the rows counted so far, headless code): while the count is running, fetchMore()
// reads the next page after the last row known on the calling thread, through the store given to
// setStore(), and appends it. Everything else reads on the model's own worker threads.
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
        LoadedRole,                      // bool: false while the row's page is loading (every other role is invalid then)
    };
    Q_ENUM(Role)

    static constexpr int DefaultPageSize = 256;
    static constexpr int DefaultCacheCapacity = 64;
    // The scale of countProgress().
    static constexpr qint64 ProgressScale = 1000;

    explicit EventListModel(QObject *parent = nullptr);
    // Cancels the model's workers and waits for them (a page read or a few thousand rows of a scan).
    ~EventListModel() override;

    // The store whose log is shown (null: none). Shared so that the model can never outlive the
    // connection it reads from; it is used on the GUI thread only (to open the workers' read-only
    // connections, by fetchMore() and by rowOfPosition()). A model reset; forgets a position list
    // (its positions belonged to the store before).
    void setStore(std::shared_ptr<const EventStore> store);
    const EventStore *store() const { return m_store.get(); }

    // Filters and direction of the log; limit is ignored; fromPosition / toPosition, when set,
    // bound the whole view. Leaves the position list of setPositions(). A model reset.
    void setQuery(const EventQuery &query);
    const EventQuery &query() const { return m_query; }

    // Shows exactly the events at these positions, in this order (positions that are not in the
    // store show as rows with their position only). Null shows nothing. setQuery() returns to the
    // query. A model reset; the count is known at once.
    using Positions = std::shared_ptr<const std::vector<qint64>>;
    void setPositions(Positions positions);
    void setPositions(std::vector<qint64> positions);
    // The list shown, null when the rows come from query().
    Positions positions() const { return m_positions; }

    // Rows per page (read at once, one anchor each; default 256). A model reset.
    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }
    // Pages kept in memory at most (default 64, at least 2).
    void setCacheCapacity(int pages);
    int cacheCapacity() const { return m_cacheCapacity; }
    // Pages in memory now (for tests and diagnostics).
    int cachedPageCount() const { return static_cast<int>(m_cache.size()); }

    // Forgets every loaded row and counts again (a model reset): shows events appended since.
    void reload();

    // The number of rows once counted, -1 while the count is running (rowCount() shows the rows
    // counted so far).
    qint64 totalCount() const { return m_total; }
    // True while the count runs or pages are being read.
    bool isLoading() const { return m_loading; }

    // The last read error (empty when the last read succeeded).
    QString lastError() const { return m_lastError; }

    // The event of a row when its page is in memory, else null. The pointer is valid until
    // control returns to the event loop or the model is changed.
    const Event *eventAt(int row) const;
    // The row of the event at position, -1 when it is not in the view (or not counted yet). Uses
    // the anchors and the cached pages, and when needed reads the positions of one page on the
    // calling thread (a keyset read of pageSize() rows). With a position list that is not in
    // log order, a linear search.
    int rowOfPosition(qint64 position) const;
    // The same off the GUI thread: rowFound(position, row) follows (row -1 when not in the view),
    // once the count has got far enough; the row's page is loaded on the way.
    void requestRowOfPosition(qint64 position);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Shared with the worker threads (public for the worker functions only).
    struct CountReport;
    struct PageResult;
    struct Loader;

Q_SIGNALS:
    // The number of rows, once counted (after every reset that counts: setStore(), setQuery(),
    // reload(), setPositions()). A count ends in this or in readFailed(); one that a reset
    // supersedes ends in the reset.
    void countChanged(qint64 total);
    // How far the count has got, by position within the range counted: (0, ProgressScale) when it
    // starts, then with each report (about every 100 ms), (ProgressScale, ProgressScale) at the end.
    void countProgress(qint64 done, qint64 total);
    void loadingChanged(bool loading);
    // A read failed (the count or a page); the rows known so far stay.
    void readFailed(const QString &message);
    // Answer to requestRowOfPosition().
    void rowFound(qint64 position, int row);

private:
    struct Page
    {
        std::vector<Event> events;
        std::list<int>::iterator lru;
    };
    struct CountJob;
    struct PageJob;
    struct Connections;

    // Worker functions (on m_pool): they talk back through queued calls of onCountReport() and
    // onPageResult(); the destructor waits for them.
    static void runCount(const std::shared_ptr<CountJob> &job, EventListModel *model);
    static void runLoader(const std::shared_ptr<Loader> &loader, EventListModel *model);

    void resetRows(); // between begin/endResetModel: forgets rows, pages and jobs
    void startCount();
    void cancelCount();
    EventQuery boundedQuery() const;
    int pageOf(int row) const { return row / m_pageSize; }
    int rowsInPage(int page) const;
    const Event *cachedEvent(int row) const;
    // Asks the loader for a page (and its neighbours); const: called from data().
    void requestPage(int page) const;
    // Caches a page of a view of rowCount rows (dataChanged() for its rows when announce).
    void storePage(int page, std::vector<Event> events, bool announce, qint64 rowCount);
    void evictPages() const;
    void insertRows(qint64 rows);
    void setTotal(qint64 total);
    qint64 progressAt(qint64 frontier) const;
    void fail(const QString &message);
    void updateLoading();
    void scheduleLoadingUpdate() const;
    void resolveRowRequests();
    int rowInPage(int page, qint64 position) const;
    int pageOfPosition(qint64 position) const;
    // Worker results, on the GUI thread.
    void onCountReport(const std::shared_ptr<CountReport> &report);
    void onPageResult(const std::shared_ptr<PageResult> &result);
    static QVariant columnValue(const Event &event, int column);

    std::shared_ptr<const EventStore> m_store;
    EventQuery m_query;
    Positions m_positions;
    bool m_positionsAscending = false;  // the list is strictly increasing (binary search)
    bool m_positionsDescending = false; // the list is strictly decreasing
    int m_pageSize = DefaultPageSize;
    int m_cacheCapacity = DefaultCacheCapacity;

    quint64 m_generation = 0;
    std::optional<qint64> m_snapshotHead; // the head position when the rows were counted
    std::vector<qint64> m_anchors;        // position of the first row of each page (query mode)
    int m_rowCount = 0;
    qint64 m_frontier = 0;                // position of the last row counted (query mode)
    qint64 m_total = -1;
    bool m_fetching = false;              // fetchMore() may be re-entered from a slot on rowsAboutToBeInserted
    bool m_fetchFailed = false;
    bool m_loading = false;
    mutable bool m_loadingUpdateQueued = false;
    QString m_lastError;

    std::shared_ptr<CountJob> m_countJob;          // the running count, null when none
    std::shared_ptr<Connections> m_countConnections; // idle read-only connections for counts
    std::shared_ptr<Loader> m_loader;              // reads pages for the current store
    mutable std::unordered_map<int, Page> m_cache; // page -> events
    mutable std::list<int> m_lru;                  // pages, most recently used first
    mutable QSet<int> m_pending;                   // pages asked for and not arrived yet
    mutable QSet<int> m_failedPages;               // pages that could not be read (not asked again)
    std::vector<qint64> m_rowRequests;             // positions of requestRowOfPosition() waiting
    mutable QThreadPool m_pool;                    // the count and the page loader
};

} // namespace eventlens
