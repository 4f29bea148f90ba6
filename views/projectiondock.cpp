#include "projectiondock.h"

#include "jsonpatch.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "projectiondiffview.h"
#include "scripteditor.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMainWindow>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <climits>

// The bundled examples are compiled into the (static) views library: registered once.
static void initProjectionResources()
{
    Q_INIT_RESOURCE(projections);
}

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

const QString ExamplesDir = QStringLiteral(":/projections");
constexpr int KindRole = Qt::UserRole + 1;
constexpr int PositionRole = Qt::UserRole + 2;

enum BreakpointColumn { EnabledColumn, KindColumn, TextColumn, BreakpointColumnCount };
enum EmittedColumn { EmittedPositionColumn, EmittedStreamColumn, EmittedTypeColumn, EmittedDataColumn,
                     EmittedMetadataColumn, EmittedColumnCount };

QString kindText(ProjectionBreakpoint::Kind kind)
{
    switch (kind) {
    case ProjectionBreakpoint::Kind::EventType:
        return ProjectionDock::tr("Event type");
    case ProjectionBreakpoint::Kind::StreamPattern:
        return ProjectionDock::tr("Stream pattern");
    case ProjectionBreakpoint::Kind::Condition:
        return ProjectionDock::tr("Condition");
    }
    return {};
}

QString compact(const Json &value)
{
    return QString::fromStdString(value.dump());
}

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

ProjectionDock::ProjectionDock(QWidget *parent)
    : QDockWidget(tr("Projection"), parent)
{
    initProjectionResources();
    setObjectName(QStringLiteral("projectionDock"));
    setAllowedAreas(Qt::AllDockWidgetAreas);
    m_session = new ProjectionSession(this);
    connect(m_session, &ProjectionSession::finished, this, &ProjectionDock::onFinished);
    connect(m_session, &ProjectionSession::failed, this, &ProjectionDock::onFailed);
    connect(m_session, &ProjectionSession::busyChanged, this, [this] {
        if (!m_session->isBusy())
            m_progress = -1;
        updateActions();
        updateStatus();
    });
    connect(m_session, &ProjectionSession::progress, this, [this](quint64, int done, int total) {
        m_progress = total > 0 ? done * 1000 / total : 0;
        updateStatus();
    });
    createActions();
    createWidgets();
    updateActions();
    updateStatus();
}

ProjectionDock::~ProjectionDock() = default;

void ProjectionDock::createActions()
{
    const auto add = [this](const QString &text, const char *name, const QKeySequence &key, const QString &tip, auto slot) {
        auto *action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        action->setShortcut(key);
        action->setShortcutContext(Qt::WindowShortcut);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        connect(action, &QAction::triggered, this, slot);
        addAction(action); // active while the dock is shown, wherever the focus is in its window
        return action;
    };
    m_open = add(tr("Open…"), "projectionOpenAction", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O),
                 tr("Open a projection script"), &ProjectionDock::openScriptDialog);
    m_save = add(tr("Save…"), "projectionSaveAction", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S),
                 tr("Save the script"), &ProjectionDock::saveScriptDialog);
    m_run = add(tr("Run"), "projectionRunAction", QKeySequence(Qt::CTRL | Qt::Key_F8),
                tr("Run to the end of the log"), &ProjectionDock::run);
    m_step = add(tr("Step"), "projectionStepAction", QKeySequence(Qt::Key_F10),
                 tr("Process the next event"), &ProjectionDock::step);
    m_stepBack = add(tr("Step Back"), "projectionStepBackAction", QKeySequence(Qt::SHIFT | Qt::Key_F10),
                     tr("Go back one event"), &ProjectionDock::stepBack);
    m_runToPosition = add(tr("Run to"), "projectionRunToPositionAction", QKeySequence(Qt::CTRL | Qt::Key_F10),
                          tr("Run (or go back) to the position in the box"), &ProjectionDock::runToPosition);
    m_runToBreakpoint = add(tr("Run to Breakpoint"), "projectionRunToBreakpointAction", QKeySequence(Qt::Key_F8),
                            tr("Run until an event hits a breakpoint"), &ProjectionDock::runToBreakpoint);
    m_reset = add(tr("Reset"), "projectionResetAction", QKeySequence(Qt::SHIFT | Qt::Key_F5),
                  tr("Back to before the first event"), &ProjectionDock::reset);
    m_cancel = add(tr("Cancel"), "projectionCancelAction", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_Period),
                   tr("Stop the run"), &ProjectionDock::cancel);
    m_stateFunction = new QAction(tr("As State Function"), this);
    m_stateFunction->setObjectName(QStringLiteral("projectionStateFunctionAction"));
    m_stateFunction->setCheckable(true);
    m_stateFunction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_F));
    m_stateFunction->setShortcutContext(Qt::WindowShortcut);
    m_stateFunction->setToolTip(tr("Compute the state pane's aggregate states with this projection (%1)")
                                    .arg(m_stateFunction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_stateFunction, &QAction::toggled, this, [this](bool on) {
        if (!on) {
            Q_EMIT stateFunctionReleased();
            return;
        }
        const QString name = m_fileName.isEmpty() ? tr("Projection") : QFileInfo(m_fileName).fileName();
        Q_EMIT stateFunctionRequested(script(), name);
    });
    addAction(m_stateFunction);
}

