#include "auditexportdialog.h"

#include "asynccall.h"
#include "eventstore.h"
#include "projection.h"
#include "timeutil.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMap>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QThreadPool>
#include <QTimer>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <exception>

namespace eventlens {

namespace {

constexpr int NameRole = Qt::UserRole + 1; // category list: the category's name
constexpr qint64 Scale = 1000;             // progress: 0..800 replay, 800..1000 writing
constexpr qint64 ReplayShare = 800;
const QString ErrorStyle = QStringLiteral("color: #c92a2a;");
const QString NoteStyle = QStringLiteral("color: #8a5a00;");
const QString LastDirectoryKey = QStringLiteral("audit/lastDirectory");

int clampToInt(qint64 value)
{
    return int(std::clamp<qint64>(value, 0, INT_MAX));
}

QString formatLabel(AuditFormat format)
{
    switch (format) {
    case AuditFormat::Json:
        return AuditExportDialog::tr("JSON — canonical snapshot (verifiable)");
    case AuditFormat::Csv:
        return AuditExportDialog::tr("CSV — one row per aggregate");
    case AuditFormat::Pdf:
        return AuditExportDialog::tr("PDF — report with histories");
    }
    return {};
}

QString formatFilter(AuditFormat format)
{
    switch (format) {
    case AuditFormat::Json:
        return AuditExportDialog::tr("JSON snapshots (*.json)");
    case AuditFormat::Csv:
        return AuditExportDialog::tr("CSV files (*.csv)");
    case AuditFormat::Pdf:
        return AuditExportDialog::tr("PDF reports (*.pdf)");
    }
    return {};
}

bool isExportSuffix(const QString &suffix)
{
    return auditFormatFromName(suffix).has_value();
}

} // namespace

struct AuditExportDialog::StoreInfoAnswer
{
    quint64 generation = 0;
    qint64 head = 0;
    std::optional<qint64> firstTimeMs;
    std::optional<qint64> lastTimeMs;
    QMap<QString, qint64> categories;
    QString error;
};

// Shared by the GUI thread and the worker of one export: progress and cancel as atomics (on the
// fixed 0..Scale scale), the rest written by the worker before it returns and read by the GUI
// thread once the future has finished.
struct AuditExportDialog::Outcome
{
    std::atomic<qint64> done{0};
    std::atomic<int> phase{PhaseStarting};
    std::atomic_bool cancel{false};
    QString path;
    QString digest;
    qint64 position = 0;
    qint64 aggregates = 0;
    qint64 projections = 0;
};

struct AuditExportDialog::RunResult
{
    bool ok = false;
    bool cancelled = false;
    QString error;
};

AuditExportDialog::AuditExportDialog(QWidget *parent)
    : QDialog(parent)
    , m_urlOpener([](const QUrl &url) { return QDesktopServices::openUrl(url); })
{
    setObjectName(QStringLiteral("auditExportDialog"));
    setWindowTitle(tr("Export Audit Snapshot"));
    m_pool.setMaxThreadCount(1);
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(100); // progress is read at this rate, not pushed by the worker
    connect(m_pollTimer, &QTimer::timeout, this, &AuditExportDialog::pollProgress);

    auto *top = new QHBoxLayout;
    auto *left = new QVBoxLayout;
    left->addWidget(createScopeBox(), 1);
    auto *right = new QVBoxLayout;
    right->addWidget(createPointBox());
    right->addWidget(createProjectionBox(), 1);
    top->addLayout(left, 1);
    top->addLayout(right, 1);

    QWidget *output = createOutputBox();

    m_export = new QPushButton(tr("&Export"), this);
    m_export->setObjectName(QStringLiteral("auditExportButton"));
    m_export->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel Export"), this);
    m_cancel->setObjectName(QStringLiteral("auditCancelButton"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("auditProgress"));
    m_progress->setRange(0, int(Scale));
    m_progress->setTextVisible(false);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("auditStatus"));
    connect(m_export, &QPushButton::clicked, this, &AuditExportDialog::startExport);
    connect(m_cancel, &QPushButton::clicked, this, &AuditExportDialog::cancelExport);
    // Progress on the left while an export runs; Export (and Cancel) on the right.
    auto *run = new QHBoxLayout;
    run->addWidget(m_progress, 1);
    run->addWidget(m_status);
    run->addStretch(0);
    run->addWidget(m_cancel);
    run->addWidget(m_export);

    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("auditResult"));
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::RichText);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_open = new QPushButton(tr("&Open"), this);
    m_open->setObjectName(QStringLiteral("auditOpenButton"));
    m_open->setToolTip(tr("Open the exported file with its application"));
    m_showFolder = new QPushButton(tr("Show &Folder"), this);
    m_showFolder->setObjectName(QStringLiteral("auditShowFolderButton"));
    connect(m_open, &QPushButton::clicked, this, &AuditExportDialog::openResult);
    connect(m_showFolder, &QPushButton::clicked, this, &AuditExportDialog::showResultFolder);
    auto *result = new QHBoxLayout;
    result->addWidget(m_result, 1);
    result->addWidget(m_open, 0, Qt::AlignTop);
    result->addWidget(m_showFolder, 0, Qt::AlignTop);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("auditError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(ErrorStyle);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(output);
    layout->addLayout(run);
    layout->addLayout(result);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(900, 640);

    m_open->hide();
    m_showFolder->hide();
    m_result->hide();
    m_error->hide();
    m_progress->hide();
    updateDestination();
    updatePointInfo();
    updateButtons();
}

