#pragma once

#include "jsonrecordparser.h"
#include "typecache.h"

#include <QByteArray>
#include <QString>

namespace eventlens {

// Event objects with common field names, recognised without configuration:
//   stream   <- stream, streamId, stream_name, streamName, aggregateId, aggregate_id, originator_id,
//               stream_id, eventStreamId
//   type     <- type, eventType, event_type
//   data     <- data, payload, body
//   metadata <- metadata, meta, metaData
//   version  <- version, eventNumber, sequenceNumber, stream_position
//   id       <- id, eventId, event_id
//   time     <- time, timestamp, created, occurredAt, occurred_at, created_at
// When an object has several names for one field the first name of the list wins. Other
// members (except "position", which the store assigns) are kept in the metadata.
// The base of the JSON Lines and JSON array formats.
class GenericJsonParser : public JsonRecordParser
{
public:
    // Whether the first object of a head has a stream and a type field under a known name.
    static bool hasEventFields(const struct JsonHead &head);

protected:
    explicit GenericJsonParser(Container container);
    void reset() override;
    bool mapObject(const Element &element) override;

private:
    TypeCache m_types;
    QString m_lastStream;
    QByteArray m_lastStreamRaw;
};

} // namespace eventlens
