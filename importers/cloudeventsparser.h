#pragma once

#include "jsonrecordparser.h"
#include "typecache.h"

namespace eventlens {

// CloudEvents 1.0 in the JSON event format: one event, JSON Lines of events, or a batch
// (a JSON array). subject (else source) is the stream, type the type, data (or the decoded
// data_base64) the data, id the id, time the time. source, specversion, datacontenttype,
// dataschema and every extension attribute go into the metadata, except the two extension
// attributes eventlens writes (EventWriter) so that its exports read back to the same events:
// eventlensversion, the 0-based stream version (an integer or a string of digits), and
// eventlensmetadata, the event's metadata as JSON text (a string holding an object; an object
// is accepted too). With eventlensmetadata the metadata is that object, plus any other
// extension attribute (its own members win); specversion, source, datacontenttype and
// dataschema describe the envelope only and are left out.
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
