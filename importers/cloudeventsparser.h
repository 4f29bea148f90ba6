#pragma once

#include "jsonrecordparser.h"
#include "typecache.h"

namespace eventlens {

// CloudEvents 1.0 in the JSON event format: one event, JSON Lines of events, or a batch
// (a JSON array). subject (else source) is the stream, type the type, data (or the decoded
// data_base64) the data, id the id, time the time. source, specversion, datacontenttype,
// dataschema and every extension attribute go into the metadata.
class CloudEventsParser final : public JsonRecordParser
{
public:
    CloudEventsParser();
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;

protected:
    void reset() override;
    bool mapObject(const Element &element) override;

private:
    TypeCache m_types;
};

} // namespace eventlens
