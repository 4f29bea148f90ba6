#include "queryconsoledock.h"

#include "asynccall.h"

#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "readentrytablemodel.h"
#include "readmodel.h"
#include "readmodelhost.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStringListModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace eventlens {

namespace {

constexpr int kCompletionLimit = 200;   // keys offered by the completer
constexpr int kCompletionDelayMs = 150; // typing pauses this long before the keys are asked again
const QString ErrorStyle = QStringLiteral("color: #c92a2a;");

QString exceptionText(std::exception_ptr error)
{
    try {
        std::rethrow_exception(std::move(error));
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("unknown error");
    }
}

QString durationText(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60000)
        return QStringLiteral("%1 s").arg(QLocale().toString(double(ms) / 1000.0, 'f', 1));
    if (ms < 3600000)
        return QStringLiteral("%1 min").arg(QLocale().toString(double(ms) / 60000.0, 'f', 1));
    return QStringLiteral("%1 h").arg(QLocale().toString(double(ms) / 3600000.0, 'f', 1));
}

QString stateColor(ProjectorStatus::State state)
{
    switch (state) {
    case ProjectorStatus::State::Live:
        return QStringLiteral("#2b8a3e");
    case ProjectorStatus::State::CatchingUp:
        return QStringLiteral("#e67700");
    case ProjectorStatus::State::Faulted:
        return QStringLiteral("#c92a2a");
    case ProjectorStatus::State::Stopped:
        break;
    }
    return QStringLiteral("#868e96");
}

// One line about a model's status: "live · checkpoint 20 of 20 · lag 0 events · 3 entries".
QString statusLine(const ProjectorStatus &s)
{
    const QLocale locale;
    QString text = ProjectorStatus::stateName(s.state);
    text += QueryConsoleDock::tr(" · checkpoint %1 of %2").arg(locale.toString(s.checkpoint), locale.toString(s.head));
    const qint64 lag = s.lagEvents();
    text += lag == 1 ? QueryConsoleDock::tr(" · lag 1 event") : QueryConsoleDock::tr(" · lag %1 events").arg(locale.toString(lag));
    if (lag > 0)
        text += QueryConsoleDock::tr(", %1").arg(durationText(s.lagMs()));
    text += s.entries == 1 ? QueryConsoleDock::tr(" · 1 entry") : QueryConsoleDock::tr(" · %1 entries").arg(locale.toString(s.entries));
    if (s.delayMs > 0)
        text += QueryConsoleDock::tr(" · delay %1 ms/event").arg(s.delayMs);
    return text;
}

// A valid read-model name from a file's base name ("My Balances.js" -> "My-Balances").
QString modelNameFor(const QString &path)
{
    QString name = QFileInfo(path).completeBaseName();
    for (QChar &c : name) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'_' && c != u'-' && c != u'.')
            c = u'-';
    }
    while (!name.isEmpty() && !(name.front().isLetterOrNumber()))
        name.remove(0, 1);
    if (name.isEmpty())
        name = QStringLiteral("model");
    return name.left(60);
}

} // namespace

struct QueryConsoleDock::GetAnswer
{
    quint64 generation = 0;
    QString model;
    QString key;
    std::optional<ReadEntry> entry;
    std::optional<ProjectorStatus> status; // right after the answer
    QString error;
};

struct QueryConsoleDock::FilterAnswer
{
    quint64 generation = 0;
    QString model;
    QString filterText;
    std::vector<ReadEntry> entries;
    bool truncated = false; // more matched than the limit
    std::optional<ProjectorStatus> status;
    QString error;
};

struct QueryConsoleDock::KeysAnswer
{
    quint64 generation = 0;
    QStringList keys;
    QString error; // not shown: the query itself says what is wrong
};

template <typename Answer, typename Work>
void QueryConsoleDock::ask(const quint64 *latest, Work work, void (QueryConsoleDock::*show)(const Answer &))
{
    const quint64 generation = *latest;
    ++m_running;
    runAsync<Answer>(
        &m_pool, this,
        [work = std::move(work), generation] {
            Answer a;
            a.generation = generation;
            try {
                work(a);
            } catch (...) {
                a.error = exceptionText(std::current_exception());
            }
            return a;
        },
        [this, latest, show](const Answer &a) {
            --m_running;
            if (a.generation == *latest)
                (this->*show)(a);
        });
}

