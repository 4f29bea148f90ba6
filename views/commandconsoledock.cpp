#include "commandconsoledock.h"

#include "cqrsflowview.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "scripteditor.h"
#include "timeutil.h"

#include <QAction>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMainWindow>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextDocument>
#include <QTime>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

const QString LoadItem = QStringLiteral("__load_decider__");
constexpr int RequestRole = Qt::UserRole + 1;  // history: the request id (time column)
constexpr int DataRole = Qt::UserRole + 2;     // history: the payload, compact JSON
constexpr int ExpectedRole = Qt::UserRole + 3; // history: the expected version as text
constexpr int ClientRole = Qt::UserRole + 4;   // history: the race client (-1: a plain command)
constexpr int PositionRole = Qt::UserRole + 5; // events: the event's position
constexpr int MaxHistory = 500;

enum EventColumn { EventTypeColumn, EventStreamColumn, EventPositionColumn, EventColumnCount };
enum SnapshotColumn { SnapshotVersionColumn, SnapshotDeciderColumn, SnapshotTimeColumn, SnapshotColumnCount };

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

QString milliseconds(qint64 us)
{
    return QStringLiteral("%1 ms").arg(QLocale().toString(double(us) / 1000.0, 'f', us < 10000 ? 2 : 1));
}

QString versionText(qint64 version)
{
    return version < 0 ? QStringLiteral("-1 (no stream)") : QString::number(version);
}

// "version 3", or "no events" for -1.
QString versionLabel(qint64 version)
{
    return version < 0 ? CommandConsoleDock::tr("no events") : CommandConsoleDock::tr("version %1").arg(version);
}

CommandOutcome failedOutcomeFor(const QString &message)
{
    CommandOutcome outcome;
    outcome.kind = CommandOutcome::Kind::Failed;
    outcome.message = message;
    return outcome;
}

QString clientName(int client)
{
    return client == 0 ? QStringLiteral("A") : QStringLiteral("B");
}

QString compact(const Json &json)
{
    return QString::fromStdString(json.dump());
}

QTableWidgetItem *readOnlyItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

} // namespace

CommandConsoleDock::CommandConsoleDock(QWidget *parent)
    : QDockWidget(tr("Command Console"), parent)
{
    setObjectName(QStringLiteral("commandConsoleDock"));
    setAllowedAreas(Qt::AllDockWidgetAreas);
    m_session = new CommandSession(this);
    connect(m_session, &CommandSession::finished, this, &CommandConsoleDock::onFinished);
    connect(m_session, &CommandSession::busyChanged, this, &CommandConsoleDock::updateStatus);
    connect(m_session, &CommandSession::domainsChanged, this, [this] { fillDomains(m_currentDomain); });

    m_stateTimer = new QTimer(this);
    m_stateTimer->setSingleShot(true);
    m_stateTimer->setInterval(250);
    connect(m_stateTimer, &QTimer::timeout, this, &CommandConsoleDock::requestState);

    m_sendAction = new QAction(tr("Send"), this);
    m_sendAction->setObjectName(QStringLiteral("commandSendAction"));
    m_sendAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    m_sendAction->setShortcutContext(Qt::WindowShortcut);
    connect(m_sendAction, &QAction::triggered, this, &CommandConsoleDock::send);
    addAction(m_sendAction); // active while the dock is shown, wherever the focus is in its window
    m_raceAction = new QAction(tr("Race Both"), this);
    m_raceAction->setObjectName(QStringLiteral("commandRaceAction"));
    m_raceAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
    m_raceAction->setShortcutContext(Qt::WindowShortcut);
    connect(m_raceAction, &QAction::triggered, this, &CommandConsoleDock::race);
    addAction(m_raceAction);

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->setObjectName(QStringLiteral("commandConsoleSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(createComposer());
    splitter->addWidget(createOutcomePane());
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("commandConsoleTabs"));
    m_tabs->addTab(createHistoryPane(), tr("History"));
    m_racePane = createRacePane();
    m_tabs->addTab(m_racePane, tr("Race"));
    m_snapshotsPane = createSnapshotsPane();
    m_tabs->addTab(m_snapshotsPane, tr("Snapshots"));
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 5);
    splitter->setStretchFactor(2, 4);
    splitter->setSizes({300, 500, 400});

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("commandStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    setWidget(content);

    fillDomains(QStringLiteral("bank"));
    updateStatus();
}

CommandConsoleDock::~CommandConsoleDock() = default;

// --- widgets ---------------------------------------------------------------------------------

QWidget *CommandConsoleDock::createComposer()
{
    auto *pane = new QWidget;
    m_domain = new QComboBox(pane);
    m_domain->setObjectName(QStringLiteral("commandDomain"));
    m_domain->setToolTip(tr("The aggregate's domain: a bundled decider, or one loaded from a .js file"));
    connect(m_domain, &QComboBox::activated, this, [this](int index) {
        if (m_domain->itemData(index).toString() == LoadItem) {
            const QSignalBlocker block(m_domain);
            m_domain->setCurrentIndex(std::max(0, m_domain->findData(m_currentDomain)));
            loadDeciderDialog();
        }
    });
    connect(m_domain, &QComboBox::currentIndexChanged, this, [this] {
        if (m_domain->currentData().toString() != LoadItem && domain() != m_currentDomain)
            onDomainChanged();
    });

    m_stream = new QComboBox(pane);
    m_stream->setObjectName(QStringLiteral("commandStream"));
    m_stream->setEditable(true);
    m_stream->setInsertPolicy(QComboBox::NoInsert);
    m_stream->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_stream->setMinimumContentsLength(12);
    m_stream->completer()->setCompletionMode(QCompleter::PopupCompletion);
    m_stream->completer()->setFilterMode(Qt::MatchContains);
    m_stream->setToolTip(tr("The stream (aggregate) the command goes to: one of the domain's streams, or a new name "
                            "(the first entry is a free one)"));
    connect(m_stream, &QComboBox::editTextChanged, this, [this] { m_stateTimer->start(); });
    m_streamInfo = new QLabel(pane);
    m_streamInfo->setObjectName(QStringLiteral("commandStreamInfo"));
    m_streamInfo->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("version 00000")));
    auto *streamRow = new QHBoxLayout;
    streamRow->addWidget(m_stream, 1);
    streamRow->addWidget(m_streamInfo);

    m_type = new QComboBox(pane);
    m_type->setObjectName(QStringLiteral("commandType"));
    m_type->setToolTip(tr("The command type, from the decider's `commands`; choosing one fills in its template"));
    connect(m_type, &QComboBox::currentIndexChanged, this, &CommandConsoleDock::onTypeChanged);

    m_payload = new ScriptEditor(pane);
    m_payload->setObjectName(QStringLiteral("commandPayload"));
    m_payload->setToolTip(tr("The command's data: a JSON object"));
    m_payload->setTabChangesFocus(true);

    m_expectedMode = new QComboBox(pane);
    m_expectedMode->setObjectName(QStringLiteral("commandExpectedMode"));
    m_expectedMode->addItem(tr("current"), int(ExpectedMode::Current));
    m_expectedMode->addItem(tr("any"), int(ExpectedMode::Any));
    m_expectedMode->addItem(tr("exactly"), int(ExpectedMode::Exact));
    m_expectedMode->setToolTip(tr("current: the version the handler loads (a conflict is retried with a fresh load); "
                                  "any: no check; exactly: the version in the box (a stale one is a conflict)"));
    m_expectedSpin = new QSpinBox(pane);
    m_expectedSpin->setObjectName(QStringLiteral("commandExpectedVersion"));
    m_expectedSpin->setRange(-1, INT_MAX);
    m_expectedSpin->setSpecialValueText(tr("-1 (no stream)"));
    m_expectedSpin->setValue(-1);
    m_expectedSpin->setEnabled(false);
    connect(m_expectedMode, &QComboBox::currentIndexChanged, this, [this] {
        m_expectedSpin->setEnabled(expectedMode() == ExpectedMode::Exact);
    });

    m_send = new QPushButton(tr("&Send"), pane);
    m_send->setObjectName(QStringLiteral("commandSend"));
    m_send->setToolTip(tr("Send the command (%1)").arg(m_sendAction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_send, &QPushButton::clicked, this, &CommandConsoleDock::send);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Domain:"), m_domain);
    auto *streamLabel = new QLabel(tr("S&tream:"), pane);
    streamLabel->setBuddy(m_stream);
    form->addRow(streamLabel, streamRow);
    form->addRow(tr("&Command:"), m_type);
    auto *payloadLabel = new QLabel(tr("&Payload (JSON):"), pane);
    payloadLabel->setBuddy(m_payload);
    auto *expectedLabel = new QLabel(tr("E&xpected version:"), pane);
    expectedLabel->setBuddy(m_expectedMode);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(expectedLabel);
    bottom->addWidget(m_expectedMode);
    bottom->addWidget(m_expectedSpin, 1);
    bottom->addWidget(m_send);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(form);
    layout->addWidget(payloadLabel);
    layout->addWidget(m_payload, 1);
    layout->addLayout(bottom);
    return pane;
}

