#include "jsonutil.h"

#include <string>
#include <vector>

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

namespace {

// Builds the value by appending members and elements to their container (see parseStringified).
class AppendingBuilder final : public nlohmann::json_sax<nlohmann::ordered_json>
{
public:
    using Json = nlohmann::ordered_json;

    Json result;

    bool null() override { return put(Json(nullptr)); }
    bool boolean(bool value) override { return put(Json(value)); }
    bool number_integer(number_integer_t value) override { return put(Json(value)); }
    bool number_unsigned(number_unsigned_t value) override { return put(Json(value)); }
    bool number_float(number_float_t value, const string_t &) override { return put(Json(value)); }
    bool string(string_t &value) override { return put(Json(std::move(value))); }
    bool binary(binary_t &) override { return false; }
    bool start_object(std::size_t) override { return open(Json::object()); }
    bool key(string_t &value) override
    {
        m_key = std::move(value);
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(Json::array()); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &) override { return false; }

private:
    // The new value's place: the root, a new element or a new member. Containers on the stack
    // only grow at their end while they are open, so the pointers to them stay valid.
    Json *place(Json &&value)
    {
        if (m_stack.empty()) {
            result = std::move(value);
            return &result;
        }
        Json &top = *m_stack.back();
        if (top.is_array()) {
            auto &elements = top.get_ref<Json::array_t &>();
            elements.push_back(std::move(value));
            return &elements.back();
        }
        Json::object_t::Container &members = top.get_ref<Json::object_t &>();
        members.emplace_back(std::move(m_key), std::move(value));
        return &members.back().second;
    }
    bool put(Json &&value)
    {
        place(std::move(value));
        return true;
    }
    bool open(Json &&container)
    {
        m_stack.push_back(place(std::move(container)));
        return true;
    }
    bool close()
    {
        m_stack.pop_back();
        return true;
    }

    std::vector<Json *> m_stack;
    std::string m_key;
};

} // namespace

nlohmann::ordered_json parseStringified(const char *begin, const char *end)
{
    AppendingBuilder builder;
    if (!nlohmann::ordered_json::sax_parse(begin, end, &builder))
        return nullptr;
    return std::move(builder.result);
}

nlohmann::ordered_json parseStringified(const QByteArray &text)
{
    return parseStringified(text.constBegin(), text.constEnd());
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