QueryConsoleDock::QueryConsoleDock(QWidget *parent)
    : QDockWidget(tr("Read Models"), parent)
{
    setObjectName(QStringLiteral("queryConsoleDock"));
    setAllowedAreas(Qt::AllDockWidgetAreas);
    m_pool.setMaxThreadCount(2);
    m_results = new ReadEntryTableModel(this);

    m_stack = new QStackedWidget(this);
    m_placeholder = new QLabel(tr("Read models need a writable embedded store: open one (not a foreign or read-only "
                                  "store) to query its read models."),
                               m_stack);
    m_placeholder->setObjectName(QStringLiteral("queryConsolePlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setEnabled(false);
    m_stack->addWidget(m_placeholder);
    m_stack->addWidget(createContent());
    setWidget(m_stack);
    setReadModelHost(nullptr);
}

QueryConsoleDock::~QueryConsoleDock()
{
    waitForQueries();
}

QWidget *QueryConsoleDock::createContent()
{
    auto *content = new QWidget(m_stack);

    // The model row.
    m_model = new QComboBox(content);
    m_model->setObjectName(QStringLiteral("queryModelBox"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_model->setToolTip(tr("The read model to query"));
    connect(m_model, &QComboBox::currentIndexChanged, this, &QueryConsoleDock::onModelChanged);
    auto *modelLabel = new QLabel(tr("Read &model:"), content);
    modelLabel->setBuddy(m_model);
    m_status = new QLabel(content);
    m_status->setObjectName(QStringLiteral("queryStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setToolTip(tr("How far the read model is behind the log: its checkpoint (the last event it reflects), "
                            "the log's head, the lag in events and in event time, and its entries"));
    m_delay = new QSpinBox(content);
    m_delay->setObjectName(QStringLiteral("queryDelaySpin"));
    m_delay->setRange(0, 60000);
    m_delay->setSingleStep(100);
    m_delay->setSuffix(tr(" ms/event"));
    m_delay->setSpecialValueText(tr("no delay"));
    m_delay->setToolTip(tr("Artificial delay per event for every projector: after a command, queries answer the old "
                           "value until the projector gets to its events (eventual consistency)"));
    connect(m_delay, &QSpinBox::valueChanged, this, [this](int ms) {
        if (m_host)
            m_host->setDelay(ms);
        updateStatus();
    });
    auto *delayLabel = new QLabel(tr("&Delay:"), content);
    delayLabel->setBuddy(m_delay);
    m_rebuild = new QPushButton(tr("&Rebuild"), content);
    m_rebuild->setObjectName(QStringLiteral("queryRebuildButton"));
    m_rebuild->setToolTip(tr("Drop the read model's entries and replay the whole log into it"));
    connect(m_rebuild, &QPushButton::clicked, this, &QueryConsoleDock::rebuild);
    m_addModel = new QPushButton(tr("&Add Read Model…"), content);
    m_addModel->setObjectName(QStringLiteral("queryAddModelButton"));
    m_addModel->setToolTip(tr("Load a projection script (.js) of yours as a read model"));
    connect(m_addModel, &QPushButton::clicked, this, &QueryConsoleDock::addModelDialog);
    auto *top = new QHBoxLayout;
    top->addWidget(modelLabel);
    top->addWidget(m_model);
    top->addWidget(m_status, 1);
    top->addWidget(delayLabel);
    top->addWidget(m_delay);
    top->addWidget(m_rebuild);
    top->addWidget(m_addModel);
    m_modelError = new QLabel(content);
    m_modelError->setObjectName(QStringLiteral("queryModelError"));
    m_modelError->setWordWrap(true);
    m_modelError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modelError->setStyleSheet(ErrorStyle);
    m_modelError->hide();

    // By key.
    auto *keyPane = new QWidget(content);
    m_key = new QLineEdit(keyPane);
    m_key->setObjectName(QStringLiteral("queryKeyEdit"));
    m_key->setPlaceholderText(tr("key, e.g. account-1"));
    m_key->setClearButtonEnabled(true);
    m_keys = new QStringListModel(this);
    m_completer = new QCompleter(m_keys, this);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchContains);
    m_completer->setModelSorting(QCompleter::UnsortedModel);
    m_key->setCompleter(m_completer);
    // Picking a completion gets it; Enter without one gets what was typed (eventFilter).
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, [this](const QString &key) {
        m_key->setText(key);
        get();
    });
    m_completer->popup()->installEventFilter(this); // after the completer's own: runs first
    m_keysTimer = new QTimer(this);
    m_keysTimer->setSingleShot(true);
    m_keysTimer->setInterval(kCompletionDelayMs);
    connect(m_keysTimer, &QTimer::timeout, this, &QueryConsoleDock::requestKeys);
    connect(m_key, &QLineEdit::textEdited, m_keysTimer, qOverload<>(&QTimer::start));
    connect(m_key, &QLineEdit::returnPressed, this, &QueryConsoleDock::get);
    m_get = new QPushButton(tr("&Get"), keyPane);
    m_get->setObjectName(QStringLiteral("queryGetButton"));
    m_get->setToolTip(tr("Look the key up in the read model (Enter)"));
    connect(m_get, &QPushButton::clicked, this, &QueryConsoleDock::get);
    auto *keyLabel = new QLabel(tr("&Key:"), keyPane);
    keyLabel->setBuddy(m_key);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(keyLabel);
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(m_get);
    m_answer = new QLabel(keyPane);
    m_answer->setObjectName(QStringLiteral("queryAnswer"));
    m_answer->setWordWrap(true);
    m_answer->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_entryView = new JsonTreeView(keyPane);
    m_entryView->setObjectName(QStringLiteral("queryEntryView"));
    auto *keyLayout = new QVBoxLayout(keyPane);
    keyLayout->setContentsMargins(0, 0, 0, 0);
    keyLayout->addLayout(keyRow);
    keyLayout->addWidget(m_answer);
    keyLayout->addWidget(m_entryView, 1);

    // By filter.
    auto *filterPane = new QWidget(content);
    m_filter = new QLineEdit(filterPane);
    m_filter->setObjectName(QStringLiteral("queryFilterEdit"));
    m_filter->setPlaceholderText(tr("balance > 100 && status = open   (empty: all entries)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("FIELD OP VALUE filters, joined by ; or &&.\n"
                            "FIELD: a dotted path into the entry (owner, items.0.sku), or $key, $position.\n"
                            "OP: = != < <= > >= and ~ (contains, case-insensitive).\n"
                            "VALUE: a number, true, false, null, \"quoted text\" or plain text."));
    connect(m_filter, &QLineEdit::returnPressed, this, &QueryConsoleDock::runFilter);
    connect(m_filter, &QLineEdit::textEdited, this, [this] {
        m_filterError->clear();
        m_filterError->hide();
    });
    m_limit = new QSpinBox(filterPane);
    m_limit->setObjectName(QStringLiteral("queryLimitSpin"));
    m_limit->setRange(1, 1000000);
    m_limit->setValue(100);
    m_limit->setAccelerated(true);
    m_limit->setToolTip(tr("At most this many entries (in key order)"));
    auto *limitLabel = new QLabel(tr("&Limit:"), filterPane);
    limitLabel->setBuddy(m_limit);
    m_run = new QPushButton(tr("R&un"), filterPane);
    m_run->setObjectName(QStringLiteral("queryRunButton"));
    m_run->setToolTip(tr("List the entries matching every filter (Enter)"));
    connect(m_run, &QPushButton::clicked, this, &QueryConsoleDock::runFilter);
    auto *filterLabel = new QLabel(tr("&Filter:"), filterPane);
    filterLabel->setBuddy(m_filter);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(limitLabel);
    filterRow->addWidget(m_limit);
    filterRow->addWidget(m_run);
    m_filterError = new QLabel(filterPane);
    m_filterError->setObjectName(QStringLiteral("queryFilterError"));
    m_filterError->setWordWrap(true);
    m_filterError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_filterError->setStyleSheet(ErrorStyle);
    m_filterError->hide();
    m_resultInfo = new QLabel(filterPane);
    m_resultInfo->setObjectName(QStringLiteral("queryResultInfo"));
    m_resultView = new QTableView(filterPane);
    m_resultView->setObjectName(QStringLiteral("queryResultView"));
    m_resultView->setModel(m_results);
    m_resultView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_resultView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_resultView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_resultView->setWordWrap(false);
    m_resultView->verticalHeader()->setVisible(false);
    m_resultView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_resultView->horizontalHeader()->setStretchLastSection(true);
    m_resultView->setToolTip(tr("Double-click (or Enter): show the entry by key"));
    connect(m_resultView, &QTableView::activated, this, [this](const QModelIndex &index) {
        if (!index.isValid())
            return;
        m_key->setText(index.data(ReadEntryTableModel::KeyRole).toString());
        get();
    });
    auto *filterLayout = new QVBoxLayout(filterPane);
    filterLayout->setContentsMargins(0, 0, 0, 0);
    filterLayout->addLayout(filterRow);
    filterLayout->addWidget(m_filterError);
    filterLayout->addWidget(m_resultInfo);
    filterLayout->addWidget(m_resultView, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, content);
    splitter->setObjectName(QStringLiteral("querySplitter"));
    splitter->addWidget(keyPane);
    splitter->addWidget(filterPane);
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    const int line = fontMetrics().height();
    m_entryView->setMinimumHeight(line * 4);
    m_resultView->setMinimumHeight(line * 4);

    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_modelError);
    layout->addWidget(splitter, 1);
    return content;
}

bool QueryConsoleDock::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_completer->popup() && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && !m_completer->popup()->currentIndex().isValid()) {
            m_completer->popup()->hide();
            get();
            return true;
        }
    }
    return QDockWidget::eventFilter(watched, event);
}