void ProjectionDock::rejectStateFunction(const QString &why)
{
    const QSignalBlocker blocker(m_stateFunction);
    m_stateFunction->setChecked(false);
    m_error->setText(tr("Not usable as the state function: %1").arg(why));
    m_error->show();
}

void ProjectionDock::createWidgets()
{
    auto *content = new QWidget(this);

    m_toolBar = new QToolBar(content);
    m_toolBar->setObjectName(QStringLiteral("projectionToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->addAction(m_open);
    m_toolBar->addAction(m_save);
    m_examples = new QToolButton(content);
    m_examples->setObjectName(QStringLiteral("projectionExamplesButton"));
    m_examples->setText(tr("Examples"));
    m_examples->setPopupMode(QToolButton::InstantPopup);
    auto *examples = new QMenu(m_examples);
    examples->setObjectName(QStringLiteral("projectionExamplesMenu"));
    const QStringList names = exampleNames();
    for (const QString &name : names) {
        QAction *action = examples->addAction(name);
        connect(action, &QAction::triggered, this, [this, name] { loadExample(name); });
    }
    m_examples->setMenu(examples);
    m_toolBar->addWidget(m_examples);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_run);
    m_toolBar->addAction(m_step);
    m_toolBar->addAction(m_stepBack);
    m_toolBar->addAction(m_runToBreakpoint);
    m_toolBar->addAction(m_runToPosition);
    m_positionSpin = new QSpinBox(content);
    m_positionSpin->setObjectName(QStringLiteral("projectionPositionSpin"));
    m_positionSpin->setRange(0, INT_MAX);
    m_positionSpin->setAccelerated(true);
    m_positionSpin->setToolTip(tr("The position Run to goes to (Enter runs)"));
    m_positionSpin->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("10000000")) + 30);
    connect(m_positionSpin, &QSpinBox::editingFinished, this, [this] {
        if (m_positionSpin->hasFocus())
            runToPosition();
    });
    m_toolBar->addWidget(m_positionSpin);
    m_toolBar->addAction(m_reset);
    m_toolBar->addAction(m_cancel);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_stateFunction);
    m_progressBar = new QProgressBar(content);
    m_progressBar->setObjectName(QStringLiteral("projectionProgress"));
    m_progressBar->setRange(0, 1000);
    m_progressBar->setMaximumWidth(120);
    m_progressBar->setTextVisible(false);
    m_progressBar->hide();
    m_toolBar->addWidget(m_progressBar);

    // Left: the editor, its error line and the breakpoints.
    m_editor = new ScriptEditor(content);
    m_editor->setPlaceholderText(tr("Paste a KurrentDB projection here, or pick one of the examples.\n\n"
                                    "fromCategory('account')\n  .foreachStream()\n  .when({ ... })"));
    m_error = new QLabel(content);
    m_error->setObjectName(QStringLiteral("projectionError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #c92a2a;"));
    m_error->hide();
    auto *editorBox = new QWidget(content);
    auto *editorLayout = new QVBoxLayout(editorBox);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->setSpacing(2);
    editorLayout->addWidget(m_editor, 1);
    editorLayout->addWidget(m_error);
    QWidget *left = editorBox;

    // Right: the state and the rest in tabs.
    m_tabs = new QTabWidget(content);
    m_tabs->setObjectName(QStringLiteral("projectionTabs"));
    auto *state = new QWidget(content);
    m_partitionPicker = new QComboBox(state);
    m_partitionPicker->setObjectName(QStringLiteral("partitionPicker"));
    m_partitionPicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_partitionPicker->setMinimumContentsLength(16);
    m_partitionPicker->setToolTip(tr("The partition whose state is shown"));
    connect(m_partitionPicker, &QComboBox::currentIndexChanged, this, &ProjectionDock::showPartition);
    m_followEvent = new QCheckBox(tr("&Follow event"), state);
    m_followEvent->setObjectName(QStringLiteral("followEvent"));
    m_followEvent->setToolTip(tr("Show the partition of the current event"));
    m_followEvent->setChecked(true);
    connect(m_followEvent, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !m_current.partition.isEmpty())
            m_partitionPicker->setCurrentIndex(m_partitionPicker->findData(m_current.partition));
    });
    m_stateView = new JsonTreeView(state);
    m_stateView->setObjectName(QStringLiteral("projectionStateView"));
    m_statePatch = new QPlainTextEdit(state);
    m_statePatch->setObjectName(QStringLiteral("projectionStatePatch"));
    m_statePatch->setReadOnly(true);
    m_statePatch->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_statePatch->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *stateTabs = new QTabWidget(state);
    stateTabs->setDocumentMode(true);
    stateTabs->addTab(m_stateView, tr("Tree"));
    stateTabs->addTab(m_statePatch, tr("Change (JSON Patch)"));
    auto *pickerRow = new QHBoxLayout;
    auto *pickerLabel = new QLabel(tr("&Partition:"), state);
    pickerLabel->setBuddy(m_partitionPicker);
    pickerRow->addWidget(pickerLabel);
    pickerRow->addWidget(m_partitionPicker, 1);
    pickerRow->addWidget(m_followEvent);
    auto *stateLayout = new QVBoxLayout(state);
    stateLayout->setContentsMargins(2, 2, 2, 2);
    stateLayout->addLayout(pickerRow);
    stateLayout->addWidget(stateTabs, 1);
    m_tabs->addTab(state, tr("State"));

    m_sharedView = new JsonTreeView(content);
    m_sharedView->setObjectName(QStringLiteral("projectionSharedView"));
    m_tabs->addTab(m_sharedView, tr("Shared State"));
    m_resultView = new JsonTreeView(content);
    m_resultView->setObjectName(QStringLiteral("projectionResultView"));
    m_tabs->addTab(m_resultView, tr("Result"));

    m_emitted = new QTableWidget(0, EmittedColumnCount, content);
    m_emitted->setObjectName(QStringLiteral("projectionEmitted"));
    m_emitted->setHorizontalHeaderLabels({tr("Position"), tr("Stream"), tr("Type"), tr("Data"), tr("Metadata")});
    m_emitted->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_emitted->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_emitted->verticalHeader()->setVisible(false);
    m_emitted->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_emitted->horizontalHeader()->setStretchLastSection(true);
    m_emitted->setWordWrap(false);
    m_emitted->setToolTip(tr("Events emitted with emit() and linkTo() (never written). Double-click: show the source event in the log"));
    connect(m_emitted, &QTableWidget::cellDoubleClicked, this, [this](int row) {
        if (QTableWidgetItem *item = m_emitted->item(row, EmittedPositionColumn))
            Q_EMIT positionActivated(item->data(PositionRole).toLongLong());
    });
    m_tabs->addTab(m_emitted, tr("Emitted"));

    m_log = new QPlainTextEdit(content);
    m_log->setObjectName(QStringLiteral("projectionLog"));
    m_log->setReadOnly(true);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tabs->addTab(m_log, tr("Log"));

    m_tabs->addTab(createBreakpointsPane(), tr("Breakpoints"));

    m_diff = new ProjectionDiffView(content);
    m_diff->setObjectName(QStringLiteral("projectionDiffView"));
    connect(m_diff, &ProjectionDiffView::positionsDiffRequested, this, [this](qint64 a, qint64 b) {
        applyPending();
        m_session->statesAt(a, b);
    });
    connect(m_diff, &ProjectionDiffView::scriptsDiffRequested, this, [this](const QString &other) {
        applyPending();
        m_session->compareWith(other);
    });
    connect(m_diff, &ProjectionDiffView::positionActivated, this, [this](qint64 position) {
        applyPending();
        m_session->seek(position);
        Q_EMIT positionActivated(position);
    });
    m_tabs->addTab(m_diff, tr("Diff"));

    auto *splitter = new QSplitter(Qt::Horizontal, content);
    splitter->setObjectName(QStringLiteral("projectionSplitter"));
    splitter->addWidget(left);
    splitter->addWidget(createEventPane());
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 4);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({520, 340, 520});

    m_status = new QLabel(content);
    m_status->setObjectName(QStringLiteral("projectionStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Small minimum heights: docked under the window's panes, the dock must not push the window
    // past the screen; the panes scroll instead.
    const int line = fontMetrics().height();
    for (QWidget *widget : std::initializer_list<QWidget *>{m_editor, m_breakpoints, m_eventData, m_stateView, m_statePatch,
                                                            m_sharedView, m_resultView, m_emitted, m_log, m_diff})
        widget->setMinimumHeight(3 * line);
    m_tabs->setMinimumHeight(6 * line);

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 0, 4, 4);
    layout->setSpacing(2);
    layout->addWidget(m_toolBar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    setWidget(content);
    setFocusProxy(m_editor);
}

QWidget *ProjectionDock::createEventPane()
{
    auto *pane = new QGroupBox(tr("Current Event"), this);
    m_eventTitle = new QLabel(pane);
    m_eventTitle->setObjectName(QStringLiteral("projectionEventTitle"));
    m_eventTitle->setWordWrap(true);
    m_eventFields = new QLabel(pane);
    m_eventFields->setObjectName(QStringLiteral("projectionEventFields"));
    m_eventFields->setTextFormat(Qt::RichText);
    m_eventFields->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_eventFields->setWordWrap(true);
    m_showInLog = new QPushButton(tr("Show in &Log"), pane);
    m_showInLog->setObjectName(QStringLiteral("projectionShowInLog"));
    m_showInLog->setToolTip(tr("Select this event in the log"));
    m_showInLog->setEnabled(false);
    connect(m_showInLog, &QPushButton::clicked, this, [this] {
        if (m_current.event.position > 0)
            Q_EMIT positionActivated(m_current.event.position);
    });
    m_eventData = new JsonTreeView(pane);
    m_eventData->setObjectName(QStringLiteral("projectionEventData"));
    auto *top = new QHBoxLayout;
    top->addWidget(m_eventTitle, 1);
    top->addWidget(m_showInLog, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_eventFields);
    layout->addWidget(m_eventData, 1);
    return pane;
}

QWidget *ProjectionDock::createBreakpointsPane()
{
    auto *pane = new QWidget(this);
    m_breakpointKind = new QComboBox(pane);
    m_breakpointKind->setObjectName(QStringLiteral("breakpointKind"));
    for (const auto kind : {ProjectionBreakpoint::Kind::Condition, ProjectionBreakpoint::Kind::EventType,
                            ProjectionBreakpoint::Kind::StreamPattern})
        m_breakpointKind->addItem(kindText(kind), int(kind));
    m_breakpointText = new QLineEdit(pane);
    m_breakpointText->setObjectName(QStringLiteral("breakpointText"));
    m_breakpointText->setPlaceholderText(tr("state.balance < 0  ·  Withdrawn  ·  account-1*"));
    m_breakpointText->setClearButtonEnabled(true);
    m_addBreakpoint = new QPushButton(tr("&Add"), pane);
    m_addBreakpoint->setObjectName(QStringLiteral("addBreakpoint"));
    m_removeBreakpoint = new QPushButton(tr("&Remove"), pane);
    m_removeBreakpoint->setObjectName(QStringLiteral("removeBreakpoint"));
    m_removeBreakpoint->setEnabled(false);
    const auto addFromEdit = [this] {
        const QString text = m_breakpointText->text().trimmed();
        if (text.isEmpty())
            return;
        ProjectionBreakpoint breakpoint;
        breakpoint.kind = ProjectionBreakpoint::Kind(m_breakpointKind->currentData().toInt());
        breakpoint.text = text;
        addBreakpoint(breakpoint);
        m_breakpointText->clear();
    };
    connect(m_addBreakpoint, &QPushButton::clicked, this, addFromEdit);
    connect(m_breakpointText, &QLineEdit::returnPressed, this, addFromEdit);

    m_breakpoints = new QTableWidget(0, BreakpointColumnCount, pane);
    m_breakpoints->setObjectName(QStringLiteral("breakpointTable"));
    m_breakpoints->setHorizontalHeaderLabels({tr("On"), tr("Kind"), tr("Breaks when")});
    m_breakpoints->verticalHeader()->setVisible(false);
    m_breakpoints->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_breakpoints->horizontalHeader()->setStretchLastSection(true);
    m_breakpoints->horizontalHeader()->setSectionResizeMode(EnabledColumn, QHeaderView::ResizeToContents);
    m_breakpoints->horizontalHeader()->setSectionResizeMode(KindColumn, QHeaderView::ResizeToContents);
    m_breakpoints->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_breakpoints->setSelectionMode(QAbstractItemView::SingleSelection);
    m_breakpoints->setToolTip(tr("Run to Breakpoint stops after an event that matches an enabled breakpoint. "
                                 "Conditions see state, shared, event (e) and partition. Delete removes one."));
    connect(m_breakpoints, &QTableWidget::itemChanged, this, [this] {
        if (!m_updatingBreakpoints)
            sendBreakpoints();
    });
    connect(m_breakpoints, &QTableWidget::itemSelectionChanged, this, [this] {
        m_removeBreakpoint->setEnabled(!m_breakpoints->selectionModel()->selectedRows().isEmpty());
    });
    connect(m_removeBreakpoint, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_breakpoints->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            removeBreakpoint(rows.constFirst().row());
    });
    auto *deleteKey = new QAction(m_breakpoints);
    deleteKey->setShortcut(QKeySequence::Delete);
    deleteKey->setShortcutContext(Qt::WidgetShortcut);
    connect(deleteKey, &QAction::triggered, m_removeBreakpoint, &QPushButton::click);
    m_breakpoints->addAction(deleteKey);

    auto *row = new QHBoxLayout;
    row->addWidget(m_breakpointKind);
    row->addWidget(m_breakpointText, 1);
    row->addWidget(m_addBreakpoint);
    row->addWidget(m_removeBreakpoint);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(row);
    layout->addWidget(m_breakpoints, 1);
    return pane;
}

