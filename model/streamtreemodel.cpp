#include "streamtreemodel.h"

#include "eventstore.h"

#include <QHash>
#include <QRegularExpression>
#include <QScopedValueRollback>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

namespace eventlens {

// What one load read: categories by name, each with its streams in the store's name order.
// Immutable once built, so filters read it from a worker while the GUI presents it.
struct StreamTreeModel::Snapshot
{
    // A store can have millions of streams: their names live in one UTF-8 buffer per category
    // (about 30 bytes a stream instead of about 80 with a QString each).
    struct Stream
    {
        quint32 offset = 0;
        quint32 length = 0;
        qint64 version = -1;
        qint64 count() const { return version + 1; }
    };
    struct Category
    {
        QString name;
        QByteArray names;
        std::vector<Stream> streams;
        QString nameOf(const Stream &stream) const
        {
            return QString::fromUtf8(names.constData() + stream.offset, qsizetype(stream.length));
        }
    };
    std::vector<Category> categories;
    qint64 storeEvents = 0;
    qint64 storeStreams = 0;
};

// What is shown: the categories with at least one stream passing the filter, and those streams.
struct StreamTreeModel::Presentation
{
    struct Category
    {
        int source = 0;           // index into Snapshot::categories
        bool all = true;          // every stream of the category (streams is empty then)
        std::vector<int> streams; // indexes into the category's streams, in order
        int count = 0;
        qint64 events = 0;
    };
    std::shared_ptr<const Snapshot> snapshot;
    std::vector<Category> categories;
    qint64 streams = 0;
    qint64 events = 0;