// --- the host --------------------------------------------------------------------------------

void QueryConsoleDock::setReadModelHost(ReadModelHost *host)
{
    if (m_host)
        disconnect(m_host, nullptr, this, nullptr);
    // Answers of the previous host are stale; the queries still running use it: wait for them.
    ++m_getGeneration;
    ++m_filterGeneration;
    ++m_keysGeneration;
    waitForQueries();
    m_host = host;
    m_getState = GetState::None;
    m_lastEntry.reset();
    m_answer->clear();
    m_entryView->model()->clear();
    m_results->clear();
    m_resultInfo->clear();
    m_keys->setStringList({});
    m_modelError->hide();
    if (host) {
        connect(host, &ReadModelHost::modelsChanged, this, &QueryConsoleDock::fillModels);
        connect(host, &ReadModelHost::statusChanged, this, &QueryConsoleDock::onStatusChanged);
        connect(host, &QObject::destroyed, this, [this] {
            // Destroyed without setReadModelHost(nullptr) first: nothing of it may be used.
            ++m_getGeneration;
            ++m_filterGeneration;
            ++m_keysGeneration;
            m_stack->setCurrentWidget(m_placeholder);
            updateEnabled();
        });
        const QSignalBlocker blocker(m_delay);
        m_delay->setValue(host->delay());
    }
    m_stack->setCurrentIndex(host ? 1 : 0);
    fillModels();
    updateEnabled();
}

