#include "eventlistmodel.h"

#include "eventstore.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QMutexLocker>
#include <QScopedValueRollback>

#include <algorithm>
#include <atomic>
#include <climits>
#include <deque>
#include <exception>
#include <functional>
#include <limits>

namespace eventlens {

namespace {

// How often the count reports the rows counted so far (the first page is reported at once).
constexpr qint64 CountReportIntervalMs = 100;
// Pages waiting for the loader at most; the oldest wishes are forgotten first (they were for a
// window the view has left since).
constexpr int MaxQueuedPages = 24;

QString errorText(const std::exception &e)
{
    return QString::fromUtf8(e.what());
}

// Rows a model can show: a whole number of pages that fits in an int.
int maxRowsFor(int pageSize)
{
    return INT_MAX - INT_MAX % pageSize;
}

} // namespace

// Read-only connections of one store for the counts: a count takes one and gives it back when it
// ends, so that the next count (another filter, a reload) reuses it and the memory of its page
// cache instead of opening another. Each is used by one count at a time.
struct EventListModel::Connections
{
    QMutex mutex;
    std::vector<std::unique_ptr<EventStore>> idle; // guarded by mutex

    std::unique_ptr<EventStore> take()
    {
        QMutexLocker lock(&mutex);
        if (idle.empty())
            return nullptr;
        std::unique_ptr<EventStore> connection = std::move(idle.back());
        idle.pop_back();
        return connection;
    }
    void giveBack(std::unique_ptr<EventStore> &connection)
    {
        QMutexLocker lock(&mutex);
        if (idle.empty())
            idle.push_back(std::move(connection));
        lock.unlock();
        connection.reset(); // one is kept; a second one (counts overlapped) closes here
    }
};

// The running count: a positions-only scan of the filtered log on a worker.
struct EventListModel::CountJob
{
    std::atomic_bool cancel{false};
    std::unique_ptr<EventStore> connection; // read-only, this job's own while it runs
    std::shared_ptr<Connections> connections; // where it goes back
    EventQuery query;                       // bounded by the snapshot's head
    int pageSize = DefaultPageSize;
    quint64 generation = 0;
};

// What the count has found since its last report.
struct EventListModel::CountReport
{
    std::shared_ptr<CountJob> job;
    qint64 rows = 0;              // rows counted so far: whole pages, unless done
    qint64 firstAnchor = 0;       // index of anchors.front() in the model's anchors
    std::vector<qint64> anchors;  // anchors found since the last report
    qint64 frontier = 0;          // position of the last row counted
    std::vector<Event> firstPage; // page 0, with the first report
    std::vector<Event> lastPage;  // the last page, with the final report (when it is not page 0)
    int lastPageIndex = -1;
    bool done = false;
    QString error;
};

struct EventListModel::PageJob
{
    quint64 generation = 0;
    int page = 0;
    EventQuery query;              // query mode: from the page's anchor, pageSize rows
    std::vector<qint64> positions; // position-list mode: the page's positions
    bool byPositions = false;
};

struct EventListModel::PageResult
{
    quint64 generation = 0;
    int page = 0;
    std::vector<Event> events;
    QString error;
};

// Reads pages for one store, one at a time, on a worker, through a read-only connection of its
// own; the most wanted page first.
struct EventListModel::Loader
{
    QMutex mutex;
    std::deque<PageJob> queue; // guarded by mutex
    bool running = false;      // guarded by mutex: a worker is draining the queue
    std::atomic_bool cancel{false};
    std::unique_ptr<EventStore> connection; // used by the running worker only
};

// ---------------------------------------------------------------------------------------------
// Workers

void EventListModel::runCount(const std::shared_ptr<CountJob> &job, EventListModel *model)
{
    const auto post = [model](std::shared_ptr<CountReport> report) {
        QMetaObject::invokeMethod(model, [model, report] { model->onCountReport(report); }, Qt::QueuedConnection);
    };
    const auto newReport = [&job] {
        auto report = std::make_shared<CountReport>();
        report->job = job;
        return report;
    };
    const int pageSize = job->pageSize;
    const qint64 maxRows = maxRowsFor(pageSize);
    EventStore &store = *job->connection;
    struct GiveBack
    {
        CountJob &job;
        ~GiveBack() { job.connections->giveBack(job.connection); }
    } giveBack{*job};
    try {
        // The first page with its events: the top of the table shows with the first report.
        EventQuery first = job->query;
        first.limit = pageSize;
        std::vector<Event> firstPage = store.read(first);
        auto report = newReport();
        report->rows = qint64(firstPage.size());
        if (!firstPage.empty()) {
            report->anchors.push_back(firstPage.front().position);
            report->frontier = firstPage.back().position;
        }
        const qint64 frontier = report->frontier;
        report->done = qint64(firstPage.size()) < pageSize;
        report->firstPage = std::move(firstPage);
        const bool done = report->done;
        post(std::move(report));
        if (done || job->cancel)
            return;

        // The rest, positions only; an anchor at the first row of every page.
        EventQuery rest = job->query;
        rest.limit = -1;
        if (rest.backward) {
            if (frontier <= 1) {
                auto last = newReport();
                last->rows = pageSize;
                last->frontier = frontier;
                last->done = true;
                post(std::move(last));
                return;
            }
            rest.fromPosition = frontier - 1;
        } else {
            rest.fromPosition = frontier + 1;
        }
        qint64 rows = pageSize;
        qint64 last = frontier;
        qint64 lastAnchor = 0;
        qint64 reportedAnchors = 1;
        std::vector<qint64> anchors;
        QElapsedTimer sinceReport;
        sinceReport.start();
        store.forEachPosition(
            rest,
            [&](qint64 position) {
                if (rows % pageSize == 0) {
                    anchors.push_back(position);
                    lastAnchor = position;
                }
                ++rows;
                last = position;
                if (rows % pageSize == 0 && sinceReport.elapsed() >= CountReportIntervalMs) {
                    auto progress = newReport();
                    progress->rows = rows;
                    progress->firstAnchor = reportedAnchors;
                    reportedAnchors += qint64(anchors.size());
                    progress->anchors = std::move(anchors);
                    anchors.clear();
                    progress->frontier = last;
                    post(std::move(progress));
                    sinceReport.restart();
                }
                return rows < maxRows && !job->cancel.load(std::memory_order_relaxed);
            },
            &job->cancel);
        if (job->cancel)
            return;

        auto final = newReport();
        final->rows = rows;
        final->firstAnchor = reportedAnchors;
        final->anchors = std::move(anchors);
        final->frontier = last;
        final->done = true;
        // The last page with its events: the end of the table shows at once too.
        const int lastPage = int((rows - 1) / pageSize);
        if (lastPage > 0 && lastAnchor != 0) {
            EventQuery end = job->query;
            end.fromPosition = lastAnchor;
            end.limit = pageSize;
            final->lastPage = store.read(end);
            final->lastPageIndex = lastPage;
        }
        post(std::move(final));
    } catch (const std::exception &e) {
        if (job->cancel)
            return;
        auto failed = newReport();
        failed->error = errorText(e);
        failed->done = true;
        post(std::move(failed));
    }
}

void EventListModel::runLoader(const std::shared_ptr<Loader> &loader, EventListModel *model)
{
    for (;;) {
        PageJob job;
        {
            QMutexLocker lock(&loader->mutex);
            if (loader->cancel || loader->queue.empty()) {
                loader->running = false;
                return;
            }
            job = std::move(loader->queue.front());
            loader->queue.pop_front();
        }
        auto result = std::make_shared<PageResult>();
        result->generation = job.generation;
        result->page = job.page;
        try {
            if (job.byPositions) {
                // Row for row: a position that is not in the store keeps a row with its position.
                std::vector<Event> found = loader->connection->readPositions(job.positions);
                result->events.reserve(job.positions.size());
                size_t next = 0;
                for (const qint64 position : job.positions) {
                    if (next < found.size() && found[next].position == position) {
                        result->events.push_back(std::move(found[next++]));
                    } else {
                        Event missing;
                        missing.position = position;
                        result->events.push_back(std::move(missing));
                    }
                }
            } else {
                result->events = loader->connection->read(job.query);
            }
        } catch (const std::exception &e) {
            result->error = errorText(e);
        }
        if (loader->cancel)
            continue; // the model has moved on; the next round ends the loop
        QMetaObject::invokeMethod(model, [model, result] { model->onPageResult(result); }, Qt::QueuedConnection);
    }
}

// ---------------------------------------------------------------------------------------------
// The model

EventListModel::EventListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    // The count and the page loader run side by side; one more for a superseded worker that
    // is still stopping.
    m_pool.setMaxThreadCount(3);
}

