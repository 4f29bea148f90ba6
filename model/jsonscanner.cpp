#include "jsonscanner.h"

#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace eventlens {

namespace {

inline bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Whether a string scan must stop at this byte: the closing quote, an escape, a control character
// (an error) or the lead byte of a multi-byte UTF-8 sequence (to be checked).
inline bool stopsString(unsigned char c)
{
    return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

// The first byte from p on where a string scan stops (end when there is none): 16 bytes at a
// time where SSE2 is there (every x86-64), which is most of an import's or a replay's scanning.
inline const char *nextStringStop(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        // A signed compare: bytes from 0x80 up are negative, so "below 0x20" takes them too.
        const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                          _mm_cmplt_epi8(v, space));
        const int mask = _mm_movemask_epi8(stop);
        if (mask != 0)
            return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 16;
    }
#endif
    while (p < end && !stopsString(static_cast<unsigned char>(*p)))
        ++p;
    return p;
}

QString describeChar(const char *p, const char *end)
{
    if (p >= end)
        return QStringLiteral("end of input");
    const auto c = static_cast<unsigned char>(*p);
    if (c == '\n')
        return QStringLiteral("end of line");
    if (c >= 0x20 && c < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(static_cast<char>(c)));
    return QStringLiteral("byte 0x%1").arg(c, 2, 16, QChar(u'0'));
}

// The word at p ("'yes'") when it is one, else the character.
QString describeToken(const char *p, const char *end)
{
    const char *e = p;
    while (e < end && e - p < 24 && ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9')))
        ++e;
    if (e - p < 2)
        return describeChar(p, end);
    return QStringLiteral("'%1'").arg(QString::fromLatin1(p, e - p));
}

struct Scan
{
    const char *begin;
    const char *p;
    const char *end;
    JsonScanError *error;
    JsonVisitor *visitor = nullptr;
    int depth = 0;
    quint64 spaceRuns = 0;

    bool fail(const char *at, const QString &message)
    {
        error->offset = at - begin;
        error->message = message;
        return false;
    }

    void skipSpace()
    {
        const char *start = p;
        while (p < end && isSpace(*p))
            ++p;
        if (p != start)
            ++spaceRuns;
    }

    bool value(JsonValue &out, std::vector<JsonMember> *members, std::vector<JsonValue> *elements);
    bool string(JsonValue &out);
    bool number(JsonValue &out);
    bool literal(JsonValue &out, const char *word, qsizetype len, JsonValue::Kind kind);
    // An object or an array: its brackets, separators and nesting around readItem(), which
    // reads one member or element.
    template <typename ReadItem>
    bool container(JsonValue &out, JsonValue::Kind kind, char close, const char *itemName, ReadItem readItem);
    bool object(JsonValue &out, std::vector<JsonMember> *members);
    bool array(JsonValue &out, std::vector<JsonValue> *elements);
};

bool Scan::value(JsonValue &out, std::vector<JsonMember> *members, std::vector<JsonValue> *elements)
{
    if (p >= end)
        return fail(p, QStringLiteral("expected a value, found end of input"));
    bool ok = false;
    switch (*p) {
    case '{':
        return object(out, members);
    case '[':
        return array(out, elements);
    case '"':
        ok = string(out);
        break;
    case 't':
        ok = literal(out, "true", 4, JsonValue::Kind::True);
        break;
    case 'f':
        ok = literal(out, "false", 5, JsonValue::Kind::False);
        break;
    case 'n':
        ok = literal(out, "null", 4, JsonValue::Kind::Null);
        break;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            ok = number(out);
            break;
        }
        return fail(p, QStringLiteral("expected a value, found %1").arg(describeToken(p, end)));
    }
    if (ok && visitor)
        visitor->scalar(out);
    return ok;
}