    const Snapshot::Category &source(int row) const { return snapshot->categories[static_cast<size_t>(categories[static_cast<size_t>(row)].source)]; }
    const Snapshot::Stream &stream(int categoryRow, int row) const
    {
        const Category &c = categories[static_cast<size_t>(categoryRow)];
        const int index = c.all ? row : c.streams[static_cast<size_t>(row)];
        return source(categoryRow).streams[static_cast<size_t>(index)];
    }
    QString streamName(int categoryRow, int row) const { return source(categoryRow).nameOf(stream(categoryRow, row)); }
};

namespace {

bool hasWildcard(const QString &pattern)
{
    for (const QChar c : pattern) {
        if (c == QLatin1Char('*') || c == QLatin1Char('?') || c == QLatin1Char('['))
            return true;
    }
    return false;
}

// The regular expression of a filter; nullopt for a plain substring (a glob without wildcards).
std::optional<QRegularExpression> filterExpression(const QString &pattern, bool regex)
{
    if (regex)
        return QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
    if (!hasWildcard(pattern))
        return std::nullopt;
    QString expression = QRegularExpression::wildcardToRegularExpression(pattern);
    // Qt treats "/" as a path separator that * and ? do not match; stream names are not paths.
    expression.replace(QLatin1String("[^/]*"), QLatin1String(".*"));
    expression.replace(QLatin1String("[^/]"), QLatin1String("."));
    return QRegularExpression(expression, QRegularExpression::CaseInsensitiveOption);
}

QString errorText(const std::exception &e)
{
    if (const auto *store = dynamic_cast<const StoreError *>(&e))
        return store->message();
    return QString::fromUtf8(e.what());
}

} // namespace

std::shared_ptr<StreamTreeModel::Snapshot> StreamTreeModel::buildSnapshot(const EventStore &store, const std::atomic_bool &cancel)
{
    auto snapshot = std::make_shared<Snapshot>();
    const StoreInfo info = store.info();
    snapshot->storeEvents = info.events;
    snapshot->storeStreams = info.streams;
    if (cancel)
        return nullptr;
    QHash<QString, int> categoryRows;
    categoryRows.reserve(info.categories.size());
    qint64 seen = 0;
    store.forEachStream([&](const StreamInfo &s) {
        auto it = categoryRows.constFind(s.category);
        if (it == categoryRows.constEnd()) {
            it = categoryRows.insert(s.category, static_cast<int>(snapshot->categories.size()));
            snapshot->categories.push_back({s.category, {}, {}});
        }
        Snapshot::Category &category = snapshot->categories[static_cast<size_t>(*it)];
        const QByteArray utf8 = s.name.toUtf8();
        category.streams.push_back({quint32(category.names.size()), quint32(utf8.size()), s.version});
        category.names.append(utf8);
        return (++seen & 0x3ff) != 0 || !cancel;
    });
    if (cancel)
        return nullptr;
    for (Snapshot::Category &category : snapshot->categories) {
        category.names.squeeze();
        category.streams.shrink_to_fit();
    }
    std::sort(snapshot->categories.begin(), snapshot->categories.end(),
              [](const Snapshot::Category &a, const Snapshot::Category &b) { return a.name < b.name; });
    return snapshot;
}

std::shared_ptr<StreamTreeModel::Presentation> StreamTreeModel::filterSnapshot(std::shared_ptr<const Snapshot> snapshot,
                                                                              const QString &pattern, bool regex,
                                                                              const std::atomic_bool &cancel)
{
    auto presentation = std::make_shared<Presentation>();
    std::optional<QRegularExpression> expression;
    if (!pattern.isEmpty()) {
        expression = filterExpression(pattern, regex);
        if (expression)
            expression->optimize();
    }
    const auto matches = [&](const QString &name) {
        if (expression)
            return expression->match(name).hasMatch();
        return name.contains(pattern, Qt::CaseInsensitive);
    };

    int checked = 0;
    for (size_t c = 0; c < snapshot->categories.size(); ++c) {
        const Snapshot::Category &category = snapshot->categories[c];
        Presentation::Category shown;
        shown.source = static_cast<int>(c);
        shown.all = pattern.isEmpty();
        for (size_t s = 0; s < category.streams.size(); ++s) {
            if ((++checked & 0x3ff) == 0 && cancel)
                return nullptr;
            const Snapshot::Stream &stream = category.streams[s];
            if (shown.all || matches(category.nameOf(stream))) {
                if (!shown.all)
                    shown.streams.push_back(static_cast<int>(s));
                ++shown.count;
                shown.events += stream.count();
            }
        }
        if (shown.count == 0)
            continue;
        presentation->streams += shown.count;
        presentation->events += shown.events;
        presentation->categories.push_back(std::move(shown));
    }
    presentation->snapshot = std::move(snapshot);
    return presentation;
}

StreamTreeModel::StreamTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{
    m_pool.setMaxThreadCount(1);
}

StreamTreeModel::~StreamTreeModel()
{
    if (m_loadCancel)
        *m_loadCancel = true;
    if (m_filterCancel)
        *m_filterCancel = true;
    m_pool.clear();
    // The workers post their results to this object: it must outlive them.
    m_pool.waitForDone();
}

void StreamTreeModel::setStore(std::shared_ptr<const EventStore> store)
{
    beginResetModel();
    m_store = std::move(store);
    m_snapshot.reset();
    m_presentation.reset();
    m_fetched.clear();
    m_matchingStreams = 0;
    m_matchingEvents = 0;
    m_lastError.clear();
    endResetModel();
    startLoad();
}

void StreamTreeModel::reload()
{
    startLoad();
}

void StreamTreeModel::startLoad()
{
    ++m_loadGeneration;
    if (m_loadCancel)
        *m_loadCancel = true;
    if (m_filterCancel)
        *m_filterCancel = true; // the load applies the filter itself
    if (!m_store) {
        setBusy(false, false);
        return;
    }

    std::shared_ptr<EventStore> connection;
    try {
        connection = m_store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        m_lastError = errorText(e);
        setBusy(false, false);
        Q_EMIT loadFailed(m_lastError);
        Q_EMIT loaded();
        return;
    }

    struct Result
    {
        std::shared_ptr<const Snapshot> snapshot;
        std::shared_ptr<const Presentation> presentation;
        QString error;
    };
    const quint64 generation = m_loadGeneration;
    const quint64 filterGeneration = m_filterGeneration;
    auto cancel = std::make_shared<std::atomic_bool>(false);
    m_loadCancel = cancel;
    setBusy(true, false);

    m_pool.start([this, connection = std::move(connection), cancel, generation, filterGeneration,
                  pattern = m_filterPattern, regex = m_filterRegex]() {
        auto result = std::make_shared<Result>();
        try {
            std::shared_ptr<const Snapshot> snapshot = buildSnapshot(*connection, *cancel);
            if (!snapshot)
                return;
            result->presentation = filterSnapshot(snapshot, pattern, regex, *cancel);
            if (!result->presentation)
                return;
            result->snapshot = std::move(snapshot);
        } catch (const std::exception &e) {
            result->error = errorText(e);
        }
        QMetaObject::invokeMethod(this, [this, result, generation, filterGeneration]() {
            if (generation != m_loadGeneration)
                return; // a newer load is on its way
            if (!result->error.isEmpty()) {
                m_lastError = result->error;
                setBusy(false, false);
                Q_EMIT loadFailed(m_lastError);
                Q_EMIT loaded();
                return;
            }
            m_lastError.clear();
            m_snapshot = result->snapshot;
            if (filterGeneration != m_filterGeneration) {
                // The filter changed while loading: filter the new snapshot again.
                m_loadRunning = false;
                startFilter();
                Q_EMIT loaded();
                return;
            }
            present(result->presentation);
            setBusy(false, false);
            Q_EMIT loaded();
        }, Qt::QueuedConnection);
    });
}

void StreamTreeModel::setFilter(const QString &pattern, bool regex)
{
    if (!pattern.isEmpty()) {
        const std::optional<QRegularExpression> expression = filterExpression(pattern, regex);
        if (expression && !expression->isValid()) {
            setFilterError(tr("%1 (at character %2)").arg(expression->errorString()).arg(expression->patternErrorOffset() + 1));
            return;
        }
    }
    setFilterError({});
    const bool regexMatters = !pattern.isEmpty();
    if (pattern == m_filterPattern && (!regexMatters || regex == m_filterRegex))
        return;
    m_filterPattern = pattern;
    m_filterRegex = regex;
    ++m_filterGeneration;
    if (m_loadRunning || !m_snapshot)
        return; // the running load (or the next one) applies it
    startFilter();
}

void StreamTreeModel::startFilter()
{
    if (m_filterCancel)
        *m_filterCancel = true;
    auto cancel = std::make_shared<std::atomic_bool>(false);
    m_filterCancel = cancel;
    const quint64 generation = m_filterGeneration;
    const quint64 loadGeneration = m_loadGeneration;
    setBusy(m_loadRunning, true);

    m_pool.start([this, snapshot = m_snapshot, cancel, generation, loadGeneration, pattern = m_filterPattern,
                  regex = m_filterRegex]() {
        std::shared_ptr<const Presentation> presentation = filterSnapshot(snapshot, pattern, regex, *cancel);
        if (!presentation)
            return; // cancelled: a newer filter or load replaces it
        QMetaObject::invokeMethod(this, [this, presentation, generation, loadGeneration]() {
            if (generation != m_filterGeneration || loadGeneration != m_loadGeneration)
                return;
            present(presentation);
            setBusy(m_loadRunning, false);
            Q_EMIT filtered();
        }, Qt::QueuedConnection);
    });
}

void StreamTreeModel::present(std::shared_ptr<const Presentation> presentation)
{
    beginResetModel();
    m_presentation = std::move(presentation);
    m_fetched.assign(m_presentation ? m_presentation->categories.size() : 0, 0);
    m_matchingStreams = m_presentation ? m_presentation->streams : 0;
    m_matchingEvents = m_presentation ? m_presentation->events : 0;
    endResetModel();
}

void StreamTreeModel::setBusy(bool load, bool filter)
{
    const bool was = isBusy();
    m_loadRunning = load;
    m_filterRunning = filter;
    if (was != isBusy())
        Q_EMIT busyChanged(isBusy());
}

void StreamTreeModel::setFilterError(const QString &message)
{
    if (message == m_filterError)
        return;
    m_filterError = message;
    Q_EMIT filterErrorChanged(message);
}

qint64 StreamTreeModel::storeEventCount() const
{
    return m_snapshot ? m_snapshot->storeEvents : 0;
}

qint64 StreamTreeModel::storeStreamCount() const
{
    return m_snapshot ? m_snapshot->storeStreams : 0;
}

QModelIndex StreamTreeModel::categoryIndex(const QString &category) const
{
    if (!m_presentation)
        return {};
    for (size_t row = 0; row < m_presentation->categories.size(); ++row) {
        if (m_presentation->source(static_cast<int>(row)).name == category)
            return createIndex(static_cast<int>(row), 0, quintptr(0));
    }
    return {};
}

QModelIndex StreamTreeModel::streamIndex(const QString &category, const QString &stream)
{
    const QModelIndex parent = categoryIndex(category);
    if (!parent.isValid())
        return {};
    const int categoryRow = parent.row();
    const int count = m_presentation->categories[static_cast<size_t>(categoryRow)].count;
    int row = -1;
    for (int i = 0; i < count && row < 0; ++i) {
        if (m_presentation->streamName(categoryRow, i) == stream)
            row = i;
    }
    if (row < 0)
        return {};
    int &fetched = m_fetched[static_cast<size_t>(categoryRow)];
    if (row >= fetched) {
        const int last = std::min(count, std::max(row + 1, fetched + FetchChunk)) - 1;
        beginInsertRows(parent, fetched, last);
        fetched = last + 1;
        endInsertRows();
    }
    return createIndex(row, 0, quintptr(categoryRow + 1));
}

// ---- the item model ---------------------------------------------------------------------

int StreamTreeModel::categoryRowOf(const QModelIndex &index) const
{
    // Category rows carry 0, stream rows their category's row + 1.
    if (!index.isValid() || index.model() != this || !m_presentation || index.internalId() != 0)
        return -1;
    if (index.row() < 0 || static_cast<size_t>(index.row()) >= m_presentation->categories.size())
        return -1;
    return index.row();
}

QModelIndex StreamTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || !m_presentation)
        return {};
    if (!parent.isValid()) {
        if (static_cast<size_t>(row) >= m_presentation->categories.size())
            return {};
        return createIndex(row, column, quintptr(0));
    }
    const int categoryRow = categoryRowOf(parent);
    if (categoryRow < 0 || parent.column() != 0 || row >= m_fetched[static_cast<size_t>(categoryRow)])
        return {};
    return createIndex(row, column, quintptr(categoryRow + 1));
}

