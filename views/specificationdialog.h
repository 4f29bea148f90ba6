#pragma once

#include "specification.h"
#include "specificationrunner.h"

#include <QDialog>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace eventlens {

class Decider;
class ScriptEditor;

// Given/when/then specifications of deciders (Specification), in two tabs.
//
// Export from history: the store (setStorePath), a stream and a range of its versions (the
// given; by default the whole stream), the domain (bank, order, or a decider file loaded with
// "Decider file…"), the command type (the decider's commandTypes) and its payload (JSON, filled
// with the type's template whenever the type changes), an optional name. Preview computes the
// specification (Specification::fromHistory: the then is what the decider decides now, events or
// domain error) on a worker thread with its own read-only connection to the store and shows its
// JSON; Save… writes it to a .json file (QFileDialog asks before replacing one), with a decider
// file's path made relative to the specification's folder; Run switches to the run tab and runs
// it. Any change of the inputs drops the preview (Save needs a preview of what is shown).
//
// Run: a list of specification files (Add Files…, Remove; a saved or previewed specification is
// added by Save and Run) run by a SpecificationRunner on a worker thread, as `eventlens-cli spec
// run` does: one row per specification with PASS or FAIL, its name, file and the failure message
// (a file that cannot be read or parsed is one FAIL row); selecting a row shows what was decided.
// "Run Again" runs the list again (files are read again).
//
// Stale answers (the inputs or the list changed meanwhile) are dropped by generation tokens.
//
// Using it from the main window:
//   auto *dialog = new SpecificationDialog(window);
//   dialog->setStorePath(storePath);
//   dialog->setStream(selectedStream);            // the domain follows the stream's category
//   dialog->showTab(SpecificationDialog::ExportTab);
//   dialog->show();
class SpecificationDialog final : public QDialog
{
    Q_OBJECT

public:
    enum Tab { ExportTab, RunTab };
    enum ResultColumn { ResultColumnStatus, ResultColumnName, ResultColumnFile, ResultColumnMessage, ResultColumnCount };

    explicit SpecificationDialog(QWidget *parent = nullptr);
    ~SpecificationDialog() override;

    void showTab(Tab tab);

    // ---- export
    // The store the given comes from (opened read-only, on a worker thread).
    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }
    // The stream and its version range, inclusive (toVersion -1: up to its current version).
    // Selects the bundled domain its category belongs to (account-* bank, order-* order).
    void setStream(const QString &stream, qint64 fromVersion = 0, qint64 toVersion = -1);
    QString stream() const;
    // The stream's current version as last read (-1: no such stream; nullopt: not read yet).
    std::optional<qint64> streamVersion() const { return m_streamVersion; }
    qint64 fromVersion() const;
    qint64 toVersion() const;
    bool setDomain(const QString &domain); // a bundled domain
    // Loads a decider file (what "Decider file…" does after asking for one); false and
    // exportErrorText() (with line and column) when it cannot be read or does not compile.
    bool loadDeciderFile(const QString &path);
    QString domain() const;      // the bundled domain chosen, empty for a decider file
    QString deciderFile() const; // the decider file chosen (absolute), empty for a domain
    bool setCommandType(const QString &type);
    QString commandType() const;
    QStringList commandTypes() const;
    void setPayload(const QString &json);
    QString payload() const;
    void setSpecificationName(const QString &name);

    // The specification previewed (nullopt: none, or the inputs changed since).
    const std::optional<Specification> &previewedSpecification() const { return m_preview; }
    QString previewText() const;
    QString exportErrorText() const;
    // Writes the previewed specification to path (replacing it). False and *error when there is
    // no preview or the file cannot be written.
    bool saveSpecification(const QString &path, QString *error = nullptr);
    QString savedPath() const { return m_savedPath; }

    // ---- run
    void addSpecificationFiles(const QStringList &files);
    // Adds a specification held in memory (the previewed one, not saved): its "decider" is
    // found relative to the current folder (an exported one names it by absolute path).
    void addSpecification(const Specification &spec);
    QStringList specificationFiles() const;
    int sourceCount() const;
    void clearSpecifications();
    const std::vector<SpecificationOutcome> &outcomes() const { return m_outcomes; }
    int passedCount() const;
    int failedCount() const;
    QString summaryText() const;

    bool isBusy() const;

    QTabWidget *tabs() const { return m_tabs; }
    QLineEdit *storeEdit() const { return m_store; }
    QLineEdit *streamEdit() const { return m_stream; }
    QSpinBox *fromSpin() const { return m_from; }
    QSpinBox *toSpin() const { return m_to; }
    QLabel *streamInfoLabel() const { return m_streamInfo; }
    QComboBox *domainBox() const { return m_domain; }
    QComboBox *typeBox() const { return m_type; }
    ScriptEditor *payloadEditor() const { return m_payload; }
    QLineEdit *nameEdit() const { return m_name; }
    QPushButton *previewButton() const { return m_previewButton; }
    QPushButton *saveButton() const { return m_saveButton; }
    QPushButton *runPreviewButton() const { return m_runPreviewButton; }
    QPlainTextEdit *previewView() const { return m_previewView; }
    QLabel *exportErrorLabel() const { return m_exportError; }
    QListWidget *sourceList() const { return m_sources; }
    QPushButton *addFilesButton() const { return m_addFiles; }
    QPushButton *removeButton() const { return m_remove; }
    QPushButton *runButton() const { return m_runButton; }
    QTableWidget *resultTable() const { return m_results; }
    QLabel *summaryLabel() const { return m_summary; }
    QPlainTextEdit *detailView() const { return m_detail; }