bool Scan::literal(JsonValue &out, const char *word, qsizetype len, JsonValue::Kind kind)
{
    if (end - p < len || std::memcmp(p, word, static_cast<size_t>(len)) != 0) {
        // "invalid literal 'tru'" for a typo, "found 'not'" for another word
        if (end - p >= 2 && p[1] == word[1])
            return fail(p, QStringLiteral("invalid literal %1 (expected %2)").arg(describeToken(p, end), QLatin1String(word)));
        return fail(p, QStringLiteral("expected a value, found %1").arg(describeToken(p, end)));
    }
    out.kind = kind;
    out.begin = p;
    out.size = len;
    out.hasSpace = false;
    out.hasEscapes = false;
    p += len;
    return true;
}

bool Scan::number(JsonValue &out)
{
    const char *start = p;
    if (*p == '-')
        ++p;
    if (p < end && *p == '0') {
        ++p;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            ++p;
    } else {
        return fail(start, QStringLiteral("invalid number"));
    }
    if (p < end && *p == '.') {
        ++p;
        if (p >= end || *p < '0' || *p > '9')
            return fail(start, QStringLiteral("invalid number (no digit after '.')"));
        while (p < end && *p >= '0' && *p <= '9')
            ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < end && (*p == '+' || *p == '-'))
            ++p;
        if (p >= end || *p < '0' || *p > '9')
            return fail(start, QStringLiteral("invalid number (no digit in the exponent)"));
        while (p < end && *p >= '0' && *p <= '9')
            ++p;
    }
    out.kind = JsonValue::Kind::Number;
    out.begin = start;
    out.size = p - start;
    out.hasSpace = false;
    out.hasEscapes = false;
    return true;
}

bool Scan::string(JsonValue &out)
{
    const char *start = p;
    ++p; // opening quote
    bool escapes = false;
    for (;;) {
        p = nextStringStop(p, end);
        if (p >= end)
            return fail(start, QStringLiteral("unterminated string"));
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"') {
            ++p;
            break;
        }
        if (c == '\\') {
            escapes = true;
            if (end - p < 2)
                return fail(start, QStringLiteral("unterminated string"));
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;
            case 'u':
                break;
            default:
                return fail(p, QStringLiteral("invalid escape sequence in string"));
            }
            auto readHex = [&](const char *at, int &cp) {
                if (end - at < 6 || at[0] != '\\' || at[1] != 'u')
                    return false;
                cp = 0;
                for (int k = 2; k < 6; ++k) {
                    const int h = hexValue(at[k]);
                    if (h < 0)
                        return false;
                    cp = cp * 16 + h;
                }
                return true;
            };
            int cp = 0;
            if (!readHex(p, cp))
                return fail(p, QStringLiteral("invalid \\u escape in string"));
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail(p, QStringLiteral("invalid UTF-16 surrogate in \\u escape"));
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int low = 0;
                if (!readHex(p + 6, low) || low < 0xDC00 || low > 0xDFFF)
                    return fail(p, QStringLiteral("invalid UTF-16 surrogate in \\u escape"));
                p += 12;
            } else {
                p += 6;
            }
            continue;
        }
        if (c < 0x20)
            return fail(p, c == '\n' ? QStringLiteral("line break inside a string (unterminated string?)")
                                     : QStringLiteral("unescaped control character in string"));
        int length = 0;
        switch (JsonScanner::checkUtf8(p, end, length)) {
        case JsonScanner::Utf8::Ok:
            break;
        case JsonScanner::Utf8::BadLeadByte:
            return fail(p, QStringLiteral("invalid UTF-8 byte 0x%1 in string").arg(c, 2, 16, QChar(u'0')));
        case JsonScanner::Utf8::BadSequence:
            return fail(p, QStringLiteral("invalid UTF-8 sequence in string"));
        case JsonScanner::Utf8::Truncated:
            return fail(p, QStringLiteral("truncated UTF-8 sequence in string"));
        }
        p += length;
    }
    out.kind = JsonValue::Kind::String;
    out.begin = start;
    out.size = p - start;
    out.hasSpace = false;
    out.hasEscapes = escapes;
    return true;
}

