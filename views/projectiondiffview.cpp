#include "projectiondiffview.h"

#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "projectioncomparison.h"
#include "scripteditor.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <climits>

namespace eventlens {

namespace {

constexpr int PartitionRole = Qt::UserRole + 1;

QString jsonText(const nlohmann::ordered_json &value)
{
    return QString::fromStdString(value.dump(2));
}

QString toQString(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

ProjectionDiffView::ProjectionDiffView(QWidget *parent)
    : QWidget(parent)
{
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("diffMode"));
    m_mode->addItem(tr("State at two positions"));
    m_mode->addItem(tr("This script against another version"));

    m_a = new QSpinBox(this);
    m_a->setObjectName(QStringLiteral("diffPositionA"));
    m_b = new QSpinBox(this);
    m_b->setObjectName(QStringLiteral("diffPositionB"));
    for (QSpinBox *spin : {m_a, m_b}) {
        spin->setRange(0, INT_MAX);
        spin->setAccelerated(true);
        spin->setToolTip(tr("The state after the event at this position (0: before the first event)"));
    }
    auto *positions = new QWidget(this);
    auto *positionsLayout = new QHBoxLayout(positions);
    positionsLayout->setContentsMargins(0, 0, 0, 0);
    auto *labelA = new QLabel(tr("&A:"), positions);
    labelA->setBuddy(m_a);
    auto *labelB = new QLabel(tr("&B:"), positions);
    labelB->setBuddy(m_b);
    positionsLayout->addWidget(labelA);
    positionsLayout->addWidget(m_a);
    positionsLayout->addWidget(labelB);
    positionsLayout->addWidget(m_b);
    positionsLayout->addStretch(1);

    m_load = new QPushButton(tr("&Load File…"), this);
    m_load->setObjectName(QStringLiteral("diffLoadButton"));
    m_load->setToolTip(tr("Load the other version of the script from a file"));
    connect(m_load, &QPushButton::clicked, this, &ProjectionDiffView::loadOtherScript);
    auto *scripts = new QWidget(this);
    auto *scriptsLayout = new QHBoxLayout(scripts);
    scriptsLayout->setContentsMargins(0, 0, 0, 0);
    scriptsLayout->addWidget(new QLabel(tr("The other version, below:"), scripts));
    scriptsLayout->addWidget(m_load);
    scriptsLayout->addStretch(1);

    m_inputs = new QStackedWidget(this);
    m_inputs->addWidget(positions);
    m_inputs->addWidget(scripts);
    m_inputs->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    m_compare = new QPushButton(tr("&Compare"), this);
    m_compare->setObjectName(QStringLiteral("diffCompareButton"));
    connect(m_compare, &QPushButton::clicked, this, &ProjectionDiffView::compare);

    auto *controls = new QHBoxLayout;
    controls->addWidget(m_mode);
    controls->addWidget(m_inputs, 1);
    controls->addWidget(m_compare);

    m_other = new ScriptEditor(this);
    m_other->setObjectName(QStringLiteral("diffOtherEditor"));
    m_other->setPlaceholderText(tr("Paste or type the other version of the projection here"));

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("diffSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextBrowserInteraction);
    connect(m_summary, &QLabel::linkActivated, this, [this](const QString &link) {
        bool ok = false;
        const qint64 position = link.section(QLatin1Char(':'), 1).toLongLong(&ok);
        if (ok)
            Q_EMIT positionActivated(position);
    });

    m_partitions = new QListWidget(this);
    m_partitions->setObjectName(QStringLiteral("diffPartitions"));
    m_partitions->setToolTip(tr("The partitions whose states differ"));
    connect(m_partitions, &QListWidget::currentRowChanged, this, &ProjectionDiffView::updateSelection);

    m_patch = new QPlainTextEdit(this);
    m_patch->setObjectName(QStringLiteral("diffPatch"));
    m_patch->setReadOnly(true);
    m_patch->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_patch->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    m_treeA = new JsonTreeView(this);
    m_treeA->setObjectName(QStringLiteral("diffTreeA"));
    m_treeB = new JsonTreeView(this);
    m_treeB->setObjectName(QStringLiteral("diffTreeB"));
    m_labelA = new QLabel(tr("A"), this);
    m_labelB = new QLabel(tr("B (changes from A marked)"), this);
    auto *sideA = new QWidget(this);
    auto *sideALayout = new QVBoxLayout(sideA);
    sideALayout->setContentsMargins(0, 0, 0, 0);
    sideALayout->addWidget(m_labelA);
    sideALayout->addWidget(m_treeA, 1);
    auto *sideB = new QWidget(this);
    auto *sideBLayout = new QVBoxLayout(sideB);
    sideBLayout->setContentsMargins(0, 0, 0, 0);
    sideBLayout->addWidget(m_labelB);
    sideBLayout->addWidget(m_treeB, 1);
    auto *sideBySide = new QSplitter(Qt::Horizontal, this);
    sideBySide->addWidget(sideA);
    sideBySide->addWidget(sideB);
    sideBySide->setChildrenCollapsible(false);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("diffTabs"));
    m_tabs->addTab(m_patch, tr("JSON Patch"));
    m_tabs->addTab(sideBySide, tr("Side by Side"));

    auto *results = new QSplitter(Qt::Horizontal, this);
    results->addWidget(m_partitions);
    results->addWidget(m_tabs);
    results->setStretchFactor(0, 1);
    results->setStretchFactor(1, 4);
    results->setChildrenCollapsible(false);

    auto *body = new QSplitter(Qt::Vertical, this);
    body->addWidget(m_other);
    body->addWidget(results);
    body->setStretchFactor(0, 1);
    body->setStretchFactor(1, 2);
    body->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_summary);
    layout->addWidget(body, 1);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_inputs->setCurrentIndex(index);
        m_other->setVisible(index == int(Mode::Scripts));
    });
    m_other->setVisible(false);
    clear();
}

