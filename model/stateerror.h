#pragma once

#include <QString>

#include <stdexcept>

namespace eventlens {

// A state function (StateFunction) could not compute a state. AggregateHistory rethrows what a
// function throws as a StateError naming the event, e.g.
// "event 12 (Deposited): amount must be positive", for the GUI to show in place of the state.
class StateError : public std::runtime_error
{
public:
    explicit StateError(const QString &message, qint64 version = -1)
        : std::runtime_error(message.toStdString()), m_message(message), m_version(version) {}
    const QString &message() const { return m_message; }
    // The version of the event whose evolve failed, -1 when not tied to an event.
    qint64 version() const { return m_version; }

private:
    QString m_message;
    qint64 m_version;
};

} // namespace eventlens
