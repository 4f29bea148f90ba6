#include "specificationdialog.h"

#include "asynccall.h"

#include "decider.h"
#include "eventstore.h"
#include "scripteditor.h"

#include <QColor>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <climits>
#include <exception>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

constexpr int KindRole = Qt::UserRole + 1; // domain box: what an item is
enum class DomainKind { Bundled, File, Action };
const QString ErrorStyle = QStringLiteral("color: #c92a2a;");

QString exceptionText(std::exception_ptr error)
{
    try {
        std::rethrow_exception(std::move(error));
    } catch (const DeciderError &e) {
        return e.error().toString();
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("unknown error");
    }
}

QString jsonText(const Json &value, int indent = -1)
{
    return QString::fromStdString(value.dump(indent, ' ', false, Json::error_handler_t::replace));
}

int clampToInt(qint64 value)
{
    return int(std::clamp<qint64>(value, 0, INT_MAX));
}

} // namespace

struct SpecificationDialog::PreviewAnswer
{
    quint64 generation = 0;
    std::optional<Specification> spec;
    QString json;
    QString error;
};

struct SpecificationDialog::RunAnswer
{
    quint64 generation = 0;
    std::vector<SpecificationOutcome> outcomes;
};

struct SpecificationDialog::StreamAnswer
{
    quint64 generation = 0;
    qint64 version = -1;
    QString error;
};

SpecificationDialog::SpecificationDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("specificationDialog"));
    setWindowTitle(tr("Specifications"));
    m_pool.setMaxThreadCount(2);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("specificationTabs"));
    m_tabs->addTab(createExportTab(), tr("&Export from History"));
    m_tabs->addTab(createRunTab(), tr("&Run"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);
    resize(900, 640);

    fillDomains(QStringLiteral("bank"));
    setDomain(QStringLiteral("bank"));
    updateButtons();
}

SpecificationDialog::~SpecificationDialog()
{
    m_pool.waitForDone();
}

void SpecificationDialog::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(tab == ExportTab ? 0 : 1);
}

bool SpecificationDialog::isBusy() const
{
    return m_previewRunning || m_runRunning;
}

// --- export tab ------------------------------------------------------------------------------

