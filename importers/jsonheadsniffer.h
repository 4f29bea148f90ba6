#pragma once

#include <QByteArray>
#include <QList>

namespace eventlens {

// What the first bytes of a JSON file look like, for format detection. Tolerates a head
// that ends in the middle of a value.
struct JsonHead
{
    bool isJson = false;        // starts with '{' or '['
    bool topArray = false;      // a top-level array
    bool firstLineWhole = false; // the first object ends on its line (JSON Lines)
    QList<QByteArray> keys;     // members of the first event object (first element of an array)
    QList<QByteArray> nestedKeys; // members of objects nested in that first object

    bool has(const char *key) const;
    bool hasNested(const char *key) const;
};

class JsonHeadSniffer final
{
public:
    static JsonHead sniff(const QByteArray &head);
};

} // namespace eventlens
