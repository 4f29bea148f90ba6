#pragma once

#include "statefunction.h"

#include <QString>

#include <map>
#include <memory>
#include <mutex>

class QThread;

namespace eventlens {

class Projection;

// A JavaScript projection as an aggregate's state function (the state pane's "use the
// projection"): the initial state is what $init returns ({} without it), and each event goes
// through the handler the projection would run for it (Projection::apply(): the stream is the
// partition, nothing is emitted or logged). Events the projection skips (not selected, non-JSON,
// unhandled) leave the state as it is. A script error at an event is thrown as a StateError
// naming the line, so the state pane shows it in place of the state.
//
// Threads: one QJSEngine per calling thread, created on first use there; all are destroyed
// with the function.
class ProjectionStateFunction final : public StateFunction
{
public:
    // Throws StateError when the script does not define a projection.
    explicit ProjectionStateFunction(const QString &script, const QString &name = {});
    ~ProjectionStateFunction() override;

    QString name() const override;
    QString script() const { return m_script; }
    Json initialState() const override;
    Json evolve(const Json &state, const Event &event) const override;

private:
    Projection &projection() const;

    QString m_script;
    QString m_name;
    mutable std::mutex m_mutex;
    mutable std::map<QThread *, std::unique_ptr<Projection>> m_projections;
};

} // namespace eventlens
