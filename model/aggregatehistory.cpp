#include "aggregatehistory.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace eventlens {

namespace {

constexpr qint64 ReadPageSize = 4096;
constexpr qint64 ProgressEvery = 4096; // events between two progress reports
// The adaptive interval keeps a replay between two checkpoints within this time.
constexpr double ReplayBudgetMs = 8.0;
constexpr size_t TimedEvolves = 64;

std::string describe(const QString &text)
{
    return text.toStdString();
}

// Equal and alike: the same types (1 and 1.0 differ) and the same member order, so that
// continuing from one or the other gives the same states to the byte.
bool strictlyEqual(const nlohmann::ordered_json &a, const nlohmann::ordered_json &b)
{
    if (a.type() != b.type())
        return false;
    if (a.is_object()) {
        if (a.size() != b.size())
            return false;
        for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
            if (x.key() != y.key() || !strictlyEqual(x.value(), y.value()))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i) {
            if (!strictlyEqual(a[i], b[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

} // namespace

AggregateHistory::AggregateHistory(QString stream, std::shared_ptr<const StateFunction> function)
    : m_stream(std::move(stream)), m_function(std::move(function))
{
    if (!m_function)
        throw std::invalid_argument("AggregateHistory: no state function");
}

AggregateHistory::~AggregateHistory() = default;

std::unique_ptr<AggregateHistory> AggregateHistory::load(const EventStore &store, const QString &stream,
                                                         std::shared_ptr<const StateFunction> function,
                                                         const ProgressFn &progress)
{
    std::unique_ptr<AggregateHistory> history(new AggregateHistory(stream, std::move(function)));
    const qint64 total = std::max<qint64>(store.streamVersion(stream) + 1, 0);
    history->m_events.reserve(size_t(total));
    history->m_data.reserve(size_t(total));
    qint64 from = 0;
    for (;;) {
        std::vector<Event> page = store.readStream(stream, from, ReadPageSize);
        const auto read = qint64(page.size());
        if (!history->ingest(std::move(page), total, progress))
            return nullptr;
        if (read < ReadPageSize)
            break;
        from = history->lastVersion() + 1;
    }
    if (!history->finishLoad(progress, total))
        return nullptr;
    return history;
}

std::unique_ptr<AggregateHistory> AggregateHistory::fromEvents(std::vector<Event> events,
                                                               std::shared_ptr<const StateFunction> function,
                                                               const ProgressFn &progress)
{
    QString stream = events.empty() ? QString() : events.front().stream;
    std::unique_ptr<AggregateHistory> history(new AggregateHistory(std::move(stream), std::move(function)));
    const auto total = qint64(events.size());
    if (!history->ingest(std::move(events), total, progress) || !history->finishLoad(progress, total))
        return nullptr;
    return history;
}

bool AggregateHistory::ingest(std::vector<Event> &&page, qint64 total, const ProgressFn &progress)
{
    if (m_events.capacity() < m_events.size() + page.size()) {
        m_events.reserve(m_events.size() + page.size());
        m_data.reserve(m_events.size() + page.size());
    }
    for (Event &event : page) {
        if (event.stream != m_stream)
            throw std::invalid_argument(describe(QStringLiteral("AggregateHistory: event at position %1 is in stream '%2', not '%3'")
                                                     .arg(QString::number(event.position), event.stream, m_stream)));
        if (m_events.empty()) {
            m_firstVersion = event.version;
        } else if (event.version != lastVersion() + 1) {
            throw std::invalid_argument(describe(QStringLiteral("AggregateHistory: stream '%1' has version %2 after %3 (versions must follow each other)")
                                                     .arg(m_stream, QString::number(event.version), QString::number(lastVersion()))));
        }
        m_data.push_back(StateFunction::parsedData(event));
        m_events.push_back(std::move(event));
        const auto done = qint64(m_events.size());
        if (progress && done % ProgressEvery == 0 && !progress(std::min(done, total), 2 * total))
            return false;
    }
    return true;
}

bool AggregateHistory::finishLoad(const ProgressFn &progress, qint64 total)
{
    m_skip.assign(m_events.size(), 0);
    chooseInterval();
    resetCheckpoints();
    const ProgressFn second = progress ? ProgressFn([&](qint64 done, qint64) {
        return progress(std::min(total + done, 2 * total), 2 * total);
    })
                                       : ProgressFn();
    if (!computeCheckpoints(second))
        return false;
    if (progress && !progress(2 * total, 2 * total))
        return false;
    return true;
}

void AggregateHistory::chooseInterval()
{
    if (m_intervalFixed)
        return;
    m_interval = DefaultCheckpointInterval;
    const size_t sample = std::min(m_events.size(), TimedEvolves);
    if (sample < 8)
        return;
    Json state = m_function->initialState();
    const auto start = std::chrono::steady_clock::now();
    try {
        for (size_t i = 0; i < sample; ++i)
            evolveAt(state, i);
    } catch (const StateError &) {
        return; // reported when that state is asked for
    }
    const double perEvolveMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / double(sample);
    int interval = DefaultCheckpointInterval;
    while (interval > MinimumAdaptiveInterval && double(interval) * perEvolveMs > ReplayBudgetMs)
        interval /= 2;
    m_interval = interval;
}

const Event &AggregateHistory::event(qint64 version) const
{
    return m_events[indexOf(version)];
}

size_t AggregateHistory::indexOf(qint64 version) const
{
    if (!hasVersion(version))
        throw std::out_of_range(describe(QStringLiteral("version %1 is not in the history of stream '%2' (versions %3 to %4)")
                                             .arg(QString::number(version), m_stream, QString::number(m_firstVersion),
                                                  QString::number(lastVersion()))));
    return size_t(version - m_firstVersion);
}

void AggregateHistory::evolveAt(Json &state, size_t index) const
{
    if (m_skip[index])
        return;
    ++m_evolveCount;
    const Event &event = m_events[index];
    try {
        m_function->evolveInPlace(state, event, m_data[index]);
    } catch (const StateError &e) {
        throw StateError(QStringLiteral("event %1 (%2): %3").arg(QString::number(event.version), event.type, e.message()), event.version);
    } catch (const std::exception &e) {
        throw StateError(QStringLiteral("event %1 (%2): %3").arg(QString::number(event.version), event.type, QString::fromUtf8(e.what())),
                         event.version);
    }
}

size_t AggregateHistory::firstChangeAfter(quint64 generation, size_t from) const
{
    size_t first = SIZE_MAX;
    for (auto it = m_changes.rbegin(); it != m_changes.rend() && it->generation > generation; ++it) {
        if (it->index >= from)
            first = std::min(first, it->index);
    }
    return first;
}

bool AggregateHistory::isValid(size_t k) const
{
    // A skip change at index i matters to the checkpoints after it: those with k * interval > i.
    const Checkpoint &cp = m_checkpoints[k];
    return cp.present && firstChangeAfter(cp.generation) >= k * size_t(m_interval);
}

qint64 AggregateHistory::checkpointCount() const
{
    qint64 valid = 0;
    for (size_t k = 0; k < m_checkpoints.size(); ++k)
        valid += isValid(k) ? 1 : 0;
    return valid;
}

void AggregateHistory::ensureCheckpoint(size_t k) const
{
    if (isValid(k))
        return;
    const auto interval = size_t(m_interval);
    size_t m = k;
    while (!isValid(m)) // checkpoint 0, the initial state, is always valid
        --m;
    Json state = m_checkpoints[m].state;
    while (m < k) {
        for (size_t applied = m * interval, end = applied + interval; applied < end; ++applied)
            evolveAt(state, applied);
        const size_t j = m + 1;
        Checkpoint &cp = m_checkpoints[j];
        if (cp.present && strictlyEqual(cp.state, state)) {
            // Converged: the stale checkpoint j (computed with the skips of generation `stale`)
            // is what the current skips give. So is every stale checkpoint after it of that
            // generation, up to the first event whose skip changed since then at or after j.
            const quint64 stale = cp.generation;
            const size_t changed = firstChangeAfter(stale, j * interval);
            cp.generation = m_generation;
            for (size_t next = j + 1; next < m_checkpoints.size() && next * interval <= changed; ++next) {
                Checkpoint &later = m_checkpoints[next];
                if (!later.present || later.generation != stale)
                    break;
                later.generation = m_generation;
            }
            size_t top = k;
            while (top > j && !isValid(top))
                --top;
            if (top != j)
                state = m_checkpoints[top].state;
            m = top;
        } else {
            cp.state = state;
            cp.generation = m_generation;
            cp.present = true;
            m = j;
        }
    }
}

AggregateHistory::Json AggregateHistory::stateAfter(size_t applied) const
{
    const auto interval = size_t(m_interval);
    const size_t k = applied / interval;
    ensureCheckpoint(k);
    const Json *start = &m_checkpoints[k].state;
    size_t from = k * interval;
    if (m_cursorValid && m_cursorApplied <= applied && m_cursorApplied > from) {
        start = &m_cursorState;
        from = m_cursorApplied;
    }
    Json state = *start;
    for (size_t i = from; i < applied; ++i)
        evolveAt(state, i);
    m_cursorState = state;
    m_cursorApplied = applied;
    m_cursorValid = true;
    return state;
}

AggregateHistory::Json AggregateHistory::stateAt(qint64 version) const
{
    if (version == m_firstVersion - 1)
        return stateAfter(0);
    return stateAfter(indexOf(version) + 1);
}

StateTransition AggregateHistory::transition(qint64 version) const
{
    const size_t index = indexOf(version);
    StateTransition t;
    t.version = version;
    t.skipped = m_skip[index] != 0;
    t.before = stateAfter(index);
    t.after = t.before;
    if (!t.skipped)
        evolveAt(t.after, index);
    m_cursorState = t.after;
    m_cursorApplied = index + 1;
    m_cursorValid = true;
    t.patch = JsonPatch::diff(t.before, t.after, &t.changes);
    return t;
}

void AggregateHistory::resetCheckpoints()
{
    m_checkpoints.assign(m_events.size() / size_t(m_interval) + 1, Checkpoint());
    m_checkpoints[0] = Checkpoint{m_function->initialState(), m_generation, true};
    m_changes.clear(); // no checkpoint is older than the current generation
}

void AggregateHistory::skipChanged(size_t index)
{
    ++m_generation;
    m_changes.push_back({m_generation, index});
    if (m_cursorValid && m_cursorApplied > index)
        m_cursorValid = false;
    // Forget the changes no checkpoint can be older than.
    if (m_changes.size() > 256) {
        quint64 oldest = m_generation;
        for (const Checkpoint &cp : m_checkpoints) {
            if (cp.present)
                oldest = std::min(oldest, cp.generation);
        }
        std::erase_if(m_changes, [oldest](const SkipChange &c) { return c.generation <= oldest; });
    }
}

void AggregateHistory::setSkipped(qint64 version, bool skipped)
{
    const size_t index = indexOf(version);
    if ((m_skip[index] != 0) == skipped)
        return;
    m_skip[index] = skipped ? 1 : 0;
    m_skipCount += skipped ? 1 : -1;
    skipChanged(index);
}

bool AggregateHistory::isSkipped(qint64 version) const
{
    return m_skip[indexOf(version)] != 0;
}

std::vector<qint64> AggregateHistory::skipped() const
{
    std::vector<qint64> result;
    result.reserve(size_t(m_skipCount));
    for (size_t i = 0; i < m_skip.size() && qint64(result.size()) < m_skipCount; ++i) {
        if (m_skip[i])
            result.push_back(m_firstVersion + qint64(i));
    }
    return result;
}

void AggregateHistory::clearSkipped()
{
    for (size_t i = 0; i < m_skip.size() && m_skipCount > 0; ++i) {
        if (m_skip[i]) {
            m_skip[i] = 0;
            --m_skipCount;
            skipChanged(i);
        }
    }
}

void AggregateHistory::setCheckpointInterval(int events)
{
    if (events < 1)
        throw std::invalid_argument("AggregateHistory: the checkpoint interval must be at least 1");
    m_intervalFixed = true;
    if (events == m_interval)
        return;
    m_interval = events;
    resetCheckpoints();
}

bool AggregateHistory::computeCheckpoints(const ProgressFn &progress)
{
    const auto interval = size_t(m_interval);
    const size_t perStep = std::max<size_t>(1, size_t(ProgressEvery) / interval);
    const auto total = qint64(m_events.size());
    try {
        for (size_t k = 1; k < m_checkpoints.size(); ++k) {
            ensureCheckpoint(k);
            if (progress && (k % perStep == 0 || k + 1 == m_checkpoints.size())
                && !progress(std::min(total, qint64(k * interval)), total))
                return false;
        }
    } catch (const StateError &) {
        // Stops here: stateAt() reports the error for the states that need this event.
    }
    return true;
}

} // namespace eventlens
