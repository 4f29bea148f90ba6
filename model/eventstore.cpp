#include "eventstore.h"

#include "batchidindex.h"
#include "hashchain.h"
#include "sqlitedb.h"
#include "sqlitestatement.h"
#include "storeshared.h"
#include "subscription.h"
#include "timeutil.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRandomGenerator>
#include <QUuid>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <unordered_map>

#include <sqlite3.h>

namespace eventlens {

namespace {

// "EVLN": marks a SQLite file as an eventlens store.
constexpr int kApplicationId = 0x45564c4e;
constexpr int kSchemaVersion = 1;
constexpr qint64 kPageSize = 2000;          // events per page of forEach()
constexpr qint64 kPositionPageSize = 16384; // rows per page of a positions-only scan
constexpr qsizetype kMaxCachedStreamNames = 50000;

const char *const kSchema = R"SQL(
CREATE TABLE categories(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE);
CREATE TABLE streams(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    version INTEGER NOT NULL DEFAULT -1,
    last_position INTEGER NOT NULL DEFAULT 0,
    last_time INTEGER NOT NULL DEFAULT 0);
CREATE INDEX streams_category ON streams(category_id);
CREATE TABLE event_types(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events(
    position INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL REFERENCES streams(id),
    version INTEGER NOT NULL CHECK(version >= 0),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    type_id INTEGER NOT NULL REFERENCES event_types(id),
    id TEXT NOT NULL,
    time INTEGER NOT NULL,
    is_json INTEGER NOT NULL,
    data BLOB NOT NULL,
    metadata BLOB NOT NULL,
    hash BLOB NOT NULL);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed'); END;
CREATE VIEW events_view AS
    SELECT e.position, s.name AS stream, e.version,
           CASE WHEN typeof(e.id) = 'blob' THEN lower(substr(hex(e.id), 1, 8) || '-' || substr(hex(e.id), 9, 4) || '-'
                || substr(hex(e.id), 13, 4) || '-' || substr(hex(e.id), 17, 4) || '-' || substr(hex(e.id), 21)) ELSE e.id END AS id,
           t.name AS type,
           strftime('%Y-%m-%dT%H:%M:%fZ', e.time / 1000.0, 'unixepoch') AS time,
           CASE WHEN e.is_json THEN CAST(e.data AS TEXT) ELSE e.data END AS data,
           CAST(e.metadata AS TEXT) AS metadata, hex(e.hash) AS hash
    FROM events e JOIN streams s ON s.id = e.stream_id JOIN event_types t ON t.id = e.type_id;
)SQL";

// The secondary indexes of events. A batch that starts on an empty log builds them once at commit
// (sorted, much faster than row by row). Its versions are unique by construction, since every
// stream is created inside that batch, and its ids are checked against a BatchIdIndex.
const char *const kDeferrableIndexes = R"SQL(
CREATE UNIQUE INDEX events_id ON events(id);
CREATE UNIQUE INDEX events_stream_version ON events(stream_id, version);
CREATE INDEX events_type ON events(type_id);
CREATE INDEX events_category ON events(category_id);
CREATE INDEX events_time ON events(time);
)SQL";
const char *const kDropDeferrableIndexes =
    "DROP INDEX events_id; DROP INDEX events_stream_version; DROP INDEX events_type; DROP INDEX events_category; DROP INDEX events_time;";

const char *const kEventColumns = "position, stream_id, version, id, type_id, time, is_json, data, metadata, hash";
constexpr int kEventVersionColumn = 2; // of kEventColumns

// Canonical (lowercase, dashed) UUID text is stored as 16 bytes, which keeps the UNIQUE index
// small and fast; any other id is stored as text.
bool uuidToBytes(QByteArrayView text, char out[16])
{
    // The value of each lowercase hex digit, -1 for any other byte.
    static constexpr auto kHex = [] {
        std::array<signed char, 256> table{};
        table.fill(-1);
        for (int c = '0'; c <= '9'; ++c)
            table[static_cast<size_t>(c)] = static_cast<signed char>(c - '0');
        for (int c = 'a'; c <= 'f'; ++c)
            table[static_cast<size_t>(c)] = static_cast<signed char>(c - 'a' + 10);
        return table;
    }();
    // Where each byte's two digits start: 8-4-4-4-12 digits with dashes at 8, 13, 18 and 23.
    static constexpr std::array<quint8, 16> kPairs{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        return false;
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    int bad = 0;
    for (size_t i = 0; i < 16; ++i) {
        const int high = kHex[p[kPairs[i]]];
        const int low = kHex[p[kPairs[i] + 1]];
        bad |= high | low; // negative when either is not a digit
        out[i] = static_cast<char>(((high & 0x0f) << 4) | (low & 0x0f));
    }
    return bad >= 0;
}

// An event id as the store keeps it. Views utf8, which must outlive it.
struct StoredId
{
    explicit StoredId(QByteArrayView utf8)
        : text(utf8)
        , uuid(uuidToBytes(utf8, raw))
    {
    }
    StoredId(const StoredId &) = delete;
    StoredId &operator=(const StoredId &) = delete;

    QByteArrayView bytes() const { return uuid ? QByteArrayView(raw, 16) : text; }
    // Binds without copying: keep this object alive until the statement has run.
    void bindView(SqliteStatement &st, int index) const
    {
        if (uuid)
            st.bindBlobView(index, bytes());
        else
            st.bindTextView(index, text);
    }
    bool equalsColumn(const SqliteStatement &st, int column) const
    {
        return st.isBlob(column) == uuid && st.bytes(column) == bytes();
    }

    char raw[16] = {};
    QByteArrayView text;
    bool uuid = false;
};

void bindEventId(SqliteStatement &st, int index, const QByteArray &utf8)
{
    char raw[16];
    if (uuidToBytes(utf8, raw))
        st.bindBlob(index, QByteArray(raw, 16));
    else
        st.bindText(index, utf8);
}

void bindEventId(SqliteStatement &st, int index, const QString &id)
{
    bindEventId(st, index, id.toUtf8());
}

QString columnEventId(const SqliteStatement &st, int column)
{
    if (st.isBlob(column)) {
        const QByteArray raw = st.bytes(column);
        if (raw.size() == 16)
            return QUuid::fromRfc4122(raw).toString(QUuid::WithoutBraces);
    }
    return st.text(column);
}

// A time-ordered UUID (version 7): 48 bits of Unix milliseconds, then random bits. New ids
// land at the end of the id index instead of at random places, which keeps appends fast.
QByteArray generateEventId()
{
    thread_local std::mt19937_64 random(QRandomGenerator::system()->generate64());
    const quint64 ms = static_cast<quint64>(timeutil::nowMs());
    const quint64 r1 = random();
    const quint64 r2 = random();
    unsigned char b[16];
    for (int i = 0; i < 6; ++i)
        b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
    b[6] = static_cast<unsigned char>(0x70 | ((r1 >> 8) & 0x0f));
    b[7] = static_cast<unsigned char>(r1);
    b[8] = static_cast<unsigned char>(0x80 | ((r2 >> 56) & 0x3f));
    for (int i = 9; i < 16; ++i)
        b[i] = static_cast<unsigned char>(r2 >> (8 * (15 - i)));
    static const char hex[] = "0123456789abcdef";
    QByteArray text(36, Qt::Uninitialized);
    char *out = text.data();
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *out++ = '-';
        *out++ = hex[b[i] >> 4];
        *out++ = hex[b[i] & 0x0f];
    }
    return text;
}

// Stream and type names are shown in tables and typed on command lines: no control
// characters, not blank.
void checkName(const char *what, const QString &name)
{
    if (name.trimmed().isEmpty())
        throw StoreError(QStringLiteral("invalid %1 name '%2': it is blank").arg(QLatin1StringView(what), name));
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            throw StoreError(QStringLiteral("invalid %1 name '%2': it contains the control character U+%3")
                                 .arg(QLatin1StringView(what), QString(name).replace(c, u'?'))
                                 .arg(static_cast<int>(c.unicode()), 4, 16, QLatin1Char('0')));
    }
}

bool isUniqueViolation(int code)
{
    return code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
}

} // namespace

struct EventStore::Private
{
    QString path;
    bool readOnly = false;
    std::unique_ptr<SqliteDb> db;
    std::shared_ptr<StoreShared> shared;

    // Names never change once written, so id -> name caches are valid for the connection's life.
    mutable QHash<qint64, QString> streamNames;
    mutable QHash<qint64, QString> typeNames;

    // Write state, valid inside a batch (the write lock is held).
    struct StreamState
    {
        qint64 id = 0;
        qint64 categoryId = 0;
        qint64 version = -1;
        qint64 lastPosition = 0;
        qint64 lastTime = 0;
        bool dirty = false;
        QByteArray nameUtf8;
    };
    struct TypeEntry
    {
        qint64 id = 0;
        QByteArray utf8;
    };
    bool inBatch = false;
    bool walSync = false; // commits are synced by syncWal() (ReadWrite connections)
    bool deferredIndexes = false; // the batch started on an empty log (see kDeferrableIndexes)
    // The batch started without any stream row: every stream it has not created is new, so
    // `streams` answers for all of them without a query.
    bool streamsAllKnown = false;
    BatchIdIndex batchIds;        // the given ids of a deferred batch
    std::vector<qint64> appendTypes; // the type of each event of the running append
    std::unique_lock<std::mutex> writeLock;
    // std::unordered_map keeps each key's hash (NameHash is not noexcept), so a lookup compares
    // one string instead of one per probed bucket, and its references survive a rehash.
    struct NameHash
    {
        size_t operator()(const QString &name) const { return qHash(name); } // NOLINT: not noexcept on purpose
    };
    std::unordered_map<QString, StreamState, NameHash> streams;
    std::unordered_map<QString, TypeEntry, NameHash> typeIds;
    QHash<QString, qint64> categoryIds;
    QHash<qint64, qint64> typeCountDelta;
    qint64 lastPosition = 0;
    QByteArray headHash;

    // Bulk appends of prepared events (Batch::appendPrepared). Preparers are numbered for the
    // connection's life.
    quint32 preparerSerial = 0;
    quint32 trustedPreparer = 0; // its PreparedEvent::idFresh holds for the whole batch (0: none)
    // The streams and types of the preparer's numbers (a key seen again in a name that is another
    // copy is looked up by name).
    struct StreamSlot
    {
        QString name;
        StreamState *state = nullptr;
    };
    struct TypeSlot
    {
        QString name;
        const TypeEntry *entry = nullptr;
    };
    std::vector<StreamSlot> streamSlots;
    std::vector<TypeSlot> typeSlots;

