#include "expectedversion.h"

namespace eventlens {

ExpectedVersion ExpectedVersion::exact(qint64 version)
{
    if (version < 0)
        return noStream();
    return ExpectedVersion(Kind::Exact, version);
}

std::optional<ExpectedVersion> ExpectedVersion::parse(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"any")
        return any();
    if (t == u"no-stream" || t == u"nostream" || t == u"no_stream")
        return noStream();
    if (t == u"exists" || t == u"stream-exists")
        return exists();
    bool ok = false;
    const qint64 v = t.toLongLong(&ok);
    if (!ok || v < -1)
        return std::nullopt;
    return exact(v);
}

bool ExpectedVersion::matches(qint64 currentVersion) const
{
    switch (m_kind) {
    case Kind::Any:
        return true;
    case Kind::NoStream:
        return currentVersion == -1;
    case Kind::Exists:
        return currentVersion >= 0;
    case Kind::Exact:
        return currentVersion == m_version;
    }
    return false;
}

QString ExpectedVersion::toString() const
{
    switch (m_kind) {
    case Kind::Any:
        return QStringLiteral("any");
    case Kind::NoStream:
        return QStringLiteral("no-stream");
    case Kind::Exists:
        return QStringLiteral("exists");
    case Kind::Exact:
        return QString::number(m_version);
    }
    return {};
}

} // namespace eventlens
