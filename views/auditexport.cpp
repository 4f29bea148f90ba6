#include "auditexport.h"

#include "auditsnapshot.h"

#include <QAbstractTextDocumentLayout>
#include <QDir>
#include <QFont>
#include <QFontMetricsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPalette>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextFrameFormat>

#include <algorithm>

namespace eventlens {

namespace {

// Page margins of the report, in millimetres; the footer (store, point, page number) takes the
// bottom of each page's printable area.
const QMarginsF PageMarginsMm(16, 14, 16, 12);
constexpr qreal FooterPointSize = 7;

QString where(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

[[noreturn]] void fail(const QString &path, const QString &reason)
{
    throw AuditError(QStringLiteral("could not write %1: %2").arg(where(path), reason));
}

void openFile(QSaveFile &file, const QString &path)
{
    if (path.isEmpty())
        throw AuditError(QStringLiteral("no destination file given"));
    if (!file.open(QIODevice::WriteOnly))
        fail(path, file.errorString());
}

void commitFile(QSaveFile &file, const QString &path, const ProgressFn &progress)
{
    if (progress && !progress(1, 1)) {
        file.cancelWriting();
        throw AuditCancelled();
    }
    if (!file.commit())
        fail(path, file.errorString());
}

void writeBytes(const QByteArray &bytes, const QString &path, const ProgressFn &progress)
{
    QSaveFile file(path);
    openFile(file, path);
    if (file.write(bytes) != bytes.size())
        fail(path, file.errorString());
    commitFile(file, path, progress);
}

void writePdf(const EventStore &store, const AuditSnapshot &snapshot, const QString &path, const AuditReportOptions &options,
              const ProgressFn &progress)
{
    const QString html = auditReportHtml(store, snapshot, options);
    const QString title = QStringLiteral("Audit snapshot of %1 at position %2").arg(snapshot.storeName()).arg(snapshot.position());

    QSaveFile file(path);
    openFile(file, path);
    {
        QPdfWriter writer(&file);
        writer.setTitle(title);
        writer.setCreator(QStringLiteral("eventlens"));
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(PageMarginsMm, QPageLayout::Millimeter);

        QPainter painter;
        if (!painter.begin(&writer))
            fail(path, QStringLiteral("the PDF could not be started"));

        // Laid out in the writer's device pixels (QTextDocument::print does the same); the
        // page margins are the writer's, the footer takes the bottom of each page.
        QTextDocument document;
        document.setUndoRedoEnabled(false);
        QFont font(QStringLiteral("DejaVu Sans"));
        font.setPointSizeF(9);
        // No ligatures ("ﬁ"): the text of the PDF is searched and copied by its readers.
        font.setStyleStrategy(QFont::PreferNoShaping);
        document.setDefaultFont(font);
        document.documentLayout()->setPaintDevice(&writer);
        QTextFrameFormat rootFormat = document.rootFrame()->frameFormat();
        rootFormat.setMargin(0);
        rootFormat.setPadding(0);
        document.rootFrame()->setFrameFormat(rootFormat);
        document.setHtml(html);

        QFont footerFont(QStringLiteral("DejaVu Sans"));
        footerFont.setPointSizeF(FooterPointSize);
        footerFont.setStyleStrategy(QFont::PreferNoShaping);
        const QFontMetricsF footerMetrics(footerFont, &writer);
        const qreal footerHeight = footerMetrics.height() * 2.5;
        const QRectF page(0, 0, writer.width(), writer.height());
        const QSizeF body(page.width(), std::max<qreal>(page.height() - footerHeight, page.height() / 2));
        document.setPageSize(body);
        const int pages = std::max(1, document.pageCount());

        const QString footerLeft = QStringLiteral("%1 · audit snapshot at position %2 · digest %3")
                                       .arg(snapshot.storeName())
                                       .arg(snapshot.position())
                                       .arg(snapshot.digest().left(16));
        for (int index = 0; index < pages; ++index) {
            if (progress && !progress(index, pages)) {
                painter.end();
                file.cancelWriting();
                throw AuditCancelled();
            }
            if (index > 0 && !writer.newPage())
                fail(path, QStringLiteral("a new page could not be started"));
            painter.save();
            const QRectF view(0, index * body.height(), body.width(), body.height());
            painter.translate(0, -view.top());
            painter.setClipRect(view);
            QAbstractTextDocumentLayout::PaintContext context;
            context.clip = view;
            context.palette.setColor(QPalette::Text, Qt::black);
            document.documentLayout()->draw(&painter, context);
            painter.restore();

            painter.save();
            painter.setFont(footerFont);
            painter.setPen(QColor(0x55, 0x55, 0x55));
            const qreal y = page.height() - footerMetrics.descent();
            const QString pageText = QStringLiteral("page %1 of %2").arg(index + 1).arg(pages);
            const qreal pageWidth = footerMetrics.horizontalAdvance(pageText);
            const QString left = footerMetrics.elidedText(footerLeft, Qt::ElideRight, page.width() - pageWidth - footerMetrics.height());
            painter.drawText(QPointF(0, y), left);
            painter.drawText(QPointF(page.width() - pageWidth, y), pageText);
            painter.restore();
        }
        if (!painter.end())
            fail(path, QStringLiteral("the PDF could not be finished"));
    }
    commitFile(file, path, progress);
}

} // namespace

std::optional<AuditFormat> auditFormatFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("json"))
        return AuditFormat::Json;
    if (n == QLatin1String("csv"))
        return AuditFormat::Csv;
    if (n == QLatin1String("pdf"))
        return AuditFormat::Pdf;
    return std::nullopt;
}

QString auditFormatName(AuditFormat format)
{
    switch (format) {
    case AuditFormat::Json:
        return QStringLiteral("json");
    case AuditFormat::Csv:
        return QStringLiteral("csv");
    case AuditFormat::Pdf:
        return QStringLiteral("pdf");
    }
    return {};
}

void writeAuditExport(const EventStore &store, const AuditSnapshot &snapshot, AuditFormat format, const QString &path,
                      const AuditReportOptions &reportOptions, const ProgressFn &progress)
{
    try {
        switch (format) {
        case AuditFormat::Json:
            writeBytes(snapshot.text(), path, progress);
            return;
        case AuditFormat::Csv:
            writeBytes(snapshot.csv(), path, progress);
            return;
        case AuditFormat::Pdf:
            writePdf(store, snapshot, path, reportOptions, progress);
            return;
        }
    } catch (const AuditError &) {
        throw;
    } catch (const std::exception &e) {
        // Reading the store for the report failed (StoreError), or the JSON could not be made.
        fail(path, QString::fromUtf8(e.what()));
    }
}

} // namespace eventlens