    SqliteStatement insertEvent;
    SqliteStatement selectStream;
    SqliteStatement insertStream;
    SqliteStatement updateStream;
    SqliteStatement selectType;
    SqliteStatement insertType;
    SqliteStatement updateTypeCount;
    SqliteStatement selectCategory;
    SqliteStatement insertCategory;
    SqliteStatement selectById;
    SqliteStatement selectIdAt;
    mutable SqliteStatement selectStreamName;
    // readStream() forward, prepared on first use (command handlers read a stream per command).
    SqliteStatement selectHead; // the last event, read at the start of each write batch
    mutable SqliteStatement selectStreamId;
    mutable SqliteStatement selectStreamEvents;
    mutable SqliteStatement selectTypeName;
    // Snapshots (command handlers): the table is made on the first save, so its statements are
    // prepared once it exists.
    mutable SqliteStatement selectLatestSnapshot;
    mutable SqliteStatement insertSnapshot;
    bool snapshotsReady(bool create) const;

    void prepareWriteStatements();
    void beginBatch();
    // Commits the open batch. With syncNow false the caller must call syncWal() and then
    // shared->notifyCommit() before anyone relies on the commit (group commit does, after
    // letting the next group start).
    void commitBatch(bool syncNow = true);
    // Makes every transaction committed so far durable: fdatasync of the write-ahead log through
    // SQLite's own file handle. Throws StoreError.
    void syncWal();
    void rollbackBatch();
    // The cached or stored state of a stream; nullptr when it does not exist.
    StreamState *findStream(const QString &stream);
    StreamState &createStream(const QString &stream);
    const TypeEntry &typeEntry(const QString &type);
    qint64 categoryId(const QString &category);
    // prepared: the one event of events, prepared (Batch::appendPrepared).
    AppendResult append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events,
                        const PreparedEvent *prepared = nullptr);
    // The common case of appendPrepared: false when the event needs append() (a new stream, a
    // version mismatch, a possible duplicate id, a failed insert).
    bool appendPreparedFast(const PreparedEvent &e);
    bool idTrustedFresh(const PreparedEvent &e) const
    {
        return e.idFresh && trustedPreparer != 0 && e.preparer == trustedPreparer;
    }
    void forgetSlots()
    {
        streamSlots.clear();
        typeSlots.clear();
    }
    // Runs a group of queued appends in the open batch and commits once (group commit), without
    // syncing the log: true when it committed (the caller syncs, then reports).
    bool runGroup(const std::vector<AppendRequest *> &group);
    std::optional<AppendResult> idempotentResult(const StreamState *state, ExpectedVersion expected,
                                                 const std::vector<NewEvent> &events);
    struct IdHit
    {
        qint64 position = 0;
        qint64 streamId = 0;
        qint64 version = 0;
    };
    // The stored event with this id, through the id index or, while it is deferred, batchIds.
    std::optional<IdHit> findId(const StoredId &id);

    // Reading.
    std::optional<qint64> lookupId(const char *sql, const QString &name) const;
    const QString &streamName(qint64 id) const;
    const QString &typeName(qint64 id) const;
    Event rowToEvent(const SqliteStatement &st) const;
    using Binder = std::function<void(SqliteStatement &)>;
    // Builds the WHERE clause of a query; false when it can match nothing. Several types go
    // into *typeIds (one query arm each) unless typesInline or typeIds is null.
    bool buildWhere(const EventQuery &q, bool typesInline, QByteArray &where, std::vector<Binder> &binds,
                    std::vector<qint64> *typeIds = nullptr) const;
    struct PageQuery
    {
        QByteArray sql; // parameters :low, :high, :limit, and :cursor when byVersion
        std::vector<Binder> binds;
        bool byVersion = false;
    };
    // cols: the columns selected (kEventColumns; "position, version" for positions only).
    bool pageQuery(const EventQuery &q, PageQuery &page, const char *cols = kEventColumns) const;
    // Pages through a query by keyset, pageSize rows at a time: selects cols (position first, the
    // version in column versionColumn) and calls row for each row until it returns false. cancel:
    // as in forEachPosition. The one paging loop of forEach, forEachPosition and forEachTime.
    void scanRows(const EventQuery &q, const char *cols, int versionColumn, qint64 pageSize,
                  const std::function<bool(const SqliteStatement &)> &row, const std::atomic_bool *cancel = nullptr) const;
};

// ---------------------------------------------------------------------------------------------
// Opening

EventStore::EventStore(std::unique_ptr<Private> dd)
    : d(std::move(dd))
{
}

EventStore::~EventStore()
{
    if (d && d->inBatch)
        d->rollbackBatch();
}