QWidget *SpecificationDialog::createExportTab()
{
    auto *page = new QWidget(m_tabs);

    m_store = new QLineEdit(page);
    m_store->setObjectName(QStringLiteral("specStoreEdit"));
    m_store->setReadOnly(true);
    m_store->setPlaceholderText(tr("the window's store"));

    m_stream = new QLineEdit(page);
    m_stream->setObjectName(QStringLiteral("specStreamEdit"));
    m_stream->setPlaceholderText(tr("account-1"));
    connect(m_stream, &QLineEdit::textEdited, this, [this] {
        m_wantFrom = 0;
        m_wantTo = -1;
        m_streamVersion.reset();
        ++m_streamGeneration;
        m_streamInfo->clear();
        invalidatePreview();
    });
    connect(m_stream, &QLineEdit::editingFinished, this, [this] {
        if (!m_streamVersion)
            requestStreamVersion();
        if (const QString domain = Decider::bundledDomainForStream(stream()); !domain.isEmpty() && deciderFile().isEmpty())
            setDomain(domain);
    });
    m_from = new QSpinBox(page);
    m_from->setObjectName(QStringLiteral("specFromSpin"));
    m_from->setRange(0, 0);
    m_from->setToolTip(tr("The first version of the stream in the given"));
    m_to = new QSpinBox(page);
    m_to->setObjectName(QStringLiteral("specToSpin"));
    m_to->setRange(0, 0);
    m_to->setToolTip(tr("The last version of the stream in the given (inclusive)"));
    connect(m_from, &QSpinBox::valueChanged, this, [this](int from) {
        m_to->setMinimum(from);
        if (!m_filling)
            m_wantFrom = from;
        invalidatePreview();
    });
    connect(m_to, &QSpinBox::valueChanged, this, [this](int to) {
        if (!m_filling)
            m_wantTo = to;
        invalidatePreview();
    });
    m_streamInfo = new QLabel(page);
    m_streamInfo->setObjectName(QStringLiteral("specStreamInfo"));
    auto *streamRow = new QHBoxLayout;
    streamRow->addWidget(m_stream, 1);
    streamRow->addWidget(new QLabel(tr("versions"), page));
    streamRow->addWidget(m_from);
    streamRow->addWidget(new QLabel(tr("to"), page));
    streamRow->addWidget(m_to);
    streamRow->addWidget(m_streamInfo);

    m_domain = new QComboBox(page);
    m_domain->setObjectName(QStringLiteral("specDomainBox"));
    m_domain->setToolTip(tr("The decider: a bundled domain, or a decider script of yours"));
    connect(m_domain, &QComboBox::activated, this, &SpecificationDialog::onDomainActivated);
    m_type = new QComboBox(page);
    m_type->setObjectName(QStringLiteral("specTypeBox"));
    m_type->setEditable(true);
    m_type->setInsertPolicy(QComboBox::NoInsert);
    m_type->setToolTip(tr("The command (the when)"));
    connect(m_type, &QComboBox::currentTextChanged, this, &SpecificationDialog::onTypeChanged);
    m_payload = new ScriptEditor(page);
    m_payload->setObjectName(QStringLiteral("specPayloadEditor"));
    m_payload->setToolTip(tr("The command's data, a JSON object"));
    connect(m_payload, &QPlainTextEdit::textChanged, this, &SpecificationDialog::invalidatePreview);
    m_name = new QLineEdit(page);
    m_name->setObjectName(QStringLiteral("specNameEdit"));
    m_name->setPlaceholderText(tr("optional: “Withdraw after 2 events of account-1: rejected”"));
    connect(m_name, &QLineEdit::textEdited, this, &SpecificationDialog::invalidatePreview);

    auto *form = new QFormLayout;
    form->addRow(tr("Store:"), m_store);
    auto *streamLabel = new QLabel(tr("&Stream:"), page);
    streamLabel->setBuddy(m_stream);
    form->addRow(streamLabel, streamRow);
    form->addRow(tr("&Domain:"), m_domain);
    form->addRow(tr("Command &type:"), m_type);
    form->addRow(tr("&Payload:"), m_payload);
    form->addRow(tr("&Name:"), m_name);

    m_previewButton = new QPushButton(tr("&Preview"), page);
    m_previewButton->setObjectName(QStringLiteral("specPreviewButton"));
    m_previewButton->setToolTip(tr("Compute the specification: given the stream's events, when the command, then what the "
                                   "decider decides now"));
    connect(m_previewButton, &QPushButton::clicked, this, &SpecificationDialog::preview);
    m_saveButton = new QPushButton(tr("&Save…"), page);
    m_saveButton->setObjectName(QStringLiteral("specSaveButton"));
    connect(m_saveButton, &QPushButton::clicked, this, &SpecificationDialog::saveDialog);
    m_runPreviewButton = new QPushButton(tr("Run &It"), page);
    m_runPreviewButton->setObjectName(QStringLiteral("specRunPreviewButton"));
    m_runPreviewButton->setToolTip(tr("Add it to the run list and run the list"));
    connect(m_runPreviewButton, &QPushButton::clicked, this, &SpecificationDialog::runPreview);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_previewButton);
    buttons->addWidget(m_saveButton);
    buttons->addWidget(m_runPreviewButton);
    buttons->addStretch(1);

    m_exportError = new QLabel(page);
    m_exportError->setObjectName(QStringLiteral("specExportError"));
    m_exportError->setWordWrap(true);
    m_exportError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportError->setStyleSheet(ErrorStyle);
    m_exportError->hide();
    m_previewView = new QPlainTextEdit(page);
    m_previewView->setObjectName(QStringLiteral("specPreviewView"));
    m_previewView->setReadOnly(true);
    m_previewView->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_previewView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_previewView->setPlaceholderText(tr("Preview shows the specification here."));

    auto *left = new QWidget(page);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(form, 1);
    leftLayout->addLayout(buttons);
    leftLayout->addWidget(m_exportError);
    auto *splitter = new QSplitter(Qt::Horizontal, page);
    splitter->addWidget(left);
    splitter->addWidget(m_previewView);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(splitter);
    return page;
}