QWidget *CommandConsoleDock::createOutcomePane()
{
    auto *pane = new QWidget;
    m_outcome = new QLabel(pane);
    m_outcome->setObjectName(QStringLiteral("commandOutcome"));
    m_outcome->setTextFormat(Qt::RichText);
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setMinimumHeight(fontMetrics().height() * 2 + 14);
    m_outcome->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);

    m_events = new QTableWidget(0, EventColumnCount, pane);
    m_events->setObjectName(QStringLiteral("commandEvents"));
    m_events->setHorizontalHeaderLabels({tr("Event"), tr("Stream@version"), tr("Position")});
    m_events->verticalHeader()->setVisible(false);
    m_events->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_events->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_events->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_events->setSelectionMode(QAbstractItemView::SingleSelection);
    m_events->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_events->setMaximumHeight((fontMetrics().height() + 6) * 4 + m_events->horizontalHeader()->sizeHint().height() + 4);
    m_events->setToolTip(tr("The events the last command appended; double-click one to select it in the log"));
    connect(m_events, &QTableWidget::cellDoubleClicked, this, [this](int row) { activateEvent(row); });
    m_showInLog = new QPushButton(tr("Show in &Log"), pane);
    m_showInLog->setObjectName(QStringLiteral("commandShowInLog"));
    m_showInLog->setToolTip(tr("Select the appended event in the log"));
    m_showInLog->setEnabled(false);
    connect(m_showInLog, &QPushButton::clicked, this, [this] {
        activateEvent(std::max(0, m_events->currentRow()));
    });
    auto *eventsRow = new QHBoxLayout;
    eventsRow->addWidget(m_events, 1);
    eventsRow->addWidget(m_showInLog, 0, Qt::AlignTop);

    m_stateTitle = new QLabel(pane);
    m_stateTitle->setObjectName(QStringLiteral("commandStateTitle"));
    m_stateTitle->setTextFormat(Qt::RichText);
    m_stateTitle->setWordWrap(true);
    m_before = new JsonTreeView(pane);
    m_before->setObjectName(QStringLiteral("commandStateBefore"));
    m_after = new JsonTreeView(pane);
    m_after->setObjectName(QStringLiteral("commandStateAfter"));
    for (JsonTreeView *view : {m_before, m_after}) { // narrow side by side: the values show their types
        view->treeView()->setColumnHidden(JsonTreeModel::TypeColumn, true);
        view->treeView()->header()->setStretchLastSection(false);
        view->treeView()->header()->setSectionResizeMode(JsonTreeModel::KeyColumn, QHeaderView::ResizeToContents);
        view->treeView()->header()->setSectionResizeMode(JsonTreeModel::ValueColumn, QHeaderView::Stretch);
    }
    const auto titled = [pane](const QString &title, QWidget *widget) {
        auto *box = new QWidget(pane);
        auto *label = new QLabel(title, box);
        auto *layout = new QVBoxLayout(box);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(1);
        layout->addWidget(label);
        layout->addWidget(widget, 1);
        return box;
    };
    auto *states = new QSplitter(Qt::Horizontal, pane);
    states->setChildrenCollapsible(false);
    states->addWidget(titled(tr("Before"), m_before));
    states->addWidget(titled(tr("After (changes marked)"), m_after));

    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_outcome);
    layout->addLayout(eventsRow);
    layout->addWidget(m_stateTitle);
    layout->addWidget(states, 1);
    showOutcomeMessage(tr("Choose a command and Send it (%1).").arg(m_sendAction->shortcut().toString(QKeySequence::NativeText)),
                       std::nullopt);
    return pane;
}

