#include "eventexportdialog.h"

#include "timeutil.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace eventlens {

EventExportDialog::EventExportDialog(const EventQuery &filtered, bool predicateActive,
                                     const QString &defaultFolder, QWidget *parent)
    : QDialog(parent)
    , m_query(filtered)
{
    setWindowTitle(tr("Export Events"));
    setObjectName(QStringLiteral("eventExportDialog"));
    // An export reads forward and whole: a newest-first view or a page limit is not a choice
    // of what to export.
    m_query.backward = false;
    m_query.limit = -1;

    m_all = new QRadioButton(tr("&All events of the store"), this);
    m_filtered = new QRadioButton(tr("The events the &log shows: %1").arg(describe(filtered)), this);
    m_all->setObjectName(QStringLiteral("allEvents"));
    m_filtered->setObjectName(QStringLiteral("filteredEvents"));
    m_filtered->setChecked(true);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("format"));
    m_format->addItem(tr("JSON Lines (canonical events)"), int(EventWriter::Format::JsonLines));
    m_format->addItem(tr("CSV"), int(EventWriter::Format::Csv));
    m_format->addItem(tr("CloudEvents 1.0 (JSON Lines)"), int(EventWriter::Format::CloudEvents));

    m_destination = new QLineEdit(this);
    m_destination->setObjectName(QStringLiteral("destination"));
    m_destination->setText(QDir(defaultFolder).filePath(QStringLiteral("events.jsonl")));
    auto *browseButton = new QPushButton(tr("&Browse…"), this);
    auto *destinationRow = new QHBoxLayout;
    destinationRow->addWidget(m_destination, 1);
    destinationRow->addWidget(browseButton);

    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setObjectName(QStringLiteral("note"));
    QString note = tr("eventlens imports each format back to the same events (stream, version, id, type, data, metadata, time). "
                      "The file appears only when the export is complete.");
    if (predicateActive)
        note += u' ' + tr("The JavaScript predicate is not applied: the export takes the filter's streams, types, pattern and time range.");
    m_note->setText(note);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Export"));

    auto *form = new QFormLayout;
    auto *scope = new QVBoxLayout;
    scope->addWidget(m_filtered);
    scope->addWidget(m_all);
    form->addRow(tr("Events:"), scope);
    form->addRow(tr("&Format:"), m_format);
    form->addRow(tr("&Destination:"), destinationRow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(m_buttons);

    connect(browseButton, &QPushButton::clicked, this, &EventExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, &EventExportDialog::formatChanged);
    connect(m_destination, &QLineEdit::textChanged, this, &EventExportDialog::updateOk);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(620, sizeHint().height());
    updateOk();
}

QString EventExportDialog::describe(const EventQuery &query)
{
    QStringList parts;
    if (!query.stream.isEmpty())
        parts << tr("stream %1").arg(query.stream);
    if (!query.category.isEmpty())
        parts << tr("category %1").arg(query.category);
    if (!query.streamGlob.isEmpty())
        parts << tr("streams matching %1").arg(query.streamGlob);
    if (!query.types.isEmpty())
        parts << (query.types.size() == 1 ? tr("type %1") : tr("types %1")).arg(query.types.join(QStringLiteral(", ")));
    if (query.fromPosition)
        parts << tr("from position %1").arg(*query.fromPosition);
    if (query.toPosition)
        parts << tr("to position %1").arg(*query.toPosition);
    if (query.sinceMs)
        parts << tr("since %1").arg(timeutil::formatIsoString(*query.sinceMs));
    if (query.untilMs)
        parts << tr("before %1").arg(timeutil::formatIsoString(*query.untilMs));
    return parts.isEmpty() ? tr("no filter") : parts.join(QStringLiteral(", "));
}

EventQuery EventExportDialog::query() const
{
    return m_all->isChecked() ? EventQuery{} : m_query;
}

EventWriter::Format EventExportDialog::format() const
{
    return EventWriter::Format(m_format->currentData().toInt());
}

QString EventExportDialog::destination() const
{
    return m_destination->text().trimmed();
}

void EventExportDialog::browse()
{
    const QString suffix = EventWriter::fileSuffix(format());
    auto *dialog = new QFileDialog(this, tr("Export Events To"), destination());
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(suffix);
    dialog->setNameFilter(tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &file) { m_destination->setText(file); });
    dialog->open();
}

void EventExportDialog::formatChanged()
{
    // The destination's suffix follows the format (events.jsonl -> events.csv).
    const QString path = destination();
    if (path.isEmpty())
        return;
    const QFileInfo info(path);
    const QString suffix = EventWriter::fileSuffix(format());
    if (info.suffix() == suffix)
        return;
    m_destination->setText(QDir(info.path()).filePath(info.completeBaseName() + u'.' + suffix));
}

void EventExportDialog::updateOk()
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!destination().isEmpty());
}

} // namespace eventlens