AuditExportDialog::~AuditExportDialog()
{
    if (m_outcome)
        m_outcome->cancel = true;
    m_pool.waitForDone();
}

// --- widgets -----------------------------------------------------------------------------------

QWidget *AuditExportDialog::createScopeBox()
{
    auto *box = new QGroupBox(tr("Scope: which aggregates"), this);
    m_inputBoxes.append(box);
    m_scopeGroup = new QButtonGroup(this);
    const auto radio = [&](AuditScope::Kind kind, const QString &text, const char *name) {
        auto *button = new QRadioButton(text, box);
        button->setObjectName(QLatin1String(name));
        m_scopeGroup->addButton(button, int(kind));
        return button;
    };
    QRadioButton *all = radio(AuditScope::Kind::All, tr("&All streams"), "scopeAllButton");
    QRadioButton *categories = radio(AuditScope::Kind::Categories, tr("C&ategories:"), "scopeCategoriesButton");
    QRadioButton *pattern = radio(AuditScope::Kind::Pattern, tr("Streams &matching:"), "scopePatternButton");
    QRadioButton *streams = radio(AuditScope::Kind::Streams, tr("Selected st&reams:"), "scopeStreamsButton");
    all->setChecked(true);

    m_categories = new QListWidget(box);
    m_categories->setObjectName(QStringLiteral("scopeCategoryList"));
    m_categories->setToolTip(tr("Check the categories to include (the part of a stream name before the first '-')"));
    connect(m_categories, &QListWidget::itemChanged, this, [categories](QListWidgetItem *item) {
        if (item->checkState() == Qt::Checked)
            categories->setChecked(true);
    });
    m_pattern = new QLineEdit(box);
    m_pattern->setObjectName(QStringLiteral("scopePatternEdit"));
    m_pattern->setPlaceholderText(tr("account-1*"));
    m_pattern->setToolTip(tr("A GLOB pattern on stream names: * any text, ? one character, [abc] one of them"));
    connect(m_pattern, &QLineEdit::textEdited, this, [pattern] { pattern->setChecked(true); });
    m_streams = new QPlainTextEdit(box);
    m_streams->setObjectName(QStringLiteral("scopeStreamsEdit"));
    m_streams->setPlaceholderText(tr("One stream a line, e.g.\naccount-7\norder-12"));
    m_streams->setTabChangesFocus(true);
    m_streams->setLineWrapMode(QPlainTextEdit::NoWrap);
    connect(m_streams, &QPlainTextEdit::textChanged, this, [this, streams] {
        if (m_streams->hasFocus())
            streams->setChecked(true);
    });

    auto *layout = new QVBoxLayout(box);
    layout->addWidget(all);
    layout->addWidget(categories);
    layout->addWidget(m_categories, 2);
    layout->addWidget(pattern);
    layout->addWidget(m_pattern);
    layout->addWidget(streams);
    layout->addWidget(m_streams, 1);
    return box;
}