std::unique_ptr<EventStore> EventStore::open(const QString &path, OpenMode mode)
{
    auto d = std::make_unique<Private>();
    d->path = path;
    d->readOnly = mode == OpenMode::ReadOnly;
    d->shared = std::make_shared<StoreShared>();

    const QFileInfo fi(path);
    if (mode == OpenMode::Build && fi.exists())
        throw StoreError(QStringLiteral("cannot build store '%1': the file exists").arg(path));
    if (d->readOnly && !fi.exists())
        throw StoreError(QStringLiteral("cannot open store '%1': no such file").arg(path));
    if (fi.exists() && !fi.isFile())
        throw StoreError(QStringLiteral("cannot open store '%1': not a file").arg(path));

    d->db = std::make_unique<SqliteDb>(path, d->readOnly);
    SqliteDb &db = *d->db;
    int appId = 0;
    int tableCount = 0;
    try {
        SqliteStatement st(db, "PRAGMA application_id");
        if (st.step())
            appId = static_cast<int>(st.int64(0));
        SqliteStatement tables(db, "SELECT count(*) FROM sqlite_master");
        if (tables.step())
            tableCount = static_cast<int>(tables.int64(0));
    } catch (const StoreError &e) {
        throw StoreError(QStringLiteral("cannot open store '%1': %2").arg(path, e.message()));
    }
    if (tableCount > 0 && (appId != kApplicationId || !db.tableExists("events")))
        throw StoreError(QStringLiteral("cannot open store '%1': not an eventlens store (a SQLite database without the eventlens schema)").arg(path));

    if (d->readOnly) {
        if (tableCount == 0)
            throw StoreError(QStringLiteral("cannot open store '%1': not an eventlens store (empty file)").arg(path));
        // Readers mostly scan or page through the log: the OS page cache serves them, and a GUI
        // has several of them at once (table pages, counts, histograms, predicate workers).
        db.exec("PRAGMA query_only=ON; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;");
    } else {
        // A new file gets 16 KiB pages (fewer, wider B-tree pages: faster appends to the
        // indexes); page_size only takes effect before the first table and before WAL mode.
        if (tableCount == 0)
            db.exec("PRAGMA page_size=16384");
        if (mode == OpenMode::Build) {
            // The rollback journal of a new file holds only its first pages: kept in memory,
            // so that ROLLBACK and savepoints work without writing a journal file.
            db.exec("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; "
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        } else {
            // Durability: every commit of this connection is followed by an fdatasync of the
            // write-ahead log before it is reported (syncWal()), as synchronous=FULL would do
            // inside COMMIT; doing it after COMMIT lets the next group of appends write while
            // this one syncs (group commit). NORMAL still syncs around checkpoints.
            d->walSync = true;
            // No memory map: SQLite unmaps the whole file whenever another connection changed
            // it, and with several writers in process (command clients) the unmaps' TLB
            // shootdowns cost more than reading pages does (3,900 against 5,700 commands/s).
            db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
        }
        if (tableCount == 0) {
            db.exec("BEGIN IMMEDIATE");
            try {
                // Another process may have created the schema meanwhile.
                if (!db.tableExists("events")) {
                    db.exec(kSchema);
                    db.exec(kDeferrableIndexes);
                    db.exec(QByteArray("PRAGMA application_id=" + QByteArray::number(kApplicationId) + ";PRAGMA user_version="
                                       + QByteArray::number(kSchemaVersion))
                                .constData());
                }
                db.exec("COMMIT");
            } catch (...) {
                db.exec("ROLLBACK");
                throw;
            }
            d->syncWal();
        }
        SqliteStatement ver(db, "PRAGMA user_version");
        if (ver.step() && ver.int64(0) > kSchemaVersion)
            throw StoreError(QStringLiteral("cannot open store '%1': made by a newer eventlens (schema %2)").arg(path).arg(ver.int64(0)));
        d->prepareWriteStatements();
    }
    d->selectStreamName = SqliteStatement(db, "SELECT name FROM streams WHERE id=?");
    d->selectTypeName = SqliteStatement(db, "SELECT name FROM event_types WHERE id=?");
    return std::unique_ptr<EventStore>(new EventStore(std::move(d)));
}

void EventStore::finishBuild()
{
    if (d->inBatch)
        throw StoreError(QStringLiteral("cannot finish building store '%1': a write batch is still open").arg(d->path));
    d->db->exec("PRAGMA journal_mode=WAL");
}

bool EventStore::removeFiles(const QString &path)
{
    return SqliteDb::removeFiles(path);
}

std::unique_ptr<EventStore> EventStore::openAnother(OpenMode mode) const
{
    auto other = open(d->path, d->readOnly ? OpenMode::ReadOnly : mode);
    other->d->shared = d->shared;
    return other;
}

QString EventStore::path() const
{
    return d->path;
}

bool EventStore::isReadOnly() const
{
    return d->readOnly;
}

// ---------------------------------------------------------------------------------------------
// Writing

void EventStore::Private::prepareWriteStatements()
{
    insertEvent = SqliteStatement(*db, "INSERT OR FAIL INTO events(position, stream_id, version, category_id, type_id, id, time, is_json, data, metadata, hash)"
                                       " VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    selectStream = SqliteStatement(*db, "SELECT id, category_id, version, last_position, last_time FROM streams WHERE name=?");
    insertStream = SqliteStatement(*db, "INSERT INTO streams(name, category_id) VALUES(?,?)");
    updateStream = SqliteStatement(*db, "UPDATE streams SET version=?, last_position=?, last_time=? WHERE id=?");
    selectType = SqliteStatement(*db, "SELECT id FROM event_types WHERE name=?");
    insertType = SqliteStatement(*db, "INSERT INTO event_types(name) VALUES(?)");
    updateTypeCount = SqliteStatement(*db, "UPDATE event_types SET count=count+? WHERE id=?");
    selectCategory = SqliteStatement(*db, "SELECT id FROM categories WHERE name=?");
    insertCategory = SqliteStatement(*db, "INSERT INTO categories(name) VALUES(?)");
    selectById = SqliteStatement(*db, "SELECT position, stream_id, version FROM events WHERE id=?");
    selectIdAt = SqliteStatement(*db, "SELECT id, stream_id, version FROM events WHERE position=?");
}

void EventStore::Private::beginBatch()
{
    if (readOnly)
        throw StoreError(QStringLiteral("store '%1' is open read-only").arg(path));
    if (inBatch)
        throw StoreError(QStringLiteral("a write batch is already active on this connection"));
    writeLock = std::unique_lock(shared->writeMutex);
    try {
        db->exec("BEGIN IMMEDIATE");
    } catch (...) {
        writeLock.unlock();
        throw;
    }
    inBatch = true;
    streams.clear();
    typeIds.clear();
    categoryIds.clear();
    typeCountDelta.clear();
    lastPosition = 0;
    headHash = hashchain::genesis();
    trustedPreparer = 0;
    forgetSlots();
    if (!selectHead.isPrepared())
        selectHead = SqliteStatement(*db, "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1");
    if (selectHead.step()) {
        lastPosition = selectHead.int64(0);
        headHash = selectHead.bytes(1);
    }
    selectHead.reset();
    if (lastPosition == 0) {
        try {
            db->exec(kDropDeferrableIndexes);
            // A stream row without events is possible (a failed single append keeps its row).
            SqliteStatement anyStream(*db, "SELECT 1 FROM streams LIMIT 1");
            streamsAllKnown = !anyStream.step();
        } catch (...) {
            rollbackBatch();
            throw;
        }
        deferredIndexes = true;
    }
}

void EventStore::Private::syncWal()
{
    if (!walSync)
        return; // a store being built is made durable by StoreBuilder, all at once
    sqlite3_file *wal = nullptr;
    if (sqlite3_file_control(db->handle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || !wal || !wal->pMethods)
        throw StoreError(QStringLiteral("cannot sync store '%1': no write-ahead log is open").arg(path));
    const int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    if (rc != SQLITE_OK)
        throw StoreError(QStringLiteral("cannot sync the write-ahead log of store '%1': %2").arg(path, QString::fromUtf8(sqlite3_errstr(rc))));
}

void EventStore::Private::commitBatch(bool syncNow)
{
    if (!inBatch)
        throw StoreError(QStringLiteral("no active write batch"));
    try {
        if (deferredIndexes) {
            // SQLite's sorter works in runs of cache_size: small runs, sorted by two threads,
            // spilled to temporary files and merged, build the indexes twice as fast as one large
            // sort in memory (measured with tests/bench).
            db->exec("PRAGMA cache_size=-2048; PRAGMA threads=2; PRAGMA temp_store=FILE;");
            try {
                db->exec(kDeferrableIndexes);
            } catch (...) {
                db->exec("PRAGMA cache_size=-65536; PRAGMA threads=0; PRAGMA temp_store=MEMORY;");
                throw;
            }
            db->exec("PRAGMA cache_size=-65536; PRAGMA threads=0; PRAGMA temp_store=MEMORY;");
        }
        for (const auto &[name, state] : streams) {
            if (!state.dirty)
                continue;
            updateStream.bind(1, state.version);
            updateStream.bind(2, state.lastPosition);
            updateStream.bind(3, state.lastTime);
            updateStream.bind(4, state.id);
            updateStream.run();
        }
        for (auto it = typeCountDelta.cbegin(); it != typeCountDelta.cend(); ++it) {
            updateTypeCount.bind(1, it.value());
            updateTypeCount.bind(2, it.key());
            updateTypeCount.run();
        }
        db->exec("COMMIT");
    } catch (...) {
        rollbackBatch();
        throw;
    }
    inBatch = false;
    deferredIndexes = false;
    streamsAllKnown = false;
    batchIds.clear();
    forgetSlots();
    trustedPreparer = 0;
    writeLock.unlock();
    if (syncNow) {
        syncWal();
        shared->notifyCommit();
    }
}

void EventStore::Private::rollbackBatch()
{
    if (!inBatch)
        return;
    try {
        db->exec("ROLLBACK");
    } catch (const StoreError &) {
        // The transaction is gone already (SQLite rolled it back on an I/O error).
    }
    inBatch = false;
    deferredIndexes = false; // the DROP INDEX statements are rolled back with the rest
    streamsAllKnown = false;
    batchIds.clear();
    forgetSlots();
    trustedPreparer = 0;
    streams.clear();
    if (writeLock.owns_lock())
        writeLock.unlock();
}

EventStore::Private::StreamState *EventStore::Private::findStream(const QString &stream)
{
    auto it = streams.find(stream);
    if (it != streams.end())
        return &it->second;
    if (streamsAllKnown)
        return nullptr;
    selectStream.bind(1, stream);
    if (!selectStream.step()) {
        selectStream.reset();
        return nullptr;
    }
    StreamState state;
    state.id = selectStream.int64(0);
    state.categoryId = selectStream.int64(1);
    state.version = selectStream.int64(2);
    state.lastPosition = selectStream.int64(3);
    state.lastTime = selectStream.int64(4);
    state.nameUtf8 = stream.toUtf8();
    selectStream.reset();
    return &streams.insert_or_assign(stream, state).first->second;
}

EventStore::Private::StreamState &EventStore::Private::createStream(const QString &stream)
{
    if (StreamState *existing = findStream(stream))
        return *existing;
    checkName("stream", stream);
    StreamState state;
    state.categoryId = categoryId(Event::categoryOf(stream));
    state.nameUtf8 = stream.toUtf8();
    insertStream.bindText(1, state.nameUtf8);
    insertStream.bind(2, state.categoryId);
    insertStream.run();
    state.id = sqlite3_last_insert_rowid(db->handle());
    return streams.insert_or_assign(stream, state).first->second;
}

const EventStore::Private::TypeEntry &EventStore::Private::typeEntry(const QString &type)
{
    auto it = typeIds.find(type);
    if (it != typeIds.end())
        return it->second;
    checkName("event type", type);
    TypeEntry entry;
    entry.utf8 = type.toUtf8();
    selectType.bindText(1, entry.utf8);
    if (selectType.step()) {
        entry.id = selectType.int64(0);
        selectType.reset();
    } else {
        selectType.reset();
        insertType.bindText(1, entry.utf8);
        insertType.run();
        entry.id = sqlite3_last_insert_rowid(db->handle());
    }
    return typeIds.insert_or_assign(type, entry).first->second;
}

qint64 EventStore::Private::categoryId(const QString &category)
{
    auto it = categoryIds.constFind(category);
    if (it != categoryIds.constEnd())
        return *it;
    qint64 id;
    selectCategory.bind(1, category);
    if (selectCategory.step()) {
        id = selectCategory.int64(0);
        selectCategory.reset();
    } else {
        selectCategory.reset();
        insertCategory.bind(1, category);
        insertCategory.run();
        id = sqlite3_last_insert_rowid(db->handle());
    }
    categoryIds.insert(category, id);
    return id;
}

std::optional<AppendResult> EventStore::Private::idempotentResult(const StreamState *state, ExpectedVersion expected,
                                                                  const std::vector<NewEvent> &events)
{
    if (events.empty() || !state)
        return std::nullopt;
    for (const NewEvent &e : events) {
        if (e.id.isEmpty())
            return std::nullopt;
    }
    // Every event must already be in this stream, at consecutive versions: found through the
    // id index alone, which exists in every batch.
    qint64 start = -1;
    if (expected.kind() == ExpectedVersion::Kind::Exact)
        start = expected.version() + 1;
    else if (expected.kind() == ExpectedVersion::Kind::NoStream)
        start = 0;
    AppendResult result;
    result.idempotent = true;
    size_t matched = 0;
    for (const NewEvent &e : events) {
        const QByteArray utf8 = e.id.toUtf8();
        const std::optional<IdHit> hit = findId(StoredId(utf8));
        if (!hit || hit->streamId != state->id)
            break;
        const qint64 version = hit->version;
        if (matched == 0 && start < 0)
            start = version;
        if (version != start + static_cast<qint64>(matched))
            break;
        result.lastVersion = version;
        ++matched;
    }
    result.firstVersion = start;
    if (matched != events.size())
        return std::nullopt;
    return result;
}

std::optional<EventStore::Private::IdHit> EventStore::Private::findId(const StoredId &id)
{
    std::optional<IdHit> hit;
    if (deferredIndexes) {
        batchIds.findCandidate(BatchIdIndex::fingerprint(id.bytes()), [&](qint64 position) {
            selectIdAt.bind(1, position);
            if (selectIdAt.step() && id.equalsColumn(selectIdAt, 0))
                hit = IdHit{position, selectIdAt.int64(1), selectIdAt.int64(2)};
            selectIdAt.reset();
            return hit.has_value();
        });
        return hit;
    }
    id.bindView(selectById, 1);
    if (selectById.step())
        hit = IdHit{selectById.int64(0), selectById.int64(1), selectById.int64(2)};
    selectById.reset();
    return hit;
}

AppendResult EventStore::Private::append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events,
                                        const PreparedEvent *prepared)
{
    if (stream.isEmpty())
        throw StoreError(QStringLiteral("cannot append: the stream name is empty"));
    for (size_t i = 0; i < events.size(); ++i) {
        if (events[i].type.isEmpty())
            throw StoreError(QStringLiteral("cannot append to stream '%1': event %2 has no type").arg(stream).arg(i + 1));
    }

    // One hash lookup for a cached stream (references into `streams` stay valid).
    auto cached = streams.find(stream);
    const bool existedInCache = cached != streams.end();
    StreamState *const probe = existedInCache ? &cached->second : findStream(stream);
    {
        const qint64 current = probe ? probe->version : -1;
        if (!expected.matches(current)) {
            if (auto same = idempotentResult(probe, expected, events))
                return *same;
            throw ConcurrencyError(stream, expected.toString(), current);
        }
        if (events.empty()) {
            AppendResult r;
            r.lastVersion = current;
            return r;
        }
    }

    // Everything below is undone as one unit when any insert fails. A single event needs no
    // savepoint: its INSERT is atomic, and nothing in memory changes before it succeeds (a
    // stream row it created stays at version -1, which reads as "no stream").
    const bool savepoint = events.size() > 1;
    if (savepoint)
        db->exec("SAVEPOINT append");
    const qint64 savedPosition = lastPosition;
    const QByteArray savedHash = headHash;
    const size_t typeCount = typeIds.size();
    const qsizetype categoryCount = categoryIds.size();
    std::vector<qint64> &countedTypes = appendTypes; // reused: no allocation per call
    countedTypes.clear();
    const StreamState savedState = existedInCache ? *probe : StreamState();

    try {
        StreamState &state = probe ? *probe : createStream(stream);
        AppendResult result;
        result.firstVersion = state.version + 1;
        const qint64 now = timeutil::nowMs();
        for (const NewEvent &ne : events) {
            const qint64 position = lastPosition + 1;
            const qint64 version = state.version + 1;
            const bool givenId = !ne.id.isEmpty();
            const QByteArray idUtf8 = prepared ? prepared->idUtf8 : givenId ? ne.id.toUtf8() : generateEventId();
            const StoredId id(idUtf8);
            const qint64 timeMs = ne.timeMs.value_or(now);
            if (!timeutil::inRange(timeMs))
                throw StoreError(QStringLiteral("cannot append to stream '%1': event time %2 ms is outside the years 0000-9999").arg(stream).arg(timeMs));
            static const QByteArray emptyObject = QByteArrayLiteral("{}");
            const QByteArray &metadata = ne.metadata.isEmpty() ? emptyObject : ne.metadata;
            const TypeEntry &type = typeEntry(ne.type);
            const qint64 tid = type.id;
            // Without the id index (a deferred batch) a duplicate is found before the insert.
            if (deferredIndexes && givenId && !(prepared && idTrustedFresh(*prepared)) && findId(id))
                throw StoreError(QStringLiteral("cannot append to stream '%1': duplicate event id '%2'").arg(stream, ne.id));
            const QByteArray hash = hashchain::eventHash(headHash, hashchain::Fields{position, state.nameUtf8, version, idUtf8, type.utf8,
                                                                                     timeMs, ne.dataIsJson, ne.data, metadata});

            insertEvent.bind(1, position);
            insertEvent.bind(2, state.id);
            insertEvent.bind(3, version);
            insertEvent.bind(4, state.categoryId);
            insertEvent.bind(5, tid);
            id.bindView(insertEvent, 6);
            insertEvent.bind(7, timeMs);
            insertEvent.bind(8, ne.dataIsJson ? 1 : 0);
            insertEvent.bindBlobView(9, ne.data);
            insertEvent.bindBlobView(10, metadata);
            insertEvent.bindBlobView(11, hash);
            try {
                insertEvent.run();
            } catch (const StoreError &) {
                if (!isUniqueViolation(insertEvent.extendedError()))
                    throw;
                throw StoreError(QStringLiteral("cannot append to stream '%1': duplicate event id '%2'")
                                     .arg(stream, QString::fromUtf8(idUtf8)));
            }
            if (deferredIndexes && givenId) {
                if (prepared && prepared->preparer == trustedPreparer && trustedPreparer != 0) {
                    batchIds.insertLater(prepared->idFingerprint, position);
                } else {
                    // An id the trusted preparer does not know: its idFresh no longer holds.
                    batchIds.insert(BatchIdIndex::fingerprint(id.bytes()), position);
                    trustedPreparer = 0;
                }
            }
            lastPosition = position;
            headHash = std::move(hash);
            state.version = version;
            state.lastPosition = position;
            state.lastTime = timeMs;
            state.dirty = true;
            typeCountDelta[tid] += 1;
            countedTypes.push_back(tid);
            if (result.firstPosition == 0)
                result.firstPosition = position;
            result.lastPosition = position;
            ++result.appended;
        }
        result.lastVersion = state.version;
        if (savepoint)
            db->exec("RELEASE append");
        return result;
    } catch (const StoreError &) {
        if (sqlite3_get_autocommit(db->handle())) {
            // SQLite rolled the whole transaction back (I/O error, disk full): the batch is over.
            rollbackBatch();
            throw;
        }
        if (savepoint)
            db->exec("ROLLBACK TO append; RELEASE append");
        lastPosition = savedPosition;
        headHash = savedHash;
        for (const qint64 tid : countedTypes)
            typeCountDelta[tid] -= 1;
        // Names first inserted by this call are gone with the savepoint.
        if (savepoint && (typeIds.size() != typeCount || categoryIds.size() != categoryCount)) {
            forgetSlots();
            typeIds.clear();
            categoryIds.clear();
        }
        if (existedInCache) {
            streams.insert_or_assign(stream, savedState);
        } else if (savepoint) {
            forgetSlots();
            streams.erase(stream);
        }
        // A duplicate id may be a re-append of events already in the stream.
        if (auto same = idempotentResult(findStream(stream), expected, events))
            return *same;
        if (expected.kind() == ExpectedVersion::Kind::Any || expected.kind() == ExpectedVersion::Kind::Exists) {
            // Name where the duplicate lives.
            for (const NewEvent &ne : events) {
                if (ne.id.isEmpty())
                    continue;
                const QByteArray utf8 = ne.id.toUtf8();
                if (const std::optional<IdHit> hit = findId(StoredId(utf8)))
                    throw StoreError(QStringLiteral("cannot append to stream '%1': event id '%2' already exists at position %3 in stream '%4'")
                                         .arg(stream, ne.id)
                                         .arg(hit->position)
                                         .arg(streamName(hit->streamId)));
            }
        }
        throw;
    }
}

bool EventStore::Private::appendPreparedFast(const PreparedEvent &e)
{
    constexpr int kMaxKey = 1 << 26;
    if (e.preparer == 0 || e.streamKey < 0 || e.streamKey >= kMaxKey || e.typeKey < 0 || e.typeKey >= kMaxKey
        || e.idUtf8.isEmpty() || !e.event.timeMs || e.event.type.isEmpty() || e.stream.isEmpty())
        return false;

    // The stream and the type by the preparer's numbers: no hashing, no string comparison (a
    // slot only answers for the very copy of the name it was filled with).
    const auto sk = static_cast<size_t>(e.streamKey);
    if (sk >= streamSlots.size())
        streamSlots.resize(sk + 1);
    StreamSlot &streamSlot = streamSlots[sk];
    if (!streamSlot.state || streamSlot.name.constData() != e.stream.constData() || streamSlot.name.size() != e.stream.size()) {
        auto it = streams.find(e.stream);
        if (it == streams.end())
            return false; // append() reads or creates it
        streamSlot = StreamSlot{e.stream, &it->second};
    }
    const auto tk = static_cast<size_t>(e.typeKey);
    if (tk >= typeSlots.size())
        typeSlots.resize(tk + 1);
    TypeSlot &typeSlot = typeSlots[tk];
    if (!typeSlot.entry || typeSlot.name.constData() != e.event.type.constData() || typeSlot.name.size() != e.event.type.size()) {
        auto it = typeIds.find(e.event.type);
        if (it == typeIds.end())
            return false;
        typeSlot = TypeSlot{e.event.type, &it->second};
    }
    StreamState &state = *streamSlot.state;
    const TypeEntry &type = *typeSlot.entry;
    if (!e.expected.matches(state.version))
        return false; // a conflict or an idempotent re-append
    const qint64 timeMs = *e.event.timeMs;
    if (!timeutil::inRange(timeMs))
        return false;

    const qint64 position = lastPosition + 1;
    const qint64 version = state.version + 1;
    const QByteArrayView idBytes = e.idIsUuid ? QByteArrayView(e.idUuid.data(), 16) : QByteArrayView(e.idUtf8);
    if (deferredIndexes && !idTrustedFresh(e) && findId(StoredId(e.idUtf8)))
        return false; // append() reports the duplicate
    static const QByteArray emptyObject = QByteArrayLiteral("{}");
    const QByteArray &metadata = e.event.metadata.isEmpty() ? emptyObject : e.event.metadata;
    char hash[32];
    hashchain::eventHash(headHash, hashchain::Fields{position, state.nameUtf8, version, e.idUtf8, type.utf8, timeMs,
                                                     e.event.dataIsJson, e.event.data, metadata},
                         hash);

    insertEvent.bind(1, position);
    insertEvent.bind(2, state.id);
    insertEvent.bind(3, version);
    insertEvent.bind(4, state.categoryId);
    insertEvent.bind(5, type.id);
    if (e.idIsUuid)
        insertEvent.bindBlobView(6, idBytes);
    else
        insertEvent.bindTextView(6, idBytes);
    insertEvent.bind(7, timeMs);
    insertEvent.bind(8, e.event.dataIsJson ? 1 : 0);
    insertEvent.bindBlobView(9, e.event.data);
    insertEvent.bindBlobView(10, metadata);
    insertEvent.bindBlobView(11, QByteArrayView(hash, 32));
    try {
        insertEvent.run();
    } catch (const StoreError &) {
        if (sqlite3_get_autocommit(db->handle())) {
            // SQLite rolled the whole transaction back (I/O error, disk full): the batch is over.
            rollbackBatch();
            throw;
        }
        return false; // nothing changed: append() runs it again and reports it
    }
    if (deferredIndexes) {
        if (trustedPreparer != 0 && e.preparer == trustedPreparer) {
            batchIds.insertLater(e.idFingerprint, position);
        } else {
            batchIds.insert(BatchIdIndex::fingerprint(idBytes), position);
            trustedPreparer = 0;
        }
    }
    lastPosition = position;
    if (headHash.size() != 32)
        headHash.resize(32);
    std::memcpy(headHash.data(), hash, 32);
    state.version = version;
    state.lastPosition = position;
    state.lastTime = timeMs;
    state.dirty = true;
    typeCountDelta[type.id] += 1;
    return true;
}

void EventStore::Batch::appendPrepared(std::span<const PreparedEvent> events, PreparedResult &result)
{
    if (!isActive())
        throw StoreError(QStringLiteral("the write batch is no longer active"));
    Private &d = *m_store->d;
    // The stream slots and states of the events ahead are fetched while this one is written.
    constexpr size_t kSlotAhead = 8;
    constexpr size_t kStateAhead = 4;
    const auto prefetchSlot = [&d](const PreparedEvent &e) {
        if (e.streamKey >= 0 && static_cast<size_t>(e.streamKey) < d.streamSlots.size())
            __builtin_prefetch(&d.streamSlots[static_cast<size_t>(e.streamKey)]);
    };
    for (size_t n = 0; n < std::min(kSlotAhead, events.size()); ++n)
        prefetchSlot(events[n]);
    for (size_t n = 0; n < events.size(); ++n) {
        const PreparedEvent &e = events[n];
        if (n + kSlotAhead < events.size())
            prefetchSlot(events[n + kSlotAhead]);
        if (n + kStateAhead < events.size()) {
            const PreparedEvent &ahead = events[n + kStateAhead];
            if (ahead.streamKey >= 0 && static_cast<size_t>(ahead.streamKey) < d.streamSlots.size()) {
                if (const auto *state = d.streamSlots[static_cast<size_t>(ahead.streamKey)].state)
                    __builtin_prefetch(state);
            }
        }
        if (!d.inBatch)
            throw StoreError(QStringLiteral("the write batch is no longer active"));
        if (d.appendPreparedFast(e)) {
            ++result.appended;
        } else {
            const AppendResult r = d.append(e.stream, e.expected, std::vector<NewEvent>{e.event}, e.preparer != 0 ? &e : nullptr);
            if (r.appended > 0)
                result.appended += r.appended;
            else
                ++result.unchanged;
        }
        ++result.done;
    }
}

// ---------------------------------------------------------------------------------------------
// Preparing events on another thread

struct EventStore::Preparer::State
{
    quint32 serial = 0;

    // Stream names: an open-addressing table of (hash, name, number), at most half full.
    struct NameSlot
    {
        size_t hash = 0;
        const QChar *data = nullptr; // of streamNames[key], which keeps it alive
        qsizetype size = 0;
        int key = -1;
    };
    std::vector<NameSlot> streamTable;
    std::vector<QString> streamNames;
    QHash<QString, int> typeKeys;
    std::vector<QString> typeNames;
    // The type's text as parsers share it (one copy per type): its data pointer -> number.
    std::vector<std::pair<const QChar *, int>> typeByData;
    BatchIdIndex ids; // fingerprints seen

    // Per call of prepare(): each event's stream hash.
    std::vector<size_t> hashes;

    size_t tableMask() const { return streamTable.size() - 1; }
    void growStreamTable()
    {
        std::vector<NameSlot> old = std::move(streamTable);
        streamTable.assign(old.empty() ? 4096 : old.size() * 2, NameSlot{});
        for (const NameSlot &slot : old) {
            if (slot.key < 0)
                continue;
            size_t i = slot.hash & tableMask();
            while (streamTable[i].key >= 0)
                i = (i + 1) & tableMask();
            streamTable[i] = slot;
        }
    }
    int streamKey(PreparedEvent &e, size_t hash)
    {
        for (size_t i = hash & tableMask();; i = (i + 1) & tableMask()) {
            NameSlot &slot = streamTable[i];
            if (slot.key < 0) {
                const int key = static_cast<int>(streamNames.size());
                streamNames.push_back(e.stream);
                slot = NameSlot{hash, streamNames.back().constData(), e.stream.size(), key};
                if (streamNames.size() * 2 > streamTable.size())
                    growStreamTable();
                return key;
            }
            if (slot.hash == hash && slot.size == e.stream.size()
                && std::memcmp(slot.data, e.stream.constData(), static_cast<size_t>(slot.size) * sizeof(QChar)) == 0) {
                e.stream = streamNames[static_cast<size_t>(slot.key)];
                return slot.key;
            }
        }
    }
    int typeKey(PreparedEvent &e)
    {
        const QChar *data = e.event.type.constData();
        for (const auto &[p, key] : typeByData) {
            if (p == data && typeNames[static_cast<size_t>(key)].size() == e.event.type.size())
                return key;
        }
        int key;
        auto it = typeKeys.constFind(e.event.type);
        if (it == typeKeys.constEnd()) {
            key = static_cast<int>(typeNames.size());
            typeKeys.insert(e.event.type, key);
            typeNames.push_back(e.event.type);
        } else {
            key = *it;
            e.event.type = typeNames[static_cast<size_t>(key)];
        }
        // Remembered by address only while typeNames holds that very copy (so the address cannot
        // be reused by another text), and for a few copies.
        if (typeNames[static_cast<size_t>(key)].constData() == data && typeByData.size() < 64)
            typeByData.emplace_back(data, key);
        return key;
    }
};

EventStore::Preparer::Preparer(std::unique_ptr<State> state)
    : m(std::move(state))
{
}

EventStore::Preparer::~Preparer() = default;

std::unique_ptr<EventStore::Preparer> EventStore::Batch::preparer()
{
    if (!isActive())
        throw StoreError(QStringLiteral("the write batch is no longer active"));
    Private &d = *m_store->d;
    auto state = std::make_unique<Preparer::State>();
    state->serial = ++d.preparerSerial;
    // Its idFresh holds for the batch while the batch has no id that the preparer did not see.
    d.trustedPreparer = d.deferredIndexes && d.batchIds.size() == 0 ? state->serial : 0;
    return std::unique_ptr<Preparer>(new Preparer(std::move(state)));
}

void EventStore::Preparer::prepare(std::span<PreparedEvent> events)
{
    State &s = *m;
    if (s.streamTable.empty())
        s.growStreamTable();
    // 1. What needs no table: the id in UTF-8 and its fingerprint, the stream's hash; the CPU
    //    is asked for the table slots meanwhile.
    s.hashes.resize(events.size());
    for (size_t n = 0; n < events.size(); ++n) {
        PreparedEvent &e = events[n];
        e.preparer = s.serial;
        if (e.event.id.isEmpty()) {
            e.idUtf8 = generateEventId();
            e.event.id = QString::fromLatin1(e.idUtf8);
        } else {
            e.idUtf8 = e.event.id.toUtf8();
        }
        e.idIsUuid = uuidToBytes(e.idUtf8, e.idUuid.data());
        e.idFingerprint = BatchIdIndex::fingerprint(e.idIsUuid ? QByteArrayView(e.idUuid.data(), 16) : QByteArrayView(e.idUtf8));
        s.ids.prefetch(e.idFingerprint);
        const size_t hash = qHash(e.stream);
        s.hashes[n] = hash;
        __builtin_prefetch(&s.streamTable[hash & s.tableMask()]);
        if (e.event.metadata.isEmpty())
            e.event.metadata = QByteArrayLiteral("{}");
        if (!e.event.timeMs)
            e.event.timeMs = timeutil::nowMs();
    }
    // 2. Names to numbers, and ids seen before.
    for (size_t n = 0; n < events.size(); ++n) {
        PreparedEvent &e = events[n];
        e.streamKey = s.streamKey(e, s.hashes[n]);
        e.typeKey = s.typeKey(e);
        e.idFresh = s.ids.insertIfNew(e.idFingerprint, 0);
    }
}

EventStore::Batch::Batch(EventStore *store)
    : m_store(store)
{
    m_store->d->beginBatch();
}

EventStore::Batch::Batch(Batch &&other) noexcept
    : m_store(other.m_store)
{
    other.m_store = nullptr;
}

EventStore::Batch::~Batch()
{
    if (m_store)
        m_store->d->rollbackBatch();
}

AppendResult EventStore::Batch::append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events)
{
    if (!isActive())
        throw StoreError(QStringLiteral("the write batch is no longer active"));
    return m_store->d->append(stream, expected, events);
}

qint64 EventStore::Batch::streamVersion(const QString &stream)
{
    if (!isActive())
        throw StoreError(QStringLiteral("the write batch is no longer active"));
    const auto *state = m_store->d->findStream(stream);
    return state ? state->version : -1;
}

void EventStore::Batch::commit()
{
    if (!isActive())
        throw StoreError(QStringLiteral("the write batch is no longer active"));
    EventStore *store = std::exchange(m_store, nullptr);
    store->d->commitBatch();
}

void EventStore::Batch::rollback()
{
    if (m_store)
        std::exchange(m_store, nullptr)->d->rollbackBatch();
}

bool EventStore::Batch::isActive() const
{
    return m_store && m_store->d->inBatch;
}

EventStore::Batch EventStore::beginBatch()
{
    return Batch(this);
}

AppendResult EventStore::append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events)
{
    if (d->readOnly)
        throw StoreError(QStringLiteral("store '%1' is open read-only").arg(d->path));
    if (d->inBatch)
        throw StoreError(QStringLiteral("a write batch is already active on this connection"));
    StoreShared &shared = *d->shared;
    AppendRequest request{stream, expected, events, {}, {}, false, false};
    std::unique_lock lock(shared.queueMutex);
    shared.queue.push_back(&request);
    while (!request.done) {
        // A request taken into a group waits for it to be synced, while the next group may
        // already be led by another thread.
        if (shared.leaderActive || request.taken) {
            shared.groupDone.wait(lock);
            continue;
        }
        // This thread leads the next group: every append queued by the time it holds the write
        // lock shares one durable transaction.
        shared.leaderActive = true;
        lock.unlock();
        std::vector<AppendRequest *> group;
        try {
            d->beginBatch();
        } catch (...) {
            lock.lock();
            group.assign(shared.queue.begin(), shared.queue.end());
            shared.queue.clear();
            for (AppendRequest *r : group) {
                r->error = std::current_exception();
                r->done = true;
            }
            shared.leaderActive = false;
            shared.groupDone.notify_all();
            break;
        }
        lock.lock();
        group.assign(shared.queue.begin(), shared.queue.end());
        shared.queue.clear();
        for (AppendRequest *r : group)
            r->taken = true;
        lock.unlock();
        const bool committed = d->runGroup(group);
        // The log is synced before the next group starts: appends that arrive meanwhile join
        // the next group, which makes groups bigger. (Letting the next group write while this
        // one syncs made groups of one or two on a 2-core machine, and the per-transaction cost
        // halved the throughput.)
        if (committed) {
            try {
                d->syncWal();
            } catch (...) {
                // Whether the group is durable is unknown: every append of it fails.
                const std::exception_ptr error = std::current_exception();
                for (AppendRequest *r : group) {
                    if (!r->error)
                        r->error = error;
                }
            }
            shared.notifyCommit();
        }
        lock.lock();
        for (AppendRequest *r : group)
            r->done = true;
        shared.leaderActive = false;
        shared.groupDone.notify_all();
    }
    lock.unlock();
    if (request.error)
        std::rethrow_exception(request.error);
    return request.result;
}