void SpecificationDialog::setStorePath(const QString &path)
{
    m_storePath = path;
    m_store->setText(QDir::toNativeSeparators(path));
    m_store->setToolTip(path);
    m_streamVersion.reset();
    invalidatePreview();
    requestStreamVersion();
    updateButtons();
}

void SpecificationDialog::setStream(const QString &stream, qint64 fromVersion, qint64 toVersion)
{
    m_stream->setText(stream);
    m_wantFrom = std::max<qint64>(0, fromVersion);
    m_wantTo = toVersion;
    m_streamVersion.reset();
    if (const QString domain = Decider::bundledDomainForStream(stream); !domain.isEmpty())
        setDomain(domain);
    invalidatePreview();
    requestStreamVersion();
}

QString SpecificationDialog::stream() const
{
    return m_stream->text().trimmed();
}

qint64 SpecificationDialog::fromVersion() const
{
    return m_from->isEnabled() ? m_from->value() : 0;
}

qint64 SpecificationDialog::toVersion() const
{
    return m_to->isEnabled() ? m_to->value() : -1;
}

void SpecificationDialog::requestStreamVersion()
{
    const quint64 generation = ++m_streamGeneration;
    const QString path = m_storePath;
    const QString name = stream();
    if (path.isEmpty() || name.isEmpty()) {
        m_streamInfo->clear();
        m_from->setEnabled(false);
        m_to->setEnabled(false);
        updateButtons();
        return;
    }
    m_streamInfo->setText(tr("reading…"));
    runAsync<StreamAnswer>(
        &m_pool, this,
        [path, name, generation] {
            StreamAnswer a;
            a.generation = generation;
            try {
                auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
                a.version = store->streamVersion(name);
            } catch (...) {
                a.error = exceptionText(std::current_exception());
            }
            return a;
        },
        [this](const StreamAnswer &a) {
            if (a.generation == m_streamGeneration)
                showStreamVersion(a);
        });
}

void SpecificationDialog::showStreamVersion(const StreamAnswer &a)
{
    if (!a.error.isEmpty()) {
        m_streamVersion.reset();
        m_streamInfo->clear();
        showExportError(tr("Cannot read the store: %1").arg(a.error));
        updateButtons();
        return;
    }
    m_streamVersion = a.version;
    m_filling = true;
    const bool exists = a.version >= 0;
    m_from->setEnabled(exists);
    m_to->setEnabled(exists);
    if (exists) {
        const int last = clampToInt(a.version);
        m_from->setRange(0, last);
        m_from->setValue(clampToInt(std::min<qint64>(m_wantFrom, a.version)));
        m_to->setRange(m_from->value(), last);
        m_to->setValue(m_wantTo < 0 ? last : clampToInt(std::clamp<qint64>(m_wantTo, m_from->value(), a.version)));
        m_streamInfo->setText(a.version == 0 ? tr("(1 event)") : tr("(%1 events)").arg(a.version + 1));
    } else {
        m_from->setRange(0, 0);
        m_to->setRange(0, 0);
        m_streamInfo->setText(tr("(no such stream: the given is empty)"));
    }
    m_filling = false;
    invalidatePreview();
    updateButtons();
}

void SpecificationDialog::fillDomains(const QString &select)
{
    const QSignalBlocker blocker(m_domain);
    QStringList files;
    for (int i = 0; i < m_domain->count(); ++i) {
        if (DomainKind(m_domain->itemData(i, KindRole).toInt()) == DomainKind::File)
            files.append(m_domain->itemData(i).toString());
    }
    if (!m_deciderPath.isEmpty() && !files.contains(m_deciderPath))
        files.append(m_deciderPath);
    m_domain->clear();
    for (const QString &domain : Decider::bundledDomains()) {
        m_domain->addItem(domain, domain);
        m_domain->setItemData(m_domain->count() - 1, int(DomainKind::Bundled), KindRole);
    }
    for (const QString &file : std::as_const(files)) {
        m_domain->addItem(QFileInfo(file).fileName(), file);
        m_domain->setItemData(m_domain->count() - 1, int(DomainKind::File), KindRole);
        m_domain->setItemData(m_domain->count() - 1, file, Qt::ToolTipRole);
    }
    m_domain->insertSeparator(m_domain->count());
    m_domain->addItem(tr("Decider file…"));
    m_domain->setItemData(m_domain->count() - 1, int(DomainKind::Action), KindRole);
    m_domain->setCurrentIndex(std::max(0, m_domain->findData(select)));
}

