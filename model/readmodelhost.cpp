#include "readmodelhost.h"

#include "eventstore.h"
#include "projection.h"
#include "timeutil.h"

#include <QMetaObject>

#include <algorithm>

namespace eventlens {

namespace {
constexpr int kFlushIntervalMs = 100; // statusChanged at most ~10 times per second
constexpr size_t kPoolSize = 16;      // idle query connections kept
} // namespace

ReadModelHost::ReadModelHost(const EventStore &store, const QString &readDbPath, QObject *parent)
    : ReadModelHost(store, readDbPath, Projector::Options(), parent)
{
}

ReadModelHost::ReadModelHost(const EventStore &store, const QString &readDbPath, const Projector::Options &options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_readDbPath(readDbPath.isEmpty() ? ReadDatabase::defaultPath(store.path()) : readDbPath)
    , m_options(options)
    , m_delayMs(std::max(0, options.delayMs))
{
    m_admin = std::make_unique<ReadDatabase>(m_readDbPath);
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &ReadModelHost::flush);
    for (const ReadModelDefinition &d : ReadModelDefinition::bundledModels())
        addProjector(d);
    // The user's models come back with the read database.
    for (const ReadModelRecord &r : m_admin->models()) {
        if (ReadModelDefinition::bundledModel(r.name) || r.script.isEmpty() || !ReadModelDefinition::isValidName(r.name))
            continue;
        addProjector(ReadModelDefinition::fromScript(r.name, r.script, r.fileName));
    }
}

ReadModelHost::~ReadModelHost()
{
    {
        std::lock_guard lock(m_dirtyMutex);
        m_closing = true;
    }
    stop();
    std::lock_guard lock(m_slotsMutex);
    m_slots.clear();
}

QString ReadModelHost::readDbPath() const
{
    return m_readDbPath;
}

void ReadModelHost::addProjector(const ReadModelDefinition &definition)
{
    Projector::Options options = m_options;
    options.delayMs = m_delayMs;
    auto projector = std::make_unique<Projector>(m_store, definition, m_readDbPath, options);
    const QString name = definition.name;
    projector->setStatusCallback([this, name] { noteChanged(name); });
    std::lock_guard lock(m_slotsMutex);
    m_slots.push_back({definition, std::move(projector)});
}

Projector *ReadModelHost::projector(const QString &name) const
{
    std::lock_guard lock(m_slotsMutex);
    for (const Slot &s : m_slots) {
        if (s.definition.name == name)
            return s.projector.get();
    }
    return nullptr;
}

void ReadModelHost::start()
{
    m_started = true;
    std::lock_guard lock(m_slotsMutex);
    for (Slot &s : m_slots)
        s.projector->start();
}

void ReadModelHost::stop()
{
    m_started = false;
    std::vector<Projector *> projectors;
    {
        std::lock_guard lock(m_slotsMutex);
        for (Slot &s : m_slots)
            projectors.push_back(s.projector.get());
    }
    // One after the other: each commits what it has fed and saves its state.
    for (Projector *p : projectors)
        p->stop();
}

bool ReadModelHost::isStarted() const
{
    return m_started;
}

QStringList ReadModelHost::names() const
{
    std::lock_guard lock(m_slotsMutex);
    QStringList bundled;
    QStringList user;
    for (const Slot &s : m_slots)
        (s.definition.bundled ? bundled : user).append(s.definition.name);
    user.sort();
    return bundled + user;
}

std::optional<ReadModelDefinition> ReadModelHost::definition(const QString &name) const
{
    std::lock_guard lock(m_slotsMutex);
    for (const Slot &s : m_slots) {
        if (s.definition.name == name)
            return s.definition;
    }
    return std::nullopt;
}

bool ReadModelHost::addModel(const ReadModelDefinition &definition, QString *error)
{
    QString ignored;
    QString &why = error ? *error : ignored;
    if (!ReadModelDefinition::isValidName(definition.name)) {
        why = QStringLiteral("'%1' is not a valid read model name (letters, digits, '_', '-', '.'; at most 64)").arg(definition.name);
        return false;
    }
    if (projector(definition.name)) {
        why = QStringLiteral("a read model named '%1' exists already").arg(definition.name);
        return false;
    }
    if (const std::optional<ProjectionError> e = Projection::check(definition.script)) {
        why = definition.fileName + QStringLiteral(": ") + e->toString();
        return false;
    }
    ReadModelDefinition d = definition;
    d.bundled = false;
    if (d.title.isEmpty())
        d.title = d.name;
    m_admin->registerModel(d.name, d.scriptSha256(), d.script, d.fileName);
    addProjector(d);
    if (m_started) {
        if (Projector *p = projector(d.name))
            p->start();
    }
    emit modelsChanged();
    return true;
}

bool ReadModelHost::removeModel(const QString &name)
{
    std::unique_ptr<Projector> removed;
    {
        std::lock_guard lock(m_slotsMutex);
        const auto it = std::find_if(m_slots.begin(), m_slots.end(), [&](const Slot &s) { return s.definition.name == name; });
        if (it == m_slots.end() || it->definition.bundled)
            return false;
        removed = std::move(it->projector);
        m_slots.erase(it);
    }
    removed.reset(); // stops it
    m_admin->dropModel(name);
    {
        std::lock_guard lock(m_dirtyMutex);
        m_dirty.remove(name);
    }
    emit modelsChanged();
    return true;
}

std::optional<ProjectorStatus> ReadModelHost::status(const QString &name) const
{
    std::lock_guard lock(m_slotsMutex);
    for (const Slot &s : m_slots) {
        if (s.definition.name == name)
            return s.projector->status();
    }
    return std::nullopt;
}

std::vector<ProjectorStatus> ReadModelHost::statuses() const
{
    std::lock_guard lock(m_slotsMutex);
    std::vector<ProjectorStatus> out;
    for (const Slot &s : m_slots)
        out.push_back(s.projector->status());
    return out;
}

bool ReadModelHost::rebuild(const QString &name)
{
    Projector *p = projector(name);
    if (!p)
        return false;
    p->rebuild();
    return true;
}

void ReadModelHost::setDelay(int msPerEvent)
{
    m_delayMs = std::max(0, msPerEvent);
    std::lock_guard lock(m_slotsMutex);
    for (Slot &s : m_slots)
        s.projector->setDelay(m_delayMs);
}

int ReadModelHost::delay() const
{
    return m_delayMs;
}

bool ReadModelHost::waitUntilCaughtUp(const QString &name, qint64 position, std::chrono::milliseconds timeout)
{
    Projector *p = projector(name);
    return p && p->waitUntilCaughtUp(position, timeout);
}

// ---- status signals (coalesced) -------------------------------------------------------------

void ReadModelHost::noteChanged(const QString &name)
{
    {
        std::lock_guard lock(m_dirtyMutex);
        if (m_closing)
            return;
        m_dirty.insert(name);
        if (m_flushScheduled)
            return;
        m_flushScheduled = true;
    }
    QMetaObject::invokeMethod(this, &ReadModelHost::scheduleFlush, Qt::QueuedConnection);
}

void ReadModelHost::scheduleFlush()
{
    if (m_flushTimer.isActive())
        return;
    const qint64 since = timeutil::nowMs() - m_lastFlushMs;
    m_flushTimer.start(int(std::clamp<qint64>(kFlushIntervalMs - since, 0, kFlushIntervalMs)));
}

void ReadModelHost::flush()
{
    QSet<QString> dirty;
    {
        std::lock_guard lock(m_dirtyMutex);
        dirty.swap(m_dirty);
        m_flushScheduled = false;
    }
    m_lastFlushMs = timeutil::nowMs();
    QStringList names(dirty.cbegin(), dirty.cend());
    names.sort();
    for (const QString &name : std::as_const(names))
        emit statusChanged(name);
}

// ---- queries --------------------------------------------------------------------------------

std::unique_ptr<ReadDatabase> ReadModelHost::acquire() const
{
    {
        std::lock_guard lock(m_poolMutex);
        if (!m_pool.empty()) {
            std::unique_ptr<ReadDatabase> db = std::move(m_pool.back());
            m_pool.pop_back();
            return db;
        }
    }
    return std::make_unique<ReadDatabase>(m_readDbPath, ReadDatabase::OpenMode::ReadOnly);
}

void ReadModelHost::release(std::unique_ptr<ReadDatabase> db) const
{
    std::lock_guard lock(m_poolMutex);
    if (m_pool.size() < kPoolSize)
        m_pool.push_back(std::move(db));
}

std::optional<ReadEntry> ReadModelHost::get(const QString &model, const QString &key) const
{
    std::unique_ptr<ReadDatabase> db = acquire();
    std::optional<ReadEntry> out = db->get(model, key);
    release(std::move(db));
    return out;
}

std::vector<ReadEntry> ReadModelHost::query(const QString &model, const std::vector<ReadFilter> &filters, qint64 limit) const
{
    std::unique_ptr<ReadDatabase> db = acquire();
    std::vector<ReadEntry> out = db->query(model, filters, limit);
    release(std::move(db));
    return out;
}

} // namespace eventlens