QWidget *AuditExportDialog::createPointBox()
{
    auto *box = new QGroupBox(tr("Point in time"), this);
    m_inputBoxes.append(box);
    m_atPosition = new QRadioButton(tr("At &position"), box);
    m_atPosition->setObjectName(QStringLiteral("pointPositionButton"));
    m_atTime = new QRadioButton(tr("At t&ime (UTC)"), box);
    m_atTime->setObjectName(QStringLiteral("pointTimeButton"));
    m_atPosition->setChecked(true);
    auto *group = new QButtonGroup(box);
    group->addButton(m_atPosition);
    group->addButton(m_atTime);

    m_position = new QSpinBox(box);
    m_position->setObjectName(QStringLiteral("pointPositionSpin"));
    m_position->setRange(1, INT_MAX);
    m_position->setAccelerated(true);
    m_position->setToolTip(tr("The snapshot covers the events at positions 1 to this one"));
    m_time = new QDateTimeEdit(box);
    m_time->setObjectName(QStringLiteral("pointTimeEdit"));
    m_time->setTimeSpec(Qt::UTC);
    m_time->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_time->setCalendarPopup(true);
    m_time->setDateTime(QDateTime::fromMSecsSinceEpoch(timeutil::nowMs(), Qt::UTC));
    m_time->setToolTip(tr("The snapshot covers the events up to the last one at or before this time"));
    connect(m_position, &QSpinBox::valueChanged, this, [this] {
        m_atPosition->setChecked(true);
        updatePointInfo();
        updateDestination();
    });
    connect(m_time, &QDateTimeEdit::dateTimeChanged, this, [this] {
        if (m_time->hasFocus())
            m_atTime->setChecked(true);
        updatePointInfo();
        updateDestination();
    });
    connect(group, &QButtonGroup::buttonToggled, this, [this] {
        updatePointInfo();
        updateDestination();
    });

    m_useTimeline = new QPushButton(tr("Use &Timeline Position"), box);
    m_useTimeline->setObjectName(QStringLiteral("useTimelineButton"));
    m_useTimeline->setToolTip(tr("The event selected in the log (the timeline's scrubber selects one)"));
    connect(m_useTimeline, &QPushButton::clicked, this, &AuditExportDialog::useTimelinePosition);
    m_pointInfo = new QLabel(box);
    m_pointInfo->setObjectName(QStringLiteral("pointInfo"));
    m_pointInfo->setWordWrap(true);

    auto *grid = new QGridLayout(box);
    grid->addWidget(m_atPosition, 0, 0);
    grid->addWidget(m_position, 0, 1);
    grid->addWidget(m_atTime, 1, 0);
    grid->addWidget(m_time, 1, 1);
    grid->addWidget(m_useTimeline, 2, 0);
    grid->addWidget(m_pointInfo, 2, 1);
    grid->setColumnStretch(1, 1);
    return box;
}

QWidget *AuditExportDialog::createProjectionBox()
{
    auto *box = new QGroupBox(tr("Projections to include"), this);
    m_inputBoxes.append(box);
    m_projections = new QListWidget(box);
    m_projections->setObjectName(QStringLiteral("projectionList"));
    m_projections->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_projections->setToolTip(tr("Their states at the point go into the snapshot, with their scripts"));
    m_addProjection = new QPushButton(tr("A&dd…"), box);
    m_addProjection->setObjectName(QStringLiteral("addProjectionButton"));
    m_removeProjection = new QPushButton(tr("Remo&ve"), box);
    m_removeProjection->setObjectName(QStringLiteral("removeProjectionButton"));
    connect(m_addProjection, &QPushButton::clicked, this, &AuditExportDialog::addProjectionDialog);
    connect(m_removeProjection, &QPushButton::clicked, this, &AuditExportDialog::removeSelectedProjections);
    connect(m_projections, &QListWidget::itemSelectionChanged, this, &AuditExportDialog::updateButtons);
    m_projectionError = new QLabel(box);
    m_projectionError->setObjectName(QStringLiteral("projectionError"));
    m_projectionError->setWordWrap(true);
    m_projectionError->setStyleSheet(ErrorStyle);
    m_projectionError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_projectionError->hide();

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_addProjection);
    buttons->addWidget(m_removeProjection);
    buttons->addStretch(1);
    auto *row = new QHBoxLayout;
    row->addWidget(m_projections, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(box);
    layout->addLayout(row, 1);
    layout->addWidget(m_projectionError);
    return box;
}

QWidget *AuditExportDialog::createOutputBox()
{
    auto *box = new QGroupBox(tr("Output"), this);
    m_inputBoxes.append(box);
    m_format = new QComboBox(box);
    m_format->setObjectName(QStringLiteral("formatBox"));
    for (const AuditFormat format : {AuditFormat::Json, AuditFormat::Csv, AuditFormat::Pdf})
        m_format->addItem(formatLabel(format), auditFormatName(format));
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] { updateDestination(); });

    m_destination = new QLineEdit(box);
    m_destination->setObjectName(QStringLiteral("destinationEdit"));
    m_destination->setClearButtonEnabled(true);
    connect(m_destination, &QLineEdit::textEdited, this, [this] {
        m_destinationEdited = true;
        updateDestination(false);
    });
    m_browse = new QPushButton(tr("&Browse…"), box);
    m_browse->setObjectName(QStringLiteral("browseButton"));
    connect(m_browse, &QPushButton::clicked, this, &AuditExportDialog::browseDestination);
    m_destinationNote = new QLabel(box);
    m_destinationNote->setObjectName(QStringLiteral("destinationNote"));
    m_destinationNote->setStyleSheet(NoteStyle);

    auto *destination = new QHBoxLayout;
    destination->addWidget(m_destination, 1);
    destination->addWidget(m_browse);
    auto *form = new QFormLayout(box);
    auto *formatLabelWidget = new QLabel(tr("&Format:"), box);
    formatLabelWidget->setBuddy(m_format);
    auto *destinationLabel = new QLabel(tr("&Save to:"), box);
    destinationLabel->setBuddy(m_destination);
    form->addRow(formatLabelWidget, m_format);
    form->addRow(destinationLabel, destination);
    form->addRow(QString(), m_destinationNote);
    return box;
}

