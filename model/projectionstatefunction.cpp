#include "projectionstatefunction.h"

#include "projection.h"
#include "stateerror.h"

#include <QThread>

namespace eventlens {

ProjectionStateFunction::ProjectionStateFunction(const QString &script, const QString &name)
    : m_script(script)
    , m_name(name.isEmpty() ? QStringLiteral("Projection") : name)
{
    if (const std::optional<ProjectionError> error = projection().error())
        throw StateError(error->toString());
}

ProjectionStateFunction::~ProjectionStateFunction() = default;

QString ProjectionStateFunction::name() const
{
    return m_name;
}

Projection &ProjectionStateFunction::projection() const
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    std::unique_ptr<Projection> &slot = m_projections[QThread::currentThread()];
    if (!slot)
        slot = std::make_unique<Projection>(m_script, m_name);
    return *slot;
}

StateFunction::Json ProjectionStateFunction::initialState() const
{
    return projection().initialState();
}

StateFunction::Json ProjectionStateFunction::evolve(const Json &state, const Event &event) const
{
    return projection().apply(state, event);
}

} // namespace eventlens