QModelIndex StreamTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, quintptr(0));
}

int StreamTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!m_presentation)
        return 0;
    if (!parent.isValid())
        return static_cast<int>(m_presentation->categories.size());
    const int categoryRow = categoryRowOf(parent);
    if (categoryRow < 0 || parent.column() != 0)
        return 0;
    return m_fetched[static_cast<size_t>(categoryRow)];
}

int StreamTreeModel::columnCount(const QModelIndex &parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

bool StreamTreeModel::hasChildren(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return rowCount(parent) > 0;
    // A category always has streams, fetched or not: views show it as expandable.
    return categoryRowOf(parent) >= 0 && parent.column() == 0;
}

bool StreamTreeModel::canFetchMore(const QModelIndex &parent) const
{
    const int categoryRow = categoryRowOf(parent);
    if (categoryRow < 0 || parent.column() != 0 || m_fetching)
        return false;
    return m_fetched[static_cast<size_t>(categoryRow)] < m_presentation->categories[static_cast<size_t>(categoryRow)].count;
}

void StreamTreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Views and testers call fetchMore() from slots connected to the insertion signals.
    const QScopedValueRollback<bool> guard(m_fetching, true);
    const int categoryRow = parent.row();
    int &fetched = m_fetched[static_cast<size_t>(categoryRow)];
    const int count = m_presentation->categories[static_cast<size_t>(categoryRow)].count;
    const int last = std::min(count, fetched + FetchChunk) - 1;
    beginInsertRows(parent, fetched, last);
    fetched = last + 1;
    endInsertRows();
}

