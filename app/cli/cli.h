#pragma once

#include "decider.h"
#include "eventstore.h"
#include "projectioncomparison.h"
#include "temporarystore.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

// Shared plumbing of eventlens-cli: exit codes, errors, per-command argument parsing,
// output to stdout/stderr, progress and plain-text tables.
namespace eventlens::cli {

inline constexpr const char *kProgram = "eventlens-cli";

enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,   // any failure: missing store, bad file, store error, verify mismatch
    ExitUsage = 2,     // bad command line: unknown command/option, missing or invalid argument
    ExitConflict = 3,  // append: optimistic concurrency conflict
    ExitError = 4,     // diff-projection, bisect: a failure (script error, missing file...), where 1
                       // is an answer (different, the condition never holds)
};

// A bad command line (exit 2). The message says what is wrong.
class UsageError : public std::runtime_error
{
public:
    explicit UsageError(const QString &message) : std::runtime_error(message.toStdString()), m_message(message) {}
    const QString &message() const { return m_message; }

private:
    QString m_message;
};

// Any other failure of a command (exit 1).
class CommandError : public std::runtime_error
{
public:
    explicit CommandError(const QString &message, int exitCode = ExitFailure)
        : std::runtime_error(message.toStdString()), m_message(message), m_exitCode(exitCode) {}
    const QString &message() const { return m_message; }
    int exitCode() const { return m_exitCode; }

private:
    QString m_message;
    int m_exitCode;
};

// ---- output ---------------------------------------------------------------------------

void writeOut(const QByteArray &bytes);            // stdout, buffered
void writeOut(const QString &text);
void flushOut();
void writeErr(const QString &text);                // stderr, unbuffered
void printError(const QString &command, const QString &message);
bool stderrIsTerminal();

// Progress on stderr, only when stderr is a terminal and not quiet; at most ~10 updates/s.
class Progress
{
public:
    Progress(const QString &label, bool quiet);
    ~Progress();
    void update(qint64 done, qint64 total);
    void finish();                                 // clears the progress line

private:
    QString m_label;
    bool m_enabled;
    bool m_shown = false;
    QElapsedTimer m_timer;
};

// Ctrl-C sets a flag that long commands poll (through their progress callback) to cancel cleanly.
void installInterruptHandler();
bool interrupted();

// ---- text formatting ---------------------------------------------------------------------

QString groupDigits(qint64 n);                    // 1234567 -> "1,234,567"
QString counted(qint64 n, const char *singular, const char *plural); // "1 stream", "2 streams"
QString elide(const QString &text, qsizetype maxChars);
// Readable one-line preview of an event payload: JSON as is, text quoted, binary as "<N bytes>".
QString payloadPreview(const QByteArray &bytes, bool isJson, qsizetype maxChars);

// An aligned plain-text table; numeric columns are right-aligned.
class Table
{
public:
    explicit Table(QStringList headers, std::vector<bool> rightAligned = {});
    void addRow(QStringList cells);
    qsizetype rowCount() const { return static_cast<qsizetype>(m_rows.size()); }
    // Prints the header and buffered rows, fixing the column widths from them; rows added
    // afterwards are printed immediately with those widths (longer cells push the line).
    void flush();
    bool flushed() const { return m_flushed; }

private:
    void printRow(const QStringList &cells);
    QStringList m_headers;
    std::vector<bool> m_right;
    std::vector<qsizetype> m_widths;
    std::vector<QStringList> m_rows;
    bool m_flushed = false;
};

// ---- command line ------------------------------------------------------------------------

// One command's parser: `eventlens-cli <command> <synopsis>` with -h/--help.
class CommandLine
{
public:
    CommandLine(const QString &command, const QString &synopsis, const QString &description);

    QCommandLineParser &parser() { return m_parser; }
    void addOption(const QCommandLineOption &option) { m_parser.addOption(option); }
    void addPositional(const QString &name, const QString &description, const QString &syntax = {});

    // Parses args (without program and command name). Returns an exit code when the command
    // must stop here (--help printed: 0); throws UsageError on a bad command line.
    std::optional<int> parse(const QStringList &args);
    QString helpText() const;

    const QString &command() const { return m_command; }
    QStringList positional() const { return m_parser.positionalArguments(); }
    // Exactly `count` positional arguments, else UsageError naming what is missing.
    QStringList requirePositional(qsizetype count, const QString &what) const;
    bool isSet(const QCommandLineOption &option) const { return m_parser.isSet(option); }
    QString value(const QCommandLineOption &option) const { return m_parser.value(option); }
    QStringList values(const QCommandLineOption &option) const { return m_parser.values(option); }
    // The value of an option that must be given and non-empty.
    QString required(const QCommandLineOption &option) const;
    std::optional<qint64> integer(const QCommandLineOption &option, qint64 min, qint64 max) const;
    std::optional<quint64> unsignedInteger(const QCommandLineOption &option) const;
    std::optional<qint64> time(const QCommandLineOption &option) const;   // ISO 8601 or Unix time, UTC ms
    // Every value of a repeatable option, also split at commas; empty parts dropped.
    QStringList list(const QCommandLineOption &option) const;

private:
    QString m_command;
    QString m_synopsis;
    QString m_description;
    QCommandLineParser m_parser;
    QCommandLineOption m_help;
};

