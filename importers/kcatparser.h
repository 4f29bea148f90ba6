#pragma once

#include "jsonrecordparser.h"
#include "typecache.h"

#include <QHash>
#include <QString>

namespace eventlens {

// kcat -J envelopes, one per line (topic, partition, offset, tstype, ts, broker, headers as
// [name, value, ...], key, payload). The key is the stream (<topic>-<partition> when the key is
// null); the payload is the data, parsed as JSON when it is JSON, and its "type" or
// "eventType" field is the event type (else the topic); ts is the time. Stream versions follow
// the offsets: records of one stream must come in offset order (as kcat writes them).
// topic, partition, offset and headers (as an object) go into the metadata. The event id is
// a name-based UUID of topic/partition/offset, so importing a dump twice is idempotent.
class KcatParser final : public JsonRecordParser
{
public:
    KcatParser();
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;

protected:
    void reset() override;
    bool mapObject(const Element &element) override;

private:
    TypeCache m_types;
    QHash<QString, qint64> m_lastOffset; // per stream, topic and partition
};

} // namespace eventlens
