#pragma once

#include <QString>

#include <memory>

namespace eventlens {

class EventStore;

// Builds a new store out of sight and moves it into place only when it is complete, the way a
// bulk import into a new store should work: the events are written to a hidden file next to the
// target without a journal on disk and without fsync; finish() makes the file durable, switches
// it to WAL mode and renames it to the target (never replacing an existing file). Until then
// there is no store at the target path, so a failure or a crash can never leave a half-written
// store there; a builder destroyed without finish() deletes its file. (A crash leaves the hidden
// ".NAME.building-*" file behind, which is safe to delete.)
class StoreBuilder final
{
public:
    // Throws StoreError when the target exists or its folder is not writable.
    explicit StoreBuilder(const QString &targetPath);
    ~StoreBuilder();
    StoreBuilder(const StoreBuilder &) = delete;
    StoreBuilder &operator=(const StoreBuilder &) = delete;

    // The store being built; write to it with a batch, which must be committed before finish().
    EventStore &store();
    QString targetPath() const { return m_target; }
    QString buildPath() const { return m_temp; }

    // Makes the store durable and moves it to the target path. Throws StoreError: while a batch
    // is open (nothing changes), or when the store cannot be moved into place (the target is
    // left untouched and the build file removed).
    void finish();

private:
    QString m_target;
    QString m_temp;
    std::unique_ptr<EventStore> m_store;
    bool m_finished = false;
};

} // namespace eventlens