ProjectionDiffView::~ProjectionDiffView() = default;

ProjectionDiffView::Mode ProjectionDiffView::mode() const
{
    return Mode(m_mode->currentIndex());
}

void ProjectionDiffView::setMode(Mode mode)
{
    m_mode->setCurrentIndex(int(mode));
}

void ProjectionDiffView::setPositionRange(qint64 first, qint64 last)
{
    const int max = int(std::min<qint64>(std::max<qint64>(last, 0), INT_MAX));
    Q_UNUSED(first)
    m_a->setMaximum(max);
    m_b->setMaximum(max);
}

void ProjectionDiffView::setPositions(qint64 a, qint64 b)
{
    m_a->setValue(int(std::min<qint64>(a, INT_MAX)));
    m_b->setValue(int(std::min<qint64>(b, INT_MAX)));
}

qint64 ProjectionDiffView::positionA() const
{
    return m_a->value();
}

qint64 ProjectionDiffView::positionB() const
{
    return m_b->value();
}

void ProjectionDiffView::compare()
{
    if (mode() == Mode::Positions) {
        showMessage(tr("Computing the states at %1 and %2…").arg(positionA()).arg(positionB()), false);
        Q_EMIT positionsDiffRequested(positionA(), positionB());
    } else {
        if (m_other->toPlainText().trimmed().isEmpty()) {
            showMessage(tr("Type, paste or load the other version of the script first."), true);
            return;
        }
        showMessage(tr("Running both versions…"), false);
        Q_EMIT scriptsDiffRequested(m_other->toPlainText());
    }
}

void ProjectionDiffView::loadOtherScript()
{
    auto *dialog = new QFileDialog(this, tr("Load the Other Version"), QString(),
                                   tr("JavaScript (*.js);;All files (*)"));
    dialog->setObjectName(QStringLiteral("diffLoadDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            showMessage(tr("Could not read %1: %2").arg(path, file.errorString()), true);
            return;
        }
        m_other->setPlainText(QString::fromUtf8(file.readAll()));
        setMode(Mode::Scripts);
    });
    dialog->open();
}