EventListModel::~EventListModel()
{
    cancelCount();
    if (m_loader) {
        QMutexLocker lock(&m_loader->mutex);
        m_loader->cancel = true;
        m_loader->queue.clear();
    }
    // The workers hold a pointer to this model: none may outlive it.
    m_pool.waitForDone();
}

void EventListModel::setStore(std::shared_ptr<const EventStore> store)
{
    beginResetModel();
    if (m_loader) {
        QMutexLocker lock(&m_loader->mutex);
        m_loader->cancel = true;
        m_loader->queue.clear();
    }
    m_loader.reset();
    m_countConnections.reset();
    m_store = std::move(store);
    m_positions.reset();
    resetRows();
    QString error;
    if (m_store) {
        try {
            auto loader = std::make_shared<Loader>();
            loader->connection = m_store->openAnother(EventStore::OpenMode::ReadOnly);
            m_loader = std::move(loader);
        } catch (const std::exception &e) {
            error = errorText(e);
        }
    }
    endResetModel();
    if (!error.isEmpty())
        fail(error);
    startCount();
}

void EventListModel::setQuery(const EventQuery &query)
{
    m_query = query;
    m_query.limit = -1;
    m_positions.reset();
    reload();
}

void EventListModel::setPositions(Positions positions)
{
    beginResetModel();
    m_positions = positions ? std::move(positions) : std::make_shared<const std::vector<qint64>>();
    resetRows();
    const std::vector<qint64> &list = *m_positions;
    m_positionsAscending = std::adjacent_find(list.begin(), list.end(), std::greater_equal<qint64>()) == list.end();
    m_positionsDescending = std::adjacent_find(list.begin(), list.end(), std::less_equal<qint64>()) == list.end();
    const qint64 rows = m_store ? std::min<qint64>(qint64(list.size()), maxRowsFor(m_pageSize)) : 0;
    m_rowCount = int(rows);
    m_total = rows;
    endResetModel();
    Q_EMIT countChanged(m_total);
    updateLoading();
}

