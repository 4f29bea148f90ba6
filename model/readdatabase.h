#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace eventlens {

class SqliteDb;
class SqliteStatement;

// One entry of a read model: a partition of its projection and the partition's value.
struct ReadEntry
{
    QString key;          // the partition ("" for an unpartitioned projection)
    QByteArray value;     // compact JSON text
    qint64 position = 0;  // the last event that changed it (see Projector)

    nlohmann::ordered_json json() const; // value parsed (null when it is not JSON)
    bool operator==(const ReadEntry &other) const = default;
};

// A row of read_models: what a projector last wrote for one model.
struct ReadModelRecord
{
    QString name;
    QString scriptSha256;       // hex SHA-256 of the script the entries were computed with
    QString script;             // that script (so that a user's model can be run again by name)
    QString fileName;           // the script's file name, for error messages
    qint64 checkpoint = 0;      // the entries reflect every event up to this position
    qint64 checkpointTimeMs = 0; // time of the event at the checkpoint (0: none)
    QString checkpointEventId;  // id of that event (a store replaced under the read db is noticed)
    qint64 updatedAtMs = 0;     // wall clock of the last write
};

// A filter of ReadDatabase::query(): `field op value` on an entry's JSON value.
//
// field: a dotted path into the value ("owner", "address.city"; a number is an array index:
// "items.0.sku"), or $key / $position for the entry's key and position.
// op: = != < <= > >= and ~ (contains, case-insensitive, on the field's text; objects and arrays
// as their JSON text).
// value: a number compares numerically with numeric fields (and with = and != also textually
// with text fields); true, false and null match JSON booleans and null (= and != only); text in
// double quotes is a string even when it looks like a number ("\"42\""); anything else is a
// string, compared with text fields by code points (case-sensitive). A field the value does not
// have never matches (not even !=).
struct ReadFilter
{
    enum class Op { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, Contains };
    enum class Kind { Number, String, Boolean, Null };

    QString field;
    Op op = Op::Equal;
    QString value;        // the text as given (quotes removed for a quoted string)
    Kind kind = Kind::String;
    double number = 0;    // Kind::Number
    bool boolean = false; // Kind::Boolean

    // "balance>100", "status = open", "owner~ann", "items.0.sku=SKU-1". nullopt and *error when
    // the text is not a filter.
    static std::optional<ReadFilter> parse(const QString &text, QString *error = nullptr);
    static QString opText(Op op); // "=", "!=", ...
    QString toString() const;
};

// The read database: where projectors keep read models, in a SQLite file of its own next to the
// event store (DESIGN.md: a real deployment's separate read store). Everything in it can be
// rebuilt from the log, so it is written without fsync on every commit (WAL,
// synchronous=NORMAL): a power cut may lose the last commits, never consistency, and a projector
// then simply catches up again from its (older) checkpoint.
//
// Tables: read_models(name, script_sha256, script, file_name, checkpoint, checkpoint_time_ms,
// checkpoint_event_id, updated_at_ms), entries(model, key, value JSON, position) WITHOUT ROWID,
// and projector_states(model, position, state): the projection's own checkpoint (kept apart so
// that the frequent checkpoint updates of read_models never rewrite a big blob).
//
// Opening a file that is not a read database (an event store, any other SQLite file or any other
// file) fails with a StoreError and leaves the file untouched: its header is checked before
// SQLite opens it. A ReadDatabase is one connection, used by one thread at a time; every thread
// opens its own.
class ReadDatabase final
{
public:
    enum class OpenMode { ReadWrite, ReadOnly };
    static constexpr int ApplicationId = 0x45565244; // "EVRD"
    static constexpr int SchemaVersion = 1;

    // The default read database of a store: the store's path + ".read".
    static QString defaultPath(const QString &storePath);
    // Deletes a read database and SQLite's side files; true when no file is left.
    static bool removeFiles(const QString &path);

    // ReadWrite creates the file when missing (or empty). ReadOnly fails when it is missing.
    // Throws StoreError.
    explicit ReadDatabase(const QString &path, OpenMode mode = OpenMode::ReadWrite);
    ~ReadDatabase();
    ReadDatabase(const ReadDatabase &) = delete;
    ReadDatabase &operator=(const ReadDatabase &) = delete;

    QString path() const;
    bool isReadOnly() const;

    // ---- queries
    // One entry by key, on a cached prepared statement.
    std::optional<ReadEntry> get(const QString &model, const QString &key);
    // The entries matching every filter, in key order; at most limit (-1: all).
    std::vector<ReadEntry> query(const QString &model, const std::vector<ReadFilter> &filters, qint64 limit = -1);
    qint64 entryCount(const QString &model);
    std::vector<ReadEntry> entries(const QString &model); // all of them, in key order
    std::optional<ReadModelRecord> model(const QString &name);
    std::vector<ReadModelRecord> models(); // by name

    // ---- writes (projectors)
    // BEGIN IMMEDIATE ... COMMIT. Destroying an uncommitted transaction rolls it back.
    class Transaction
    {
    public:
        ~Transaction();
        Transaction(Transaction &&other) noexcept;
        Transaction &operator=(Transaction &&) = delete;
        void commit();

    private:
        friend class ReadDatabase;
        explicit Transaction(ReadDatabase *db);
        ReadDatabase *m_db;
    };
    Transaction begin();

    // Creates or updates the model's row with this script, keeping its checkpoint.
    void registerModel(const QString &name, const QString &scriptSha256, const QString &script, const QString &fileName);
    // Drops the model's entries and saved state, sets its checkpoint to 0 and its script.
    void resetModel(const QString &name, const QString &scriptSha256, const QString &script, const QString &fileName);
    // Drops everything of the model, its row included.
    void dropModel(const QString &name);
    // Inserts or replaces an entry: true when it was new.
    bool putEntry(const QString &model, const QString &key, QByteArrayView valueJson, qint64 position);
    // true when it existed.
    bool removeEntry(const QString &model, const QString &key);
    void setCheckpoint(const QString &model, qint64 position, qint64 timeMs, const QString &eventId);

    struct SavedState
    {
        qint64 position = 0;
        QByteArray state; // Projection::checkpoint()
    };
    void saveState(const QString &model, qint64 position, const QByteArray &state);
    std::optional<SavedState> loadState(const QString &model);

private:
    void exec(const char *sql);
    SqliteStatement &statement(std::unique_ptr<SqliteStatement> &slot, const char *sql);

    QString m_path;
    bool m_readOnly = false;
    std::unique_ptr<SqliteDb> m_db;
    std::unique_ptr<SqliteStatement> m_get;
    std::unique_ptr<SqliteStatement> m_insert;
    std::unique_ptr<SqliteStatement> m_update;
    std::unique_ptr<SqliteStatement> m_delete;
    std::unique_ptr<SqliteStatement> m_checkpoint;
};

} // namespace eventlens
