#include "importreport.h"

namespace eventlens {

namespace {

qint64 sum(const std::vector<FileImportReport> &files, qint64 FileImportReport::*field)
{
    qint64 n = 0;
    for (const FileImportReport &f : files)
        n += f.*field;
    return n;
}

} // namespace

qint64 ImportReport::totalRead() const
{
    return sum(files, &FileImportReport::read);
}

qint64 ImportReport::totalImported() const
{
    return sum(files, &FileImportReport::imported);
}

qint64 ImportReport::totalUnchanged() const
{
    return sum(files, &FileImportReport::unchanged);
}

qint64 ImportReport::totalSkipped() const
{
    return sum(files, &FileImportReport::skipped);
}

QString ImportReport::summary() const
{
    QString out;
    for (const FileImportReport &f : files) {
        out += QStringLiteral("%1 (%2): %3 read, %4 imported, %5 already present, %6 skipped, %7 streams\n")
                   .arg(f.file, f.format)
                   .arg(f.read)
                   .arg(f.imported)
                   .arg(f.unchanged)
                   .arg(f.skipped)
                   .arg(f.streams.size());
    }
    for (const ImportIssue &issue : skipped)
        out += QStringLiteral("skipped: ") + issue.toString() + u'\n';
    switch (status) {
    case Status::Ok:
        break;
    case Status::Failed:
        out += QStringLiteral("import failed, nothing imported: ") + (error ? error->toString() : QString()) + u'\n';
        break;
    case Status::Cancelled:
        out += QStringLiteral("import cancelled, nothing imported\n");
        break;
    }
    return out;
}

} // namespace eventlens