bool EventStore::Private::runGroup(const std::vector<AppendRequest *> &group)
{
    bool anyAppended = false;
    bool anySucceeded = false;
    for (AppendRequest *r : group) {
        if (!inBatch) {
            // An earlier append hit an error that ended the transaction (I/O error, disk full).
            r->error = std::make_exception_ptr(StoreError(QStringLiteral("the write transaction was aborted by an earlier error")));
            continue;
        }
        try {
            r->result = append(r->stream, r->expected, r->events);
            anyAppended = anyAppended || r->result.appended > 0;
            anySucceeded = true;
        } catch (...) {
            r->error = std::current_exception();
        }
    }
    if (!inBatch)
        return false;
    if (!anyAppended) {
        rollbackBatch();
        // An idempotent re-append reports events that an earlier group committed: they must be
        // durable too.
        return anySucceeded;
    }
    try {
        commitBatch(false);
        return true;
    } catch (...) {
        // Nothing of the group is durable: every append that had succeeded fails with the commit.
        const std::exception_ptr error = std::current_exception();
        for (AppendRequest *r : group) {
            if (!r->error)
                r->error = error;
        }
        return false;
    }
}

int EventStore::pendingAppends() const
{
    std::lock_guard lock(d->shared->queueMutex);
    return static_cast<int>(d->shared->queue.size());
}

