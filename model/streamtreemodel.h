#pragma once

#include <QAbstractItemModel>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <vector>

namespace eventlens {

class EventStore;

// The streams of a store by category (Qt Core only): categories at the top level (by name), their
// streams below (in the store's name order), with each stream's event count and current version
// and each category's totals.
//
// setStore() and reload() read EventStore::info() and EventStore::streams() on a worker thread
// with a read-only connection of their own (openAnother) and swap the result in with one model
// reset; a newer load or filter drops an older one's result (generation tokens) and cancels it.
// setFilter() filters off the GUI thread the same way. Streams are presented lazily: a category
// has no child rows until fetchMore() on it (a view does that when the category is expanded and
// when it scrolls to the end of its rows), FetchChunk rows at a time, so 500,000 streams in one
// category cost nothing until they are looked at.
//
// Raw typed values come through the named roles; DisplayRole is the raw value of the cell's
// column (Name: QString, Events: qint64, Version: qint64 for streams, nothing for categories).
class StreamTreeModel final : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,    // QString
        EventsColumn,  // qint64
        VersionColumn, // qint64 (streams only)
        ColumnCount
    };
    Q_ENUM(Column)

    enum class Kind { Category, Stream };
    Q_ENUM(Kind)

    enum Role {
        NameRole = Qt::UserRole + 1, // QString: the category or stream name
        KindRole,                    // Kind
        CategoryRole,                // QString: the category (of a stream: the category it belongs to)
        StreamRole,                  // QString: the stream name; empty for categories
        EventCountRole,              // qint64: events of the stream; of a category: of its streams that pass the filter
        VersionRole,                 // qint64: current version of the stream (count - 1); invalid for categories
        StreamCountRole,             // qint64: streams of a category that pass the filter; invalid for streams
    };
    Q_ENUM(Role)

    // Rows of a category presented per fetchMore().
    static constexpr int FetchChunk = 2000;

    explicit StreamTreeModel(QObject *parent = nullptr);
    // Cancels running work and waits for it (at most one store read).
    ~StreamTreeModel() override;

    // The store whose streams are shown (null: none). Clears the model at once and loads in the
    // background; the connection itself is only used on the GUI thread, to open the worker's own.
    void setStore(std::shared_ptr<const EventStore> store);
    // Reads the store again (after appends); the current rows stay until the new ones are there.
    void reload();

    // Filters streams by name, case-insensitive: a glob (QRegularExpression::wildcardToRegularExpression,
    // the whole name must match; a pattern without * ? or [ matches anywhere in the name) or a
    // regular expression (matches anywhere; anchor it with ^ $). An empty pattern shows every
    // stream; categories without a matching stream are hidden. An invalid regular expression sets
    // filterError() (and emits filterErrorChanged()) and keeps the rows as they were.
    void setFilter(const QString &pattern, bool regex = false);
    QString filterPattern() const { return m_filterPattern; }
    bool isRegexFilter() const { return m_filterRegex; }
    QString filterError() const { return m_filterError; }

    // True while a load or a filter is running whose result will be shown.
    bool isBusy() const { return m_loadRunning || m_filterRunning; }
    // The last load error (empty when the last load succeeded).
    QString lastError() const { return m_lastError; }

    // The whole store (EventStore::info() of the last load), whatever the filter.
    qint64 storeEventCount() const;
    qint64 storeStreamCount() const;
    // What passes the filter.
    qint64 matchingStreamCount() const { return m_matchingStreams; }
    qint64 matchingEventCount() const { return m_matchingEvents; }

    // The row of a category; invalid when it is not shown.
    QModelIndex categoryIndex(const QString &category) const;
    // The row of a stream, fetching the category's rows up to it; invalid when it is not shown.
    QModelIndex streamIndex(const QString &category, const QString &stream);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void busyChanged(bool busy);
    // A load's result is shown (or it failed: loadFailed() first).
    void loaded();
    void loadFailed(const QString &message);
    // A filter's result is shown.
    void filtered();
    void filterErrorChanged(const QString &message);

private:
    struct Snapshot;     // what a load read (immutable, shared with filter workers)
    struct Presentation; // what passes the filter (immutable, shared with the GUI)

    // Worker functions; null when cancelled.
    static std::shared_ptr<Snapshot> buildSnapshot(const EventStore &store, const std::atomic_bool &cancel);
    static std::shared_ptr<Presentation> filterSnapshot(std::shared_ptr<const Snapshot> snapshot, const QString &pattern,
                                                        bool regex, const std::atomic_bool &cancel);

    void startLoad();
    void startFilter();
    void present(std::shared_ptr<const Presentation> presentation);
    void setBusy(bool load, bool filter);
    void setFilterError(const QString &message);
    int categoryRowOf(const QModelIndex &index) const;

    std::shared_ptr<const EventStore> m_store;
    std::shared_ptr<const Snapshot> m_snapshot;
    std::shared_ptr<const Presentation> m_presentation;
    std::vector<int> m_fetched; // rows presented per shown category

    QString m_filterPattern;
    bool m_filterRegex = false;
    QString m_filterError;

    quint64 m_loadGeneration = 0;
    quint64 m_filterGeneration = 0;
    bool m_loadRunning = false;
    bool m_filterRunning = false;
    std::shared_ptr<std::atomic_bool> m_loadCancel;
    std::shared_ptr<std::atomic_bool> m_filterCancel;
    QString m_lastError;
    qint64 m_matchingStreams = 0;
    qint64 m_matchingEvents = 0;
    bool m_fetching = false;

    QThreadPool m_pool; // one worker: loads and filters run one after the other
};

} // namespace eventlens
