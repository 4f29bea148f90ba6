#pragma once

#include <QString>

#include <stdexcept>

namespace eventlens {

// Every failure of the store is reported by one of these exceptions; the message says what and where.
class StoreError : public std::runtime_error
{
public:
    explicit StoreError(const QString &message)
        : std::runtime_error(message.toStdString()), m_message(message) {}
    const QString &message() const { return m_message; }

private:
    QString m_message;
};

} // namespace eventlens
