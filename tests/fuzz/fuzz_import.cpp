// A fuzz target for everything that reads a user's file before it reaches the store: format
// detection, every importer's parser, and the JSON scanner that the importers and the
// projections share. Whatever the bytes, nothing may crash, hang or touch memory it does not
// own (the sanitizers watch), every parser's counts must match what it delivered, and the
// scanner must agree with nlohmann's parser on what is JSON.
//
// Built as a libFuzzer program (eventlens-fuzz-import) and as a test that replays files
// (tst_fuzz_import): see fuzz.cmake and replay.cpp.

#include "formatdetector.h"
#include "importrecord.h"
#include "jsonscanner.h"

#include <QBuffer>
#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace eventlens;

namespace {

[[noreturn]] void broken(const char *what, const QString &detail = {})
{
    std::fprintf(stderr, "fuzz_import: %s %s\n", what, qPrintable(detail));
    std::abort();
}

void parseWithEveryFormat(const QByteArray &bytes)
{
    for (const QString &format : FormatDetector::formats()) {
        const std::unique_ptr<EventParser> parser = FormatDetector::createParser(format);
        if (!parser)
            broken("no parser for", format);
        QBuffer device;
        device.setData(bytes);
        device.open(QIODevice::ReadOnly);
        qint64 records = 0;
        qint64 issues = 0;
        bool ended = false; // a Fatal or File issue was reported
        const ParseResult result = parser->parse(
            device, QStringLiteral("fuzz.input"),
            [&](ImportRecord &&record) {
                if (record.line < 1 || record.index < 0)
                    broken("a record without its place:", format);
                ++records;
                return true;
            },
            [&](const ImportIssue &issue, IssueSeverity severity) {
                if (issue.reason.isEmpty() || issue.toString().isEmpty())
                    broken("an issue that says nothing:", format);
                ended = ended || severity != IssueSeverity::Record;
                ++issues;
                return true;
            });
        if (result.records != records || result.issues != issues)
            broken("counts differ from what was delivered:", format);
        if (result.status == ParseResult::Status::Failed && !ended)
            broken("failed without a fatal issue:", format);
        if (result.bytesRead > bytes.size())
            broken("read more than there is:", format);
    }
}

void detect(const QByteArray &bytes)
{
    QBuffer device;
    device.setData(bytes);
    device.open(QIODevice::ReadOnly);
    QString error;
    const QString format = FormatDetector::detectDevice(device, QStringLiteral("fuzz.input"), &error);
    if (format.isEmpty() == error.isEmpty())
        broken("detection gave both or neither a format and an error:", format + u' ' + error);
    if (!format.isEmpty() && !FormatDetector::formats().contains(format))
        broken("detection named an unknown format:", format);
}

// How deep the scanner got into arrays and objects before it stopped.
class DepthVisitor final : public JsonVisitor
{
public:
    int deepest = 0;
    void scalar(const JsonValue &) override {}
    void beginObject() override { deepest = std::max(deepest, ++m_depth); }
    void key(const JsonValue &) override {}
    void endObject() override { --m_depth; }
    void beginArray() override { deepest = std::max(deepest, ++m_depth); }
    void endArray() override { --m_depth; }

private:
    int m_depth = 0;
};

bool nestsTooDeep(const QByteArray &text)
{
    DepthVisitor visitor;
    JsonScanError error;
    JsonScanner::visit(QByteArrayView(text), visitor, error);
    return visitor.deepest >= JsonScanner::MaxDepth;
}

// nlohmann's parser refuses numbers beyond a double's range, which RFC 8259 leaves to the
// implementation; the scanner keeps their digits as they are.
bool refusedForRangeOnly(const QByteArray &text)
{
    try {
        const nlohmann::json parsed = nlohmann::json::parse(text.constBegin(), text.constEnd());
        Q_UNUSED(parsed);
    } catch (const nlohmann::json::out_of_range &) {
        return true;
    } catch (const nlohmann::json::exception &) {
    }
    return false;
}

void scan(const QByteArray &bytes)
{
    JsonValue value;
    JsonScanError error;
    const JsonScanner::Status status = JsonScanner::scanValue(QByteArrayView(bytes), value, error);
    const bool scanned = status == JsonScanner::Status::Ok;
    const bool accepted = nlohmann::json::accept(bytes.constBegin(), bytes.constEnd());
    if (scanned && !accepted && !refusedForRangeOnly(bytes))
        broken("the scanner took what is not JSON");
    // nlohmann's parser also takes a NUL byte for the end of the input, so it accepts "0\0x",
    // and it skips a UTF-8 byte order mark, which the importers remove before they scan.
    const bool bom = bytes.startsWith("\xEF\xBB\xBF");
    if (!scanned && accepted && !bytes.contains('\0') && !bom && !nestsTooDeep(bytes))
        broken("the scanner refused JSON:", error.message);
    if (!scanned) {
        if (error.message.isEmpty() || error.offset < 0 || error.offset > bytes.size())
            broken("a scan error without its place or reason");
        return;
    }
    // The value's text is the input without the whitespace around it.
    const QByteArrayView raw = value.raw();
    if (raw.size() != bytes.trimmed().size() || raw.data() < bytes.constData() || raw.data() + raw.size() > bytes.constEnd()
        || raw != QByteArrayView(bytes.trimmed()))
        broken("the scanned value is not the input's text");
    if (value.isObject()) {
        std::vector<JsonMember> members;
        if (JsonScanner::scanObject(raw, members, error) != JsonScanner::Status::Ok)
            broken("an object that scanObject refuses");
    } else if (value.isArray()) {
        std::vector<JsonValue> elements;
        if (JsonScanner::scanArray(raw, elements, error) != JsonScanner::Status::Ok)
            broken("an array that scanArray refuses");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    detect(bytes);
    parseWithEveryFormat(bytes);
    scan(bytes);
    return 0;
}
