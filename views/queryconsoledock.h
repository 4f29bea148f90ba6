#pragma once

#include "projector.h"
#include "readdatabase.h"

#include <QDockWidget>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <optional>
#include <vector>

class QComboBox;
class QCompleter;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QStringListModel;
class QTableView;
class QTimer;

namespace eventlens {

class JsonTreeView;
class ReadEntryTableModel;
class ReadModelHost;

// The query console (issue 5): asks the read models of a ReadModelHost, and shows how far
// each one is behind the log (eventual consistency made visible). Object name "queryConsoleDock".
//
// Top: the read model (ReadModelHost::names(), kept up to date on modelsChanged), its status
// strip (state: catching up / live / faulted with the error; checkpoint, head, lag in events and
// ms, entries; updated on statusChanged), Rebuild, the artificial delay in ms per event
// (ReadModelHost::setDelay: after a command the queries answer the old value until the projector
// gets to it), and "Add read model…" (a projection script of the user's, errors with line and
// column).
// By key: a key field completed from the model's keys; Get (or Enter) shows the entry as a JSON
// tree with its position and the model's checkpoint at that moment, or says clearly that there is
// no entry. By filter: `FIELD OP VALUE` filters joined by ';' or '&&' (ReadFilter; a parse error
// shows under the field), a limit, Run (or Enter) fills a table (ReadEntryTableModel: key, a few
// fields, position); double-clicking a row shows that entry by key.
//
// Queries run on a small thread pool of the dock's own (ReadModelHost queries are thread-safe);
// each kind carries a generation token and an answer that is not the newest is dropped.
//
// Using it from the main window:
//   dock->setReadModelHost(host);   // started, owned by the caller; nullptr: disabled
//   connect(dock, &QueryConsoleDock::queryAnswered, ...);  // count queries in the flow view
// Before destroying the host, call setReadModelHost(nullptr) (or destroy the dock): both wait
// for the queries still running on it.
class QueryConsoleDock final : public QDockWidget
{
    Q_OBJECT

public:
    explicit QueryConsoleDock(QWidget *parent = nullptr);
    ~QueryConsoleDock() override;

    // The host whose read models are queried (not owned; already started). nullptr disables the
    // dock and shows unavailableText(). Waits for the queries running on the previous host.
    void setReadModelHost(ReadModelHost *host);
    ReadModelHost *readModelHost() const;
    // What the dock says when it has no host (default: "Read models need a writable embedded
    // store…"); the window may say why (e.g. a read-only or foreign store).
    void setUnavailableText(const QString &text);
    QString unavailableText() const;

    // The read model queried (empty: none).
    QString currentModel() const;
    bool setCurrentModel(const QString &name);

    // Parses `FIELD OP VALUE` filters separated by ';' or "&&" (outside double quotes); empty
    // parts are ignored, an empty text is no filter. nullopt and *error (naming the filter)
    // when one does not parse.
    static std::optional<std::vector<ReadFilter>> parseFilters(const QString &text, QString *error = nullptr);

    // Loads a projection script as a user's read model: name defaults to the file's base name
    // (made a valid model name). False and the error shown (with line and column) when it fails.
    bool addModelFromFile(const QString &path, const QString &name = {});

    // The last answers shown.
    enum class GetState { None, Pending, Found, Absent, Failed };
    GetState getState() const { return m_getState; }
    std::optional<ReadEntry> lastEntry() const { return m_lastEntry; }
    QString answerText() const;
    QString filterErrorText() const;
    QString statusText() const;
    QString modelErrorText() const;
    bool isQueryRunning() const;

    ReadEntryTableModel *resultModel() const { return m_results; }
    QComboBox *modelBox() const { return m_model; }
    QLineEdit *keyEdit() const { return m_key; }
    QCompleter *keyCompleter() const { return m_completer; }
    QPushButton *getButton() const { return m_get; }
    JsonTreeView *entryView() const { return m_entryView; }
    QLabel *answerLabel() const { return m_answer; }
    QLineEdit *filterEdit() const { return m_filter; }
    QLabel *filterErrorLabel() const { return m_filterError; }
    QSpinBox *limitSpin() const { return m_limit; }
    QPushButton *runButton() const { return m_run; }
    QTableView *resultView() const { return m_resultView; }
    QLabel *resultLabel() const { return m_resultInfo; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *rebuildButton() const { return m_rebuild; }
    QSpinBox *delaySpin() const { return m_delay; }
    QPushButton *addModelButton() const { return m_addModel; }
    QLabel *modelErrorLabel() const { return m_modelError; }

public Q_SLOTS:
    // Looks up the key field's text in the current model.
    void get();
    // Runs the filter with the limit.
    void runFilter();
    void rebuild();
    void addModelDialog();

protected:
    // Enter in the key completer's popup with no completion picked gets the text typed.
    bool eventFilter(QObject *watched, QEvent *event) override;

Q_SIGNALS:
    // A query got its answer: found is whether the key had an entry (for a filter: whether any
    // entry matched). Not emitted for a failed or stale query.
    void queryAnswered(const QString &model, bool found);
    // The status strip changed for the current model.
    void statusShown(const QString &model);

private:
    struct GetAnswer;
    struct FilterAnswer;
    struct KeysAnswer;

    QWidget *createContent();
    void fillModels();
    void onModelChanged();
    void onStatusChanged(const QString &name);
    void updateStatus();
    void requestKeys();
    void showGetAnswer(const GetAnswer &answer);
    void showFilterAnswer(const FilterAnswer &answer);
    void showKeys(const KeysAnswer &answer);
    // Runs work(answer) on the console's pool and shows the answer (show) only when *latest is
    // still the generation it was asked under; an exception becomes answer.error.
    template <typename Answer, typename Work>
    void ask(const quint64 *latest, Work work, void (QueryConsoleDock::*show)(const Answer &));
    void showModelError(const QString &text);
    void waitForQueries();
    void updateEnabled();

    QPointer<ReadModelHost> m_host;
    QThreadPool m_pool;
    quint64 m_getGeneration = 0;
    quint64 m_filterGeneration = 0;
    quint64 m_keysGeneration = 0;
    int m_running = 0;

    GetState m_getState = GetState::None;
    std::optional<ReadEntry> m_lastEntry;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_placeholder = nullptr;
    QComboBox *m_model = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_rebuild = nullptr;
    QSpinBox *m_delay = nullptr;
    QPushButton *m_addModel = nullptr;
    QLabel *m_modelError = nullptr;

    QLineEdit *m_key = nullptr;
    QCompleter *m_completer = nullptr;
    QStringListModel *m_keys = nullptr;
    QTimer *m_keysTimer = nullptr;
    QPushButton *m_get = nullptr;
    QLabel *m_answer = nullptr;
    JsonTreeView *m_entryView = nullptr;

    QLineEdit *m_filter = nullptr;
    QLabel *m_filterError = nullptr;
    QSpinBox *m_limit = nullptr;
    QPushButton *m_run = nullptr;
    QLabel *m_resultInfo = nullptr;
    QTableView *m_resultView = nullptr;
    ReadEntryTableModel *m_results = nullptr;
};

} // namespace eventlens
