#pragma once

#include "genericjsonparser.h"

namespace eventlens {

// JSON: a top-level array of event objects (read element by element, never whole), or one
// or more event objects (pretty-printed or not) separated by whitespace.
class JsonArrayParser final : public GenericJsonParser
{
public:
    JsonArrayParser();
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;
};

} // namespace eventlens