ReadModelHost *QueryConsoleDock::readModelHost() const
{
    return m_host.data();
}

void QueryConsoleDock::setUnavailableText(const QString &text)
{
    m_placeholder->setText(text);
}

QString QueryConsoleDock::unavailableText() const
{
    return m_placeholder->text();
}

void QueryConsoleDock::waitForQueries()
{
    m_pool.waitForDone();
}

bool QueryConsoleDock::isQueryRunning() const
{
    return m_running > 0;
}

void QueryConsoleDock::updateEnabled()
{
    const bool on = m_host && !currentModel().isEmpty();
    for (QWidget *w : std::initializer_list<QWidget *>{m_key, m_get, m_filter, m_limit, m_run, m_rebuild})
        w->setEnabled(on);
    m_delay->setEnabled(bool(m_host));
    m_addModel->setEnabled(bool(m_host));
    m_model->setEnabled(bool(m_host));
}

void QueryConsoleDock::fillModels()
{
    const QString was = currentModel();
    const QStringList names = m_host ? m_host->names() : QStringList();
    {
        const QSignalBlocker blocker(m_model);
        m_model->clear();
        for (const QString &name : names) {
            const std::optional<ReadModelDefinition> d = m_host->definition(name);
            const QString title = d && !d->title.isEmpty() && d->title != name ? QStringLiteral("%1 — %2").arg(name, d->title) : name;
            m_model->addItem(title, name);
            m_model->setItemData(m_model->count() - 1, d ? d->fileName : QString(), Qt::ToolTipRole);
        }
        const int index = m_model->findData(was);
        m_model->setCurrentIndex(index >= 0 ? index : (m_model->count() > 0 ? 0 : -1));
    }
    if (currentModel() != was || was.isEmpty())
        onModelChanged();
    else
        updateStatus();
}