QWidget *CommandConsoleDock::createHistoryPane()
{
    auto *pane = new QWidget;
    m_history = new QTableWidget(0, HistoryColumnCount, pane);
    m_history->setObjectName(QStringLiteral("commandHistory"));
    m_history->setHorizontalHeaderLabels({tr("Time"), tr("Domain"), tr("Stream"), tr("Command"), tr("Outcome"), tr("Duration")});
    m_history->verticalHeader()->setVisible(false);
    m_history->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_history->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_history->horizontalHeader()->setSectionResizeMode(OutcomeColumn, QHeaderView::Stretch);
    m_history->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_history->setSelectionMode(QAbstractItemView::SingleSelection);
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->setToolTip(tr("Commands sent, newest first; double-click one (or Re-send) to send it again"));
    connect(m_history, &QTableWidget::cellDoubleClicked, this, [this](int row) { resend(row); });
    m_resend = new QPushButton(tr("&Re-send"), pane);
    m_resend->setObjectName(QStringLiteral("commandResend"));
    m_resend->setEnabled(false);
    connect(m_history, &QTableWidget::itemSelectionChanged, this, [this] {
        m_resend->setEnabled(!m_history->selectionModel()->selectedRows().isEmpty());
    });
    connect(m_resend, &QPushButton::clicked, this, [this] { resend(m_history->currentRow()); });
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_resend);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_history, 1);
    layout->addLayout(buttons);
    return pane;
}

