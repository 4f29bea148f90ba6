#pragma once

#include <QString>

namespace eventlens {

class AuditSnapshot;
class EventStore;

// Limits of the audit report, so that a big store gives a readable (and finite) PDF. Every cap
// that applies is stated in the report where it applies and in its summary.
struct AuditReportOptions
{
    int maxAggregateRows = 5000;      // rows of the aggregates table
    int maxSections = 200;            // aggregate sections (the first ones in name order)
    int maxEventsPerAggregate = 100;  // events per section: the latest ones up to the point
    int maxStateChars = 8000;         // characters of one state (indented JSON)
    int maxPartitionChars = 400;      // characters of one partition's state or result (a table row)
    int maxPreviewChars = 120;        // characters of an event's data preview
};

// The audit report of a snapshot (the PDF export), as HTML in the subset QTextDocument renders
// (h1-h3, p, tables, pre; inline styles only): the title; a summary (store, point: position and
// time, events covered, scope, state function, generator version and generation time); the
// hashes (chain head at the point, snapshot digest); a table of the aggregates (stream, version,
// events, last position, last time); the projections (name, script SHA-256, events processed,
// state as indented JSON); then a section per aggregate with its event history (position,
// version, time, type, data preview) read from the store up to the aggregate's version at the
// point, and its state at the point. All text is escaped.
//
// Reads the store (one readStream per aggregate section): call it on the thread that owns the
// store connection. Throws StoreError when the store cannot be read.
QString auditReportHtml(const EventStore &store, const AuditSnapshot &snapshot, const AuditReportOptions &options = {});

} // namespace eventlens