void EventListModel::setPositions(std::vector<qint64> positions)
{
    setPositions(std::make_shared<const std::vector<qint64>>(std::move(positions)));
}

void EventListModel::setPageSize(int rows)
{
    rows = std::max(1, rows);
    if (rows == m_pageSize)
        return;
    m_pageSize = rows;
    reload();
}

void EventListModel::setCacheCapacity(int pages)
{
    m_cacheCapacity = std::max(2, pages);
    evictPages();
}

void EventListModel::reload()
{
    if (m_positions) {
        setPositions(m_positions);
        return;
    }
    beginResetModel();
    resetRows();
    endResetModel();
    startCount();
}

void EventListModel::resetRows()
{
    ++m_generation;
    cancelCount();
    if (m_loader) {
        // A page being read now comes back with the old generation and is dropped.
        QMutexLocker lock(&m_loader->mutex);
        m_loader->queue.clear();
    }
    m_cache.clear();
    m_lru.clear();
    m_pending.clear();
    m_failedPages.clear();
    m_anchors.clear();
    m_anchors.shrink_to_fit();
    m_rowRequests.clear();
    m_snapshotHead.reset();
    m_rowCount = 0;
    m_frontier = 0;
    m_total = -1;
    m_fetchFailed = false;
    m_lastError.clear();
}

