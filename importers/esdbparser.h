#pragma once

#include "jsonrecordparser.h"
#include "typecache.h"

#include <QString>

#include <vector>

namespace eventlens {

// EventStoreDB / KurrentDB event JSON as the HTTP API returns it: single entries, arrays,
// JSON Lines, or an Atom feed page whose "entries" hold the events (read with ?embed=body).
// eventId, eventType, eventNumber (the version), streamId (or eventStreamId), data and
// metaData/metadata as objects or as JSON strings, isJson, updated/created (the time).
// Atom entries wrapping the event in "content" are understood too. A feed page lists its
// entries newest first; they are imported oldest first.
class EsdbParser final : public JsonRecordParser
{
public:
    EsdbParser();
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;

protected:
    void reset() override;
    bool mapObject(const Element &element) override;

private:
    // Maps one event object; returns false with field and reason on an error.
    bool mapEvent(const std::vector<JsonMember> &members, const QString &fallbackStream, ImportRecord &record,
                  QString &field, QString &reason);

    TypeCache m_types;
};

} // namespace eventlens
