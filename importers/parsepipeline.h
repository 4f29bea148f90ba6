#pragma once

#include "eventparser.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace eventlens {

// Runs a parser on its own thread and hands its records and issues to the importing thread in
// order, in chunks, through a bounded queue: parsing one part of a file overlaps with storing
// the part before. At most kMaxChunks chunks of kChunkRecords items wait at any time, so memory
// stays bounded whatever the size of the file.
class ParsePipeline final
{
public:
    struct Item
    {
        ImportRecord record; // when !isIssue
        ImportIssue issue;   // when isIssue
        IssueSeverity severity = IssueSeverity::Record;
        bool isIssue = false;
    };
    static constexpr size_t kChunkRecords = 512;
    static constexpr size_t kMaxChunks = 8;

    // Starts parsing `device` (used only by the parser thread until finish()).
    ParsePipeline(EventParser &parser, QIODevice &device, const QString &fileName, const std::atomic_bool *cancel);
    // Stops and joins the parser thread.
    ~ParsePipeline();
    ParsePipeline(const ParsePipeline &) = delete;
    ParsePipeline &operator=(const ParsePipeline &) = delete;

    // Waits for the next chunk; false when the parser has delivered everything.
    bool next(std::vector<Item> &chunk);
    // Bytes the parser has read so far.
    qint64 bytesRead() const { return m_bytesRead.load(std::memory_order_relaxed); }
    // Tells the parser to stop (the consumer needs no more), waits for it and returns its
    // result; rethrows what the parser thread threw.
    ParseResult finish();

private:
    // Tells the parser thread to stop, drops what it queued and joins it.
    void stop();
    void produce(Item &&item);
    void flush();

    EventParser &m_parser;
    QIODevice &m_device;
    QString m_fileName;
    const std::atomic_bool *m_cancel;

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::vector<Item>> m_chunks;
    bool m_done = false;
    std::atomic_bool m_stop = false;
    std::atomic<qint64> m_bytesRead = 0;
    std::vector<Item> m_building; // parser thread only
    ParseResult m_result;
    std::exception_ptr m_error;
    std::thread m_thread;
};

} // namespace eventlens