public Q_SLOTS:
    void preview();
    void saveDialog();
    // Adds the preview (its file when saved) to the run list, shows the run tab and runs.
    void runPreview();
    void addFilesDialog();
    // Runs every specification of the list ("Run Again").
    void runSpecifications();

Q_SIGNALS:
    // A preview ended: ok, or failed with exportErrorText().
    void previewFinished(bool ok);
    void specificationSaved(const QString &path);
    // A run ended and its rows are shown.
    void runFinished(int passed, int failed);

private:
    struct Source
    {
        QString file;                       // a file, or empty for spec
        std::optional<Specification> spec;  // held in memory
        QString label;
    };
    struct PreviewAnswer;
    struct RunAnswer;
    struct StreamAnswer;

    QWidget *createExportTab();
    QWidget *createRunTab();
    void fillDomains(const QString &select);
    void onDomainActivated(int index);
    void applyDecider(std::unique_ptr<Decider> decider, const QString &domain, const QString &file);
    void onTypeChanged();
    void requestStreamVersion();
    void showStreamVersion(const StreamAnswer &answer);
    void invalidatePreview();
    void showExportError(const QString &text);
    void showPreview(const PreviewAnswer &answer);
    void addSource(Source source);
    void showRun(const RunAnswer &answer);
    void showDetail();
    void updateButtons();

    QThreadPool m_pool;
    QString m_storePath;
    std::unique_ptr<Decider> m_decider; // the chosen one (command types and templates)
    QString m_domainName;               // bundled domain of m_decider, or empty
    QString m_deciderPath;              // its file (absolute), or empty
    QString m_currentDomainItem;        // the combo's item before "Decider file…" was picked
    std::optional<qint64> m_streamVersion;
    qint64 m_wantFrom = 0;
    qint64 m_wantTo = -1;
    quint64 m_streamGeneration = 0;
    quint64 m_previewGeneration = 0;
    quint64 m_runGeneration = 0;
    bool m_previewRunning = false;
    bool m_runRunning = false;
    bool m_filling = false; // setting inputs programmatically: no invalidation storm
    std::optional<Specification> m_preview;
    QString m_previewJson;
    QString m_savedPath;
    std::vector<Source> m_sourceList;
    std::vector<SpecificationOutcome> m_outcomes;

    QTabWidget *m_tabs = nullptr;
    QLineEdit *m_store = nullptr;
    QLineEdit *m_stream = nullptr;
    QSpinBox *m_from = nullptr;
    QSpinBox *m_to = nullptr;
    QLabel *m_streamInfo = nullptr;
    QComboBox *m_domain = nullptr;
    QComboBox *m_type = nullptr;
    ScriptEditor *m_payload = nullptr;
    QLineEdit *m_name = nullptr;
    QPushButton *m_previewButton = nullptr;
    QPushButton *m_saveButton = nullptr;
    QPushButton *m_runPreviewButton = nullptr;
    QPlainTextEdit *m_previewView = nullptr;
    QLabel *m_exportError = nullptr;

    QListWidget *m_sources = nullptr;
    QPushButton *m_addFiles = nullptr;
    QPushButton *m_remove = nullptr;
    QPushButton *m_runButton = nullptr;
    QTableWidget *m_results = nullptr;
    QLabel *m_summary = nullptr;
    QPlainTextEdit *m_detail = nullptr;
};

} // namespace eventlens