void ProjectionDock::showEvent(QShowEvent *event)
{
    QDockWidget::showEvent(event);
    // Docked at the top or bottom for the first time: room for the editor and the panes
    // (about half the window), unless the user's layout was restored with a size for it.
    auto *window = qobject_cast<QMainWindow *>(parentWidget());
    if (!m_sized && window && !isFloating()) {
        m_sized = true;
        // After the layout placed the dock (the sizes are known then).
        QTimer::singleShot(0, this, [this, window] {
            const Qt::DockWidgetArea area = window->dockWidgetArea(this);
            if ((area == Qt::BottomDockWidgetArea || area == Qt::TopDockWidgetArea) && height() < window->height() / 3)
                window->resizeDocks({this}, {window->height() * 9 / 20}, Qt::Vertical);
        });
    }
    updateStatus();
}

// --- the script ------------------------------------------------------------------------------

QStringList ProjectionDock::exampleNames()
{
    initProjectionResources();
    return QDir(ExamplesDir).entryList({QStringLiteral("*.js")}, QDir::Files, QDir::Name);
}

bool ProjectionDock::loadExample(const QString &name)
{
    QFile file(ExamplesDir + QLatin1Char('/') + name);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    setScript(QString::fromUtf8(file.readAll()), name);
    return true;
}