void SpecificationDialog::onDomainActivated(int index)
{
    const auto kind = DomainKind(m_domain->itemData(index, KindRole).toInt());
    const QString value = m_domain->itemData(index).toString();
    if (kind == DomainKind::Action) {
        // Back to the current decider until a file loads.
        fillDomains(m_deciderPath.isEmpty() ? m_domainName : m_deciderPath);
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Decider"), QString(), tr("Decider scripts (*.js);;All files (*)"));
        if (!path.isEmpty())
            loadDeciderFile(path);
        return;
    }
    if (kind == DomainKind::File)
        loadDeciderFile(value);
    else
        setDomain(value);
}

bool SpecificationDialog::setDomain(const QString &domain)
{
    const QString name = domain.trimmed().toLower();
    if (!Decider::bundledDomains().contains(name))
        return false;
    if (name == m_domainName && m_deciderPath.isEmpty() && m_decider)
        return true;
    std::unique_ptr<Decider> decider;
    try {
        decider = Decider::bundled(name);
    } catch (const DeciderError &e) {
        showExportError(e.error().toString());
        return false;
    }
    applyDecider(std::move(decider), name, {});
    return true;
}

bool SpecificationDialog::loadDeciderFile(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    std::unique_ptr<Decider> decider;
    try {
        decider = Decider::fromFile(absolute);
    } catch (const DeciderError &e) {
        showExportError(tr("Cannot load the decider: %1").arg(e.error().toString()));
        return false;
    }
    if (!decider->isValid()) {
        showExportError(tr("%1: %2").arg(QFileInfo(absolute).fileName(), decider->error()->toString()));
        return false;
    }
    applyDecider(std::move(decider), {}, absolute);
    return true;
}

void SpecificationDialog::applyDecider(std::unique_ptr<Decider> decider, const QString &domain, const QString &file)
{
    const QString type = commandType();
    m_decider = std::move(decider);
    m_domainName = domain;
    m_deciderPath = file;
    fillDomains(file.isEmpty() ? domain : file);
    showExportError({});
    {
        const QSignalBlocker blocker(m_type);
        m_type->clear();
        m_type->addItems(m_decider->commandTypes());
        const int index = m_type->findText(type, Qt::MatchFixedString);
        m_type->setCurrentIndex(index >= 0 ? index : (m_type->count() > 0 ? 0 : -1));
    }
    onTypeChanged();
}

QString SpecificationDialog::domain() const
{
    return m_deciderPath.isEmpty() ? m_domainName : QString();
}

QString SpecificationDialog::deciderFile() const
{
    return m_deciderPath;
}

bool SpecificationDialog::setCommandType(const QString &type)
{
    const int index = m_type->findText(type, Qt::MatchFixedString);
    if (index >= 0)
        m_type->setCurrentIndex(index);
    else if (m_decider && m_decider->commandTypes().isEmpty())
        m_type->setEditText(type); // a decider without a `commands` list takes any type
    else
        return false;
    return true;
}

QString SpecificationDialog::commandType() const
{
    return m_type->currentText().trimmed();
}

QStringList SpecificationDialog::commandTypes() const
{
    return m_decider ? m_decider->commandTypes() : QStringList();
}

void SpecificationDialog::onTypeChanged()
{
    // A type of the decider's list brings its template; a type being typed leaves the payload.
    if (m_decider && m_decider->commandTypes().contains(commandType())) {
        const Json templ = m_decider->commandTemplate(commandType());
        setPayload(jsonText(templ.is_object() ? templ : Json::object(), 2));
    }
    invalidatePreview();
}