quint64 EventStore::commitCount() const
{
    return d->shared->commitCount();
}

// ---------------------------------------------------------------------------------------------
// Reading

std::optional<qint64> EventStore::Private::lookupId(const char *sql, const QString &name) const
{
    SqliteStatement st(*db, sql);
    st.bind(1, name);
    if (st.step())
        return st.int64(0);
    return std::nullopt;
}

const QString &EventStore::Private::streamName(qint64 id) const
{
    auto it = streamNames.constFind(id);
    if (it != streamNames.constEnd())
        return *it;
    selectStreamName.bind(1, id);
    QString name = selectStreamName.step() ? selectStreamName.text(0) : QString();
    selectStreamName.reset();
    // A scan of a big log meets millions of streams: the cache starts over rather than hold
    // them all (a name is one primary-key lookup away).
    if (streamNames.size() >= kMaxCachedStreamNames)
        streamNames.clear();
    return *streamNames.insert(id, name);
}

const QString &EventStore::Private::typeName(qint64 id) const
{
    auto it = typeNames.constFind(id);
    if (it != typeNames.constEnd())
        return *it;
    selectTypeName.bind(1, id);
    QString name = selectTypeName.step() ? selectTypeName.text(0) : QString();
    selectTypeName.reset();
    return *typeNames.insert(id, name);
}