QVariant StreamTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || !m_presentation)
        return {};

    if (index.internalId() == 0) {
        const int row = index.row();
        const Presentation::Category &shown = m_presentation->categories[static_cast<size_t>(row)];
        const QString &name = m_presentation->source(row).name;
        switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
            case NameColumn:
                return name;
            case EventsColumn:
                return shown.events;
            default:
                return {};
            }
        case NameRole:
        case CategoryRole:
            return name;
        case KindRole:
            return QVariant::fromValue(Kind::Category);
        case StreamRole:
            return QString();
        case EventCountRole:
            return shown.events;
        case StreamCountRole:
            return qint64(shown.count);
        default:
            return {};
        }
    }

    const int categoryRow = static_cast<int>(index.internalId() - 1);
    const Snapshot::Stream &stream = m_presentation->stream(categoryRow, index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return m_presentation->source(categoryRow).nameOf(stream);
        case EventsColumn:
            return stream.count();
        case VersionColumn:
            return stream.version;
        default:
            return {};
        }
    case NameRole:
    case StreamRole:
        return m_presentation->source(categoryRow).nameOf(stream);
    case KindRole:
        return QVariant::fromValue(Kind::Stream);
    case CategoryRole:
        return m_presentation->source(categoryRow).name;
    case EventCountRole:
        return stream.count();
    case VersionRole:
        return stream.version;
    default:
        return {};
    }
}

QVariant StreamTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case EventsColumn:
        return tr("Events");
    case VersionColumn:
        return tr("Version");
    default:
        return {};
    }
}

QHash<int, QByteArray> StreamTreeModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(NameRole, QByteArrayLiteral("name"));
    names.insert(KindRole, QByteArrayLiteral("kind"));
    names.insert(CategoryRole, QByteArrayLiteral("category"));
    names.insert(StreamRole, QByteArrayLiteral("stream"));
    names.insert(EventCountRole, QByteArrayLiteral("eventCount"));
    names.insert(VersionRole, QByteArrayLiteral("version"));
    names.insert(StreamCountRole, QByteArrayLiteral("streamCount"));
    return names;
}

} // namespace eventlens