void EventListModel::startCount()
{
    if (!m_store || m_positions) {
        if (!m_store)
            m_total = 0;
        updateLoading();
        return;
    }
    auto job = std::make_shared<CountJob>();
    try {
        // The snapshot: events appended from now on are not counted, so the rows counted, the
        // anchors and every page read later describe the same log (it is append-only).
        m_snapshotHead = m_store->headPosition();
        if (!m_countConnections)
            m_countConnections = std::make_shared<Connections>();
        job->connections = m_countConnections;
        job->connection = m_countConnections->take();
        if (!job->connection)
            job->connection = m_store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        m_fetchFailed = true;
        fail(errorText(e));
        updateLoading();
        return;
    }
    job->query = boundedQuery();
    job->pageSize = m_pageSize;
    job->generation = m_generation;
    m_countJob = job;
    m_pool.start([job, this] { runCount(job, this); });
    Q_EMIT countProgress(0, ProgressScale);
    updateLoading();
}

void EventListModel::cancelCount()
{
    if (m_countJob)
        m_countJob->cancel = true;
    m_countJob.reset();
}

EventQuery EventListModel::boundedQuery() const
{
    EventQuery q = m_query;
    q.limit = -1;
    if (m_snapshotHead) {
        std::optional<qint64> &upper = q.backward ? q.fromPosition : q.toPosition;
        upper = std::min(upper.value_or(std::numeric_limits<qint64>::max()), *m_snapshotHead);
    }
    return q;
}

int EventListModel::rowsInPage(int page) const
{
    const qint64 first = qint64(page) * m_pageSize;
    return int(std::clamp<qint64>(qint64(m_rowCount) - first, 0, m_pageSize));
}

void EventListModel::fail(const QString &message)
{
    m_lastError = message;
    Q_EMIT readFailed(message);
}

void EventListModel::setTotal(qint64 total)
{
    m_total = total;
    Q_EMIT countProgress(ProgressScale, ProgressScale);
    Q_EMIT countChanged(total);
}

qint64 EventListModel::progressAt(qint64 frontier) const
{
    const EventQuery q = boundedQuery();
    const qint64 low = std::max<qint64>(1, q.backward ? q.toPosition.value_or(1) : q.fromPosition.value_or(1));
    const qint64 high = (q.backward ? q.fromPosition : q.toPosition).value_or(low);
    if (high < low)
        return 0;
    const qint64 done = q.backward ? high - frontier + 1 : frontier - low + 1;
    const double share = double(done) / double(high - low + 1);
    return std::clamp<qint64>(qint64(share * double(ProgressScale)), 0, ProgressScale - 1);
}

void EventListModel::insertRows(qint64 rows)
{
    rows = std::min<qint64>(rows, maxRowsFor(m_pageSize));
    if (rows <= m_rowCount)
        return;
    beginInsertRows({}, m_rowCount, int(rows - 1));
    m_rowCount = int(rows);
    endInsertRows();
}