void SpecificationDialog::setPayload(const QString &json)
{
    if (m_payload->toPlainText() != json)
        m_payload->setPlainText(json);
}

QString SpecificationDialog::payload() const
{
    return m_payload->toPlainText();
}

void SpecificationDialog::setSpecificationName(const QString &name)
{
    m_name->setText(name);
    invalidatePreview();
}

void SpecificationDialog::invalidatePreview()
{
    if (m_filling)
        return;
    ++m_previewGeneration;
    m_previewRunning = false;
    if (m_preview || !m_previewJson.isEmpty()) {
        m_preview.reset();
        m_previewJson.clear();
        m_savedPath.clear();
        m_previewView->clear();
    }
    updateButtons();
}

void SpecificationDialog::showExportError(const QString &text)
{
    m_exportError->setText(text);
    m_exportError->setVisible(!text.isEmpty());
}

QString SpecificationDialog::exportErrorText() const
{
    return m_exportError->text();
}

QString SpecificationDialog::previewText() const
{
    return m_previewJson;
}

void SpecificationDialog::preview()
{
    if (m_storePath.isEmpty()) {
        showExportError(tr("No store: open one in the window first."));
        return;
    }
    if (stream().isEmpty()) {
        showExportError(tr("Name the stream whose history is the given."));
        return;
    }
    if (!m_decider || commandType().isEmpty()) {
        showExportError(tr("Choose a domain and a command type."));
        return;
    }
    const QByteArray text = payload().toUtf8();
    m_payload->clearErrorMarkers();
    Json data = Json::object();
    if (!text.trimmed().isEmpty()) {
        try {
            data = Json::parse(text.constBegin(), text.constEnd());
        } catch (const Json::parse_error &e) {
            // e.byte is 1-based; find its line and column for the marker.
            const QByteArray before = text.left(qsizetype(e.byte > 0 ? e.byte - 1 : 0));
            const int line = int(before.count('\n')) + 1;
            const int column = int(before.size() - (before.lastIndexOf('\n') + 1)) + 1;
            m_payload->setErrorMarker(line, column, QString::fromUtf8(e.what()));
            showExportError(tr("The payload is not JSON (line %1, column %2).").arg(line).arg(column));
            return;
        }
    }
    if (!data.is_object()) {
        showExportError(tr("The payload must be a JSON object."));
        return;
    }
    showExportError({});
    invalidatePreview();
    DeciderCommand command;
    command.type = commandType();
    command.stream = stream();
    command.data = std::move(data);
    const quint64 generation = m_previewGeneration;
    m_previewRunning = true;
    m_previewView->setPlainText(tr("Computing…"));
    updateButtons();
    const QString path = m_storePath;
    const QString name = m_name->text().trimmed();
    const QString domain = this->domain();
    const QString deciderPath = m_deciderPath;
    const QString script = m_decider->script();
    const qint64 from = fromVersion();
    const qint64 to = m_streamVersion ? toVersion() : -1;
    runAsync<PreviewAnswer>(
        &m_pool, this,
        [path, name, domain, deciderPath, script, from, to, command, generation] {
            PreviewAnswer a;
            a.generation = generation;
            try {
                // Its own read-only connection: the window's stays the GUI thread's.
                auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
                const qint64 version = store->streamVersion(command.stream);
                const qint64 last = to < 0 ? version : std::min(to, version);
                std::vector<Event> given;
                if (version >= 0 && last >= from)
                    given = store->readStream(command.stream, from, last - from + 1);
                std::unique_ptr<Decider> decider =
                    domain.isEmpty() ? std::make_unique<Decider>(script, deciderPath) : Decider::bundled(domain);
                if (!decider->isValid())
                    throw DeciderError(*decider->error());
                a.spec = Specification::fromHistory(*decider, domain, command.stream, std::move(given), command, name);
                a.json = jsonText(a.spec->toJson(), 2);
            } catch (...) {
                a.spec.reset();
                a.error = exceptionText(std::current_exception());
            }
            return a;
        },
        [this](const PreviewAnswer &a) {
            if (a.generation == m_previewGeneration)
                showPreview(a);
        });
}