// The option name as written on the command line: "--events".
QString optionName(const QCommandLineOption &option);

// The filters of the log shared by `events` and `export-events`: --stream, --category,
// --type (repeatable, or commas), --from, --to, --since, --until, --limit, --backward.
struct EventFilterOptions
{
    EventFilterOptions();
    // "[--stream S] [--category C] [--type T]... [--from P] [--to P] [--since TIME] ..."
    static QString synopsis();
    void addTo(CommandLine &cl) const;
    // The query the options give; UsageError on a bad or empty value.
    EventQuery query(const CommandLine &cl) const;

    QCommandLineOption stream, category, type, from, to, since, until, limit, backward;
};

// ---- stores ------------------------------------------------------------------------------

// Opens an existing store; a missing path is a CommandError (never created).
std::unique_ptr<EventStore> openExistingStore(const QString &path, EventStore::OpenMode mode);
// Throws CommandError when path is a folder or its folder does not exist.
void checkStoreFolder(const QString &path);
// Opens a store for writing, creating it when missing (checkStoreFolder first).
std::unique_ptr<EventStore> openOrCreateStore(const QString &path);

// ---- projections (project, diff-projection, bisect) ---------------------------------------

// The events a projection command reads: --store STORE (opened read-only, never written) or
// --input FILE (repeatable; imported into a temporary store that is deleted on exit).
struct EventSource
{
    std::unique_ptr<EventStore> opened;
    std::unique_ptr<TemporaryStore> temporary;
    const EventStore &store() const { return opened ? *opened : temporary->store(); }
};
QCommandLineOption sourceStoreOption();
QCommandLineOption sourceInputOption();
// UsageError unless exactly one of the two options is given (call it before any file is read).
void checkEventSource(const CommandLine &cl, const QCommandLineOption &store, const QCommandLineOption &input);
// Opens it; CommandError when the store is missing or a file does not import.
EventSource openEventSource(const CommandLine &cl, const QCommandLineOption &store, const QCommandLineOption &input);
// A projection script's text (UTF-8); CommandError when it cannot be read.
QString readScript(const QString &path);
// In a catch block of diff-projection and bisect, where exit 1 means "different" / "never
// holds": rethrows a usage error as it is and any other error as a CommandError with ExitError.
[[noreturn]] void rethrowAsExitError();
// Run options for a long projection run over `source`: progress on stderr, and Ctrl-C sets
// *cancel (installs the interrupt handler).
ProjectionRunOptions interruptibleRunOptions(const EventSource &source, Progress &progress, std::atomic_bool *cancel);
// The canonical JSON object of an event (the keys of `events --json`).
nlohmann::ordered_json eventJson(const Event &event);
// "account-3@2 Withdrawn"
QString eventLabel(const Event &event);
// JSON text for output: compact (indent < 0) or indented; invalid UTF-8 replaced.
QString jsonText(const nlohmann::ordered_json &value, int indent = -1);

// ---- commands to deciders (command, bench commands) ---------------------------------------

QCommandLineOption domainOption();   // --domain bank|order
QCommandLineOption deciderOption();  // --decider FILE.js
// The decider of --domain or --decider (exactly one); UsageError / CommandError otherwise.
std::unique_ptr<Decider> openDecider(const CommandLine &cl, const QCommandLineOption &domain, const QCommandLineOption &decider);
// The decider's command type matching `type` case-insensitively; UsageError when it lists its
// commands and none matches.
QString resolveCommandType(const Decider &decider, const QString &type);

// ---- commands ----------------------------------------------------------------------------

using CommandFn = int (*)(const QStringList &args);
struct Command
{
    const char *name;
    const char *summary;
    CommandFn run;
};
const std::vector<Command> &commands();

int runDemo(const QStringList &args);
int runImport(const QStringList &args);
int runAppend(const QStringList &args);
int runInfo(const QStringList &args);
int runStreams(const QStringList &args);
int runEvents(const QStringList &args);
int runExportEvents(const QStringList &args);
int runVerify(const QStringList &args);
int runExport(const QStringList &args);
int runVerifySnapshot(const QStringList &args);
int runProject(const QStringList &args);
int runDiffProjection(const QStringList &args);
int runBisect(const QStringList &args);
int runQuery(const QStringList &args);
int runReadModels(const QStringList &args);
int runCommandCommand(const QStringList &args);
int runBench(const QStringList &args);
int runServe(const QStringList &args);
int runSpec(const QStringList &args);

} // namespace eventlens::cli