void EventListModel::updateLoading()
{
    const bool loading = m_countJob != nullptr || !m_pending.isEmpty();
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void EventListModel::scheduleLoadingUpdate() const
{
    // data() must not emit: the update follows from the event loop.
    if (m_loadingUpdateQueued)
        return;
    m_loadingUpdateQueued = true;
    auto *self = const_cast<EventListModel *>(this);
    QMetaObject::invokeMethod(
        self,
        [self] {
            self->m_loadingUpdateQueued = false;
            self->updateLoading();
        },
        Qt::QueuedConnection);
}

// ---------------------------------------------------------------------------------------------
// Results of the workers

void EventListModel::onCountReport(const std::shared_ptr<CountReport> &report)
{
    if (!m_countJob || report->job != m_countJob || report->job->generation != m_generation)
        return; // a count of an earlier view, or one that fetchMore() finished first
    if (!report->error.isEmpty()) {
        m_countJob.reset();
        fail(report->error);
        updateLoading();
        return;
    }
    for (size_t i = 0; i < report->anchors.size(); ++i) {
        if (report->firstAnchor + qint64(i) == qint64(m_anchors.size()))
            m_anchors.push_back(report->anchors[i]);
    }
    if (!report->firstPage.empty() && !m_cache.count(0)) {
        // Stored before its rows appear (views ask for them at once); announced when they were
        // there already.
        const bool announce = m_rowCount > 0;
        storePage(0, std::move(report->firstPage), announce, std::max<qint64>(m_rowCount, report->rows));
    }
    if (report->rows > m_rowCount) {
        m_frontier = report->frontier;
        insertRows(report->rows);
    }
    if (!report->done)
        Q_EMIT countProgress(progressAt(report->frontier), ProgressScale);
    if (report->done) {
        m_countJob.reset();
        if (report->lastPageIndex > 0 && !report->lastPage.empty())
            storePage(report->lastPageIndex, std::move(report->lastPage), true, m_rowCount);
        setTotal(m_rowCount);
    }
    resolveRowRequests();
    updateLoading();
}

void EventListModel::onPageResult(const std::shared_ptr<PageResult> &result)
{
    if (result->generation != m_generation)
        return; // read for an earlier view
    m_pending.remove(result->page);
    if (!result->error.isEmpty()) {
        m_failedPages.insert(result->page);
        fail(result->error);
    } else if (rowsInPage(result->page) > 0) {
        m_lastError.clear();
        storePage(result->page, std::move(result->events), true, m_rowCount);
    }
    resolveRowRequests();
    updateLoading();
}

void EventListModel::storePage(int page, std::vector<Event> events, bool announce, qint64 rowCount)
{
    const int rows = int(std::clamp<qint64>(rowCount - qint64(page) * m_pageSize, 0, m_pageSize));
    if (rows <= 0)
        return;
    // A page has exactly its rows; a store changed behind the snapshot's back would otherwise
    // leave rows that are asked for again and again.
    if (int(events.size()) != rows)
        events.resize(size_t(rows));
    auto it = m_cache.find(page);
    if (it != m_cache.end()) {
        it->second.events = std::move(events);
        m_lru.splice(m_lru.begin(), m_lru, it->second.lru);
    } else {
        m_lru.push_front(page);
        m_cache.emplace(page, Page{std::move(events), m_lru.begin()});
        evictPages();
    }
    m_pending.remove(page);
    const int first = page * m_pageSize;
    const int last = std::min(first + rows, m_rowCount) - 1;
    if (announce && last >= first)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void EventListModel::evictPages() const
{
    while (m_cache.size() > size_t(m_cacheCapacity) && !m_lru.empty()) {
        m_cache.erase(m_lru.back());
        m_lru.pop_back();
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

const Event *EventListModel::cachedEvent(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return nullptr;
    const auto it = m_cache.find(pageOf(row));
    if (it == m_cache.end())
        return nullptr;
    Page &page = it->second;
    if (page.lru != m_lru.begin())
        m_lru.splice(m_lru.begin(), m_lru, page.lru);
    const size_t i = size_t(row - it->first * m_pageSize);
    return i < page.events.size() ? &page.events[i] : nullptr;
}

void EventListModel::requestPage(int page) const
{
    if (!m_loader)
        return;
    const int pages = m_rowCount == 0 ? 0 : (m_rowCount - 1) / m_pageSize + 1;
    const auto makeJob = [this](int p, PageJob &job) {
        job.generation = m_generation;
        job.page = p;
        const qint64 first = qint64(p) * m_pageSize;
        if (m_positions) {
            job.byPositions = true;
            const auto begin = m_positions->begin() + first;
            job.positions.assign(begin, begin + rowsInPage(p));
            return true;
        }
        if (size_t(p) >= m_anchors.size())
            return false;
        job.query = boundedQuery();
        job.query.fromPosition = m_anchors[size_t(p)];
        job.query.limit = m_pageSize;
        return true;
    };
    const auto wanted = [&](int p) {
        return p >= 0 && p < pages && !m_cache.count(p) && !m_failedPages.contains(p);
    };

    QMutexLocker lock(&m_loader->mutex);
    std::deque<PageJob> &queue = m_loader->queue;
    bool changed = false;
    if (wanted(page)) {
        if (m_pending.contains(page)) {
            // Wanted again: to the front, unless it is being read already.
            const auto it = std::find_if(queue.begin(), queue.end(), [page](const PageJob &job) { return job.page == page; });
            if (it != queue.end() && it != queue.begin()) {
                PageJob job = std::move(*it);
                queue.erase(it);
                queue.push_front(std::move(job));
            }
        } else {
            PageJob job;
            if (makeJob(page, job)) {
                queue.push_front(std::move(job));
                m_pending.insert(page);
                changed = true;
            }
        }
    }
    // The margin: the pages around, after every page wanted now.
    for (const int p : {page + 1, page - 1}) {
        if (!wanted(p) || m_pending.contains(p))
            continue;
        PageJob job;
        if (makeJob(p, job)) {
            queue.push_back(std::move(job));
            m_pending.insert(p);
            changed = true;
        }
    }
    while (queue.size() > size_t(MaxQueuedPages)) {
        m_pending.remove(queue.back().page);
        queue.pop_back();
    }
    if (!queue.empty() && !m_loader->running) {
        m_loader->running = true;
        std::shared_ptr<Loader> loader = m_loader;
        auto *self = const_cast<EventListModel *>(this);
        m_pool.start([loader, self] { runLoader(loader, self); });
    }
    lock.unlock();
    if (changed)
        scheduleLoadingUpdate();
}

// ---------------------------------------------------------------------------------------------
// Rows of positions

int EventListModel::pageOfPosition(qint64 position) const
{
    // Anchors follow the order of the rows: increasing forward, decreasing backward.
    auto it = m_query.backward ? std::upper_bound(m_anchors.begin(), m_anchors.end(), position, std::greater<qint64>())
                               : std::upper_bound(m_anchors.begin(), m_anchors.end(), position);
    if (it == m_anchors.begin())
        return -1;
    const int page = int(it - m_anchors.begin()) - 1;
    return qint64(page) * m_pageSize < m_rowCount ? page : -1;
}

int EventListModel::rowInPage(int page, qint64 position) const
{
    const auto it = m_cache.find(page);
    if (it == m_cache.end())
        return -1;
    const std::vector<Event> &events = it->second.events;
    const auto before = [this](const Event &e, qint64 p) { return m_query.backward ? e.position > p : e.position < p; };
    const auto found = std::lower_bound(events.begin(), events.end(), position, before);
    if (found == events.end() || found->position != position)
        return -1;
    return page * m_pageSize + int(found - events.begin());
}

int EventListModel::rowOfPosition(qint64 position) const
{
    if (m_positions) {
        const std::vector<qint64> &list = *m_positions;
        const auto end = list.begin() + m_rowCount;
        std::vector<qint64>::const_iterator it;
        if (m_positionsAscending)
            it = std::lower_bound(list.begin(), end, position);
        else if (m_positionsDescending)
            it = std::lower_bound(list.begin(), end, position, std::greater<qint64>());
        else
            it = std::find(list.begin(), end, position);
        return it != end && *it == position ? int(it - list.begin()) : -1;
    }
    const int page = pageOfPosition(position);
    if (page < 0)
        return -1;
    if (m_anchors[size_t(page)] == position)
        return page * m_pageSize;
    if (m_cache.count(page))
        return rowInPage(page, position);
    if (!m_store)
        return -1;
    // One page's positions, by keyset from its anchor.
    EventQuery q = boundedQuery();
    q.fromPosition = m_anchors[size_t(page)];
    q.limit = rowsInPage(page);
    int row = -1;
    int i = 0;
    try {
        m_store->forEachPosition(q, [&](qint64 p) {
            if (p == position)
                row = page * m_pageSize + i;
            ++i;
            return row < 0 && (m_query.backward ? p > position : p < position);
        });
    } catch (const std::exception &) {
        return -1;
    }
    return row;
}

void EventListModel::requestRowOfPosition(qint64 position)
{
    m_rowRequests.push_back(position);
    if (m_positions || m_total >= 0) {
        // Answered from the event loop, like every other answer.
        QMetaObject::invokeMethod(this, &EventListModel::resolveRowRequests, Qt::QueuedConnection);
        return;
    }
    resolveRowRequests();
}

void EventListModel::resolveRowRequests()
{
    if (m_rowRequests.empty())
        return;
    std::vector<std::pair<qint64, int>> found;
    std::vector<qint64> waiting;
    for (const qint64 position : m_rowRequests) {
        if (m_positions) {
            found.emplace_back(position, rowOfPosition(position));
            continue;
        }
        // Counted that far yet?
        const bool counted = m_total >= 0
                             || (m_rowCount > 0 && (m_query.backward ? position >= m_frontier : position <= m_frontier));
        if (!counted) {
            waiting.push_back(position);
            continue;
        }
        const int page = pageOfPosition(position);
        if (page < 0) {
            found.emplace_back(position, -1);
        } else if (m_anchors[size_t(page)] == position) {
            found.emplace_back(position, page * m_pageSize);
        } else if (m_cache.count(page)) {
            found.emplace_back(position, rowInPage(page, position));
        } else if (m_failedPages.contains(page) || !m_loader) {
            found.emplace_back(position, -1);
        } else {
            waiting.push_back(position);
            requestPage(page);
        }
    }
    m_rowRequests = std::move(waiting);
    for (const auto &[position, row] : found)
        Q_EMIT rowFound(position, row);
}

// ---------------------------------------------------------------------------------------------
// QAbstractItemModel

const Event *EventListModel::eventAt(int row) const
{
    return cachedEvent(row);
}

int EventListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int EventListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool EventListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_store && !m_positions && m_total < 0 && !m_fetching && !m_fetchFailed
           && m_rowCount % m_pageSize == 0 && m_rowCount < maxRowsFor(m_pageSize);
}

void EventListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Views and testers call fetchMore() from slots connected to the insertion signals;
    // a nested fetch would insert rows while this insertion is still in flight.
    const QScopedValueRollback<bool> guard(m_fetching, true);

    if (!m_snapshotHead) {
        // The count could not start: nothing to page through.
        return;
    }
    EventQuery page = boundedQuery();
    if (m_rowCount > 0) {
        if (m_query.backward && m_frontier <= 1) {
            cancelCount();
            setTotal(m_rowCount);
            updateLoading();
            return;
        }
        page.fromPosition = m_query.backward ? m_frontier - 1 : m_frontier + 1;
    }
    page.limit = m_pageSize;

    std::vector<Event> rows;
    try {
        rows = m_store->read(page);
    } catch (const std::exception &e) {
        // Stop fetching here: a view would otherwise ask again and again. The count goes on.
        m_fetchFailed = true;
        fail(errorText(e));
        return;
    }
    m_lastError.clear();
    const bool atEnd = qint64(rows.size()) < m_pageSize;
    if (!rows.empty()) {
        const int index = m_rowCount / m_pageSize;
        if (m_anchors.size() == size_t(index))
            m_anchors.push_back(rows.front().position);
        m_frontier = rows.back().position;
        // The page is in the cache before its rows appear: views ask for them at once.
        const qint64 rowsAfter = qint64(m_rowCount) + qint64(rows.size());
        storePage(index, std::move(rows), false, rowsAfter);
        insertRows(rowsAfter);
    }
    if (atEnd) {
        cancelCount();
        setTotal(m_rowCount);
    }
    resolveRowRequests();
    updateLoading();
}

QVariant EventListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event *event = cachedEvent(index.row());
    if (!event) {
        requestPage(pageOf(index.row()));
        return role == LoadedRole ? QVariant(false) : QVariant();
    }

    switch (role) {
    case Qt::DisplayRole:
        return columnValue(*event, index.column());
    case PositionRole:
        return event->position;
    case TimeRole:
        return event->timeMs;
    case StreamRole:
        return event->stream;
    case CategoryRole:
        return event->category();
    case VersionRole:
        return event->version;
    case IdRole:
        return event->id;
    case TypeRole:
        return event->type;
    case DataRole:
        return event->data;
    case DataIsJsonRole:
        return event->dataIsJson;
    case MetadataRole:
        return event->metadata;
    case HashRole:
        return event->hash;
    case LoadedRole:
        return true;
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
    names.insert(LoadedRole, QByteArrayLiteral("loaded"));
    return names;
}

} // namespace eventlens
