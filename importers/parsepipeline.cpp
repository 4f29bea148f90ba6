#include "parsepipeline.h"

#include <QIODevice>

namespace eventlens {

ParsePipeline::ParsePipeline(EventParser &parser, QIODevice &device, const QString &fileName, const std::atomic_bool *cancel)
    : m_parser(parser)
    , m_device(device)
    , m_fileName(fileName)
    , m_cancel(cancel)
{
    m_building.reserve(kChunkRecords);
    m_thread = std::thread([this] {
        ParseResult result;
        std::exception_ptr error;
        try {
            const RecordFn onRecord = [this](ImportRecord &&record) {
                Item item;
                item.record = std::move(record);
                produce(std::move(item));
                return !m_stop.load(std::memory_order_relaxed);
            };
            const IssueFn onIssue = [this](const ImportIssue &issue, IssueSeverity severity) {
                Item item;
                item.issue = issue;
                item.severity = severity;
                item.isIssue = true;
                produce(std::move(item));
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

void ParsePipeline::produce(Item &&item)
{
    m_building.push_back(std::move(item));
    if (m_building.size() >= kChunkRecords)
        flush();
}

void ParsePipeline::flush()
{
    if (m_building.empty())
        return;
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return m_chunks.size() < kMaxChunks || m_stop.load(); });
    if (m_stop.load()) {
        m_building.clear();
        return;
    }
    m_chunks.push_back(std::move(m_building));
    m_building = {};
    m_building.reserve(kChunkRecords);
    m_changed.notify_all();
}

bool ParsePipeline::next(std::vector<Item> &chunk)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_chunks.empty() || m_done; });
    if (m_chunks.empty())
        return false;
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