void SpecificationDialog::showPreview(const PreviewAnswer &a)
{
    m_previewRunning = false;
    if (!a.error.isEmpty()) {
        m_previewView->clear();
        showExportError(tr("Preview failed: %1").arg(a.error));
        updateButtons();
        Q_EMIT previewFinished(false);
        return;
    }
    m_preview = a.spec;
    m_previewJson = a.json;
    m_savedPath.clear();
    m_previewView->setPlainText(a.json);
    updateButtons();
    Q_EMIT previewFinished(true);
}

bool SpecificationDialog::saveSpecification(const QString &path, QString *error)
{
    QString ignored;
    QString &why = error ? *error : ignored;
    if (!m_preview) {
        why = tr("Nothing to save: preview the specification first.");
        showExportError(why);
        return false;
    }
    Specification spec = *m_preview;
    if (!spec.deciderFile.isEmpty()) {
        // Found relative to the specification's file when it is run.
        spec.deciderFile = QDir(QFileInfo(path).absolutePath()).relativeFilePath(QFileInfo(spec.deciderFile).absoluteFilePath());
    }
    const QByteArray text = QByteArray::fromStdString(spec.toJson().dump(2, ' ', false, Json::error_handler_t::replace)) + '\n';
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
        why = tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showExportError(why);
        return false;
    }
    showExportError({});
    m_savedPath = QFileInfo(path).absoluteFilePath();
    if (!specificationFiles().contains(m_savedPath))
        addSpecificationFiles({m_savedPath});
    Q_EMIT specificationSaved(m_savedPath);
    return true;
}

void SpecificationDialog::saveDialog()
{
    if (!m_preview)
        return;
    QString suggested = m_preview->name;
    for (QChar &c : suggested) {
        if (!c.isLetterOrNumber() && c != u'-' && c != u'_')
            c = u'-';
    }
    suggested = suggested.left(80) + QStringLiteral(".json");
    const QString dir = m_deciderPath.isEmpty() ? QFileInfo(m_storePath).absolutePath() : QFileInfo(m_deciderPath).absolutePath();
    // QFileDialog asks before replacing a file.
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Specification"), QDir(dir).filePath(suggested),
                                                      tr("Specifications (*.json);;All files (*)"));
    if (!path.isEmpty())
        saveSpecification(path);
}

void SpecificationDialog::runPreview()
{
    if (!m_preview)
        return;
    if (!m_savedPath.isEmpty()) {
        if (!specificationFiles().contains(m_savedPath))
            addSpecificationFiles({m_savedPath});
    } else {
        addSpecification(*m_preview);
    }
    showTab(RunTab);
    runSpecifications();
}

// --- run tab ---------------------------------------------------------------------------------

