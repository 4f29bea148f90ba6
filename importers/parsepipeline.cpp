#include "parsepipeline.h"

#include <QIODevice>

namespace eventlens {

void ParsePipeline::Chunk::clear()
{
    events.clear();
    records.clear();
    issues.clear();
}

ParsePipeline::ParsePipeline(EventParser &parser, QIODevice &device, const QString &fileName, const std::atomic_bool *cancel,
                             ConvertFn convert, PrepareFn prepare)
    : m_parser(parser)
    , m_device(device)
    , m_fileName(fileName)
    , m_cancel(cancel)
    , m_convert(std::move(convert))
    , m_prepare(std::move(prepare))
{
    startChunk();
    m_thread = std::thread([this] {
        ParseResult result;
        std::exception_ptr error;
        try {
            const RecordFn onRecord = [this](ImportRecord &&record) {
                m_building.records.push_back(RecordInfo{record.line, record.index, record.version});
                m_convert(std::move(record), m_building.events.emplace_back());
                if (m_building.items() >= kChunkRecords)
                    flush();
                return !m_stop.load(std::memory_order_relaxed);
            };
            const IssueFn onIssue = [this](const ImportIssue &issue, IssueSeverity severity) {
                m_building.issues.push_back(IssueItem{m_building.events.size(), issue, severity});
                if (m_building.items() >= kChunkRecords)
                    flush();
                return !m_stop.load(std::memory_order_relaxed);
            };
            const ParseProgressFn progress = [this](qint64 bytesRead, qint64) {
                m_bytesRead.store(bytesRead, std::memory_order_relaxed);
            };
            result = m_parser.parse(m_device, m_fileName, onRecord, onIssue, progress, m_cancel);
            flush();
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(m_mutex);
        m_result = result;
        m_error = error;
        m_done = true;
        m_changed.notify_all();
    });
}

ParsePipeline::~ParsePipeline()
{
    stop();
}

void ParsePipeline::stop()
{
    if (!m_thread.joinable())
        return;
    m_stop = true;
    {
        std::lock_guard lock(m_mutex);
        m_chunks.clear();
        m_changed.notify_all();
    }
    m_thread.join();
}

// Parser thread: takes a spent chunk when there is one (its events are destroyed here, not on
// the importing thread, and its vectors keep their capacity).
void ParsePipeline::startChunk()
{
    Chunk chunk;
    {
        std::lock_guard lock(m_mutex);
        if (!m_spent.empty()) {
            chunk = std::move(m_spent.back());
            m_spent.pop_back();
        }
    }
    chunk.clear();
    m_building = std::move(chunk);
    m_building.events.reserve(kChunkRecords);
    m_building.records.reserve(kChunkRecords);
}

void ParsePipeline::flush()
{
    if (m_building.items() == 0)
        return;
    if (m_prepare && !m_building.events.empty())
        m_prepare(std::span<PreparedEvent>(m_building.events));
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_chunks.size() < kMaxChunks || m_stop.load(); });
        if (m_stop.load()) {
            lock.unlock();
            m_building.clear();
            return;
        }
        m_chunks.push_back(std::move(m_building));
        m_changed.notify_all();
    }
    startChunk();
}

bool ParsePipeline::next(Chunk &chunk)
{
    std::unique_lock lock(m_mutex);
    if (chunk.items() > 0 && m_spent.size() < 2)
        m_spent.push_back(std::move(chunk));
    m_changed.wait(lock, [this] { return !m_chunks.empty() || m_done; });
    if (m_chunks.empty()) {
        chunk = {};
        return false;
    }
    chunk = std::move(m_chunks.front());
    m_chunks.pop_front();
    m_changed.notify_all();
    return true;
}

ParseResult ParsePipeline::finish()
{
    stop();
    if (m_error)
        std::rethrow_exception(std::exchange(m_error, nullptr));
    return m_result;
}

} // namespace eventlens