template <typename ReadItem>
bool Scan::container(JsonValue &out, JsonValue::Kind kind, char close, const char *itemName, ReadItem readItem)
{
    const bool isObject = kind == JsonValue::Kind::Object;
    const char *start = p;
    if (++depth > JsonScanner::MaxDepth)
        return fail(p, QStringLiteral("nesting deeper than %1 levels").arg(JsonScanner::MaxDepth));
    const quint64 spaceBefore = spaceRuns;
    if (visitor)
        isObject ? visitor->beginObject() : visitor->beginArray();
    ++p;
    skipSpace();
    if (p < end && *p == close) {
        ++p;
    } else {
        for (;;) {
            if (!readItem())
                return false;
            skipSpace();
            if (p < end && *p == ',') {
                ++p;
                skipSpace();
                continue;
            }
            if (p < end && *p == close) {
                ++p;
                break;
            }
            return fail(p, QStringLiteral("expected ',' or '%1' after %2, found %3")
                               .arg(QString(QLatin1Char(close)), QString::fromLatin1(itemName), describeChar(p, end)));
        }
    }
    --depth;
    if (visitor)
        isObject ? visitor->endObject() : visitor->endArray();
    out.kind = kind;
    out.begin = start;
    out.size = p - start;
    out.hasSpace = spaceRuns != spaceBefore;
    out.hasEscapes = false;
    return true;
}

bool Scan::object(JsonValue &out, std::vector<JsonMember> *members)
{
    return container(out, JsonValue::Kind::Object, '}', "a member", [this, members] {
        if (p >= end || *p != '"')
            return fail(p, QStringLiteral("expected a string key, found %1").arg(describeChar(p, end)));
        JsonValue key;
        if (!string(key))
            return false;
        if (visitor)
            visitor->key(key);
        skipSpace();
        if (p >= end || *p != ':')
            return fail(p, QStringLiteral("expected ':' after the key, found %1").arg(describeChar(p, end)));
        ++p;
        skipSpace();
        JsonValue v;
        if (!value(v, nullptr, nullptr))
            return false;
        if (members)
            members->push_back(JsonMember{QByteArrayView(key.begin + 1, key.size - 2), key.hasEscapes, v});
        return true;
    });
}

bool Scan::array(JsonValue &out, std::vector<JsonValue> *elements)
{
    return container(out, JsonValue::Kind::Array, ']', "an element", [this, elements] {
        JsonValue v;
        if (!value(v, nullptr, nullptr))
            return false;
        if (elements)
            elements->push_back(v);
        return true;
    });
}

JsonScanner::Status scanTop(QByteArrayView text, JsonValue &out, JsonScanError &error,
                            std::vector<JsonMember> *members, std::vector<JsonValue> *elements, JsonVisitor *visitor = nullptr)
{
    Scan s{text.data(), text.data(), text.data() + text.size(), &error, visitor};
    s.skipSpace();
    if (s.p < s.end && members && *s.p != '{') {
        // validate first so that syntax errors win over "not an object"
        if (!s.value(out, nullptr, nullptr))
            return JsonScanner::Status::SyntaxError;
    } else if (s.p < s.end && elements && *s.p != '[') {
        if (!s.value(out, nullptr, nullptr))
            return JsonScanner::Status::SyntaxError;
    } else if (!s.value(out, members, elements)) {
        return JsonScanner::Status::SyntaxError;
    }
    s.skipSpace();
    if (s.p != s.end) {
        s.fail(s.p, QStringLiteral("unexpected %1 after the value").arg(describeChar(s.p, s.end)));
        return JsonScanner::Status::SyntaxError;
    }
    if (members && out.kind != JsonValue::Kind::Object)
        return JsonScanner::Status::NotObject;
    if (elements && out.kind != JsonValue::Kind::Array)
        return JsonScanner::Status::NotArray;
    return JsonScanner::Status::Ok;
}