QString QueryConsoleDock::currentModel() const
{
    return m_model->currentData().toString();
}

bool QueryConsoleDock::setCurrentModel(const QString &name)
{
    const int index = m_model->findData(name);
    if (index < 0)
        return false;
    m_model->setCurrentIndex(index);
    return true;
}

void QueryConsoleDock::onModelChanged()
{
    // Answers of another model are not this one's.
    ++m_getGeneration;
    ++m_filterGeneration;
    m_getState = GetState::None;
    m_lastEntry.reset();
    m_answer->clear();
    m_entryView->model()->clear();
    m_results->clear();
    m_resultInfo->clear();
    m_keys->setStringList({});
    updateEnabled();
    updateStatus();
    requestKeys();
}

void QueryConsoleDock::onStatusChanged(const QString &name)
{
    if (name == currentModel())
        updateStatus();
}

void QueryConsoleDock::updateStatus()
{
    const QString model = currentModel();
    const std::optional<ProjectorStatus> s = m_host && !model.isEmpty() ? m_host->status(model) : std::nullopt;
    if (!s) {
        m_status->clear();
        m_status->setToolTip({});
        return;
    }
    const QString line = statusLine(*s);
    QString html = QStringLiteral("<b style=\"color:%1\">●&nbsp;%2</b>%3")
                       .arg(stateColor(s->state), ProjectorStatus::stateName(s->state).toHtmlEscaped(),
                            line.mid(ProjectorStatus::stateName(s->state).size()).toHtmlEscaped());
    QString plain = line;
    if (s->state == ProjectorStatus::State::Faulted) {
        QString why = s->error;
        if (s->faultPosition > 0)
            why = tr("at position %1: %2").arg(s->faultPosition).arg(why);
        html += QStringLiteral("<br><span style=\"%1\">%2</span>").arg(ErrorStyle, why.toHtmlEscaped());
        plain += QStringLiteral(" · ") + why;
    }
    m_status->setText(html);
    m_status->setProperty("plainText", plain);
    Q_EMIT statusShown(model);
}

QString QueryConsoleDock::statusText() const
{
    return m_status->text().isEmpty() ? QString() : m_status->property("plainText").toString();
}

void QueryConsoleDock::rebuild()
{
    const QString model = currentModel();
    if (!m_host || model.isEmpty())
        return;
    m_host->rebuild(model);
    updateStatus();
}

// --- user models -----------------------------------------------------------------------------

void QueryConsoleDock::addModelDialog()
{
    if (!m_host)
        return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Add Read Model"), QString(),
                                                      tr("Projection scripts (*.js);;All files (*)"));
    if (!path.isEmpty())
        addModelFromFile(path);
}

