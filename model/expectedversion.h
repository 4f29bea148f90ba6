#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace eventlens {

// Optimistic concurrency expectation for an append (DESIGN.md §3).
class ExpectedVersion
{
public:
    enum class Kind { Any, NoStream, Exists, Exact };

    static ExpectedVersion any() { return ExpectedVersion(Kind::Any, -2); }
    static ExpectedVersion noStream() { return ExpectedVersion(Kind::NoStream, -1); }
    static ExpectedVersion exists() { return ExpectedVersion(Kind::Exists, -2); }
    // exact(-1) is the same as noStream().
    static ExpectedVersion exact(qint64 version);

    // Parses "any", "no-stream", "exists" or a number >= -1; nullopt when invalid.
    static std::optional<ExpectedVersion> parse(const QString &text);

    Kind kind() const { return m_kind; }
    qint64 version() const { return m_version; }
    // Whether a stream at currentVersion (-1: no stream) satisfies the expectation.
    bool matches(qint64 currentVersion) const;
    QString toString() const;

private:
    ExpectedVersion(Kind kind, qint64 version) : m_kind(kind), m_version(version) {}
    Kind m_kind;
    qint64 m_version;
};

} // namespace eventlens