void ProjectionDiffView::clear()
{
    m_statesA = Json::object();
    m_statesB = Json::object();
    m_patches = Json::object();
    m_extraPatchText.clear();
    m_firstDivergent = 0;
    m_partitions->clear();
    m_patch->clear();
    m_treeA->model()->clear();
    m_treeB->model()->clear();
    m_summary->setText(tr("Compare the states at two positions, or this script with another version of it."));
    m_summary->setStyleSheet({});
}

void ProjectionDiffView::showMessage(const QString &message, bool error)
{
    m_summary->setText(message.toHtmlEscaped());
    m_summary->setStyleSheet(error ? QStringLiteral("color: #c92a2a;") : QString());
}

QString ProjectionDiffView::partitionLabel(const QString &partition)
{
    return partition.isEmpty() ? tr("(the state)") : partition;
}

void ProjectionDiffView::showPositionDiff(qint64 a, qint64 b, const Json &statesA, const Json &statesB, const Json &patches)
{
    m_nameA = tr("at position %1").arg(a);
    m_nameB = tr("at position %1").arg(b);
    m_firstDivergent = 0;
    setResult(statesA, statesB, patches, {});
    const int n = int(m_patches.size());
    m_summary->setStyleSheet({});
    m_summary->setText(n == 0 ? tr("The states after position %1 and after position %2 are equal.").arg(a).arg(b)
                              : n == 1 ? tr("1 partition differs between position %1 (A) and position %2 (B).").arg(a).arg(b)
                                     : tr("%1 partitions differ between position %2 (A) and position %3 (B).").arg(n).arg(a).arg(b));
}

void ProjectionDiffView::showComparison(const ProjectionComparison &comparison)
{
    m_nameA = tr("this script");
    m_nameB = tr("the other version");
    m_firstDivergent = comparison.firstDivergentPosition;
    QString extra;
    if (!comparison.sharedPatch.empty())
        extra += tr("# shared state\n") + jsonText(comparison.sharedPatch) + QLatin1Char('\n');
    for (auto it = comparison.resultPatches.begin(); it != comparison.resultPatches.end(); ++it)
        extra += tr("# result of %1\n").arg(partitionLabel(toQString(it.key()))) + jsonText(it.value()) + QLatin1Char('\n');
    setResult(comparison.statesA, comparison.statesB, comparison.patches, extra);

    QString text;
    if (comparison.errorA || comparison.errorB) {
        text = (comparison.errorA ? tr("This script failed: %1").arg(comparison.errorA->toString())
                                  : tr("The other version failed: %1").arg(comparison.errorB->toString()))
                   .toHtmlEscaped();
        m_summary->setStyleSheet(QStringLiteral("color: #c92a2a;"));
    } else if (comparison.cancelled) {
        text = tr("The comparison was cancelled.");
        m_summary->setStyleSheet({});
    } else if (comparison.equal) {
        text = tr("Both versions give the same states, shared state and results.");
        m_summary->setStyleSheet({});
    } else {
        m_summary->setStyleSheet({});
        const Event &e = comparison.firstDivergentEvent;
        text = tr("The versions diverge first after <a href=\"position:%1\">position %1</a>").arg(comparison.firstDivergentPosition);
        if (!e.stream.isEmpty())
            text += tr(" (%1 %2)").arg(e.stream.toHtmlEscaped(), e.type.toHtmlEscaped());
        if (!comparison.firstDivergentPartition.isEmpty())
            text += tr(", partition %1").arg(comparison.firstDivergentPartition.toHtmlEscaped());
        const qsizetype n = qsizetype(comparison.patches.size());
        text += n == 1 ? tr("; at the end 1 partition differs.") : tr("; at the end %1 partitions differ.").arg(n);
    }
    m_summary->setText(text);
}

