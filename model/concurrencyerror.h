#pragma once

#include "storeerror.h"

namespace eventlens {

// Optimistic concurrency failure: nothing was appended.
class ConcurrencyError : public StoreError
{
public:
    ConcurrencyError(const QString &stream, const QString &expected, qint64 actual)
        : StoreError(QStringLiteral("wrong expected version for stream '%1': expected %2, actual %3")
                         .arg(stream, expected, actual < 0 ? QStringLiteral("-1 (no stream)") : QString::number(actual)))
        , m_stream(stream), m_expected(expected), m_actual(actual) {}
    const QString &stream() const { return m_stream; }
    const QString &expected() const { return m_expected; }
    qint64 actual() const { return m_actual; }

private:
    QString m_stream;
    QString m_expected;
    qint64 m_actual;
};

} // namespace eventlens