void appendUtf8(QByteArray &out, uint cp)
{
    if (cp < 0x80) {
        out.append(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.append(static_cast<char>(0xC0 | (cp >> 6)));
        out.append(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.append(static_cast<char>(0xE0 | (cp >> 12)));
        out.append(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.append(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.append(static_cast<char>(0xF0 | (cp >> 18)));
        out.append(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.append(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.append(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

QByteArray decodeEscaped(const char *p, const char *end)
{
    QByteArray out;
    out.reserve(end - p);
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '\\')
            ++p;
        out.append(run, p - run);
        if (p >= end)
            break;
        const char e = p[1];
        p += 2;
        switch (e) {
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'u': {
            uint cp = 0;
            for (int k = 0; k < 4; ++k)
                cp = cp * 16 + static_cast<uint>(hexValue(p[k]));
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6) {
                uint low = 0;
                for (int k = 2; k < 6; ++k)
                    low = low * 16 + static_cast<uint>(hexValue(p[k]));
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            appendUtf8(out, cp);
            break;
        }
        default: out.append(e); break; // " \ /
        }
    }
    return out;
}

} // namespace

QString JsonValue::kindName() const
{
    switch (kind) {
    case Kind::Null: return QStringLiteral("null");
    case Kind::False:
    case Kind::True: return QStringLiteral("a boolean");
    case Kind::Number: return QStringLiteral("a number");
    case Kind::String: return QStringLiteral("a string");
    case Kind::Array: return QStringLiteral("an array");
    case Kind::Object: return QStringLiteral("an object");
    }
    return {};
}

QByteArray JsonMember::decodedKey() const
{
    if (!keyEscaped)
        return key.toByteArray();
    return decodeEscaped(key.data(), key.data() + key.size());
}

bool JsonMember::keyIs(QByteArrayView name) const
{
    if (!keyEscaped)
        return key == name;
    return decodedKey() == name;
}

JsonScanner::Status JsonScanner::scanValue(QByteArrayView text, JsonValue &out, JsonScanError &error)
{
    return scanTop(text, out, error, nullptr, nullptr);
}

JsonScanner::Status JsonScanner::visit(QByteArrayView text, JsonVisitor &visitor, JsonScanError &error)
{
    JsonValue out;
    return scanTop(text, out, error, nullptr, nullptr, &visitor);
}

JsonScanner::Status JsonScanner::scanObject(QByteArrayView text, std::vector<JsonMember> &members, JsonScanError &error)
{
    members.clear();
    JsonValue out;
    return scanTop(text, out, error, &members, nullptr);
}

JsonScanner::Status JsonScanner::scanArray(QByteArrayView text, std::vector<JsonValue> &elements, JsonScanError &error)
{
    elements.clear();
    JsonValue out;
    return scanTop(text, out, error, nullptr, &elements);
}

std::vector<JsonMember> JsonScanner::members(const JsonValue &object)
{
    std::vector<JsonMember> out;
    if (object.kind != JsonValue::Kind::Object)
        return out;
    JsonScanError error;
    scanObject(object.raw(), out, error);
    return out;
}

std::vector<JsonValue> JsonScanner::elements(const JsonValue &array)
{
    std::vector<JsonValue> out;
    if (array.kind != JsonValue::Kind::Array)
        return out;
    JsonScanError error;
    scanArray(array.raw(), out, error);
    return out;
}

QByteArray JsonScanner::decodeString(const JsonValue &string)
{
    if (string.kind != JsonValue::Kind::String || string.size < 2)
        return {};
    const char *b = string.begin + 1;
    const char *e = string.begin + string.size - 1;
    if (!string.hasEscapes)
        return QByteArray(b, e - b);
    return decodeEscaped(b, e);
}

QString JsonScanner::toQString(const JsonValue &string)
{
    if (string.kind != JsonValue::Kind::String || string.size < 2)
        return {};
    if (!string.hasEscapes)
        return QString::fromUtf8(string.begin + 1, string.size - 2);
    return QString::fromUtf8(decodeString(string));
}

void JsonScanner::appendCompact(QByteArray &out, const JsonValue &value)
{
    if (!value.hasSpace) {
        out.append(value.begin, value.size);
        return;
    }
    const char *p = value.begin;
    const char *end = value.begin + value.size;
    out.reserve(out.size() + value.size);
    while (p < end) {
        const char c = *p;
        if (c == '"') {
            const char *s = p++;
            while (p < end && *p != '"') {
                if (*p == '\\')
                    ++p;
                ++p;
            }
            ++p;
            out.append(s, p - s);
        } else {
            if (!isSpace(c))
                out.append(c);
            ++p;
        }
    }
}

void JsonScanner::appendMember(QByteArray &out, const JsonMember &member)
{
    out.append('"');
    out.append(member.key.data(), member.key.size());
    out.append("\":", 2);
    appendCompact(out, member.value);
}

QByteArray JsonScanner::compact(const JsonValue &value)
{
    if (!value.hasSpace)
        return QByteArray(value.begin, value.size);
    QByteArray out;
    appendCompact(out, value);
    return out;
}

std::optional<qint64> JsonScanner::toInt64(const JsonValue &number)
{
    if (number.kind != JsonValue::Kind::Number)
        return std::nullopt;
    const char *b = number.begin;
    const char *e = number.begin + number.size;
    qint64 v = 0;
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (ec == std::errc() && ptr == e)
        return v;
    if (ec == std::errc::result_out_of_range)
        return std::nullopt;
    const auto d = toDouble(number);
    if (!d || !std::isfinite(*d) || std::trunc(*d) != *d || std::fabs(*d) > 9.007199254740992e15)
        return std::nullopt;
    return static_cast<qint64>(*d);
}

std::optional<double> JsonScanner::toDouble(const JsonValue &number)
{
    if (number.kind != JsonValue::Kind::Number)
        return std::nullopt;
    double d = 0;
    auto [ptr, ec] = std::from_chars(number.begin, number.begin + number.size, d);
    if (ec != std::errc() || ptr != number.begin + number.size)
        return std::nullopt;
    return d;
}

JsonScanner::Utf8 JsonScanner::checkUtf8(const char *p, const char *end, int &length)
{
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
        length = 1;
        return Utf8::Ok;
    }
    int more = 0;
    unsigned char low = 0x80; // the range of the second byte
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        more = 2;
        if (c == 0xE0)
            low = 0xA0; // overlong
        else if (c == 0xED)
            high = 0x9F; // UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        more = 3;
        if (c == 0xF0)
            low = 0x90; // overlong
        else if (c == 0xF4)
            high = 0x8F; // above U+10FFFF
    } else {
        return Utf8::BadLeadByte;
    }
    for (int k = 1; k <= more; ++k) {
        if (p + k >= end)
            return Utf8::Truncated;
        const auto ck = static_cast<unsigned char>(p[k]);
        if (k == 1 ? (ck < low || ck > high) : (ck < 0x80 || ck > 0xBF))
            return Utf8::BadSequence;
    }
    length = more + 1;
    return Utf8::Ok;
}

void JsonScanner::position(QByteArrayView text, qsizetype offset, qint64 &line, qint64 &column)
{
    line = 1;
    qsizetype lineStart = 0;
    const qsizetype n = std::min(offset, text.size());
    for (qsizetype i = 0; i < n; ++i) {
        if (text[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    // column in characters (UTF-8 continuation bytes do not count)
    column = 1;
    for (qsizetype i = lineStart; i < n; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
            ++column;
    }
}

QString JsonScanner::describe(QByteArrayView text, const JsonScanError &error, bool withLine)
{
    qint64 line = 0, column = 0;
    position(text, error.offset, line, column);
    if (withLine)
        return QStringLiteral("JSON syntax error at line %1, column %2: %3").arg(line).arg(column).arg(error.message);
    return QStringLiteral("JSON syntax error at column %1: %2").arg(column).arg(error.message);
}

} // namespace eventlens