bool QueryConsoleDock::addModelFromFile(const QString &path, const QString &name)
{
    if (!m_host) {
        showModelError(tr("No read models: %1").arg(unavailableText()));
        return false;
    }
    QString wanted = name.isEmpty() ? modelNameFor(path) : name;
    if (name.isEmpty()) {
        // A free name: "balances", "balances-2", ...
        const QStringList taken = m_host->names();
        const QString base = wanted;
        for (int n = 2; taken.contains(wanted); ++n)
            wanted = QStringLiteral("%1-%2").arg(base).arg(n);
    }
    QString error;
    std::optional<ReadModelDefinition> definition = ReadModelDefinition::fromFile(wanted, path, &error);
    if (!definition || !m_host->addModel(*definition, &error)) {
        showModelError(tr("Could not add %1: %2").arg(QFileInfo(path).fileName(), error));
        return false;
    }
    showModelError({});
    // addModel() emitted modelsChanged: the list has it.
    setCurrentModel(wanted);
    return true;
}

void QueryConsoleDock::showModelError(const QString &text)
{
    m_modelError->setText(text);
    m_modelError->setVisible(!text.isEmpty());
}

QString QueryConsoleDock::modelErrorText() const
{
    return m_modelError->text();
}

// --- queries ---------------------------------------------------------------------------------

std::optional<std::vector<ReadFilter>> QueryConsoleDock::parseFilters(const QString &text, QString *error)
{
    // Split on ';' and "&&" outside double quotes (a quoted value may hold either).
    QStringList parts;
    QString part;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'"' && (i == 0 || text.at(i - 1) != u'\\'))
            quoted = !quoted;
        if (!quoted && c == u';') {
            parts.append(part);
            part.clear();
            continue;
        }
        if (!quoted && c == u'&' && i + 1 < text.size() && text.at(i + 1) == u'&') {
            parts.append(part);
            part.clear();
            ++i;
            continue;
        }
        part += c;
    }
    parts.append(part);

    std::vector<ReadFilter> filters;
    int number = 0;
    for (const QString &p : std::as_const(parts)) {
        const QString trimmed = p.trimmed();
        if (trimmed.isEmpty())
            continue;
        ++number;
        QString why;
        std::optional<ReadFilter> filter = ReadFilter::parse(trimmed, &why);
        if (filter && filter->value.isEmpty() && !trimmed.endsWith(QStringLiteral("\"\""))) {
            filter.reset(); // "balance >": a value was forgotten (an empty text is "")
            why = tr("the value is missing (\"\" for an empty text)");
        }
        if (!filter) {
            if (error)
                *error = tr("Filter %1 (%2): %3").arg(number).arg(trimmed, why);
            return std::nullopt;
        }
        filters.push_back(std::move(*filter));
    }
    return filters;
}

void QueryConsoleDock::get()
{
    const QString model = currentModel();
    const QString key = m_key->text();
    if (!m_host || model.isEmpty())
        return;
    ++m_getGeneration;
    m_getState = GetState::Pending;
    m_answer->setStyleSheet({});
    m_answer->setText(tr("Asking %1 for “%2”…").arg(model, key));
    ReadModelHost *host = m_host;
    ask(&m_getGeneration, [host, model, key](GetAnswer &a) {
        a.model = model;
        a.key = key;
        a.entry = host->get(model, key);
        a.status = host->status(model);
    }, &QueryConsoleDock::showGetAnswer);
}

void QueryConsoleDock::showGetAnswer(const GetAnswer &a)
{
    const QLocale locale;
    if (!a.error.isEmpty()) {
        m_getState = GetState::Failed;
        m_lastEntry.reset();
        m_entryView->model()->clear();
        m_answer->setStyleSheet(ErrorStyle);
        m_answer->setText(tr("The query failed: %1").arg(a.error));
        return;
    }
    QString at;
    if (a.status) {
        at = a.status->lagEvents() > 0
            ? tr("the read model was at checkpoint %1, %2 behind the log")
                  .arg(locale.toString(a.status->checkpoint),
                       a.status->lagEvents() == 1 ? tr("1 event") : tr("%1 events").arg(locale.toString(a.status->lagEvents())))
            : tr("the read model was at checkpoint %1, up to date").arg(locale.toString(a.status->checkpoint));
    }
    m_lastEntry = a.entry;
    if (a.entry) {
        m_getState = GetState::Found;
        m_answer->setStyleSheet({});
        m_answer->setText(tr("<b>%1</b> in %2 · position %3 · %4")
                              .arg(a.key.toHtmlEscaped(), a.model.toHtmlEscaped(), locale.toString(a.entry->position), at.toHtmlEscaped()));
        m_entryView->model()->setDocument(a.entry->value);
        m_entryView->expandAll();
    } else {
        m_getState = GetState::Absent;
        m_answer->setStyleSheet(QStringLiteral("color: #e67700;"));
        m_answer->setText(tr("<b>Absent</b>: %1 has no entry “%2” · %3")
                              .arg(a.model.toHtmlEscaped(), a.key.toHtmlEscaped(), at.toHtmlEscaped()));
        m_entryView->model()->clear();
    }
    Q_EMIT queryAnswered(a.model, a.entry.has_value());
}

