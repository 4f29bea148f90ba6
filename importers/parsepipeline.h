#pragma once

#include "eventparser.h"
#include "eventstore.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

namespace eventlens {

// Runs a parser on its own thread and hands its records and issues to the importing thread in
// order, in chunks, through a bounded queue: parsing one part of a file overlaps with storing
// the part before. Each record is turned into a PreparedEvent on the parser thread (by the
// convert and prepare functions: the per-event work that does not need the store's
// connection), so that the importing thread has little left to do but write. At most kMaxChunks chunks of kChunkRecords
// items wait at any time, so memory stays bounded whatever the size of the file; the importing
// thread hands spent chunks back, and the parser thread clears and refills them.
class ParsePipeline final
{
public:
    // Where a record came from (one per event of a chunk, in the same order).
    struct RecordInfo
    {
        qint64 line = 0;
        qint64 index = 0;
        std::optional<qint64> version;
    };
    struct IssueItem
    {
        size_t before = 0; // the chunk's events that come before this issue
        ImportIssue issue;
        IssueSeverity severity = IssueSeverity::Record;
    };
    struct Chunk
    {
        std::vector<PreparedEvent> events;
        std::vector<RecordInfo> records; // parallel to events
        std::vector<IssueItem> issues;   // in order
        size_t items() const { return events.size() + issues.size(); }
        void clear();
    };
    // Turns a record into the event to append (parser thread).
    using ConvertFn = std::function<void(ImportRecord &&record, PreparedEvent &event)>;
    // Prepares the events of a chunk before it is handed over (parser thread).
    using PrepareFn = std::function<void(std::span<PreparedEvent> events)>;

    static constexpr size_t kChunkRecords = 512;
    static constexpr size_t kMaxChunks = 8;

    // Starts parsing `device` (used only by the parser thread until finish()).
    ParsePipeline(EventParser &parser, QIODevice &device, const QString &fileName, const std::atomic_bool *cancel,
                  ConvertFn convert, PrepareFn prepare);
    // Stops and joins the parser thread.
    ~ParsePipeline();
    ParsePipeline(const ParsePipeline &) = delete;
    ParsePipeline &operator=(const ParsePipeline &) = delete;

    // Waits for the next chunk; false when the parser has delivered everything. The chunk
    // passed in (the previous one) goes back to the parser thread to be reused.
    bool next(Chunk &chunk);
    // Bytes the parser has read so far.
    qint64 bytesRead() const { return m_bytesRead.load(std::memory_order_relaxed); }
    // Tells the parser to stop (the consumer needs no more), waits for it and returns its
    // result; rethrows what the parser thread threw.
    ParseResult finish();

private:
    // Tells the parser thread to stop, drops what it queued and joins it.
    void stop();
    void startChunk();
    void flush();

    EventParser &m_parser;
    QIODevice &m_device;
    QString m_fileName;
    const std::atomic_bool *m_cancel;
    ConvertFn m_convert;
    PrepareFn m_prepare;

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Chunk> m_chunks;
    std::vector<Chunk> m_spent; // handed back by next(), to be reused by the parser thread
    bool m_done = false;
    std::atomic_bool m_stop = false;
    std::atomic<qint64> m_bytesRead = 0;
    Chunk m_building; // parser thread only
    ParseResult m_result;
    std::exception_ptr m_error;
    std::thread m_thread;
};

} // namespace eventlens