QWidget *CommandConsoleDock::createRacePane()
{
    auto *pane = new QWidget;
    pane->setObjectName(QStringLiteral("commandRacePane"));
    const QString explanation = tr("Two clients, each with its own connection, load the stream at the same version and "
                                   "decide; then both append expecting that version at once. One wins, the other gets a "
                                   "conflict.");
    pane->setToolTip(explanation);
    auto *grid = new QGridLayout;
    grid->setColumnStretch(2, 1);
    for (int c = 0; c < 2; ++c) {
        auto *title = new QLabel(tr("<b>%1</b>").arg(clientName(c)), pane);
        auto *type = new QComboBox(pane);
        type->setObjectName(QStringLiteral("raceType%1").arg(clientName(c)));
        type->setToolTip(tr("Client %1's command").arg(clientName(c)));
        auto *payload = new QLineEdit(pane);
        payload->setObjectName(QStringLiteral("racePayload%1").arg(clientName(c)));
        payload->setToolTip(tr("Client %1's payload (JSON)").arg(clientName(c)));
        payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        connect(type, &QComboBox::currentIndexChanged, this, [this, c] {
            const QString t = m_raceType[size_t(c)]->currentText();
            m_racePayload[size_t(c)]->setText(QString::fromStdString(m_session->commandTemplate(domain(), t).dump()));
        });
        m_raceType[size_t(c)] = type;
        m_racePayload[size_t(c)] = payload;
        grid->addWidget(title, c, 0);
        grid->addWidget(type, c, 1);
        grid->addWidget(payload, c, 2);
    }
    auto *outcomes = new QHBoxLayout;
    for (int c = 0; c < 2; ++c) {
        auto *outcome = new QLabel(pane);
        outcome->setObjectName(QStringLiteral("raceOutcome%1").arg(clientName(c)));
        outcome->setTextFormat(Qt::RichText);
        outcome->setWordWrap(true);
        outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
        outcome->setAlignment(Qt::AlignLeft | Qt::AlignTop);
        outcome->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        outcome->setStyleSheet(styleFor(std::nullopt));
        outcome->setText(tr("<b>%1</b>").arg(clientName(c)));
        m_raceOutcome[size_t(c)] = outcome;
        outcomes->addWidget(outcome, 1);
    }
    m_raceButton = new QPushButton(tr("Race &Both"), pane);
    m_raceButton->setObjectName(QStringLiteral("raceButton"));
    m_raceButton->setToolTip(tr("Send both commands to the stream at once (%1)").arg(m_raceAction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_raceButton, &QPushButton::clicked, this, &CommandConsoleDock::race);
    m_raceSummary = new QLabel(explanation, pane);
    m_raceSummary->setObjectName(QStringLiteral("raceSummary"));
    m_raceSummary->setWordWrap(true);
    m_raceSummary->setTextFormat(Qt::RichText);
    m_raceSummary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto *row = new QHBoxLayout;
    row->addWidget(m_raceSummary, 1);
    row->addWidget(m_raceButton, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(grid);
    layout->addLayout(outcomes);
    layout->addLayout(row);
    layout->addStretch(1);
    return pane;
}

QWidget *CommandConsoleDock::createSnapshotsPane()
{
    auto *pane = new QWidget;
    m_snapshotEvery = new QSpinBox(pane);
    m_snapshotEvery->setObjectName(QStringLiteral("snapshotEvery"));
    m_snapshotEvery->setRange(0, 1000000);
    m_snapshotEvery->setSpecialValueText(tr("never"));
    m_snapshotEvery->setValue(m_session->snapshotEvery());
    m_snapshotEvery->setSuffix(tr(" events"));
    m_snapshotEvery->setToolTip(tr("The command handler saves the aggregate's state whenever its stream crosses a multiple of this"));
    connect(m_snapshotEvery, &QSpinBox::valueChanged, this, [this](int value) { m_session->setSnapshotEvery(value); });

    m_snapshots = new QTableWidget(0, SnapshotColumnCount, pane);
    m_snapshots->setObjectName(QStringLiteral("commandSnapshots"));
    m_snapshots->setHorizontalHeaderLabels({tr("Version"), tr("Decider"), tr("Taken")});
    m_snapshots->verticalHeader()->setVisible(false);
    m_snapshots->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_snapshots->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_snapshots->horizontalHeader()->setStretchLastSection(true);
    m_snapshots->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_snapshots->setSelectionMode(QAbstractItemView::SingleSelection);
    m_snapshots->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(m_snapshots, &QTableWidget::itemSelectionChanged, this, &CommandConsoleDock::showSnapshotState);
    m_snapshotState = new JsonTreeView(pane);
    m_snapshotState->setObjectName(QStringLiteral("commandSnapshotState"));

    auto *row = new QHBoxLayout;
    auto *label = new QLabel(tr("Snapshot e&very:"), pane);
    label->setBuddy(m_snapshotEvery);
    row->addWidget(label);
    row->addWidget(m_snapshotEvery);
    row->addStretch(1);
    auto *split = new QSplitter(Qt::Vertical, pane);
    split->setChildrenCollapsible(false);
    split->addWidget(m_snapshots);
    split->addWidget(m_snapshotState);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(row);
    layout->addWidget(split, 1);
    return pane;
}

// --- the composer ----------------------------------------------------------------------------

QString CommandConsoleDock::domain() const
{
    const QString data = m_domain->currentData().toString();
    return data == LoadItem ? m_currentDomain : data;
}

bool CommandConsoleDock::setDomain(const QString &name)
{
    const int index = m_domain->findData(name);
    if (index < 0 || name == LoadItem)
        return false;
    m_domain->setCurrentIndex(index);
    ensurePopulated();
    return true;
}

QString CommandConsoleDock::stream() const
{
    return m_stream->currentText().trimmed();
}

void CommandConsoleDock::setStream(const QString &stream)
{
    m_stream->setEditText(stream);
}

QString CommandConsoleDock::commandType() const
{
    return m_type->currentText();
}

bool CommandConsoleDock::setCommandType(const QString &type)
{
    ensurePopulated();
    const int index = m_type->findText(type);
    if (index < 0)
        return false;
    m_type->setCurrentIndex(index);
    return true;
}

QString CommandConsoleDock::payload() const
{
    return m_payload->toPlainText();
}

void CommandConsoleDock::setPayload(const QString &json)
{
    m_payload->setPlainText(json);
}

void CommandConsoleDock::setExpected(ExpectedMode mode, qint64 version)
{
    m_expectedMode->setCurrentIndex(m_expectedMode->findData(int(mode)));
    if (mode == ExpectedMode::Exact)
        m_expectedSpin->setValue(int(std::clamp<qint64>(version, -1, INT_MAX)));
}

CommandConsoleDock::ExpectedMode CommandConsoleDock::expectedMode() const
{
    return ExpectedMode(m_expectedMode->currentData().toInt());
}

std::optional<ExpectedVersion> CommandConsoleDock::expectedVersion() const
{
    switch (expectedMode()) {
    case ExpectedMode::Current:
        return std::nullopt;
    case ExpectedMode::Any:
        return ExpectedVersion::any();
    case ExpectedMode::Exact:
        break;
    }
    return ExpectedVersion::exact(m_expectedSpin->value());
}

void CommandConsoleDock::fillDomains(const QString &select)
{
    {
        const QSignalBlocker block(m_domain);
        m_domain->clear();
        const QStringList domains = m_session->domains();
        for (const QString &name : domains) {
            m_domain->addItem(name, name);
            const QString file = m_session->deciderFile(name);
            m_domain->setItemData(m_domain->count() - 1, file.isEmpty() ? tr("bundled domain") : QDir::toNativeSeparators(file),
                                  Qt::ToolTipRole);
        }
        m_domain->insertSeparator(m_domain->count());
        m_domain->addItem(tr("Load decider…"), LoadItem);
        m_domain->setCurrentIndex(std::max(0, m_domain->findData(select)));
    }
    if (m_currentDomain.isEmpty())
        m_currentDomain = domain();
    else if (domain() != m_currentDomain)
        onDomainChanged();
}

void CommandConsoleDock::ensurePopulated()
{
    if (m_populated)
        return;
    m_populated = true;
    onDomainChanged();
}

void CommandConsoleDock::onDomainChanged()
{
    m_currentDomain = domain();
    if (!m_populated)
        return; // the types are read on first use (a decider compiles for them)
    {
        const QSignalBlocker block(m_type);
        m_type->clear();
        m_type->addItems(m_session->commandTypes(m_currentDomain));
        m_type->setCurrentIndex(m_type->count() > 0 ? 0 : -1);
    }
    onTypeChanged();
    fillRaceDefaults();
    // Another domain's streams: a free name of this domain until the list comes.
    {
        const QSignalBlocker block(m_stream);
        m_stream->clear();
        m_stream->setEditText(QString());
    }
    m_suggestedStream.clear();
    m_streamVersion = -1;
    m_streamInfo->clear();
    requestStreams();
}

void CommandConsoleDock::onTypeChanged()
{
    const Json data = m_session->commandTemplate(domain(), commandType());
    m_payload->setPlainText(QString::fromStdString(data.dump(2)));
}

void CommandConsoleDock::fillRaceDefaults()
{
    const QStringList types = m_session->commandTypes(domain());
    // A command both clients' deciders accept on their own: a withdrawal, an item; else the
    // second command (the first usually creates the aggregate).
    int preferred = std::max<int>(types.indexOf(QStringLiteral("Withdraw")), types.indexOf(QStringLiteral("AddItem")));
    if (preferred < 0)
        preferred = types.size() > 1 ? 1 : 0;
    for (QComboBox *box : m_raceType) {
        {
            const QSignalBlocker block(box);
            box->clear();
            box->addItems(types);
        }
        box->setCurrentIndex(-1);
        box->setCurrentIndex(types.isEmpty() ? -1 : preferred);
    }
}

void CommandConsoleDock::loadDeciderDialog()
{
    auto *dialog = new QFileDialog(this, tr("Load Decider"), QDir::homePath(), tr("JavaScript (*.js);;All files (*)"));
    dialog->setObjectName(QStringLiteral("loadDeciderDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            loadDeciderFile(path);
    });
    dialog->open();
}

void CommandConsoleDock::loadDeciderFile(const QString &path)
{
    ensurePopulated();
    m_deciderError.clear();
    m_loadRequest = m_session->loadDecider(path);
    updateStatus();
}

// --- requests --------------------------------------------------------------------------------

void CommandConsoleDock::setStorePath(const QString &path)
{
    m_storePath = path;
    m_storeSent = false;
    m_writable = true;
    m_storeMessage.clear();
    m_snapshotList.clear();
    m_snapshots->setRowCount(0);
    m_snapshotState->model()->clear();
    if (isVisible())
        applyStore();
    updateStatus();
}

void CommandConsoleDock::applyStore()
{
    if (m_storeSent)
        return;
    m_storeSent = true;
    m_session->setStore(m_storePath);
    {
        const QSignalBlocker block(m_stream);
        const QString current = m_stream->currentText();
        m_stream->clear();
        m_stream->setEditText(current == m_suggestedStream ? QString() : current);
    }
    m_suggestedStream.clear();
    requestStreams();
    requestState();
}

void CommandConsoleDock::requestStreams()
{
    if (!m_storeSent || m_storePath.isEmpty())
        return;
    m_streamsRequest = m_session->streams(CommandSession::categoryOf(domain()));
}

void CommandConsoleDock::requestState()
{
    m_stateTimer->stop();
    if (!m_storeSent || m_storePath.isEmpty() || stream().isEmpty())
        return;
    m_stateRequest = m_session->streamState(domain(), stream());
}

void CommandConsoleDock::refresh()
{
    ensurePopulated();
    if (!m_storeSent) {
        applyStore();
        return;
    }
    requestStreams();
    requestState();
}

std::optional<Json> CommandConsoleDock::parsePayload(const QString &text, const QString &what, ScriptEditor *editor)
{
    if (editor)
        editor->clearErrorMarkers();
    if (text.trimmed().isEmpty())
        return Json::object();
    const std::string utf8 = text.toStdString();
    try {
        Json json = Json::parse(utf8);
        if (json.is_object())
            return json;
        showOutcomeMessage(tr("<b>%1 must be a JSON object</b> (it is %2).").arg(what.toHtmlEscaped(), QString::fromUtf8(json.type_name())),
                           CommandOutcome::Kind::Failed);
    } catch (const Json::parse_error &e) {
        // Where: the line and column of the byte the parser stopped at.
        const size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, utf8.size());
        const QString before = QString::fromUtf8(utf8.data(), qsizetype(at));
        const int line = int(before.count(QLatin1Char('\n'))) + 1;
        const int column = int(before.size() - before.lastIndexOf(QLatin1Char('\n')));
        const QString message = QString::fromUtf8(e.what());
        if (editor)
            editor->setErrorMarker(line, column, message);
        showOutcomeMessage(tr("<b>%1 is not valid JSON</b> (line %2, column %3): %4")
                               .arg(what.toHtmlEscaped()).arg(line).arg(column).arg(message.toHtmlEscaped()),
                           CommandOutcome::Kind::Failed);
    }
    m_lastKind.reset();
    return std::nullopt;
}

void CommandConsoleDock::send()
{
    ensurePopulated();
    applyStore();
    const QString target = stream();
    if (target.isEmpty()) {
        showOutcomeMessage(tr("<b>Name a stream</b> for the command."), CommandOutcome::Kind::Failed);
        m_lastKind.reset();
        return;
    }
    if (commandType().isEmpty()) {
        showOutcomeMessage(tr("<b>%1 has no command types.</b>").arg(domain().toHtmlEscaped()), CommandOutcome::Kind::Failed);
        m_lastKind.reset();
        return;
    }
    const std::optional<Json> data = parsePayload(m_payload->toPlainText(), tr("The payload"), m_payload);
    if (!data)
        return;
    const std::optional<ExpectedVersion> expected = expectedVersion();
    m_lastKind.reset();
    const quint64 request = m_session->send(domain(), target, commandType(), *data, expected);
    addHistoryRow(request, domain(), target, commandType(), compact(*data), CommandSession::expectedText(expected));
    showOutcomeMessage(tr("Sending %1 to %2…").arg(commandType().toHtmlEscaped(), target.toHtmlEscaped()), std::nullopt);
    updateStatus();
}

void CommandConsoleDock::resend(int row)
{
    if (row < 0 || row >= m_history->rowCount())
        return;
    const QTableWidgetItem *time = m_history->item(row, TimeColumn);
    const QString domainName = m_history->item(row, DomainColumn)->text();
    const QString target = m_history->item(row, StreamColumn)->text();
    QString type = m_history->item(row, TypeColumn)->text();
    if (time->data(ClientRole).toInt() >= 0)
        type = type.section(QLatin1Char(' '), 0, 0); // "Withdraw (race A)"
    if (!m_session->domains().contains(domainName)) {
        showOutcomeMessage(tr("<b>%1 is no longer loaded.</b>").arg(domainName.toHtmlEscaped()), CommandOutcome::Kind::Failed);
        return;
    }
    applyStore();
    const Json data = Json::parse(time->data(DataRole).toString().toStdString(), nullptr, false);
    const QString expectedText = time->data(ExpectedRole).toString();
    const std::optional<ExpectedVersion> expected =
        expectedText == QStringLiteral("current") ? std::nullopt : ExpectedVersion::parse(expectedText);
    m_lastKind.reset();
    const quint64 request = m_session->send(domainName, target, type, data.is_object() ? data : Json::object(), expected);
    addHistoryRow(request, domainName, target, type, time->data(DataRole).toString(), CommandSession::expectedText(expected));
    showOutcomeMessage(tr("Sending %1 to %2 again…").arg(type.toHtmlEscaped(), target.toHtmlEscaped()), std::nullopt);
    updateStatus();
}

void CommandConsoleDock::race()
{
    ensurePopulated();
    applyStore();
    const QString target = stream();
    if (target.isEmpty()) {
        showOutcomeMessage(tr("<b>Name a stream</b> for the race."), CommandOutcome::Kind::Failed);
        m_lastKind.reset();
        return;
    }
    std::vector<RaceCommand> commands;
    for (int c = 0; c < 2; ++c) {
        const std::optional<Json> data = parsePayload(m_racePayload[size_t(c)]->text(), tr("Client %1's payload").arg(clientName(c)), nullptr);
        if (!data)
            return;
        commands.push_back(RaceCommand{m_raceType[size_t(c)]->currentText(), *data});
    }
    m_lastKind.reset();
    m_tabs->setCurrentWidget(m_racePane);
    const quint64 request = m_session->sendConcurrently(domain(), target, commands);
    for (int c = 1; c >= 0; --c) {
        const RaceCommand &command = commands[size_t(c)];
        addHistoryRow(request, domain(), target, tr("%1 (race %2)").arg(command.type, clientName(c)), compact(command.data),
                      QStringLiteral("current"));
        m_history->item(0, TimeColumn)->setData(ClientRole, c);
    }
    for (int c = 0; c < 2; ++c) {
        m_raceOutcome[size_t(c)]->setText(tr("<b>%1</b> racing…").arg(clientName(c)));
        m_raceOutcome[size_t(c)]->setStyleSheet(styleFor(std::nullopt));
    }
    m_raceSummary->setText(tr("Racing on %1…").arg(target.toHtmlEscaped()));
    showOutcomeMessage(tr("Racing two commands on %1…").arg(target.toHtmlEscaped()), std::nullopt);
    updateStatus();
}

// --- results ---------------------------------------------------------------------------------

void CommandConsoleDock::onFinished(quint64 request, const CommandSessionResult &result)
{
    using Kind = CommandSessionResult::Kind;
    switch (result.kind) {
    case Kind::SetStore:
        if (!result.stale) {
            m_writable = result.writable;
            m_storeMessage = result.message;
        }
        break;
    case Kind::SetSnapshotEvery:
        break;
    case Kind::LoadDecider:
        if (result.ok()) {
            m_deciderError.clear();
            fillDomains(result.domain);
            m_status->setText(tr("Loaded the decider %1 (%2 command types).").arg(result.domain).arg(result.commandTypes.size()));
        } else {
            m_deciderError = result.error ? result.error->toString() : result.message;
            m_lastKind = CommandOutcome::Kind::Failed;
            showOutcomeMessage(tr("<b>Could not load the decider %1</b>: %2")
                                   .arg(QFileInfo(result.filePath).fileName().toHtmlEscaped(), m_deciderError.toHtmlEscaped()),
                               CommandOutcome::Kind::Failed);
        }
        break;
    case Kind::Send:
        showSendResult(result);
        break;
    case Kind::Race:
        showRaceResult(result);
        break;
    case Kind::StreamState:
        if (!result.stale && request == m_stateRequest)
            showState(result);
        break;
    case Kind::Snapshots:
        if (!result.stale && request == m_snapshotsRequest && result.stream == stream())
            showSnapshots(result.snapshots);
        break;
    case Kind::Streams:
        if (!result.stale && request == m_streamsRequest)
            showStreams(result);
        break;
    }
    updateStatus();
    Q_EMIT resultShown(request);
}

QString CommandConsoleDock::styleFor(std::optional<CommandOutcome::Kind> kind) const
{
    const QPalette &pal = palette();
    const bool dark = CqrsFlowView::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    const QColor color = kind ? CqrsFlowView::outcomeColor(*kind, pal) : mix(pal.color(QPalette::Text), base, 0.6);
    const QColor background = kind ? mix(base, color, dark ? 0.22 : 0.12) : base;
    return QStringLiteral("QLabel { background-color: %1; border-left: 4px solid %2; padding: 4px 6px; }")
        .arg(background.name(), color.name());
}

void CommandConsoleDock::showOutcomeMessage(const QString &html, std::optional<CommandOutcome::Kind> kind)
{
    m_outcome->setText(html);
    m_outcome->setStyleSheet(styleFor(kind));
}

QString CommandConsoleDock::outcomeText() const
{
    QTextDocument doc;
    doc.setHtml(m_outcome->text());
    return doc.toPlainText();
}

QString CommandConsoleDock::outcomeHtml(const CommandOutcome &outcome, const QString &stream, qint64 durationUs) const
{
    QString html;
    const QString where = stream.toHtmlEscaped();
    switch (outcome.kind) {
    case CommandOutcome::Kind::Appended:
        if (outcome.events.empty()) {
            html = tr("<b>✔ Accepted</b>: no new events (the command changes nothing in %1)").arg(where);
        } else {
            const qint64 first = outcome.events.front().version;
            const qint64 last = outcome.events.back().version;
            html = (outcome.events.size() == 1 ? tr("<b>✔ Appended 1 event</b> to %1 at version %2").arg(where).arg(last)
                                               : tr("<b>✔ Appended %1 events</b> to %2, versions %3–%4")
                                                     .arg(outcome.events.size()).arg(where).arg(first).arg(last));
            html += tr(" · position %1").arg(QLocale().toString(outcome.events.front().position));
        }
        if (outcome.attempts > 1)
            html += outcome.attempts == 2 ? tr(" · after 1 retry") : tr(" · after %1 retries").arg(outcome.attempts - 1);
        if (outcome.snapshotSaved)
            html += tr(" · snapshot saved");
        if (!outcome.message.isEmpty())
            html += QStringLiteral("<br>") + outcome.message.toHtmlEscaped();
        break;
    case CommandOutcome::Kind::Rejected:
        html = tr("<b>✖ Rejected</b> by the aggregate: %1").arg(outcome.message.toHtmlEscaped());
        break;
    case CommandOutcome::Kind::Conflict:
        html = tr("<b>⚠ Conflict</b> on %1: expected version %2, actual version %3. Nothing was appended.")
                   .arg(where, outcome.expected.toHtmlEscaped(), versionText(outcome.actualVersion));
        break;
    case CommandOutcome::Kind::Failed:
        html = tr("<b>✖ Failed</b>: %1").arg(outcome.message.toHtmlEscaped());
        break;
    }
    if (durationUs > 0)
        html += QStringLiteral(" <span style=\"color:%1\">· %2</span>")
                    .arg(mix(palette().color(QPalette::Text), palette().color(QPalette::Base), 0.45).name(), milliseconds(durationUs));
    return html;
}

QString CommandConsoleDock::raceOutcomeHtml(const CommandOutcome &outcome, qint64 durationUs) const
{
    QString html;
    switch (outcome.kind) {
    case CommandOutcome::Kind::Appended:
        if (outcome.events.empty())
            html = tr("<b>✔ accepted</b>, no events");
        else
            html = tr("<b>✔ appended</b> %1@%2 (position %3)")
                       .arg(outcome.events.front().type.toHtmlEscaped(), QString::number(outcome.events.back().version),
                            QLocale().toString(outcome.events.front().position));
        break;
    case CommandOutcome::Kind::Rejected:
        html = tr("<b>✖ rejected</b>: %1").arg(outcome.message.toHtmlEscaped());
        break;
    case CommandOutcome::Kind::Conflict:
        html = tr("<b>⚠ conflict</b>: expected %1, actual %2").arg(outcome.expected.toHtmlEscaped(), versionText(outcome.actualVersion));
        break;
    case CommandOutcome::Kind::Failed:
        html = tr("<b>✖ failed</b>: %1").arg(outcome.message.toHtmlEscaped());
        break;
    }
    return html + QStringLiteral(" · ") + milliseconds(durationUs);
}

void CommandConsoleDock::showEvents(const std::vector<Event> &events)
{
    const QColor green = CqrsFlowView::outcomeColor(CommandOutcome::Kind::Appended, palette());
    m_events->setRowCount(int(events.size()));
    for (int row = 0; row < int(events.size()); ++row) {
        const Event &e = events[size_t(row)];
        QTableWidgetItem *items[EventColumnCount] = {
            readOnlyItem(e.type), readOnlyItem(QStringLiteral("%1@%2").arg(e.stream).arg(e.version)),
            readOnlyItem(QLocale().toString(e.position)),
        };
        for (int column = 0; column < EventColumnCount; ++column) {
            items[column]->setForeground(green);
            items[column]->setData(PositionRole, e.position);
            items[column]->setToolTip(QString::fromUtf8(e.data));
            m_events->setItem(row, column, items[column]);
        }
    }
    m_showInLog->setEnabled(!events.empty());
}

void CommandConsoleDock::activateEvent(int row)
{
    const QTableWidgetItem *item = m_events->item(row, EventTypeColumn);
    if (item)
        Q_EMIT positionActivated(item->data(PositionRole).toLongLong());
}

void CommandConsoleDock::showStates(const CommandOutcome &outcome, const QString &stream)
{
    const QString where = QStringLiteral("<b>%1</b>").arg(stream.toHtmlEscaped());
    if (outcome.stateBefore.is_null()) {
        m_before->model()->clear();
        m_after->model()->clear();
        m_stateTitle->setText(tr("State of %1: not loaded.").arg(where));
        return;
    }
    m_before->model()->setDocument(outcome.stateBefore);
    if (outcome.kind == CommandOutcome::Kind::Appended && !outcome.stateAfter.is_null()) {
        m_after->model()->setDocumentWithDiff(outcome.stateAfter, outcome.stateBefore);
        const qint64 after = outcome.events.empty() ? outcome.loadedVersion : outcome.events.back().version;
        m_stateTitle->setText(tr("State of %1: before (%2) → after (%3)")
                                  .arg(where, versionLabel(outcome.loadedVersion), versionLabel(after)));
    } else {
        m_after->model()->setDocument(outcome.stateBefore);
        m_stateTitle->setText(tr("State of %1 at %2: unchanged (%3)")
                                  .arg(where, versionLabel(outcome.loadedVersion), CommandOutcome::kindName(outcome.kind)));
    }
}

void CommandConsoleDock::showSendResult(const CommandSessionResult &result)
{
    const CommandOutcome &outcome = result.outcome;
    finishHistoryRow(result.request, -1, outcome, result.durationUs);
    m_lastKind = outcome.kind;
    showOutcomeMessage(outcomeHtml(outcome, result.stream, result.durationUs), outcome.kind);
    showEvents(outcome.events);
    showStates(outcome, result.stream);
    if (outcome.kind == CommandOutcome::Kind::Failed && outcome.message.contains(QStringLiteral("read-only")))
        m_writable = false;
    if (result.stream == stream()) {
        if (!outcome.events.empty())
            m_streamVersion = outcome.events.back().version;
        else if (outcome.kind == CommandOutcome::Kind::Conflict)
            m_streamVersion = outcome.actualVersion;
        else if (outcome.kind != CommandOutcome::Kind::Failed)
            m_streamVersion = outcome.loadedVersion;
        showStreamVersion(result.stream, false);
        if (outcome.snapshotSaved)
            m_snapshotsRequest = m_session->snapshots(result.stream);
    }
    if (!outcome.events.empty()) {
        Q_EMIT storeChanged();
        if (result.stream == m_suggestedStream || m_stream->findText(result.stream) < 0)
            requestStreams();
    }
}

void CommandConsoleDock::showRaceResult(const CommandSessionResult &result)
{
    if (!result.ok()) {
        // The race could not start (the store failed while reading the stream's version).
        m_lastKind = CommandOutcome::Kind::Failed;
        m_raceSummary->setText(tr("The race failed: %1").arg(result.message.toHtmlEscaped()));
        showOutcomeMessage(tr("<b>✖ The race failed</b>: %1").arg(result.message.toHtmlEscaped()), CommandOutcome::Kind::Failed);
        for (int c = 0; c < 2; ++c)
            finishHistoryRow(result.request, c, failedOutcomeFor(result.message), result.durationUs);
        return;
    }
    const size_t n = std::min<size_t>(result.raceOutcomes.size(), 2);
    int appended = 0;
    int conflicts = 0;
    size_t shown = 0;
    std::vector<Event> events;
    for (size_t c = 0; c < n; ++c) {
        const CommandOutcome &outcome = result.raceOutcomes[c];
        const qint64 duration = c < result.raceDurationsUs.size() ? result.raceDurationsUs[c] : 0;
        finishHistoryRow(result.request, int(c), outcome, duration);
        m_raceOutcome[c]->setText(tr("<b>%1</b> %2: ").arg(clientName(int(c)), result.raceCommands[c].type.toHtmlEscaped())
                                  + raceOutcomeHtml(outcome, duration));
        m_raceOutcome[c]->setStyleSheet(styleFor(outcome.kind));
        if (outcome.kind == CommandOutcome::Kind::Appended && !outcome.events.empty()) {
            appended += 1;
            shown = c;
            events.insert(events.end(), outcome.events.begin(), outcome.events.end());
        } else if (outcome.kind == CommandOutcome::Kind::Conflict) {
            conflicts += 1;
        }
    }
    const QString where = result.stream.toHtmlEscaped();
    QString summary = tr("Both clients loaded %1 at version %2 and decided; then both appended expecting version %2 at once: "
                         "%3 appended, %4 conflicted.")
                          .arg(where, versionText(result.raceVersion)).arg(appended).arg(conflicts);
    m_raceSummary->setText(summary + QStringLiteral(" · ") + milliseconds(result.durationUs));
    std::optional<CommandOutcome::Kind> kind;
    if (n > 0) {
        kind = conflicts > 0 ? CommandOutcome::Kind::Conflict : result.raceOutcomes[shown].kind;
        m_lastKind = kind;
        showOutcomeMessage(tr("<b>Race</b>: ") + summary, kind);
        showEvents(events);
        showStates(result.raceOutcomes[shown], result.stream);
    }
    if (result.stream == stream() && !events.empty()) {
        m_streamVersion = events.back().version;
        showStreamVersion(result.stream, false);
    }
    if (!events.empty())
        Q_EMIT storeChanged();
}

void CommandConsoleDock::showStreams(const CommandSessionResult &result)
{
    if (!result.ok()) {
        m_stream->setToolTip(result.message);
        return;
    }
    const QString current = m_stream->currentText();
    {
        const QSignalBlocker block(m_stream);
        m_stream->clear();
        m_stream->addItem(result.nextStream);
        m_stream->setItemData(0, tr("a new stream"), Qt::ToolTipRole);
        if (!result.streams.isEmpty())
            m_stream->insertSeparator(1);
        m_stream->addItems(result.streams);
        m_stream->setCurrentIndex(-1);
        m_stream->setEditText(current.isEmpty() ? result.nextStream : current);
    }
    m_suggestedStream = result.nextStream;
    const QLocale locale;
    m_stream->setToolTip(result.streamCount > result.streams.size()
                             ? tr("%1 streams in %2 (the first %3 listed); %4 is free")
                                   .arg(locale.toString(result.streamCount), CommandSession::categoryOf(domain()))
                                   .arg(result.streams.size()).arg(result.nextStream)
                             : tr("%1 streams in %2; %3 is free")
                                   .arg(locale.toString(result.streamCount), CommandSession::categoryOf(domain()), result.nextStream));
    // A stream named just now: its state (a list that came after a command leaves its outcome).
    if (current.isEmpty())
        requestState();
}

void CommandConsoleDock::showState(const CommandSessionResult &result)
{
    if (result.stream != stream())
        return;
    const QString where = QStringLiteral("<b>%1</b>").arg(result.stream.toHtmlEscaped());
    if (!result.ok()) {
        m_before->model()->clear();
        m_after->model()->clear();
        m_stateTitle->setText(tr("The state of %1 could not be loaded: %2").arg(where, result.message.toHtmlEscaped()));
        return;
    }
    m_streamVersion = result.version;
    showStreamVersion(result.stream, true);
    m_before->model()->clear();
    m_after->model()->setDocument(result.state);
    QString title = result.version < 0 ? tr("%1 has no events yet: its initial state").arg(where)
                                       : tr("Current state of %1 at version %2").arg(where).arg(result.version);
    if (result.snapshotVersion >= 0)
        title += tr(" (snapshot at version %1 + %2 events)").arg(result.snapshotVersion).arg(result.replayed);
    else if (result.version >= 0)
        title += tr(" (%1 events replayed)").arg(result.replayed);
    m_stateTitle->setText(title);
    showSnapshots(result.snapshots);
}

void CommandConsoleDock::showStreamVersion(const QString &stream, bool loaded)
{
    m_streamInfo->setText(m_streamVersion < 0 ? tr("new stream") : tr("version %1").arg(m_streamVersion));
    // The expected version box follows the stream; in "exactly" mode only when another stream
    // is loaded, so that sending twice with the same number shows the conflict.
    if (expectedMode() != ExpectedMode::Exact || (loaded && m_prefilledStream != stream)) {
        m_prefilledStream = stream;
        m_expectedSpin->setValue(int(std::clamp<qint64>(m_streamVersion, -1, INT_MAX)));
    }
}

void CommandConsoleDock::showSnapshots(const std::vector<AggregateSnapshot> &snapshots)
{
    m_snapshotList = snapshots;
    {
        const QSignalBlocker block(m_snapshots);
        m_snapshots->setRowCount(int(snapshots.size()));
        for (int row = 0; row < int(snapshots.size()); ++row) {
            const AggregateSnapshot &s = snapshots[size_t(row)];
            auto *version = readOnlyItem(QString::number(s.version));
            version->setData(Qt::UserRole, s.version);
            m_snapshots->setItem(row, SnapshotVersionColumn, version);
            auto *decider = readOnlyItem(s.deciderName);
            decider->setToolTip(tr("decider script SHA-256 %1").arg(s.decider));
            m_snapshots->setItem(row, SnapshotDeciderColumn, decider);
            m_snapshots->setItem(row, SnapshotTimeColumn, readOnlyItem(timeutil::formatIsoString(s.timeMs)));
        }
    }
    m_tabs->setTabText(m_tabs->indexOf(m_snapshotsPane),
                       snapshots.empty() ? tr("Snapshots") : tr("Snapshots (%1)").arg(snapshots.size()));
    if (!snapshots.empty())
        m_snapshots->selectRow(int(snapshots.size()) - 1);
    showSnapshotState();
}

void CommandConsoleDock::showSnapshotState()
{
    const int row = m_snapshots->currentRow();
    if (row < 0 || row >= int(m_snapshotList.size()) || m_snapshots->selectedItems().isEmpty()) {
        m_snapshotState->model()->clear();
        return;
    }
    m_snapshotState->model()->setDocument(m_snapshotList[size_t(row)].state);
}

// --- history ---------------------------------------------------------------------------------

int CommandConsoleDock::addHistoryRow(quint64 request, const QString &domainName, const QString &target, const QString &type,
                                      const QString &data, const QString &expected)
{
    m_history->insertRow(0);
    auto *time = readOnlyItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")));
    time->setData(RequestRole, request);
    time->setData(DataRole, data);
    time->setData(ExpectedRole, expected);
    time->setData(ClientRole, -1);
    m_history->setItem(0, TimeColumn, time);
    m_history->setItem(0, DomainColumn, readOnlyItem(domainName));
    m_history->setItem(0, StreamColumn, readOnlyItem(target));
    auto *typeItem = readOnlyItem(type);
    typeItem->setToolTip(tr("%1\nexpected version: %2").arg(data, expected));
    m_history->setItem(0, TypeColumn, typeItem);
    m_history->setItem(0, OutcomeColumn, readOnlyItem(tr("sending…")));
    m_history->setItem(0, DurationColumn, readOnlyItem(QString()));
    while (m_history->rowCount() > MaxHistory)
        m_history->removeRow(m_history->rowCount() - 1);
    return 0;
}

void CommandConsoleDock::finishHistoryRow(quint64 request, int client, const CommandOutcome &outcome, qint64 durationUs)
{
    for (int row = 0; row < m_history->rowCount(); ++row) {
        const QTableWidgetItem *time = m_history->item(row, TimeColumn);
        if (time->data(RequestRole).toULongLong() != request || time->data(ClientRole).toInt() != client)
            continue;
        QString text;
        switch (outcome.kind) {
        case CommandOutcome::Kind::Appended:
            text = outcome.events.empty() ? tr("accepted (no events)")
                                          : (outcome.events.size() == 1 ? tr("appended 1 event")
                                                                        : tr("appended %1 events").arg(outcome.events.size()));
            break;
        case CommandOutcome::Kind::Rejected:
            text = tr("rejected: %1").arg(outcome.message);
            break;
        case CommandOutcome::Kind::Conflict:
            text = tr("conflict: expected %1, actual %2").arg(outcome.expected, versionText(outcome.actualVersion));
            break;
        case CommandOutcome::Kind::Failed:
            text = tr("failed: %1").arg(outcome.message);
            break;
        }
        QTableWidgetItem *item = m_history->item(row, OutcomeColumn);
        item->setText(text);
        item->setToolTip(outcome.message.isEmpty() ? text : outcome.message);
        item->setForeground(CqrsFlowView::outcomeColor(outcome.kind, palette()));
        item->setData(Qt::UserRole, int(outcome.kind));
        m_history->item(row, DurationColumn)->setText(milliseconds(durationUs));
        return;
    }
}

// --- status ----------------------------------------------------------------------------------

bool CommandConsoleDock::isBusy() const
{
    return m_session->isBusy();
}

void CommandConsoleDock::updateStatus()
{
    QString text;
    if (m_storePath.isEmpty())
        text = tr("No store: open one in the window.");
    else if (!m_writable)
        text = tr("Read-only: %1").arg(m_storeMessage.isEmpty() ? tr("commands cannot append to this store") : m_storeMessage);
    else
        text = tr("Commands go to %1").arg(QDir::toNativeSeparators(m_storePath));
    if (isBusy())
        text += tr(" · working…");
    m_status->setText(text);
    m_send->setEnabled(!m_storePath.isEmpty());
    m_raceButton->setEnabled(!m_storePath.isEmpty());
}

void CommandConsoleDock::showEvent(QShowEvent *event)
{
    QDockWidget::showEvent(event);
    ensurePopulated();
    applyStore();
    auto *window = qobject_cast<QMainWindow *>(parentWidget());
    if (!m_sized && window && !isFloating()) {
        m_sized = true;
        // Docked at the top or bottom for the first time: room for the composer and the
        // states, unless the user's layout was restored with a size for it.
        QTimer::singleShot(0, this, [this, window] {
            const Qt::DockWidgetArea area = window->dockWidgetArea(this);
            if ((area == Qt::BottomDockWidgetArea || area == Qt::TopDockWidgetArea) && height() < window->height() / 3)
                window->resizeDocks({this}, {window->height() * 9 / 20}, Qt::Vertical);
        });
    }
    updateStatus();
}

} // namespace eventlens