void ProjectionDiffView::setResult(const Json &statesA, const Json &statesB, const Json &patches, const QString &extraPatchText)
{
    m_statesA = statesA.is_object() ? statesA : Json::object();
    m_statesB = statesB.is_object() ? statesB : Json::object();
    m_patches = patches.is_object() ? patches : Json::object();
    m_extraPatchText = extraPatchText;
    m_labelA->setText(tr("A: %1").arg(m_nameA));
    m_labelB->setText(tr("B: %1 (changes from A marked)").arg(m_nameB));
    const QSignalBlocker block(m_partitions);
    m_partitions->clear();
    if (!m_patches.empty()) {
        auto *all = new QListWidgetItem(tr("All partitions"), m_partitions);
        all->setData(PartitionRole, QVariant());
    }
    for (auto it = m_patches.begin(); it != m_patches.end(); ++it) {
        const QString partition = toQString(it.key());
        auto *item = new QListWidgetItem(partitionLabel(partition), m_partitions);
        item->setData(PartitionRole, partition);
        item->setToolTip(it.value().size() == 1 ? tr("1 operation") : tr("%1 operations").arg(qsizetype(it.value().size())));
    }
    // The first differing partition is the one shown side by side; the patch text shows all.
    m_partitions->setCurrentRow(m_patches.empty() ? -1 : 0);
    updateSelection();
}

QStringList ProjectionDiffView::differingPartitions() const
{
    QStringList out;
    for (auto it = m_patches.begin(); it != m_patches.end(); ++it)
        out.append(toQString(it.key()));
    return out;
}

void ProjectionDiffView::selectPartition(const QString &partition)
{
    for (int row = 0; row < m_partitions->count(); ++row) {
        const QVariant value = m_partitions->item(row)->data(PartitionRole);
        if (value.isValid() && value.toString() == partition) {
            m_partitions->setCurrentRow(row);
            return;
        }
    }
}

QString ProjectionDiffView::selectedPartition() const
{
    const QListWidgetItem *item = m_partitions->currentItem();
    return item ? item->data(PartitionRole).toString() : QString();
}

QString ProjectionDiffView::patchText() const
{
    return m_patch->toPlainText();
}

void ProjectionDiffView::updateSelection()
{
    const QListWidgetItem *item = m_partitions->currentItem();
    const bool all = !item || !item->data(PartitionRole).isValid();
    QString text;
    if (m_patches.empty() && m_extraPatchText.isEmpty()) {
        text = tr("[]  (no difference)");
    } else if (all) {
        for (auto it = m_patches.begin(); it != m_patches.end(); ++it)
            text += QStringLiteral("# ") + partitionLabel(toQString(it.key())) + QLatin1Char('\n') + jsonText(it.value()) + QLatin1Char('\n');
        text += m_extraPatchText;
    } else {
        const std::string key = item->data(PartitionRole).toString().toStdString();
        text = QStringLiteral("# ") + partitionLabel(QString::fromStdString(key)) + QLatin1Char('\n')
            + jsonText(m_patches.contains(key) ? m_patches[key] : Json::array()) + QLatin1Char('\n');
    }
    m_patch->setPlainText(text);

    // Side by side: the selected partition, or the first that differs when "all" is selected.
    QString partition;
    if (!all)
        partition = item->data(PartitionRole).toString();
    else if (!m_patches.empty())
        partition = toQString(m_patches.begin().key());
    const std::string key = partition.toStdString();
    const Json a = m_statesA.contains(key) ? m_statesA[key] : Json();
    const Json b = m_statesB.contains(key) ? m_statesB[key] : Json();
    if (m_patches.empty()) {
        m_treeA->model()->clear();
        m_treeB->model()->clear();
        return;
    }
    m_treeA->model()->setDocument(a);
    m_treeB->model()->setDocumentWithDiff(b, a);
    m_labelA->setText(tr("A: %1 · %2").arg(partitionLabel(partition), m_nameA));
    m_labelB->setText(tr("B: %1 · %2 (changes from A marked)").arg(partitionLabel(partition), m_nameB));
}

} // namespace eventlens
