#pragma once

#include "genericjsonparser.h"

namespace eventlens {

// JSON Lines (.jsonl, .ndjson): one event object per line, blank lines ignored. A bad line is
// one bad record; the next line is read normally.
class JsonLinesParser final : public GenericJsonParser
{
public:
    JsonLinesParser();
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;
};

} // namespace eventlens