Event EventStore::Private::rowToEvent(const SqliteStatement &st) const
{
    Event e;
    e.position = st.int64(0);
    e.stream = streamName(st.int64(1));
    e.version = st.int64(2);
    e.id = columnEventId(st, 3);
    e.type = typeName(st.int64(4));
    e.timeMs = st.int64(5);
    e.dataIsJson = st.int64(6) != 0;
    e.data = st.bytes(7);
    e.metadata = st.bytes(8);
    e.hash = st.bytes(9);
    return e;
}

bool EventStore::Private::buildWhere(const EventQuery &q, bool typesInline, QByteArray &where, std::vector<Binder> &binds,
                                     std::vector<qint64> *typeIds) const
{
    // Ids of names are integers from this store, so they are written into the SQL; text and
    // times are bound by name, so a statement can repeat them (see the UNION ALL below).
    where = "1";
    if (!q.stream.isEmpty()) {
        const auto id = lookupId("SELECT id FROM streams WHERE name=?", q.stream);
        if (!id)
            return false;
        where += " AND stream_id=" + QByteArray::number(*id);
    }
    if (!q.category.isEmpty()) {
        const auto id = lookupId("SELECT id FROM categories WHERE name=?", q.category);
        if (!id)
            return false;
        where += " AND category_id=" + QByteArray::number(*id);
    }
    if (!q.types.isEmpty()) {
        std::vector<qint64> ids;
        for (const QString &t : q.types) {
            if (const auto id = lookupId("SELECT id FROM event_types WHERE name=?", t)) {
                if (std::find(ids.begin(), ids.end(), *id) == ids.end())
                    ids.push_back(*id);
            }
        }
        if (ids.empty())
            return false;
        if (ids.size() == 1) {
            where += " AND type_id=" + QByteArray::number(ids.front());
        } else if (typesInline || !typeIds) {
            QByteArray list;
            for (const qint64 id : ids)
                list += (list.isEmpty() ? "" : ",") + QByteArray::number(id);
            where += " AND type_id IN (" + list + ')';
        } else {
            *typeIds = std::move(ids);
        }
    }
    if (!q.streamGlob.isEmpty()) {
        // '+' keeps SQLite walking the log in position order instead of sorting every match.
        where += " AND +stream_id IN (SELECT id FROM streams WHERE name GLOB :glob)";
        binds.push_back([v = q.streamGlob](SqliteStatement &st) { st.bind(":glob", v); });
    }
    if (q.sinceMs) {
        where += " AND time>=:since";
        binds.push_back([v = *q.sinceMs](SqliteStatement &st) { st.bind(":since", v); });
    }
    if (q.untilMs) {
        where += " AND time<:until";
        binds.push_back([v = *q.untilMs](SqliteStatement &st) { st.bind(":until", v); });
    }
    return true;
}

bool EventStore::Private::pageQuery(const EventQuery &q, PageQuery &page, const char *columns) const
{
    std::vector<qint64> typeArms;
    QByteArray where;
    // An exact stream pages by version on UNIQUE(stream_id, version): within a stream, version
    // order is position order. Several types are read as one ordered arm per type.
    page.byVersion = !q.stream.isEmpty();
    if (!buildWhere(q, page.byVersion, where, page.binds, &typeArms))
        return false;
    const QByteArray cols(columns);
    const QByteArray dir = q.backward ? " DESC" : "";
    const QByteArray bounds = " AND position>=:low AND position<=:high";
    if (page.byVersion) {
        page.sql = "SELECT " + cols + " FROM events WHERE " + where + bounds
                   + (q.backward ? " AND version<:cursor" : " AND version>:cursor") + " ORDER BY version" + dir + " LIMIT :limit";
    } else if (!typeArms.empty()) {
        QByteArray arms;
        for (const qint64 type : typeArms) {
            if (!arms.isEmpty())
                arms += " UNION ALL ";
            arms += "SELECT * FROM (SELECT " + cols + " FROM events WHERE " + where + " AND type_id=" + QByteArray::number(type) + bounds
                    + " ORDER BY position" + dir + " LIMIT :limit)";
        }
        page.sql = arms + " ORDER BY position" + dir + " LIMIT :limit";
    } else {
        page.sql = "SELECT " + cols + " FROM events WHERE " + where + bounds + " ORDER BY position" + dir + " LIMIT :limit";
    }
    return true;
}

void EventStore::forEach(const EventQuery &query, const std::function<bool(const Event &)> &fn) const
{
    forEachTaken(query, [&fn](Event &&e) { return fn(e); });
}

void EventStore::forEachTaken(const EventQuery &query, const std::function<bool(Event &&)> &fn) const
{
    d->scanRows(query, kEventColumns, kEventVersionColumn, kPageSize,
                [this, &fn](const SqliteStatement &st) { return fn(d->rowToEvent(st)); });
}

namespace {

// While alive, SQLite calls the handler every few thousand virtual machine steps of this
// connection; a non-zero return interrupts the running statement (step() then throws).
class CancelHandler
{
public:
    CancelHandler(sqlite3 *handle, const std::atomic_bool *flag)
        : m_db(flag ? handle : nullptr)
    {
        if (m_db) {
            sqlite3_progress_handler(
                m_db, 4096, [](void *p) { return static_cast<const std::atomic_bool *>(p)->load(std::memory_order_relaxed) ? 1 : 0; },
                const_cast<std::atomic_bool *>(flag));
        }
    }
    ~CancelHandler()
    {
        if (m_db)
            sqlite3_progress_handler(m_db, 0, nullptr, nullptr);
    }
    CancelHandler(const CancelHandler &) = delete;
    CancelHandler &operator=(const CancelHandler &) = delete;

private:
    sqlite3 *m_db;
};

// While alive, a connection that scans every page once (a count, an index of the log, a
// timeline) runs with a small page cache: its 64 MiB one would only fill with pages nobody asks
// for again. The connection's own size comes back afterwards.
class SmallCache
{
public:
    explicit SmallCache(SqliteDb *db)
        : m_db(db)
    {
        if (!m_db)
            return;
        SqliteStatement size(*m_db, "PRAGMA cache_size");
        m_size = size.step() ? size.int64(0) : 0;
        m_db->exec("PRAGMA cache_size=-2048");
    }
    ~SmallCache()
    {
        if (!m_db || m_size == 0)
            return;
        try {
            m_db->exec(QByteArray("PRAGMA cache_size=" + QByteArray::number(m_size)).constData());
        } catch (const StoreError &) {
            // The smaller cache stays: slower, still correct.
        }
    }
    SmallCache(const SmallCache &) = delete;
    SmallCache &operator=(const SmallCache &) = delete;

private:
    SqliteDb *m_db;
    qint64 m_size = 0;
};

bool isCancelled(const std::atomic_bool *cancel)
{
    return cancel && cancel->load(std::memory_order_relaxed);
}

} // namespace

void EventStore::Private::scanRows(const EventQuery &query, const char *cols, int versionColumn, qint64 pageSize,
                                   const std::function<bool(const SqliteStatement &)> &row, const std::atomic_bool *cancel) const
{
    PageQuery page;
    if (!pageQuery(query, page, cols))
        return;
    if (isCancelled(cancel))
        return;
    const CancelHandler handler(db->handle(), cancel);
    try {
        SqliteStatement st(*db, page.sql);
        qint64 low = query.backward ? query.toPosition.value_or(1) : query.fromPosition.value_or(1);
        qint64 high = query.backward ? query.fromPosition.value_or(std::numeric_limits<qint64>::max())
                                     : query.toPosition.value_or(std::numeric_limits<qint64>::max());
        qint64 cursor = query.backward ? std::numeric_limits<qint64>::max() : -1;
        qint64 remaining = query.limit < 0 ? std::numeric_limits<qint64>::max() : query.limit;
        while (remaining > 0 && low <= high && !isCancelled(cancel)) {
            for (const auto &bind : page.binds)
                bind(st);
            st.bind(":low", low);
            st.bind(":high", high);
            if (page.byVersion)
                st.bind(":cursor", cursor);
            const qint64 limit = std::min(remaining, pageSize);
            st.bind(":limit", limit);
            qint64 rows = 0;
            qint64 lastPosition = 0;
            qint64 lastVersion = 0;
            while (st.step()) {
                lastPosition = st.int64(0);
                lastVersion = st.int64(versionColumn);
                ++rows;
                --remaining;
                if (!row(st)) {
                    st.reset();
                    return;
                }
            }
            st.reset();
            if (rows < limit)
                break;
            if (page.byVersion)
                cursor = lastVersion;
            else if (query.backward)
                high = lastPosition - 1;
            else
                low = lastPosition + 1;
        }
    } catch (const StoreError &) {
        if (isCancelled(cancel))
            return; // interrupted on purpose
        throw;
    }
}

void EventStore::forEachPosition(const EventQuery &query, const std::function<bool(qint64)> &fn,
                                 const std::atomic_bool *cancel) const
{
    // A scan without a limit (a count, an index of the log) reads every page once.
    const SmallCache smallCache(query.limit < 0 ? d->db.get() : nullptr);
    // Only an exact stream pages by version: without one, the position alone lets a filter served
    // by an index (type, category) stay in that index instead of reading every row's version.
    d->scanRows(query, query.stream.isEmpty() ? "position, 0" : "position, version", 1, kPositionPageSize,
                [&fn](const SqliteStatement &st) { return fn(st.int64(0)); }, cancel);
}

