#include "jsonheadsniffer.h"

namespace eventlens {

bool JsonHead::has(const char *key) const
{
    for (const QByteArray &k : keys) {
        if (k == key)
            return true;
    }
    return false;
}

bool JsonHead::hasNested(const char *key) const
{
    for (const QByteArray &k : nestedKeys) {
        if (k == key)
            return true;
    }
    return false;
}

JsonHead JsonHeadSniffer::sniff(const QByteArray &head)
{
    JsonHead out;
    qsizetype i = 0;
    const qsizetype n = head.size();
    if (n >= 3 && head.startsWith("\xEF\xBB\xBF"))
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        ++i;
    if (i >= n || (head[i] != '{' && head[i] != '['))
        return out;
    out.isJson = true;
    out.topArray = head[i] == '[';

    int depth = 0;
    int objectDepth = out.topArray ? 2 : 1; // depth of the first event object's members
    bool inObject = false;
    bool sawNewline = false;
    for (; i < n; ++i) {
        const char c = head[i];
        if (c == '"') {
            const qsizetype s = i + 1;
            ++i;
            while (i < n && head[i] != '"') {
                if (head[i] == '\\')
                    ++i;
                ++i;
            }
            if (i >= n)
                break;
            qsizetype j = i + 1;
            while (j < n && (head[j] == ' ' || head[j] == '\t' || head[j] == '\r' || head[j] == '\n'))
                ++j;
            if (j < n && head[j] == ':' && inObject) {
                const QByteArray key = head.mid(s, i - s);
                if (depth == objectDepth)
                    out.keys.append(key);
                else if (depth > objectDepth)
                    out.nestedKeys.append(key);
            }
            continue;
        }
        if (c == '\n')
            sawNewline = true;
        if (c == '{' || c == '[') {
            ++depth;
            if (c == '{' && depth == objectDepth && !inObject)
                inObject = true;
            else if (depth == objectDepth && c == '[' && !inObject)
                objectDepth = depth + 1; // array inside array: look one level deeper
        } else if (c == '}' || c == ']') {
            if (inObject && depth == objectDepth) {
                if (!out.topArray && !sawNewline) {
                    qsizetype k = i + 1;
                    while (k < n && (head[k] == ' ' || head[k] == '\t' || head[k] == '\r'))
                        ++k;
                    out.firstLineWhole = k >= n || head[k] == '\n';
                }
                break;
            }
            --depth;
        }
    }
    return out;
}

} // namespace eventlens
