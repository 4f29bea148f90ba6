#include "importreviewdialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace eventlens {

ImportReviewDialog::ImportReviewDialog(const ImportReport &report, QWidget *parent)
    : QDialog(parent)
    , m_list(report.skipped)
{
    setWindowTitle(tr("Import: Bad Records"));
    setObjectName(QStringLiteral("importReviewDialog"));

    const qint64 read = report.totalRead();
    const qint64 bad = qint64(m_list.size());
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setText(tr("%1 of %2 records cannot be imported. Nothing has been imported yet.\n"
                          "Skip them and import the other %3 records, or abort and import nothing?")
                           .arg(QLocale().toString(bad), QLocale().toString(read), QLocale().toString(std::max<qint64>(0, read - bad))));

    m_issues = new QStandardItemModel(0, 5, this);
    m_issues->setHorizontalHeaderLabels({tr("File"), tr("Line"), tr("Record"), tr("Field"), tr("Reason")});
    for (const ImportIssue &issue : m_list) {
        auto *file = new QStandardItem(QFileInfo(issue.file).fileName());
        file->setToolTip(QDir::toNativeSeparators(issue.file));
        auto *line = new QStandardItem;
        if (issue.line > 0)
            line->setData(issue.line, Qt::DisplayRole);
        auto *record = new QStandardItem;
        if (issue.index >= 0)
            record->setData(issue.index + 1, Qt::DisplayRole); // 1-based, as in the CLI's messages
        auto *field = new QStandardItem(issue.field);
        auto *reason = new QStandardItem(issue.reason);
        reason->setToolTip(issue.reason);
        QList<QStandardItem *> row{file, line, record, field, reason};
        for (QStandardItem *item : row)
            item->setEditable(false);
        m_issues->appendRow(row);
    }

    m_table = new QTableView(this);
    m_table->setModel(m_issues);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSortingEnabled(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->resizeColumnsToContents();
    m_table->setWordWrap(false);

    auto *buttons = new QDialogButtonBox(this);
    m_skip = buttons->addButton(tr("&Skip Bad Records"), QDialogButtonBox::AcceptRole);
    m_abort = buttons->addButton(tr("&Abort Import"), QDialogButtonBox::RejectRole);
    auto *copy = buttons->addButton(tr("&Copy List"), QDialogButtonBox::ActionRole);
    m_abort->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(issuesText()); });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(860, 420);
}

QString ImportReviewDialog::issuesText() const
{
    QStringList lines;
    for (const ImportIssue &issue : m_list)
        lines.append(issue.toString());
    return lines.join(QLatin1Char('\n'));
}

} // namespace eventlens
