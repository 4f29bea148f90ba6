#include "jsonutil.h"

namespace eventlens::jsonutil {

QString parseErrorText(const nlohmann::json::parse_error &e)
{
    QString what = QString::fromUtf8(e.what());
    // nlohmann's message starts with "[json.exception.parse_error.101] "; keep the part after it.
    const qsizetype bracket = what.indexOf(u"] ");
    if (bracket >= 0)
        what = what.mid(bracket + 2);
    return what;
}

std::optional<nlohmann::json> parse(const QByteArray &text, QString *error)
{
    try {
        return nlohmann::json::parse(text.constBegin(), text.constEnd());
    } catch (const nlohmann::json::parse_error &e) {
        if (error)
            *error = parseErrorText(e);
        return std::nullopt;
    }
}

QByteArray dump(const nlohmann::json &value)
{
    const std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
}

std::optional<QByteArray> compact(const QByteArray &text, QString *error)
{
    try {
        // ordered_json keeps the members in the order the user wrote them.
        const auto value = nlohmann::ordered_json::parse(text.constBegin(), text.constEnd());
        const std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
    } catch (const nlohmann::json::parse_error &e) {
        if (error)
            *error = parseErrorText(e);
        return std::nullopt;
    }
}

void appendString(QByteArray &out, const QByteArray &utf8)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        case '\b': out.append("\\b", 2); break;
        case '\f': out.append("\\f", 2); break;
        default:
            if (c < 0x20) {
                const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                out.append(esc, 6);
            } else {
                out.append(ch);
            }
        }
    }
    out.append('"');
}

void appendString(QByteArray &out, QStringView text)
{
    appendString(out, text.toUtf8());
}

QString toQString(const std::string &s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

std::string toStd(const QString &s)
{
    const QByteArray utf8 = s.toUtf8();
    return std::string(utf8.constData(), static_cast<size_t>(utf8.size()));
}

} // namespace eventlens::jsonutil