bool EventStore::forEachTimeUsesTimeIndex(const EventQuery &query)
{
    return query.stream.isEmpty() && query.category.isEmpty() && query.types.isEmpty() && query.streamGlob.isEmpty()
           && query.limit < 0;
}

void EventStore::forEachTime(const EventQuery &query, const std::function<bool(qint64 position, qint64 timeMs)> &fn,
                             const std::atomic_bool *cancel) const
{
    const SmallCache smallCache(query.limit < 0 ? d->db.get() : nullptr);
    if (!forEachTimeUsesTimeIndex(query)) {
        // As in forEachPosition: only an exact stream pages by version.
        d->scanRows(query, query.stream.isEmpty() ? "position, 0, time" : "position, version, time", 1, kPositionPageSize,
                    [&fn](const SqliteStatement &st) { return fn(st.int64(0), st.int64(2)); }, cancel);
        return;
    }
    // Only the covering index events_time(time, position) is read, in one statement; '+' keeps
    // SQLite from walking the table by rowid for the position bounds instead.
    QByteArray where;
    std::vector<Private::Binder> binds;
    if (!d->buildWhere(query, true, where, binds))
        return;
    if (isCancelled(cancel))
        return;
    const CancelHandler handler(d->db->handle(), cancel);
    try {
        SqliteStatement st(*d->db, "SELECT position, time FROM events WHERE " + where
                                       + " AND +position>=:low AND +position<=:high ORDER BY time"
                                       + (query.backward ? " DESC, position DESC" : ", position"));
        for (const auto &bind : binds)
            bind(st);
        st.bind(":low", query.backward ? query.toPosition.value_or(1) : query.fromPosition.value_or(1));
        st.bind(":high", query.backward ? query.fromPosition.value_or(std::numeric_limits<qint64>::max())
                                        : query.toPosition.value_or(std::numeric_limits<qint64>::max()));
        while (st.step()) {
            if (!fn(st.int64(0), st.int64(1)))
                break;
        }
        st.reset();
    } catch (const StoreError &) {
        if (isCancelled(cancel))
            return; // interrupted on purpose
        throw;
    }
}

std::vector<Event> EventStore::readPositions(const std::vector<qint64> &positions) const
{
    std::vector<Event> out;
    out.reserve(positions.size());
    if (positions.empty())
        return out;
    SqliteStatement st(*d->db, "SELECT " + QByteArray(kEventColumns) + " FROM events WHERE position=?");
    for (const qint64 position : positions) {
        st.bind(1, position);
        if (st.step())
            out.push_back(d->rowToEvent(st));
        st.reset();
    }
    return out;
}

QString EventStore::queryPlan(const EventQuery &query) const
{
    Private::PageQuery page;
    if (!d->pageQuery(query, page))
        return QStringLiteral("(matches nothing)");
    SqliteStatement st(*d->db, "EXPLAIN QUERY PLAN " + page.sql);
    QStringList lines;
    while (st.step())
        lines << st.text(3);
    return lines.join(u'\n');
}

std::vector<Event> EventStore::read(const EventQuery &query) const

{
    std::vector<Event> out;
    forEach(query, [&](const Event &e) {
        out.push_back(e);
        return true;
    });
    return out;
}

qint64 EventStore::count(const EventQuery &query) const
{
    const bool positionsOnly = query.stream.isEmpty() && query.category.isEmpty() && query.types.isEmpty()
                               && query.streamGlob.isEmpty() && !query.sinceMs && !query.untilMs;
    qint64 n = 0;
    if (positionsOnly) {
        // Positions are contiguous in the embedded store: no row is ever deleted.
        const qint64 head = headPosition();
        qint64 low = query.backward ? query.toPosition.value_or(1) : query.fromPosition.value_or(1);
        qint64 high = query.backward ? query.fromPosition.value_or(head) : query.toPosition.value_or(head);
        n = std::max<qint64>(0, std::min(high, head) - std::max<qint64>(low, 1) + 1);
    } else {
        QByteArray where;
        std::vector<Private::Binder> binds;
        if (!d->buildWhere(query, true, where, binds))
            return 0;
        SqliteStatement st(*d->db, "SELECT count(*) FROM events WHERE " + where + " AND position>=:low AND position<=:high");
        for (const auto &bind : binds)
            bind(st);
        st.bind(":low", query.backward ? query.toPosition.value_or(1) : query.fromPosition.value_or(1));
        st.bind(":high", query.backward ? query.fromPosition.value_or(std::numeric_limits<qint64>::max())
                                        : query.toPosition.value_or(std::numeric_limits<qint64>::max()));
        if (st.step())
            n = st.int64(0);
    }
    return query.limit < 0 ? n : std::min(n, query.limit);
}

std::optional<Event> EventStore::eventAt(qint64 position) const
{
    SqliteStatement st(*d->db, "SELECT " + QByteArray(kEventColumns) + " FROM events WHERE position=?");
    st.bind(1, position);
    if (st.step())
        return d->rowToEvent(st);
    return std::nullopt;
}

std::optional<Event> EventStore::eventById(const QString &id) const
{
    SqliteStatement st(*d->db, "SELECT " + QByteArray(kEventColumns) + " FROM events WHERE id=?");
    bindEventId(st, 1, id);
    if (st.step())
        return d->rowToEvent(st);
    return std::nullopt;
}

QString EventStore::newEventId()
{
    return QString::fromLatin1(generateEventId());
}

namespace {

const char *const kSnapshotSchema = R"SQL(
CREATE TABLE IF NOT EXISTS snapshots(
    stream TEXT NOT NULL,
    decider TEXT NOT NULL,
    version INTEGER NOT NULL,
    decider_name TEXT NOT NULL,
    state BLOB NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY(stream, decider, version)) WITHOUT ROWID;
)SQL";

AggregateSnapshot snapshotRow(const SqliteStatement &st)
{
    AggregateSnapshot s;
    s.stream = st.text(0);
    s.decider = st.text(1);
    s.version = st.int64(2);
    s.deciderName = st.text(3);
    s.state = st.bytes(4);
    s.timeMs = st.int64(5);
    return s;
}

} // namespace

// Whether the snapshots table exists (made when `create`); prepares its statements once it does.
// Tables are never dropped, so an answer of yes holds for good.
bool EventStore::Private::snapshotsReady(bool create) const
{
    if (selectLatestSnapshot.isPrepared())
        return true;
    if (create)
        db->exec(kSnapshotSchema);
    else if (!db->tableExists("snapshots"))
        return false;
    selectLatestSnapshot = SqliteStatement(*db, "SELECT stream, decider, version, decider_name, state, time FROM snapshots "
                                                "WHERE stream=? AND decider=? AND version<=? ORDER BY version DESC LIMIT 1");
    if (!readOnly)
        insertSnapshot = SqliteStatement(*db, "INSERT OR REPLACE INTO snapshots(stream, decider, version, decider_name, state, time) "
                                              "VALUES(?,?,?,?,?,?)");
    return true;
}

void EventStore::saveSnapshot(const AggregateSnapshot &snapshot)
{
    if (d->readOnly)
        throw StoreError(QStringLiteral("store '%1' is open read-only").arg(d->path));
    if (d->inBatch)
        throw StoreError(QStringLiteral("a write batch is already active on this connection"));
    SqliteDb &db = *d->db;
    // In turn with this process's other writers (group commits): waiting here costs nothing,
    // while meeting SQLite's write lock would put this thread, or a group's leader, to sleep in
    // the busy handler.
    std::lock_guard writeLock(d->shared->writeMutex);
    db.exec("BEGIN IMMEDIATE");
    try {
        d->snapshotsReady(true);
        SqliteStatement &st = d->insertSnapshot;
        st.bind(1, snapshot.stream);
        st.bind(2, snapshot.decider);
        st.bind(3, snapshot.version);
        st.bind(4, snapshot.deciderName);
        st.bindText(5, snapshot.state);
        st.bind(6, snapshot.timeMs > 0 ? snapshot.timeMs : timeutil::nowMs());
        st.run();
        db.exec("COMMIT");
    } catch (...) {
        // Prepared again on the next use: the table may have been made by this transaction.
        d->insertSnapshot = SqliteStatement();
        d->selectLatestSnapshot = SqliteStatement();
        db.exec("ROLLBACK");
        throw;
    }
    d->syncWal();
}

std::optional<AggregateSnapshot> EventStore::latestSnapshot(const QString &stream, const QString &decider, qint64 maxVersion) const
{
    if (!d->snapshotsReady(false))
        return std::nullopt;
    SqliteStatement &st = d->selectLatestSnapshot;
    st.bind(1, stream);
    st.bind(2, decider);
    st.bind(3, maxVersion);
    const SqliteStatement::ResetOnExit resetOnExit(st);
    if (st.step())
        return snapshotRow(st);
    return std::nullopt;
}

std::vector<AggregateSnapshot> EventStore::snapshots(const QString &stream) const
{
    std::vector<AggregateSnapshot> out;
    if (!d->db->tableExists("snapshots"))
        return out;
    SqliteStatement st(*d->db, "SELECT stream, decider, version, decider_name, state, time FROM snapshots "
                               "WHERE stream=? ORDER BY version, decider");
    st.bind(1, stream);
    while (st.step())
        out.push_back(snapshotRow(st));
    return out;
}

qint64 EventStore::snapshotCount() const
{
    if (!d->db->tableExists("snapshots"))
        return 0;
    SqliteStatement st(*d->db, "SELECT count(*) FROM snapshots");
    return st.step() ? st.int64(0) : 0;
}

std::vector<Event> EventStore::readStream(const QString &stream, qint64 fromVersion, qint64 maxCount, bool backward) const
{
    std::vector<Event> out;
    if (maxCount == 0)
        return out;
    if (!backward) {
        // The common case, on statements kept prepared.
        if (!d->selectStreamId.isPrepared()) {
            d->selectStreamId = SqliteStatement(*d->db, "SELECT id FROM streams WHERE name=?");
            d->selectStreamEvents = SqliteStatement(*d->db, "SELECT " + QByteArray(kEventColumns)
                                                                + " FROM events WHERE stream_id=? AND version>=? ORDER BY version LIMIT ?");
        }
        SqliteStatement &idQuery = d->selectStreamId;
        idQuery.bind(1, stream);
        const bool found = idQuery.step();
        const qint64 id = found ? idQuery.int64(0) : 0;
        idQuery.reset();
        if (!found)
            return out;
        SqliteStatement &st = d->selectStreamEvents;
        st.bind(1, id);
        st.bind(2, fromVersion);
        st.bind(3, maxCount < 0 ? std::numeric_limits<qint64>::max() : maxCount);
        const SqliteStatement::ResetOnExit resetOnExit(st);
        while (st.step())
            out.push_back(d->rowToEvent(st));
        return out;
    }
    const auto id = d->lookupId("SELECT id FROM streams WHERE name=?", stream);
    if (!id)
        return out;
    SqliteStatement st(*d->db, "SELECT " + QByteArray(kEventColumns)
                                   + " FROM events WHERE stream_id=? AND version<=? ORDER BY version DESC LIMIT ?");
    st.bind(1, *id);
    st.bind(2, fromVersion < 0 ? std::numeric_limits<qint64>::max() : fromVersion);
    st.bind(3, maxCount < 0 ? std::numeric_limits<qint64>::max() : maxCount);
    while (st.step())
        out.push_back(d->rowToEvent(st));
    return out;
}

