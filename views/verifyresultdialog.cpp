#include "verifyresultdialog.h"

#include "auditsnapshot.h"
#include "eventstore.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace eventlens {

namespace {

constexpr int MaxMeasuredRows = 500;
const QString OkStyle = QStringLiteral("font-weight: bold; font-size: 11pt; color: #2b8a3e;");
const QString BadStyle = QStringLiteral("font-weight: bold; font-size: 11pt; color: #c92a2a;");

QString fileName(const QString &path)
{
    return QFileInfo(path).fileName();
}

} // namespace

VerifyResultDialog::VerifyResultDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("verifyResultDialog"));
    setWindowTitle(tr("Verification"));

    m_headline = new QLabel(this);
    m_headline->setObjectName(QStringLiteral("verifyHeadline"));
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("verifyDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels({tr("Position"), tr("Path"), tr("Difference")});
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("verifyDifferences"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setToolTip(tr("Double-click a row with a position to select that event in the log"));
    connect(m_table->horizontalHeader(), &QHeaderView::sectionResized, this, [this] {
        if (m_model->rowCount() <= MaxMeasuredRows)
            m_table->resizeRowsToContents();
    });
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        const qint64 position = index.data(PositionRole).toLongLong();
        if (position > 0)
            Q_EMIT positionActivated(position);
    });

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_goToFirst = buttons->addButton(tr("&Go to First Bad Position"), QDialogButtonBox::ActionRole);
    m_goToFirst->setObjectName(QStringLiteral("goToFirstBadButton"));
    m_goToFirst->setEnabled(false);
    connect(m_goToFirst, &QPushButton::clicked, this, [this] {
        if (m_firstBad > 0)
            Q_EMIT positionActivated(m_firstBad);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(m_detail);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(780, 420);
}

QString VerifyResultDialog::headlineText() const
{
    return m_headline->text();
}

QString VerifyResultDialog::detailText() const
{
    return m_detail->text();
}

void VerifyResultDialog::reset(const QString &title)
{
    setWindowTitle(title);
    m_model->removeRows(0, m_model->rowCount());
    m_ok = false;
    m_firstBad = 0;
    m_detail->clear();
}

void VerifyResultDialog::setHeadline(bool ok, const QString &text)
{
    m_ok = ok;
    m_headline->setStyleSheet(ok ? OkStyle : BadStyle);
    m_headline->setText((ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + text);
}

void VerifyResultDialog::addRow(qint64 position, const QString &path, const QString &message)
{
    auto *positionItem = new QStandardItem;
    if (position > 0)
        positionItem->setData(position, Qt::DisplayRole);
    auto *pathItem = new QStandardItem(path);
    auto *messageItem = new QStandardItem(message);
    messageItem->setToolTip(message);
    QList<QStandardItem *> row{positionItem, pathItem, messageItem};
    for (QStandardItem *item : row) {
        item->setEditable(false);
        item->setData(position, PositionRole);
    }
    m_model->appendRow(row);
}

void VerifyResultDialog::finish()
{
    m_goToFirst->setEnabled(m_firstBad > 0);
    m_goToFirst->setText(m_firstBad > 0 ? tr("&Go to Position %1").arg(m_firstBad) : tr("&Go to First Bad Position"));
    m_table->setVisible(m_model->rowCount() > 0);
    m_table->resizeColumnToContents(PositionColumn);
    m_table->resizeColumnToContents(PathColumn);
    // Whole messages, wrapped, while the list is short enough to measure every row: now, and
    // again once the dialog has its final width (the message column stretches to it).
    if (m_model->rowCount() <= MaxMeasuredRows) {
        m_table->resizeRowsToContents();
        QTimer::singleShot(0, m_table, [this] {
            if (m_model->rowCount() <= MaxMeasuredRows)
                m_table->resizeRowsToContents();
        });
    }
    if (m_model->rowCount() > 0) {
        const QModelIndex first = m_model->index(0, 0);
        m_table->setCurrentIndex(first);
    }
}

void VerifyResultDialog::showStoreResult(const QString &storePath, const VerifyResult &result, const QString &headHash)
{
    reset(tr("Verify Store — %1").arg(fileName(storePath)));
    if (result.ok) {
        setHeadline(true, tr("%1 verified: %2 events, head hash %3")
                              .arg(fileName(storePath), QLocale().toString(result.checked), headHash));
        m_detail->setText(tr("Every event's SHA-256 hash was recomputed and matches the chain, up to the head."));
    } else {
        m_firstBad = result.firstBadPosition;
        setHeadline(false, tr("Verification failed at position %1: %2").arg(result.firstBadPosition).arg(result.message));
        m_detail->setText(tr("%1: the events before position %2 verify (%3 checked); the chain breaks there — an event was "
                             "altered, removed or inserted behind eventlens's back.")
                              .arg(QDir::toNativeSeparators(storePath))
                              .arg(result.firstBadPosition)
                              .arg(QLocale().toString(result.checked)));
        addRow(result.firstBadPosition, QStringLiteral("chain"), result.message);
    }
    finish();
}

void VerifyResultDialog::showSnapshotResult(const QString &snapshotPath, const QString &storePath,
                                            const AuditVerification &verification)
{
    reset(tr("Verify Snapshot — %1").arg(fileName(snapshotPath)));
    m_firstBad = verification.firstBadPosition;
    if (verification.ok) {
        setHeadline(true, tr("%1 matches %2").arg(fileName(snapshotPath), fileName(storePath)));
    } else if (verification.firstBadPosition > 0) {
        setHeadline(false, tr("%1 does not match %2: the first bad position is %3")
                               .arg(fileName(snapshotPath), fileName(storePath))
                               .arg(verification.firstBadPosition));
    } else {
        setHeadline(false, tr("%1 does not match %2").arg(fileName(snapshotPath), fileName(storePath)));
    }
    QStringList details;
    details.append(verification.summary());
    details.append(tr("Digest: %1. Hash chain checked for %2 events.")
                       .arg(verification.digestOk ? tr("matches the content") : tr("does NOT match the content"),
                            QLocale().toString(verification.checked)));
    m_detail->setText(details.join(QLatin1Char('\n')));
    for (const AuditDifference &difference : verification.differences)
        addRow(difference.position, difference.path, difference.message);
    finish();
}

void VerifyResultDialog::showFailure(const QString &title, const QString &message)
{
    reset(title);
    setHeadline(false, tr("Could not verify: %1").arg(message));
    finish();
}

} // namespace eventlens