QWidget *SpecificationDialog::createRunTab()
{
    auto *page = new QWidget(m_tabs);
    m_sources = new QListWidget(page);
    m_sources->setObjectName(QStringLiteral("specSourceList"));
    m_sources->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_sources->setToolTip(tr("The specification files to run"));
    connect(m_sources, &QListWidget::itemSelectionChanged, this, &SpecificationDialog::updateButtons);
    m_addFiles = new QPushButton(tr("&Add Files…"), page);
    m_addFiles->setObjectName(QStringLiteral("specAddFilesButton"));
    connect(m_addFiles, &QPushButton::clicked, this, &SpecificationDialog::addFilesDialog);
    m_remove = new QPushButton(tr("Re&move"), page);
    m_remove->setObjectName(QStringLiteral("specRemoveButton"));
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const QList<QListWidgetItem *> selected = m_sources->selectedItems();
        std::vector<int> rows;
        for (const QListWidgetItem *item : selected)
            rows.push_back(m_sources->row(item));
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows) {
            delete m_sources->takeItem(row);
            m_sourceList.erase(m_sourceList.begin() + row);
        }
        updateButtons();
    });
    m_runButton = new QPushButton(tr("R&un"), page);
    m_runButton->setObjectName(QStringLiteral("specRunButton"));
    m_runButton->setToolTip(tr("Run every specification of the list (the files are read again)"));
    connect(m_runButton, &QPushButton::clicked, this, &SpecificationDialog::runSpecifications);
    auto *sourceButtons = new QVBoxLayout;
    sourceButtons->addWidget(m_addFiles);
    sourceButtons->addWidget(m_remove);
    sourceButtons->addStretch(1);
    sourceButtons->addWidget(m_runButton);
    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_sources, 1);
    sourceRow->addLayout(sourceButtons);

    m_summary = new QLabel(page);
    m_summary->setObjectName(QStringLiteral("specSummary"));
    m_results = new QTableWidget(0, ResultColumnCount, page);
    m_results->setObjectName(QStringLiteral("specResultTable"));
    m_results->setHorizontalHeaderLabels({tr("Result"), tr("Specification"), tr("File"), tr("Message")});
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_results->setSelectionMode(QAbstractItemView::SingleSelection);
    m_results->setWordWrap(false);
    m_results->verticalHeader()->setVisible(false);
    m_results->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_results->horizontalHeader()->setStretchLastSection(true);
    connect(m_results, &QTableWidget::itemSelectionChanged, this, &SpecificationDialog::showDetail);
    m_detail = new QPlainTextEdit(page);
    m_detail->setObjectName(QStringLiteral("specDetailView"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select a result to see what the decider decided."));

    auto *splitter = new QSplitter(Qt::Vertical, page);
    auto *top = new QWidget(splitter);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(sourceRow);
    topLayout->addWidget(m_summary);
    topLayout->addWidget(m_results, 1);
    splitter->addWidget(top);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(splitter);
    return page;
}

void SpecificationDialog::addFilesDialog()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open Specifications"), QString(),
                                                            tr("Specifications (*.json);;All files (*)"));
    if (!files.isEmpty())
        addSpecificationFiles(files);
}

void SpecificationDialog::addSpecificationFiles(const QStringList &files)
{
    for (const QString &file : files) {
        Source s;
        s.file = QFileInfo(file).absoluteFilePath();
        s.label = QDir::toNativeSeparators(s.file);
        addSource(std::move(s));
    }
}

void SpecificationDialog::addSpecification(const Specification &spec)
{
    Source s;
    s.spec = spec;
    s.label = tr("%1 (not saved)").arg(SpecificationRunner::displayName(spec, 0));
    addSource(std::move(s));
}

void SpecificationDialog::addSource(Source source)
{
    auto *item = new QListWidgetItem(source.label, m_sources);
    item->setToolTip(source.file.isEmpty() ? tr("Held in memory: save it to keep it") : source.file);
    m_sourceList.push_back(std::move(source));
    updateButtons();
}

QStringList SpecificationDialog::specificationFiles() const
{
    QStringList out;
    for (const Source &s : m_sourceList) {
        if (!s.file.isEmpty())
            out.append(s.file);
    }
    return out;
}

int SpecificationDialog::sourceCount() const
{
    return int(m_sourceList.size());
}

void SpecificationDialog::clearSpecifications()
{
    ++m_runGeneration;
    m_runRunning = false;
    m_sourceList.clear();
    m_sources->clear();
    m_outcomes.clear();
    m_results->setRowCount(0);
    m_summary->clear();
    m_detail->clear();
    updateButtons();
}

void SpecificationDialog::runSpecifications()
{
    if (m_sourceList.empty())
        return;
    const quint64 generation = ++m_runGeneration;
    m_runRunning = true;
    m_summary->setText(tr("Running…"));
    updateButtons();
    std::vector<Source> sources = m_sourceList;
    runAsync<RunAnswer>(
        &m_pool, this,
        [sources = std::move(sources), generation] {
            RunAnswer a;
            a.generation = generation;
            SpecificationRunner runner; // its deciders live on this thread only
            for (const Source &s : sources) {
                if (s.spec) {
                    a.outcomes.push_back(runner.run(*s.spec, QString(), 0));
                    continue;
                }
                try {
                    std::vector<SpecificationOutcome> outcomes = runner.runFile(s.file);
                    a.outcomes.insert(a.outcomes.end(), outcomes.begin(), outcomes.end());
                } catch (const std::exception &e) {
                    SpecificationOutcome failed;
                    failed.file = s.file;
                    failed.name = QFileInfo(s.file).fileName();
                    failed.result.message = QString::fromUtf8(e.what());
                    a.outcomes.push_back(std::move(failed));
                }
            }
            return a;
        },
        [this](const RunAnswer &a) {
            if (a.generation == m_runGeneration)
                showRun(a);
        });
}