qint64 EventStore::streamVersion(const QString &stream) const
{
    SqliteStatement st(*d->db, "SELECT version FROM streams WHERE name=?");
    st.bind(1, stream);
    return st.step() ? st.int64(0) : -1;
}

qint64 EventStore::headPosition() const
{
    SqliteStatement st(*d->db, "SELECT max(position) FROM events");
    return st.step() ? st.int64(0) : 0;
}

std::vector<StreamInfo> EventStore::streams(const QString &category, const QString &glob) const
{
    std::vector<StreamInfo> out;
    forEachStream([&out](const StreamInfo &s) {
        out.push_back(s);
        return true;
    }, category, glob);
    return out;
}

void EventStore::forEachStream(const std::function<bool(const StreamInfo &)> &fn, const QString &category,
                               const QString &glob) const
{
    QByteArray sql = "SELECT s.name, c.name, s.version, s.last_position, s.last_time FROM streams s"
                     " JOIN categories c ON c.id=s.category_id WHERE s.version>=0";
    if (!category.isEmpty())
        sql += " AND c.name=?";
    if (!glob.isEmpty())
        sql += " AND s.name GLOB ?";
    sql += " ORDER BY s.name";
    SqliteStatement st(*d->db, sql);
    int i = 1;
    if (!category.isEmpty())
        st.bind(i++, category);
    if (!glob.isEmpty())
        st.bind(i++, glob);
    StreamInfo s;
    while (st.step()) {
        s.name = st.text(0);
        s.category = st.text(1);
        s.version = st.int64(2);
        s.lastPosition = st.int64(3);
        s.lastTimeMs = st.int64(4);
        if (!fn(s))
            return;
    }
}

StoreInfo EventStore::info() const
{
    StoreInfo info;
    SqliteDb &db = *d->db;
    // One read transaction so that every figure describes the same moment.
    db.exec("BEGIN");
    try {
        SqliteStatement head(db, "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1");
        if (head.step()) {
            info.headPosition = head.int64(0);
            info.headHash = head.bytes(1);
        }
        info.events = info.headPosition;
        SqliteStatement streams(db, "SELECT count(*) FROM streams WHERE version>=0");
        if (streams.step())
            info.streams = streams.int64(0);
        SqliteStatement cats(db, "SELECT c.name, sum(s.version+1) FROM streams s JOIN categories c ON c.id=s.category_id"
                                 " WHERE s.version>=0 GROUP BY c.name");
        while (cats.step())
            info.categories.insert(cats.text(0), cats.int64(1));
        SqliteStatement types(db, "SELECT name, count FROM event_types WHERE count>0");
        while (types.step())
            info.types.insert(types.text(0), types.int64(1));
        // Two subqueries: SQLite answers each min/max from one end of the time index, where one
        // "min(time), max(time)" query scans the whole index (seconds on millions of events).
        SqliteStatement times(db, "SELECT (SELECT min(time) FROM events), (SELECT max(time) FROM events)");
        if (times.step() && !times.isNull(0)) {
            info.firstTimeMs = times.int64(0);
            info.lastTimeMs = times.int64(1);
        }
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    db.exec("COMMIT");
    return info;
}

VerifyResult EventStore::verify(const ProgressFn &progress, qint64 upToPosition) const
{
    VerifyResult r;
    SqliteDb &db = *d->db;
    db.exec("BEGIN");
    struct EndRead
    {
        SqliteDb &db;
        ~EndRead()
        {
            try {
                db.exec("COMMIT");
            } catch (const StoreError &) {
            }
        }
    } endRead{db};
    const qint64 head = headPosition();
    const bool partial = upToPosition > 0 && upToPosition < head;
    const qint64 total = partial ? upToPosition : head;
    SqliteStatement st(db, "SELECT " + QByteArray(kEventColumns) + " FROM events WHERE position <= ? ORDER BY position");
    st.bind(1, total);
    QByteArray previous = hashchain::genesis();
    qint64 expectedPosition = 1;
    struct StreamSeen
    {
        qint64 version = -1;
        qint64 lastPosition = 0;
        qint64 lastTime = 0;
    };
    QHash<qint64, StreamSeen> seen;   // stream id -> what the events say
    QHash<qint64, qint64> typeCounts; // type id -> events
    auto fail = [&](qint64 position, const QString &message) {
        r.ok = false;
        r.firstBadPosition = position;
        r.message = message;
        return r;
    };
    while (st.step()) {
        const Event e = d->rowToEvent(st);
        if (e.position != expectedPosition)
            return fail(expectedPosition, QStringLiteral("position %1 is missing (next stored position is %2)").arg(expectedPosition).arg(e.position));
        StreamSeen &stream = seen[st.int64(1)];
        if (e.version != stream.version + 1)
            return fail(e.position, QStringLiteral("position %1: stream '%2' has version %3 where %4 was expected")
                                        .arg(e.position).arg(e.stream).arg(e.version).arg(stream.version + 1));
        const QByteArray h = hashchain::eventHash(previous, e);
        if (h != e.hash)
            return fail(e.position, QStringLiteral("position %1 does not verify: its hash does not match its content and the previous hash (event %2 in stream '%3')")
                                        .arg(e.position).arg(e.id, e.stream));
        stream = StreamSeen{e.version, e.position, e.timeMs};
        typeCounts[st.int64(4)] += 1;
        previous = h;
        ++r.checked;
        ++expectedPosition;
        if (progress && (r.checked & 0xffff) == 0 && !progress(r.checked, total))
            return fail(0, QStringLiteral("verification cancelled after %1 events").arg(r.checked));
    }

    if (partial) {
        if (progress)
            progress(r.checked, total);
        return r;
    }
    // The summary tables must agree with the events. A stream that claims a position past the
    // end of the log means events were removed from the end.
    SqliteStatement streams(db, "SELECT id, name, version, last_position, last_time FROM streams");
    while (streams.step()) {
        const StreamSeen found = seen.value(streams.int64(0));
        const qint64 claimedVersion = streams.int64(2);
        const qint64 claimedPosition = streams.int64(3);
        if (claimedVersion == found.version && claimedPosition == found.lastPosition
            && (found.version < 0 || streams.int64(4) == found.lastTime))
            continue;
        const bool tailMissing = claimedPosition > r.checked;
        const qint64 where = tailMissing ? r.checked + 1 : std::max<qint64>({1, claimedPosition, found.lastPosition});
        QString message = QStringLiteral("position %1: stream '%2' records version %3 at position %4, but the log holds version %5 at position %6")
                              .arg(where)
                              .arg(streams.text(1))
                              .arg(claimedVersion)
                              .arg(claimedPosition)
                              .arg(found.version)
                              .arg(found.lastPosition);
        if (tailMissing)
            message += QStringLiteral(" (events after position %1 are missing)").arg(r.checked);
        return fail(where, message);
    }
    SqliteStatement types(db, "SELECT id, name, count FROM event_types");
    while (types.step()) {
        const qint64 counted = typeCounts.value(types.int64(0));
        if (types.int64(2) != counted)
            return fail(std::max<qint64>(1, r.checked), QStringLiteral("the summary of type '%1' records %2 events, but the log holds %3")
                                                            .arg(types.text(1))
                                                            .arg(types.int64(2))
                                                            .arg(counted));
    }
    if (progress)
        progress(r.checked, total);
    return r;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

Subscription::~Subscription()
{
    stop();
}

void Subscription::stop()
{
    m_stop = true;
    if (m_shared)
        m_shared->wakeAll();
    if (m_thread.joinable())
        m_thread.join();
}

QString Subscription::error() const
{
    std::lock_guard lock(m_errorMutex);
    return m_error;
}

void Subscription::setError(const QString &message)
{
    std::lock_guard lock(m_errorMutex);
    m_error = message;
}

std::unique_ptr<Subscription> EventStore::subscribe(qint64 afterPosition, std::function<void(const Event &)> onEvent,
                                                    std::function<void()> onCaughtUp, const EventQuery &filter) const
{
    std::unique_ptr<Subscription> sub(new Subscription());
    sub->m_shared = d->shared;
    sub->m_lastPosition = afterPosition;
    // The reading connection is opened here so that open errors reach the caller.
    std::shared_ptr<EventStore> reader = openAnother(OpenMode::ReadOnly);
    Subscription *s = sub.get();
    sub->m_thread = std::thread([s, reader, onEvent = std::move(onEvent), onCaughtUp = std::move(onCaughtUp), filter]() {
        qint64 cursor = s->m_lastPosition;
        try {
            while (!s->m_stop) {
                const quint64 seen = s->m_shared->commitCount();
                const qint64 head = reader->headPosition();
                while (cursor < head && !s->m_stop) {
                    EventQuery page = filter;
                    page.backward = false;
                    page.fromPosition = cursor + 1;
                    page.toPosition = head;
                    page.limit = kPageSize;
                    qint64 delivered = 0;
                    reader->forEach(page, [&](const Event &e) {
                        if (s->m_stop)
                            return false;
                        onEvent(e);
                        cursor = e.position;
                        s->m_lastPosition = cursor;
                        ++delivered;
                        return true;
                    });
                    if (s->m_stop)
                        break;
                    if (delivered < kPageSize) {
                        cursor = head;
                        s->m_lastPosition = cursor;
                    }
                }
                if (s->m_stop)
                    break;
                if (!s->m_live.exchange(true) && onCaughtUp)
                    onCaughtUp();
                // Woken by in-process commits; the timeout also picks up other processes' appends.
                s->m_shared->waitForCommit(seen, std::chrono::milliseconds(200));
            }
        } catch (const StoreError &e) {
            s->setError(e.message());
        } catch (const std::exception &e) {
            s->setError(QStringLiteral("subscriber failed: %1").arg(QString::fromUtf8(e.what())));
        }
    });
    return sub;
}

} // namespace eventlens