QString QueryConsoleDock::answerText() const
{
    QString text = m_answer->text();
    text.remove(QStringLiteral("<b>"));
    text.remove(QStringLiteral("</b>"));
    return text;
}

void QueryConsoleDock::runFilter()
{
    const QString model = currentModel();
    if (!m_host || model.isEmpty())
        return;
    const QString text = m_filter->text();
    QString error;
    std::optional<std::vector<ReadFilter>> filters = parseFilters(text, &error);
    if (!filters) {
        ++m_filterGeneration; // an answer still coming is for another filter
        m_filterError->setText(error);
        m_filterError->show();
        return;
    }
    m_filterError->clear();
    m_filterError->hide();
    ++m_filterGeneration;
    const qint64 limit = m_limit->value();
    m_resultInfo->setText(tr("Running…"));
    ReadModelHost *host = m_host;
    ask(&m_filterGeneration, [host, model, text, wanted = std::move(*filters), limit](FilterAnswer &a) {
        a.model = model;
        a.filterText = text;
        a.entries = host->query(model, wanted, limit + 1);
        if (qint64(a.entries.size()) > limit) {
            a.truncated = true;
            a.entries.resize(size_t(limit));
        }
        a.status = host->status(model);
    }, &QueryConsoleDock::showFilterAnswer);
}

void QueryConsoleDock::showFilterAnswer(const FilterAnswer &a)
{
    if (!a.error.isEmpty()) {
        m_results->clear();
        m_resultInfo->clear();
        m_filterError->setText(tr("The query failed: %1").arg(a.error));
        m_filterError->show();
        return;
    }
    const QLocale locale;
    const bool found = !a.entries.empty();
    const qsizetype count = qsizetype(a.entries.size());
    m_results->setEntries(a.entries);
    m_resultView->resizeColumnsToContents();
    QString info = count == 1 ? tr("1 entry") : tr("%1 entries").arg(locale.toString(count));
    if (a.truncated)
        info += tr(" (the limit; more match)");
    if (a.status)
        info += tr(" · at checkpoint %1").arg(locale.toString(a.status->checkpoint));
    m_resultInfo->setText(info);
    Q_EMIT queryAnswered(a.model, found);
}

QString QueryConsoleDock::filterErrorText() const
{
    return m_filterError->text();
}

void QueryConsoleDock::requestKeys()
{
    const QString model = currentModel();
    if (!m_host || model.isEmpty())
        return;
    const QString text = m_key->text().trimmed();
    ++m_keysGeneration;
    ReadModelHost *host = m_host;
    ask(&m_keysGeneration, [host, model, text](KeysAnswer &a) {
        std::vector<ReadFilter> filters;
        if (!text.isEmpty()) {
            ReadFilter contains;
            contains.field = QStringLiteral("$key");
            contains.op = ReadFilter::Op::Contains;
            contains.kind = ReadFilter::Kind::String;
            contains.value = text;
            filters.push_back(std::move(contains));
        }
        for (const ReadEntry &e : host->query(model, filters, kCompletionLimit))
            a.keys.append(e.key);
    }, &QueryConsoleDock::showKeys);
}

void QueryConsoleDock::showKeys(const KeysAnswer &answer)
{
    m_keys->setStringList(answer.keys);
}

} // namespace eventlens