void SpecificationDialog::showRun(const RunAnswer &a)
{
    m_runRunning = false;
    m_outcomes = a.outcomes;
    m_results->setRowCount(0);
    m_results->setRowCount(int(m_outcomes.size()));
    for (int row = 0; row < int(m_outcomes.size()); ++row) {
        const SpecificationOutcome &o = m_outcomes[size_t(row)];
        const auto set = [this, row](int column, const QString &text) {
            auto *item = new QTableWidgetItem(text);
            item->setToolTip(text);
            m_results->setItem(row, column, item);
            return item;
        };
        QTableWidgetItem *status = set(ResultColumnStatus, o.passed() ? tr("PASS") : tr("FAIL"));
        status->setForeground(o.passed() ? QColor(0x2b, 0x8a, 0x3e) : QColor(0xc9, 0x2a, 0x2a));
        QFont bold = status->font();
        bold.setBold(true);
        status->setFont(bold);
        set(ResultColumnName, o.name);
        set(ResultColumnFile, o.file.isEmpty() ? tr("(not saved)") : QFileInfo(o.file).fileName())->setToolTip(o.file);
        set(ResultColumnMessage, o.result.message);
    }
    m_results->resizeColumnToContents(ResultColumnStatus);
    m_results->resizeColumnToContents(ResultColumnName);
    m_results->resizeColumnToContents(ResultColumnFile);
    m_summary->setText(summaryText());
    m_runButton->setText(tr("R&un Again"));
    m_detail->clear();
    updateButtons();
    Q_EMIT runFinished(passedCount(), failedCount());
}

int SpecificationDialog::passedCount() const
{
    return int(std::count_if(m_outcomes.begin(), m_outcomes.end(), [](const SpecificationOutcome &o) { return o.passed(); }));
}

int SpecificationDialog::failedCount() const
{
    return int(m_outcomes.size()) - passedCount();
}

QString SpecificationDialog::summaryText() const
{
    if (m_outcomes.empty())
        return {};
    return tr("%1 passed, %2 failed").arg(passedCount()).arg(failedCount());
}

void SpecificationDialog::showDetail()
{
    const int row = m_results->currentRow();
    if (row < 0 || row >= int(m_outcomes.size())) {
        m_detail->clear();
        return;
    }
    const SpecificationOutcome &o = m_outcomes[size_t(row)];
    QStringList lines;
    lines << QStringLiteral("%1  %2").arg(o.passed() ? tr("PASS") : tr("FAIL"), o.name);
    if (!o.file.isEmpty())
        lines << tr("file: %1").arg(QDir::toNativeSeparators(o.file));
    if (!o.result.message.isEmpty())
        lines << tr("why: %1").arg(o.result.message);
    if (o.result.error) {
        lines << tr("decided: the domain error “%1”").arg(*o.result.error);
    } else if (o.passed() || !o.result.events.empty()) {
        lines << (o.result.events.empty() ? tr("decided: no events") : tr("decided:"));
        for (const NewEvent &e : o.result.events)
            lines << QStringLiteral("  %1 %2").arg(e.type, QString::fromUtf8(e.data));
    }
    m_detail->setPlainText(lines.join(u'\n'));
}

void SpecificationDialog::updateButtons()
{
    const bool canPreview = !m_storePath.isEmpty() && !stream().isEmpty() && m_decider && !m_previewRunning;
    m_previewButton->setEnabled(canPreview);
    m_saveButton->setEnabled(m_preview.has_value());
    m_runPreviewButton->setEnabled(m_preview.has_value() && !m_runRunning);
    m_remove->setEnabled(!m_sources->selectedItems().isEmpty() && !m_runRunning);
    m_runButton->setEnabled(!m_sourceList.empty() && !m_runRunning);
}

} // namespace eventlens
