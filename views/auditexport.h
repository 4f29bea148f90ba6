#pragma once

#include "auditreport.h"
#include "eventstore.h" // ProgressFn

#include <QString>

#include <optional>

namespace eventlens {

class AuditSnapshot;

enum class AuditFormat { Json, Csv, Pdf };

// "json", "csv", "pdf" (case-insensitive); nullopt for anything else.
std::optional<AuditFormat> auditFormatFromName(const QString &name);
// "json", "csv", "pdf": also the file suffix.
QString auditFormatName(AuditFormat format);

// Writes an audit snapshot to path: JSON = snapshot.text(), CSV = snapshot.csv(), PDF = the audit
// report (auditReportHtml, reading the store) laid out by QTextDocument on A4 pages of a
// QPdfWriter, with the title in the PDF's metadata, "eventlens" as its creator and a footer with
// the page number on each page. The file is written atomically (QSaveFile): a failure leaves no
// file, and an existing file at path is only replaced by a complete new one.
//
// progress (optional) is called with (pages done, pages) while the PDF is drawn and once before
// the file is committed; returning false cancels: nothing is written and AuditCancelled is
// thrown. Throws AuditError naming the path and the reason on failure.
//
// The PDF needs a QGuiApplication (fonts); any thread may call this (the store connection must
// be used by that thread only).
void writeAuditExport(const EventStore &store, const AuditSnapshot &snapshot, AuditFormat format, const QString &path,
                      const AuditReportOptions &reportOptions = {}, const ProgressFn &progress = {});

} // namespace eventlens
