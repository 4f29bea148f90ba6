#pragma once

#include <QString>

#include <stdexcept>

namespace eventlens {

// A JSON Patch (RFC 6902) or JSON Pointer (RFC 6901) that cannot be applied or parsed.
// The message names the operation's index in the patch (0-based) and its path, e.g.
// "JSON Patch operation 2 (remove) at '/a/b': no member 'b'".
class JsonPatchError : public std::runtime_error
{
public:
    JsonPatchError(int opIndex, const QString &path, const QString &message)
        : std::runtime_error(message.toStdString()), m_opIndex(opIndex), m_path(path), m_message(message) {}
    // Index of the failing operation, -1 when the patch as a whole is bad (not an array).
    int opIndex() const { return m_opIndex; }
    // JSON Pointer of the failing operation ("path", or "from" when that is what failed).
    const QString &path() const { return m_path; }
    const QString &message() const { return m_message; }

private:
    int m_opIndex;
    QString m_path;
    QString m_message;
};

} // namespace eventlens