// --- store ---------------------------------------------------------------------------------------

void AuditExportDialog::setStore(std::shared_ptr<const EventStore> store)
{
    m_store = store;
    m_storePath = store ? store->path() : QString();
    m_infoLoaded = false;
    ++m_storeGeneration;
    m_head = 0;
    m_firstTimeMs.reset();
    m_lastTimeMs.reset();
    {
        const QSignalBlocker blocker(m_categories);
        m_categories->clear();
    }
    updatePointInfo();
    updateDestination();
    updateButtons();
    loadStoreInfo();
}

void AuditExportDialog::loadStoreInfo()
{
    const std::shared_ptr<const EventStore> store = m_store.lock();
    if (!store)
        return;
    std::shared_ptr<EventStore> connection;
    try {
        connection = store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        setError(tr("Could not read the store: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    const quint64 generation = m_storeGeneration;
    runAsync<StoreInfoAnswer>(
        QThreadPool::globalInstance(), this,
        [connection = std::move(connection), generation]() mutable {
            StoreInfoAnswer answer;
            answer.generation = generation;
            try {
                const StoreInfo info = connection->info();
                answer.head = info.headPosition;
                answer.firstTimeMs = info.firstTimeMs;
                answer.lastTimeMs = info.lastTimeMs;
                answer.categories = info.categories;
            } catch (const std::exception &e) {
                answer.error = QString::fromUtf8(e.what());
            }
            connection.reset(); // closed on the worker that used it
            return answer;
        },
        [this](const StoreInfoAnswer &answer) { showStoreInfo(answer); });
}

void AuditExportDialog::showStoreInfo(const StoreInfoAnswer &answer)
{
    if (answer.generation != m_storeGeneration)
        return; // another store since
    if (!answer.error.isEmpty()) {
        setError(tr("Could not read the store: %1").arg(answer.error));
        return;
    }
    m_infoLoaded = true;
    m_head = answer.head;
    m_firstTimeMs = answer.firstTimeMs;
    m_lastTimeMs = answer.lastTimeMs;
    {
        const QSignalBlocker blocker(m_categories);
        m_categories->clear();
        for (auto it = answer.categories.cbegin(); it != answer.categories.cend(); ++it) {
            auto *item = new QListWidgetItem(tr("%1  (%2 events)").arg(it.key(), QLocale().toString(it.value())), m_categories);
            item->setData(NameRole, it.key());
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
            item->setCheckState(m_wantedCategories.contains(it.key()) ? Qt::Checked : Qt::Unchecked);
        }
    }
    {
        const QSignalBlocker blocker(m_position);
        m_position->setRange(1, std::max(1, clampToInt(m_head)));
        if (!m_pointSet)
            m_position->setValue(std::max(1, clampToInt(m_head)));
    }
    if (!m_pointSet && m_lastTimeMs) {
        const QSignalBlocker blocker(m_time);
        m_time->setDateTime(QDateTime::fromMSecsSinceEpoch(*m_lastTimeMs, Qt::UTC));
    }
    updatePointInfo();
    updateDestination();
    updateButtons();
    Q_EMIT storeInfoLoaded();
}

// --- point ---------------------------------------------------------------------------------------

void AuditExportDialog::setPointProvider(PointProvider provider)
{
    m_pointProvider = std::move(provider);
    updateButtons();
}

void AuditExportDialog::setPoint(const TimelinePoint &point)
{
    if (point.position <= 0)
        return;
    m_pointSet = true;
    {
        const QSignalBlocker blockPosition(m_position);
        const QSignalBlocker blockTime(m_time);
        if (m_infoLoaded && point.position > m_head)
            m_position->setMaximum(clampToInt(point.position)); // appended since the head was read
        m_position->setValue(clampToInt(point.position));
        m_time->setDateTime(QDateTime::fromMSecsSinceEpoch(point.timeMs, Qt::UTC));
    }
    m_atPosition->setChecked(true);
    updatePointInfo();
    updateDestination();
}

void AuditExportDialog::useTimelinePosition()
{
    if (!m_pointProvider)
        return;
    if (const std::optional<TimelinePoint> point = m_pointProvider())
        setPoint(*point);
    else
        setError(tr("No event is selected in the log: select one there or on the timeline."));
}

void AuditExportDialog::updatePointInfo()
{
    QString text;
    if (m_store.expired()) {
        text = tr("No store is open.");
    } else if (!m_infoLoaded) {
        text = tr("Reading the store…");
    } else if (m_head == 0) {
        text = tr("The store is empty.");
    } else if (m_atPosition->isChecked()) {
        text = tr("Events 1 to %1 of %2").arg(QLocale().toString(m_position->value()), QLocale().toString(m_head));
    } else {
        text = tr("The last event at or before this time");
        if (m_firstTimeMs && m_lastTimeMs)
            text += tr(" (the log runs from %1 to %2)").arg(timeutil::formatIsoString(*m_firstTimeMs), timeutil::formatIsoString(*m_lastTimeMs));
    }
    m_pointInfo->setText(text);
}

// --- scope ---------------------------------------------------------------------------------------

QRadioButton *AuditExportDialog::scopeButton(AuditScope::Kind kind) const
{
    return qobject_cast<QRadioButton *>(m_scopeGroup->button(int(kind)));
}

void AuditExportDialog::setScope(const AuditScope &scope)
{
    switch (scope.kind) {
    case AuditScope::Kind::All:
        break;
    case AuditScope::Kind::Categories: {
        m_wantedCategories = scope.values;
        const QSignalBlocker blocker(m_categories);
        for (int row = 0; row < m_categories->count(); ++row) {
            QListWidgetItem *item = m_categories->item(row);
            item->setCheckState(scope.values.contains(item->data(NameRole).toString()) ? Qt::Checked : Qt::Unchecked);
        }
        break;
    }
    case AuditScope::Kind::Pattern:
        m_pattern->setText(scope.values.value(0));
        break;
    case AuditScope::Kind::Streams:
        setSelectedStreams(scope.values);
        break;
    }
    scopeButton(scope.kind)->setChecked(true);
}

AuditScope AuditExportDialog::scope() const
{
    const auto kind = AuditScope::Kind(std::max(0, m_scopeGroup->checkedId()));
    switch (kind) {
    case AuditScope::Kind::All:
        return AuditScope::all();
    case AuditScope::Kind::Categories: {
        QStringList names;
        for (int row = 0; row < m_categories->count(); ++row) {
            const QListWidgetItem *item = m_categories->item(row);
            if (item->checkState() == Qt::Checked)
                names.append(item->data(NameRole).toString());
        }
        return AuditScope::categories(names);
    }
    case AuditScope::Kind::Pattern:
        return AuditScope::pattern(m_pattern->text().trimmed());
    case AuditScope::Kind::Streams: {
        QStringList names;
        const QStringList lines = m_streams->toPlainText().split(QLatin1Char('\n'));
        for (const QString &line : lines) {
            const QString name = line.trimmed();
            if (!name.isEmpty() && !names.contains(name))
                names.append(name);
        }
        return AuditScope::streams(names);
    }
    }
    return AuditScope::all();
}

void AuditExportDialog::setSelectedStreams(const QStringList &streams)
{
    const QSignalBlocker blocker(m_streams);
    m_streams->setPlainText(streams.join(QLatin1Char('\n')));
}

// --- projections -----------------------------------------------------------------------------------

bool AuditExportDialog::addProjectionFile(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (const ProjectionEntry &entry : m_projectionEntries) {
        if (entry.path == absolute) {
            m_projectionError->setText(tr("%1 is already in the list.").arg(QDir::toNativeSeparators(absolute)));
            m_projectionError->show();
            return false;
        }
    }
    QFile file(absolute);
    if (!file.open(QIODevice::ReadOnly)) {
        m_projectionError->setText(tr("Could not read %1: %2").arg(QDir::toNativeSeparators(absolute), file.errorString()));
        m_projectionError->show();
        return false;
    }
    ProjectionEntry entry;
    entry.path = absolute;
    entry.script = QString::fromUtf8(file.readAll());
    // The name keys the projection in the snapshot: unique within it.
    const QString base = QFileInfo(absolute).fileName();
    entry.name = base;
    for (int n = 2;; ++n) {
        const bool taken = std::any_of(m_projectionEntries.begin(), m_projectionEntries.end(),
                                       [&](const ProjectionEntry &e) { return e.name == entry.name; });
        if (!taken)
            break;
        entry.name = QStringLiteral("%1 (%2)").arg(base).arg(n);
    }
    if (const std::optional<ProjectionError> error = Projection::check(entry.script))
        entry.error = error->toString();

    auto *item = new QListWidgetItem(entry.name, m_projections);
    item->setToolTip(entry.error.isEmpty() ? QDir::toNativeSeparators(absolute)
                                           : QDir::toNativeSeparators(absolute) + QLatin1Char('\n') + entry.error);
    if (!entry.error.isEmpty()) {
        item->setText(tr("%1 — error").arg(entry.name));
        item->setForeground(QColor(0xc9, 0x2a, 0x2a));
    }
    m_projectionEntries.push_back(entry);

    QStringList errors;
    for (const ProjectionEntry &e : m_projectionEntries) {
        if (!e.error.isEmpty())
            errors.append(tr("%1: %2").arg(e.name, e.error));
    }
    m_projectionError->setText(errors.join(QLatin1Char('\n')));
    m_projectionError->setVisible(!errors.isEmpty());
    updateButtons();
    return true;
}

QStringList AuditExportDialog::projectionFiles() const
{
    QStringList files;
    for (const ProjectionEntry &entry : m_projectionEntries)
        files.append(entry.path);
    return files;
}

void AuditExportDialog::removeSelectedProjections()
{
    for (int row = m_projections->count() - 1; row >= 0; --row) {
        if (!m_projections->item(row)->isSelected())
            continue;
        delete m_projections->takeItem(row);
        m_projectionEntries.erase(m_projectionEntries.begin() + row);
    }
    QStringList errors;
    for (const ProjectionEntry &e : m_projectionEntries) {
        if (!e.error.isEmpty())
            errors.append(tr("%1: %2").arg(e.name, e.error));
    }
    m_projectionError->setText(errors.join(QLatin1Char('\n')));
    m_projectionError->setVisible(!errors.isEmpty());
    updateButtons();
}

void AuditExportDialog::addProjectionDialog()
{
    const QString dir = m_projectionEntries.empty() ? QDir::homePath() : QFileInfo(m_projectionEntries.back().path).absolutePath();
    auto *dialog = new QFileDialog(this, tr("Add Projections"), dir, tr("JavaScript projections (*.js);;All files (*)"));
    dialog->setObjectName(QStringLiteral("addProjectionDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList &files) {
        for (const QString &file : files)
            addProjectionFile(file);
    });
    dialog->open();
}

// --- output ----------------------------------------------------------------------------------------

void AuditExportDialog::setFormat(AuditFormat format)
{
    m_format->setCurrentIndex(m_format->findData(auditFormatName(format)));
}

AuditFormat AuditExportDialog::format() const
{
    return auditFormatFromName(m_format->currentData().toString()).value_or(AuditFormat::Json);
}

void AuditExportDialog::setDestination(const QString &path)
{
    m_destinationEdited = !path.isEmpty();
    m_destination->setText(QDir::toNativeSeparators(path));
    updateDestination(false);
}

QString AuditExportDialog::destination() const
{
    const QString text = m_destination->text().trimmed();
    return text.isEmpty() ? QString() : QDir::fromNativeSeparators(text);
}

QString AuditExportDialog::defaultFileName() const
{
    const QString base = m_storePath.isEmpty() ? QStringLiteral("snapshot") : QFileInfo(m_storePath).completeBaseName();
    QString at;
    if (m_atTime->isChecked())
        at = m_time->dateTime().toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    else
        at = QString::number(m_position->value());
    return QStringLiteral("%1-at-%2.%3").arg(base, at, auditFormatName(format()));
}

void AuditExportDialog::updateDestination(bool applySuffix)
{
    const QString suffix = auditFormatName(format());
    if (!m_destinationEdited) {
        QString dir = QSettings().value(LastDirectoryKey).toString();
        if (dir.isEmpty() || !QFileInfo(dir).isDir())
            dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        if (dir.isEmpty() || !QFileInfo(dir).isDir())
            dir = QDir::homePath();
        m_destination->setText(QDir::toNativeSeparators(QDir(dir).filePath(defaultFileName())));
    } else if (applySuffix) {
        // The suffix follows the format (a name with another suffix of its own is left alone).
        const QString path = destination();
        const QFileInfo info(path);
        if (!path.isEmpty() && info.suffix() != suffix && (info.suffix().isEmpty() || isExportSuffix(info.suffix()))) {
            const QString base = info.suffix().isEmpty() ? path : path.left(path.size() - info.suffix().size() - 1);
            const int cursor = m_destination->cursorPosition();
            m_destination->setText(QDir::toNativeSeparators(base + QLatin1Char('.') + suffix));
            m_destination->setCursorPosition(std::min(cursor, int(base.size())));
        }
    }
    const QString path = destination();
    const QFileInfo info(path);
    if (path.isEmpty())
        m_destinationNote->setText(tr("Choose where to save the snapshot."));
    else if (info.isDir())
        m_destinationNote->setText(tr("This is a folder: add a file name."));
    else if (info.exists())
        m_destinationNote->setText(tr("%1 exists and will be replaced.").arg(info.fileName()));
    else if (!QFileInfo(info.absolutePath()).isDir())
        m_destinationNote->setText(tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(info.absolutePath())));
    else
        m_destinationNote->clear();
    m_destinationNote->setVisible(!m_destinationNote->text().isEmpty());
}

void AuditExportDialog::browseDestination()
{
    const AuditFormat chosen = format();
    auto *dialog = new QFileDialog(this, tr("Save Audit Snapshot As"), destination(), formatFilter(chosen));
    dialog->setObjectName(QStringLiteral("auditDestinationDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setDefaultSuffix(auditFormatName(chosen));
    // QFileDialog asks about replacing with a nested exec(); the dialog says so under the field.
    dialog->setOption(QFileDialog::DontConfirmOverwrite);
    dialog->selectFile(destination());
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            setDestination(path);
    });
    dialog->open();
}

// --- export ----------------------------------------------------------------------------------------

std::optional<AuditRequest> AuditExportDialog::request(QString *error) const
{
    const auto failWith = [error](const QString &message) -> std::optional<AuditRequest> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    AuditRequest request;
    request.storeName = QFileInfo(m_storePath).fileName();
    if (m_atPosition->isChecked())
        request.atPosition = m_position->value();
    else
        request.atTimeMs = m_time->dateTime().toMSecsSinceEpoch();
    request.scope = scope();
    switch (request.scope.kind) {
    case AuditScope::Kind::All:
        break;
    case AuditScope::Kind::Categories:
        if (request.scope.values.isEmpty())
            return failWith(tr("Check at least one category, or choose another scope."));
        break;
    case AuditScope::Kind::Pattern:
        if (request.scope.values.value(0).isEmpty())
            return failWith(tr("Type a stream pattern (for example account-1*), or choose another scope."));
        break;
    case AuditScope::Kind::Streams:
        if (request.scope.values.isEmpty())
            return failWith(tr("List at least one stream (one a line), or choose another scope."));
        break;
    }
    for (const ProjectionEntry &entry : m_projectionEntries) {
        if (!entry.error.isEmpty())
            return failWith(tr("The projection %1 does not compile (%2): fix it or remove it.").arg(entry.name, entry.error));
        request.projections.push_back({entry.name, entry.script});
    }
    return request;
}

void AuditExportDialog::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString AuditExportDialog::resultText() const
{
    return m_state == State::Finished ? m_result->text() : QString();
}

QString AuditExportDialog::errorText() const
{
    return m_error->text();
}

QString AuditExportDialog::progressText() const
{
    return m_status->text();
}

void AuditExportDialog::startExport()
{
    if (isRunning())
        return;
    m_result->hide();
    m_open->hide();
    m_showFolder->hide();
    m_resultPath.clear();
    m_resultDigest.clear();
    setError({});

    const auto refuse = [this](const QString &message) {
        m_state = State::Failed;
        setError(message);
        updateButtons();
        Q_EMIT exportFailed(message, false);
    };
    const std::shared_ptr<const EventStore> store = m_store.lock();
    if (!store)
        return refuse(tr("No store is open."));
    QString problem;
    const std::optional<AuditRequest> request = this->request(&problem);
    if (!request)
        return refuse(problem);
    const QString path = destination();
    if (path.isEmpty())
        return refuse(tr("Choose where to save the snapshot."));
    if (QFileInfo(path).isDir())
        return refuse(tr("%1 is a folder: add a file name.").arg(QDir::toNativeSeparators(path)));
    std::shared_ptr<EventStore> connection;
    try {
        connection = store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        return refuse(tr("Could not read the store: %1").arg(QString::fromUtf8(e.what())));
    }
    QSettings().setValue(LastDirectoryKey, QFileInfo(path).absolutePath());

    const AuditFormat chosen = format();
    auto outcome = std::make_shared<Outcome>();
    outcome->path = QFileInfo(path).absoluteFilePath();
    m_outcome = outcome;
    const quint64 generation = ++m_runGeneration;

    // The worker: its own connection, nothing that touches a widget.
    const auto work = [connection = std::move(connection), request = *request, chosen, outcome]() mutable {
        RunResult result;
        const ProgressFn progress = [&outcome](qint64 done, qint64) {
            outcome->done.store(done, std::memory_order_relaxed);
            return !outcome->cancel.load(std::memory_order_relaxed);
        };
        try {
            // Cancelled before it began (it waited for a thread): nothing is read or written.
            if (!progress(0, Scale)) {
                result.cancelled = true;
                return result;
            }
            outcome->phase = PhaseReplaying;
            std::optional<AuditSnapshot> snapshot;
            snapshot.emplace(AuditSnapshot::build(*connection, request, [&progress](qint64 done, qint64 total) {
                return progress(total > 0 ? std::clamp<qint64>(done * ReplayShare / total, 0, ReplayShare) : 0, Scale);
            }));
            outcome->phase = PhaseWriting;
            if (!progress(ReplayShare, Scale))
                throw AuditCancelled();
            writeAuditExport(*connection, *snapshot, chosen, outcome->path, {}, [&progress](qint64 done, qint64 total) {
                const qint64 share = Scale - ReplayShare;
                return progress(ReplayShare + (total > 0 ? std::clamp<qint64>(done * share / total, 0, share) : 0), Scale);
            });
            outcome->digest = snapshot->digest();
            outcome->position = snapshot->position();
            const AuditSnapshot::Json &json = snapshot->json();
            if (const auto it = json.find("aggregates"); it != json.end() && it->is_object())
                outcome->aggregates = qint64(it->size());
            if (const auto it = json.find("projections"); it != json.end() && it->is_object())
                outcome->projections = qint64(it->size());
            result.ok = true;
        } catch (const AuditCancelled &) {
            result.cancelled = true;
        } catch (const std::exception &e) {
            result.error = QString::fromUtf8(e.what());
        } catch (...) {
            result.error = QStringLiteral("unknown error");
        }
        connection.reset(); // closed on the thread that used it
        return result;
    };
    auto *watcher = new QFutureWatcher<RunResult>(this);
    connect(watcher, &QFutureWatcher<RunResult>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        onRunDone(generation, watcher->result());
    });

    m_state = State::Running;
    m_progress->setValue(0);
    m_progress->show();
    m_status->setText(tr("Waiting to start…"));
    updateButtons();
    m_pollTimer->start();
    watcher->setFuture(QtConcurrent::run(&m_pool, std::move(work)));
}

void AuditExportDialog::cancelExport()
{
    if (!isRunning() || !m_outcome)
        return;
    m_outcome->cancel = true;
    m_status->setText(tr("Cancelling…"));
    m_cancel->setEnabled(false);
}

void AuditExportDialog::pollProgress()
{
    if (!isRunning() || !m_outcome)
        return;
    m_progress->setValue(int(std::clamp<qint64>(m_outcome->done.load(std::memory_order_relaxed), 0, Scale)));
    if (m_outcome->cancel)
        return;
    switch (m_outcome->phase.load()) {
    case PhaseStarting:
        break;
    case PhaseReplaying:
        m_status->setText(tr("Replaying the log… %1%").arg(m_outcome->done.load(std::memory_order_relaxed) * 100 / ReplayShare));
        break;
    case PhaseWriting:
        m_status->setText(tr("Writing the %1…").arg(auditFormatName(format()).toUpper()));
        break;
    }
}

void AuditExportDialog::onRunDone(quint64 generation, const RunResult &result)
{
    if (generation != m_runGeneration)
        return;
    m_pollTimer->stop();
    m_progress->hide();
    m_status->clear();
    const std::shared_ptr<Outcome> outcome = m_outcome;
    if (result.ok) {
        m_state = State::Finished;
        m_resultPath = outcome->path;
        m_resultDigest = outcome->digest;
        const QString aggregates = outcome->aggregates == 1 ? tr("1 aggregate") : tr("%1 aggregates").arg(QLocale().toString(outcome->aggregates));
        const QString projections = outcome->projections == 1 ? tr("1 projection") : tr("%1 projections").arg(QLocale().toString(outcome->projections));
        m_result->setText(tr("<b>Exported</b> %1 — the snapshot at position %2: %3, %4.<br>"
                             "Digest (SHA-256): <span style=\"font-family: 'DejaVu Sans Mono', monospace;\">%5</span>")
                              .arg(QDir::toNativeSeparators(outcome->path).toHtmlEscaped(), QString::number(outcome->position),
                                   aggregates, projections, outcome->digest.toHtmlEscaped()));
        m_result->show();
        m_open->show();
        m_showFolder->show();
        m_destinationNote->hide(); // "exists and will be replaced" is for the next export
        updateButtons();
        Q_EMIT exportFinished(outcome->path, outcome->digest);
        return;
    }
    m_state = result.cancelled ? State::Cancelled : State::Failed;
    setError(result.cancelled ? tr("Export cancelled; no file was written.") : tr("Export failed: %1").arg(result.error));
    updateButtons();
    Q_EMIT exportFailed(result.cancelled ? tr("cancelled") : result.error, result.cancelled);
}

void AuditExportDialog::setUrlOpener(std::function<bool(const QUrl &)> opener)
{
    m_urlOpener = std::move(opener);
}

void AuditExportDialog::openResult()
{
    if (m_resultPath.isEmpty())
        return;
    if (!m_urlOpener(QUrl::fromLocalFile(m_resultPath)))
        setError(tr("Could not open %1: no application is set up for it.").arg(QDir::toNativeSeparators(m_resultPath)));
}

void AuditExportDialog::showResultFolder()
{
    if (m_resultPath.isEmpty())
        return;
    const QString folder = QFileInfo(m_resultPath).absolutePath();
    if (!m_urlOpener(QUrl::fromLocalFile(folder)))
        setError(tr("Could not show the folder %1.").arg(QDir::toNativeSeparators(folder)));
}

void AuditExportDialog::updateButtons()
{
    const bool running = isRunning();
    const bool haveStore = !m_store.expired();
    for (QWidget *box : std::as_const(m_inputBoxes))
        box->setEnabled(!running);
    m_export->setEnabled(!running && haveStore);
    m_cancel->setEnabled(running);
    m_cancel->setVisible(running);
    m_removeProjection->setEnabled(!m_projections->selectedItems().isEmpty());
    m_useTimeline->setEnabled(bool(m_pointProvider));
}

} // namespace eventlens