void ProjectionDock::setScript(const QString &script, const QString &fileName)
{
    m_editor->setPlainText(script);
    m_fileName = fileName;
    m_editor->document()->setModified(false);
    setWindowTitle(fileName.isEmpty() ? tr("Projection") : tr("Projection — %1").arg(QFileInfo(fileName).fileName()));
}

QString ProjectionDock::script() const
{
    return m_editor->toPlainText();
}

bool ProjectionDock::openScript(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_status->setText(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    setScript(QString::fromUtf8(file.readAll()), path);
    return true;
}

bool ProjectionDock::saveScript(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(script().toUtf8()) < 0 || !file.commit()) {
        m_status->setText(tr("Could not save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    m_fileName = path;
    m_editor->document()->setModified(false);
    setWindowTitle(tr("Projection — %1").arg(QFileInfo(path).fileName()));
    m_status->setText(tr("Saved %1.").arg(QDir::toNativeSeparators(path)));
    return true;
}

void ProjectionDock::openScriptDialog()
{
    auto *dialog = new QFileDialog(this, tr("Open Projection"), QFileInfo(m_fileName).absolutePath(),
                                   tr("JavaScript (*.js);;All files (*)"));
    dialog->setObjectName(QStringLiteral("openProjectionDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            openScript(path);
    });
    dialog->open();
}

void ProjectionDock::saveScriptDialog()
{
    const bool bundled = m_fileName.isEmpty() || !QFileInfo(m_fileName).isAbsolute();
    auto *dialog = new QFileDialog(this, tr("Save Projection"), bundled ? QDir::homePath() : QFileInfo(m_fileName).absolutePath(),
                                   tr("JavaScript (*.js);;All files (*)"));
    dialog->setObjectName(QStringLiteral("saveProjectionDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("js"));
    if (!m_fileName.isEmpty())
        dialog->selectFile(QFileInfo(m_fileName).fileName());
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            saveScript(path);
    });
    dialog->open();
}

// --- breakpoints -----------------------------------------------------------------------------

void ProjectionDock::addBreakpoint(const ProjectionBreakpoint &breakpoint)
{
    {
        const QSignalBlocker block(m_breakpoints);
        const int row = m_breakpoints->rowCount();
        m_breakpoints->insertRow(row);
        auto *enabled = new QTableWidgetItem;
        enabled->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        enabled->setCheckState(breakpoint.enabled ? Qt::Checked : Qt::Unchecked);
        auto *kind = new QTableWidgetItem(kindText(breakpoint.kind));
        kind->setData(KindRole, int(breakpoint.kind));
        kind->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        auto *text = new QTableWidgetItem(breakpoint.text);
        text->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable);
        m_breakpoints->setItem(row, EnabledColumn, enabled);
        m_breakpoints->setItem(row, KindColumn, kind);
        m_breakpoints->setItem(row, TextColumn, text);
    }
    sendBreakpoints();
}

void ProjectionDock::removeBreakpoint(int row)
{
    if (row < 0 || row >= m_breakpoints->rowCount())
        return;
    {
        const QSignalBlocker block(m_breakpoints);
        m_breakpoints->removeRow(row);
    }
    sendBreakpoints();
}

std::vector<ProjectionBreakpoint> ProjectionDock::breakpoints() const
{
    std::vector<ProjectionBreakpoint> out;
    for (int row = 0; row < m_breakpoints->rowCount(); ++row) {
        const QTableWidgetItem *enabled = m_breakpoints->item(row, EnabledColumn);
        const QTableWidgetItem *kind = m_breakpoints->item(row, KindColumn);
        const QTableWidgetItem *text = m_breakpoints->item(row, TextColumn);
        if (!enabled || !kind || !text)
            continue;
        ProjectionBreakpoint breakpoint;
        breakpoint.kind = ProjectionBreakpoint::Kind(kind->data(KindRole).toInt());
        breakpoint.text = text->text().trimmed();
        breakpoint.enabled = enabled->checkState() == Qt::Checked && !breakpoint.text.isEmpty();
        out.push_back(breakpoint);
    }
    return out;
}

void ProjectionDock::sendBreakpoints()
{
    m_session->setBreakpoints(breakpoints());
}

// --- running ---------------------------------------------------------------------------------

void ProjectionDock::setStorePath(const QString &path)
{
    m_storePath = path;
    m_storeSent = false;
    // A run on the store before is over: start again on this one when there is a run to show.
    if (m_scriptSent)
        applyPending();
}

bool ProjectionDock::applyPending()
{
    bool restarted = false;
    if (!m_storeSent) {
        m_session->setStore(m_storePath);
        m_storeSent = true;
        restarted = true;
    }
    const QString text = m_editor->toPlainText();
    if (!m_scriptSent || text != m_sentScript) {
        clearError();
        m_session->setScript(text, m_fileName.isEmpty() ? QStringLiteral("projection.js") : QFileInfo(m_fileName).fileName());
        m_sentScript = text;
        m_scriptSent = true;
        restarted = true;
    }
    return restarted;
}

void ProjectionDock::run()
{
    applyPending();
    m_session->runToEnd();
}

void ProjectionDock::step()
{
    const qint64 was = m_position;
    const bool storeChanged = !m_storeSent;
    // An edited script starts again: Step continues from where the run was.
    if (applyPending() && !storeChanged && was > 0)
        m_session->seek(was);
    m_session->step();
}

void ProjectionDock::stepBack()
{
    const qint64 was = m_position;
    const bool storeChanged = !m_storeSent;
    if (applyPending() && !storeChanged && was > 0)
        m_session->seek(was);
    m_session->stepBack();
}

void ProjectionDock::runToPosition()
{
    const bool restarted = applyPending();
    const qint64 target = m_positionSpin->value();
    if (!restarted && target < m_position)
        m_session->seek(target);
    else
        m_session->runTo(target);
}

void ProjectionDock::runToBreakpoint()
{
    applyPending();
    m_session->runToBreakpoint();
}

void ProjectionDock::reset()
{
    applyPending();
    m_session->reset();
}

void ProjectionDock::cancel()
{
    m_session->cancel();
}

bool ProjectionDock::isBusy() const
{
    return m_session->isBusy();
}

// --- results ---------------------------------------------------------------------------------

void ProjectionDock::onFinished(quint64 request, const ProjectionSessionResult &result)
{
    using Kind = ProjectionSessionResult::Kind;
    if (result.kind == Kind::StatesAt)
        m_diff->showPositionDiff(result.positionA, result.positionB, result.statesA, result.statesB, result.patches);
    else if (result.kind == Kind::Compare && result.comparison)
        m_diff->showComparison(*result.comparison);
    if (result.kind != Kind::StatesAt && result.kind != Kind::Compare && result.kind != Kind::SetBreakpoints)
        clearError();
    if (result.kind != Kind::StatesAt && result.kind != Kind::Compare)
        showSnapshot(result);
    updateStatus();
    Q_EMIT resultShown(request);
}

void ProjectionDock::onFailed(quint64 request, const ProjectionSessionResult &result)
{
    using Kind = ProjectionSessionResult::Kind;
    if (result.cancelled && !result.hasSnapshot) {
        // Superseded by a newer script, store or reset, or cancelled before it ran.
        if (result.kind == Kind::Compare || result.kind == Kind::StatesAt)
            m_diff->showMessage(tr("Cancelled."), false);
        updateStatus();
        Q_EMIT resultShown(request);
        return;
    }
    if (result.kind == Kind::Compare && result.comparison)
        m_diff->showComparison(*result.comparison);
    else if (result.kind == Kind::Compare || result.kind == Kind::StatesAt)
        m_diff->showMessage(result.message, true);
    if (result.hasSnapshot && result.kind != Kind::StatesAt && result.kind != Kind::Compare)
        showSnapshot(result);
    if (!result.cancelled)
        showError(result);
    updateStatus();
    if (result.cancelled)
        m_status->setText(m_status->text() + tr(" · cancelled"));
    Q_EMIT resultShown(request);
}

void ProjectionDock::clearError()
{
    m_lastError.reset();
    m_errorText.clear();
    m_error->clear();
    m_error->hide();
    m_editor->clearErrorMarkers();
}

QString ProjectionDock::errorText() const
{
    return m_errorText;
}

void ProjectionDock::showError(const ProjectionSessionResult &result)
{
    m_lastError = result.error;
    QString text;
    if (result.error) {
        const ProjectionError &e = *result.error;
        text = e.toString();
        if (e.position > 0)
            text += tr(" · the run stands at the event before it (position %1)").arg(result.position);
        if (e.line > 0) {
            m_editor->setErrorMarker(e.line, e.column, e.toString());
            m_editor->goTo(e.line, std::max(1, e.column));
        }
    } else {
        text = result.message;
    }
    m_errorText = text;
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

void ProjectionDock::showSnapshot(const ProjectionSessionResult &result)
{
    m_hasSnapshot = result.hasSnapshot;
    m_position = result.position;
    m_firstPosition = result.firstPosition;
    m_lastPosition = result.lastPosition;
    m_current = result.step;
    m_states = result.states;
    m_results = result.results;
    m_hasResult = result.definition.hasResult();

    QString snapshot;
    if (!result.hasStore)
        snapshot = tr("No store: open one in the window.");
    else if (!result.scriptValid)
        snapshot = tr("No projection to run yet.");
    else if (result.hasSnapshot) {
        const QLocale locale;
        snapshot = result.position == 0 ? tr("Before the first event")
                                        : tr("At position %1").arg(locale.toString(result.position));
        snapshot += tr(" · range %1–%2").arg(locale.toString(result.firstPosition), locale.toString(result.lastPosition));
        snapshot += tr(" · %1 events, %2 processed").arg(locale.toString(result.eventCount), locale.toString(result.processedCount));
        if (result.definition.isPartitioned())
            snapshot += result.partitions.size() == 1 ? tr(" · 1 partition") : tr(" · %1 partitions").arg(result.partitions.size());
        if (result.breakpointHit)
            snapshot += tr(" · stopped at a breakpoint");
        else if (result.atEnd)
            snapshot += tr(" · at the end");
    }
    m_snapshotText = snapshot;
    m_diff->setPositionRange(result.firstPosition, result.lastPosition);
    if (result.lastPosition > 0)
        m_positionSpin->setMaximum(int(std::min<qint64>(result.lastPosition, INT_MAX)));

    // The current event.
    const ProjectionStep &s = m_current;
    const Event &e = s.event;
    m_showInLog->setEnabled(e.position > 0);
    if (e.position == 0) {
        m_eventTitle->setText(result.hasSnapshot ? tr("Before the first event: Step (F10) processes it.") : QString());
        m_eventFields->clear();
        m_eventData->model()->clear();
    } else {
        QString outcome;
        if (s.error)
            outcome = tr("failed: %1").arg(s.error->toString());
        else if (s.processed)
            outcome = tr("processed by %1").arg(s.handler.isEmpty() ? tr("a handler") : s.handler);
        else
            outcome = tr("skipped: %1").arg(skipReasonText(s.skipReason));
        m_eventTitle->setText(tr("<b>%1</b> %2 · %3").arg(e.position).arg(e.type.toHtmlEscaped(), outcome.toHtmlEscaped()));
        QString fields = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\">");
        const auto row = [&fields](const QString &name, const QString &value) {
            fields += QStringLiteral("<tr><td style=\"color:gray; padding-right:8px\">%1</td><td>%2</td></tr>")
                          .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
        };
        row(tr("stream"), e.stream);
        row(tr("version"), QString::number(e.version));
        if (result.definition.isPartitioned())
            row(tr("partition"), s.partition.isEmpty() ? tr("(none)") : s.partition + (s.partitionCreated ? tr(" (created)") : QString()));
        if (!s.emitted.empty())
            row(tr("emitted"), QString::number(s.emitted.size()));
        if (!s.logs.empty())
            row(tr("logged"), s.logs.back().text);
        if (s.breakpointHit)
            row(tr("breakpoint"), tr("hit"));
        fields += QStringLiteral("</table>");
        m_eventFields->setText(fields);
        if (e.dataIsJson)
            m_eventData->model()->setDocument(e.data);
        else
            m_eventData->model()->setRawData(e.data, tr("not JSON"));
    }

    // Partitions.
    {
        const QString picked = m_partitionPicker->currentData().toString();
        const QSignalBlocker block(m_partitionPicker);
        QStringList shown;
        for (int i = 0; i < m_partitionPicker->count(); ++i)
            shown.append(m_partitionPicker->itemData(i).toString());
        if (shown != result.partitions) {
            m_partitionPicker->clear();
            for (const QString &p : result.partitions)
                m_partitionPicker->addItem(p.isEmpty() ? tr("(the state)") : p, p);
        }
        QString want = picked;
        if (m_followEvent->isChecked() && s.event.position > 0 && (s.processed || !s.partition.isEmpty()))
            want = s.partition;
        int index = m_partitionPicker->findData(want);
        if (index < 0 && m_partitionPicker->count() > 0)
            index = 0;
        m_partitionPicker->setCurrentIndex(index);
        m_partitionPicker->setEnabled(m_partitionPicker->count() > 1);
    }
    showPartition();

    // Shared state, emitted events, logs.
    const int sharedTab = m_tabs->indexOf(m_sharedView);
    m_tabs->setTabEnabled(sharedTab, !result.sharedState.is_null());
    if (result.sharedState.is_null())
        m_sharedView->model()->clear();
    else
        m_sharedView->model()->setDocument(result.sharedState);
    m_tabs->setTabEnabled(m_tabs->indexOf(m_resultView), m_hasResult);

    m_emitted->setRowCount(int(result.emitted.size()));
    for (int row = 0; row < int(result.emitted.size()); ++row) {
        const EmittedEvent &emitted = result.emitted[size_t(row)];
        const auto set = [this, row](int column, const QString &text) {
            auto *item = new QTableWidgetItem(text);
            item->setToolTip(text);
            m_emitted->setItem(row, column, item);
            return item;
        };
        set(EmittedPositionColumn, QString::number(emitted.sourcePosition))->setData(PositionRole, emitted.sourcePosition);
        set(EmittedStreamColumn, emitted.stream);
        set(EmittedTypeColumn, emitted.type);
        set(EmittedDataColumn, emitted.data.is_string() ? fromStd(emitted.data.get<std::string>()) : compact(emitted.data));
        set(EmittedMetadataColumn, compact(emitted.metadata));
    }
    m_tabs->setTabText(m_tabs->indexOf(m_emitted), result.emittedTotal > 0 ? tr("Emitted (%1)").arg(result.emittedTotal) : tr("Emitted"));

    QString log;
    for (const ProjectionLog &line : result.logs)
        log += QStringLiteral("[%1] %2\n").arg(line.sourcePosition).arg(line.text);
    if (m_log->toPlainText() != log) {
        m_log->setPlainText(log);
        m_log->moveCursor(QTextCursor::End);
    }
    m_tabs->setTabText(m_tabs->indexOf(m_log), result.logTotal > 0 ? tr("Log (%1)").arg(result.logTotal) : tr("Log"));

    if (result.hasSnapshot && m_diff->positionA() == 0 && m_diff->positionB() == 0 && result.position > 0)
        m_diff->setPositions(std::max<qint64>(0, result.position - 1), result.position);
}

void ProjectionDock::showPartition()
{
    const QString partition = m_partitionPicker->currentData().toString();
    const std::string key = partition.toStdString();
    const bool exists = m_partitionPicker->currentIndex() >= 0 && m_states.contains(key);
    const Json state = exists ? m_states[key] : Json();
    if (!exists) {
        m_stateView->model()->clear();
        m_statePatch->setPlainText(m_hasSnapshot ? tr("No state yet.") : QString());
    } else if (m_current.event.position > 0 && m_current.processed && m_current.partition == partition) {
        // The change the current event made, marked.
        m_stateView->model()->setDocumentWithDiff(state, m_current.stateBefore);
        const Json patch = JsonPatch::diff(m_current.stateBefore, state);
        m_statePatch->setPlainText(patch.empty() ? tr("[]  (no change)") : QString::fromStdString(patch.dump(2)));
    } else {
        m_stateView->model()->setDocument(state);
        m_statePatch->setPlainText(tr("The current event did not change this partition."));
    }
    if (m_hasResult && m_results.contains(key))
        m_resultView->model()->setDocument(m_results[key]);
    else
        m_resultView->model()->clear();
}

QString ProjectionDock::currentEventText() const
{
    const Event &e = m_current.event;
    if (e.position == 0)
        return {};
    QStringList lines;
    lines << QStringLiteral("position: %1").arg(e.position) << QStringLiteral("stream: %1").arg(e.stream)
          << QStringLiteral("type: %1").arg(e.type) << QStringLiteral("version: %1").arg(e.version);
    lines << (m_current.processed ? QStringLiteral("processed: %1").arg(m_current.handler)
                               : QStringLiteral("skipped: %1").arg(skipReasonText(m_current.skipReason)));
    if (!m_current.partition.isEmpty())
        lines << QStringLiteral("partition: %1").arg(m_current.partition);
    return lines.join(QLatin1Char('\n'));
}

void ProjectionDock::updateActions()
{
    m_cancel->setEnabled(m_session->isBusy());
}

void ProjectionDock::updateStatus()
{
    const bool busy = m_session->isBusy();
    m_progressBar->setVisible(busy && m_progress >= 0);
    m_progressBar->setValue(std::max(0, m_progress));
    QString text = m_snapshotText;
    if (m_storePath.isEmpty())
        text = tr("No store: open one in the window.");
    else if (text.isEmpty())
        text = tr("Type or open a projection, then Step (F10) or Run (Ctrl+F8).");
    if (busy)
        text += tr(" · running…");
    m_status->setText(text);
}

} // namespace eventlens
