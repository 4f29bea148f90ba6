#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace eventlens {

// A validated JSON value inside a text buffer (a view: valid as long as the buffer).
struct JsonValue
{
    enum class Kind : quint8 { Null, False, True, Number, String, Array, Object };
    Kind kind = Kind::Null;
    const char *begin = nullptr; // raw text, strings with their quotes
    qsizetype size = 0;
    bool hasSpace = false;       // arrays/objects: insignificant whitespace inside
    bool hasEscapes = false;     // strings: backslash escapes inside

    QByteArrayView raw() const { return QByteArrayView(begin, size); }
    bool isNull() const { return kind == Kind::Null; }
    bool isString() const { return kind == Kind::String; }
    bool isNumber() const { return kind == Kind::Number; }
    bool isObject() const { return kind == Kind::Object; }
    bool isArray() const { return kind == Kind::Array; }
    bool isBool() const { return kind == Kind::True || kind == Kind::False; }
    // "a string", "a number", "an object", ...
    QString kindName() const;
};

// One member of a scanned object: the key as raw text (without quotes) and its value.
struct JsonMember
{
    QByteArrayView key;          // raw, still escaped when keyEscaped
    bool keyEscaped = false;
    JsonValue value;
    // The decoded key (only allocates when the key has escapes).
    QByteArray decodedKey() const;
    bool keyIs(QByteArrayView name) const;
};

// Told of every value a scan reads, in the order of the text (JsonScanner::visit): scalars
// (null, booleans, numbers, strings), and the bounds and keys of objects and arrays. A scan that
// then fails has told of the values before the error.
class JsonVisitor
{
public:
    virtual ~JsonVisitor() = default;
    virtual void scalar(const JsonValue &value) = 0;
    virtual void beginObject() = 0;
    virtual void key(const JsonValue &key) = 0; // a string value: the member's key
    virtual void endObject() = 0;
    virtual void beginArray() = 0;
    virtual void endArray() = 0;
};

struct JsonScanError
{
    qsizetype offset = 0;        // byte offset of the problem in the scanned text
    QString message;
};

// A strict (RFC 8259), validating, allocation-free JSON scanner for hot paths (imports, event
// payloads handed to projections). It validates a whole value (including UTF-8 and escapes)
// and returns views of the top-level members so that callers copy only what they keep;
// payloads are kept as their original text (compacted), numbers keep their exact digits.
class JsonScanner final
{
public:
    enum class Status { Ok, SyntaxError, NotObject, NotArray };
    // Arrays and objects nested deeper than this are refused (a syntax error), so that no text
    // can exhaust the stack.
    static constexpr int MaxDepth = 512;

    // Exactly one JSON value, optionally surrounded by whitespace.
    static Status scanValue(QByteArrayView text, JsonValue &out, JsonScanError &error);
    // One JSON object; fills members with its top-level members in order.
    static Status scanObject(QByteArrayView text, std::vector<JsonMember> &members, JsonScanError &error);
    // One JSON array; fills elements with its top-level elements in order.
    static Status scanArray(QByteArrayView text, std::vector<JsonValue> &elements, JsonScanError &error);

    // Exactly one JSON value, as scanValue(), telling the visitor of each value on the way.
    static Status visit(QByteArrayView text, JsonVisitor &visitor, JsonScanError &error);

    // Convenience for values found by a scan (already validated).
    static std::vector<JsonMember> members(const JsonValue &object);
    static std::vector<JsonValue> elements(const JsonValue &array);

    // The UTF-8 content of a string value, escapes decoded.
    static QByteArray decodeString(const JsonValue &string);
    static QString toQString(const JsonValue &string);
    // Compact text of the value (whitespace outside strings removed, everything else kept).
    static QByteArray compact(const JsonValue &value);
    static void appendCompact(QByteArray &out, const JsonValue &value);
    // Appends "key":value (compact) as found in an object.
    static void appendMember(QByteArray &out, const JsonMember &member);
    // Integral numbers (also 5.0 or 1e3) that fit in 64 bits.
    static std::optional<qint64> toInt64(const JsonValue &number);
    static std::optional<double> toDouble(const JsonValue &number);

    // One UTF-8 sequence, checked strictly (RFC 3629: no overlong forms, no surrogates, nothing
    // above U+10FFFF). The one UTF-8 check of the importers: strings here, text in FormatDetector.
    enum class Utf8 { Ok, BadLeadByte, BadSequence, Truncated };
    // Checks the sequence starting at p (p < end). Ok sets length to its size (1 to 4 bytes);
    // Truncated means a valid beginning cut off by end.
    static Utf8 checkUtf8(const char *p, const char *end, int &length);

    // 1-based line and column of a byte offset in text.
    static void position(QByteArrayView text, qsizetype offset, qint64 &line, qint64 &column);
    // "at line L, column C: message" relative to text (line omitted when withLine is false).
    static QString describe(QByteArrayView text, const JsonScanError &error, bool withLine);
};

} // namespace eventlens
