#pragma once

#include "event.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "statefunction.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace eventlens {

// What one event did to the state.
struct StateTransition
{
    qint64 version = -1;
    bool skipped = false;              // the event is skipped: after == before, no patch
    nlohmann::ordered_json before;     // the state after the previous event (initial state for the first)
    nlohmann::ordered_json after;      // the state after this event
    nlohmann::ordered_json patch;      // RFC 6902 patch from before to after (JsonPatch::diff)
    std::vector<JsonChange> changes;   // the same as a flat list, for highlighting
};

// One stream's events and its state at any version, through a StateFunction, with events that
// can be skipped (the state as if they had never happened).
//
// All events of the stream are held in memory with their data parsed once. States come from
// checkpoints: a copy of the state every K events (the checkpoint interval), so that any state
// costs at most K - 1 evolves plus a copy; stepping forward from the last state computed reuses
// it. The load computes every checkpoint. K is 256, or smaller when the state function is slow:
// the load times a few evolves and picks the largest power of two (at least 8) whose replay
// stays within about 8 ms. setCheckpointInterval() fixes it instead.
//
// Skips: a skipped event is not evolved. Changing a skip makes the checkpoints after that event
// stale; the next state asked for beyond them recomputes them lazily, from the last valid one
// on. While recomputing, a fresh checkpoint that comes out identical to the stale one in its
// place shows that the change no longer matters from there (typically once later events have
// overwritten what the skipped event set): the stale checkpoints after it are valid again and
// the replay stops there. So a skip usually costs one replay of K events; one whose effect
// never washes out (skipping the event that created a member nothing else sets) costs one
// replay from the event to the version asked for, once, and then the usual at most K evolves.
//
// Errors: when the state function throws at an event, stateAt() and transition() throw a
// StateError naming the event (version, type) for every state from that event on; states before
// it stay available, and skipping the event clears the error. Loading does not throw for it.
//
// Threads: not thread-safe; one thread at a time. stateAt() and transition() are const but fill
// the checkpoint cache, so two threads must not call them at the same time even on a const
// history. Handing a history over is fine: build it with load() on a worker thread and use it
// from the GUI thread once the worker has finished (the handover through a queued signal or a
// QFuture orders the memory). The state function is called from the calling thread.
class AggregateHistory
{
public:
    using Json = nlohmann::ordered_json;

    static constexpr int DefaultCheckpointInterval = 256;
    static constexpr int MinimumAdaptiveInterval = 8;

    // Reads the stream from the store (page by page; a missing stream gives an empty history)
    // and computes its checkpoints. progress(done, total) runs on a fixed scale (reading, then
    // the checkpoints) and returns false to cancel: the result is then null. Throws StoreError.
    static std::unique_ptr<AggregateHistory> load(const EventStore &store, const QString &stream,
                                                  std::shared_ptr<const StateFunction> function,
                                                  const ProgressFn &progress = {});
    // The same from events already read: one stream, versions ascending without gaps (the first
    // may be above 0; the state before it is the initial state). Throws std::invalid_argument
    // for events of several streams or with a gap in their versions.
    static std::unique_ptr<AggregateHistory> fromEvents(std::vector<Event> events,
                                                        std::shared_ptr<const StateFunction> function,
                                                        const ProgressFn &progress = {});

    AggregateHistory(const AggregateHistory &) = delete;
    AggregateHistory &operator=(const AggregateHistory &) = delete;
    ~AggregateHistory();

    QString stream() const { return m_stream; }
    const StateFunction &stateFunction() const { return *m_function; }
    qint64 count() const { return qint64(m_events.size()); }
    bool isEmpty() const { return m_events.empty(); }
    // Version of the first event (0 for a whole stream) and of the last (-1 when empty).
    qint64 firstVersion() const { return m_firstVersion; }
    qint64 lastVersion() const { return m_firstVersion + count() - 1; }
    bool hasVersion(qint64 version) const { return version >= m_firstVersion && version <= lastVersion(); }
    // Throws std::out_of_range when the version is not in the history.
    const Event &event(qint64 version) const;
    const std::vector<Event> &events() const { return m_events; }

    // The state after the event of `version`, firstVersion() - 1 giving the initial state.
    // Throws std::out_of_range outside [firstVersion() - 1, lastVersion()] and StateError when
    // the state function fails at or before that version.
    Json stateAt(qint64 version) const;
    // Before and after the event of `version`, with the difference. Throws like stateAt().
    StateTransition transition(qint64 version) const;

    // Skips (or restores) an event. Throws std::out_of_range for a version not in the history.
    void setSkipped(qint64 version, bool skipped);
    bool isSkipped(qint64 version) const;
    std::vector<qint64> skipped() const; // ascending
    void clearSkipped();

    int checkpointInterval() const { return m_interval; }
    // Fixes the interval (>= 1) and drops the checkpoints; they are recomputed lazily.
    void setCheckpointInterval(int events);
    // Computes every checkpoint not computed yet (what load() does; useful on a worker after
    // changing skips). Stops without throwing at an event whose evolve fails. Returns false
    // when progress cancelled.
    bool computeCheckpoints(const ProgressFn &progress = {});

    // Diagnostics: valid checkpoints (the initial state counts as one; all of them, n / K + 1,
    // once computed), and evolve calls made since the history was built.
    qint64 checkpointCount() const;
    qint64 evolveCount() const { return m_evolveCount; }

private:
    AggregateHistory(QString stream, std::shared_ptr<const StateFunction> function);
    bool ingest(std::vector<Event> &&page, qint64 total, const ProgressFn &progress);
    bool finishLoad(const ProgressFn &progress, qint64 total);
    size_t indexOf(qint64 version) const;
    void evolveAt(Json &state, size_t index) const;
    struct Checkpoint
    {
        Json state;               // the state after the first k * interval events...
        quint64 generation = 0;   // ...with the skips as they were at this generation
        bool present = false;
    };
    struct SkipChange
    {
        quint64 generation;       // the generation the change started
        size_t index;             // the event whose skip flag changed
    };

    // The lowest index >= from whose skip flag changed after `generation` (SIZE_MAX: none).
    size_t firstChangeAfter(quint64 generation, size_t from = 0) const;
    bool isValid(size_t k) const;
    // Makes checkpoint k valid (recomputing from the highest valid one below); throws
    // StateError when an evolve fails on the way.
    void ensureCheckpoint(size_t k) const;
    // The state after the first `applied` events.
    Json stateAfter(size_t applied) const;
    void chooseInterval();
    void resetCheckpoints();
    void skipChanged(size_t index);

    QString m_stream;
    std::shared_ptr<const StateFunction> m_function;
    std::vector<Event> m_events;
    std::vector<Json> m_data;          // each event's data, parsed (StateFunction::evolveInPlace)
    std::vector<quint8> m_skip;        // 1 when the event at that index is skipped
    qint64 m_skipCount = 0;
    qint64 m_firstVersion = 0;
    int m_interval = DefaultCheckpointInterval;
    bool m_intervalFixed = false;

    // Skip changes since the oldest checkpoint's generation, in order.
    quint64 m_generation = 0;
    std::vector<SkipChange> m_changes;

    // The cache, filled by const functions.
    mutable std::vector<Checkpoint> m_checkpoints; // n / interval + 1 slots
    mutable size_t m_cursorApplied = 0;      // the last state computed, after this many events
    mutable Json m_cursorState;
    mutable bool m_cursorValid = false;
    mutable qint64 m_evolveCount = 0;
};

} // namespace eventlens
