#include "cli.h"

#include "timeutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace eventlens::cli {

// ---- output ---------------------------------------------------------------------------

void writeOut(const QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
}

void writeOut(const QString &text)
{
    writeOut(text.toUtf8());
}

void flushOut()
{
    std::fflush(stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fflush(stderr);
}

void printError(const QString &command, const QString &message)
{
    QString prefix = QString::fromLatin1(kProgram);
    if (!command.isEmpty())
        prefix += u' ' + command;
    writeErr(prefix + QStringLiteral(": error: ") + message + u'\n');
}

bool stderrIsTerminal()
{
    return ::isatty(::fileno(stderr)) == 1;
}

Progress::Progress(const QString &label, bool quiet)
    : m_label(label)
    , m_enabled(!quiet && stderrIsTerminal())
{
    m_timer.start();
}

Progress::~Progress()
{
    finish();
}

void Progress::update(qint64 done, qint64 total)
{
    if (!m_enabled)
        return;
    if (m_shown && m_timer.elapsed() < 100 && done < total)
        return;
    m_timer.restart();
    m_shown = true;
    QString line = u'\r' + m_label + u' ';
    if (total > 0) {
        const int percent = static_cast<int>(std::clamp<qint64>(done * 100 / total, 0, 100));
        line += QStringLiteral("%1% (%2 / %3)").arg(percent, 3).arg(groupDigits(done), groupDigits(total));
    } else {
        line += groupDigits(done);
    }
    writeErr(line + QStringLiteral("\x1b[K"));
}

void Progress::finish()
{
    if (m_enabled && m_shown) {
        writeErr(QStringLiteral("\r\x1b[K"));
        m_shown = false;
    }
}

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void onInterrupt(int)
{
    g_interrupted = 1;
}
} // namespace

void installInterruptHandler()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

bool interrupted()
{
    return g_interrupted != 0;
}

// ---- text formatting ---------------------------------------------------------------------

QString groupDigits(qint64 n)
{
    QString digits = QString::number(n < 0 ? -n : n);
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, u',');
    return n < 0 ? u'-' + digits : digits;
}

QString counted(qint64 n, const char *singular, const char *plural)
{
    return QString::number(n) + u' ' + QString::fromLatin1(n == 1 ? singular : plural);
}

QString elide(const QString &text, qsizetype maxChars)
{
    if (maxChars <= 0 || text.size() <= maxChars)
        return text;
    return text.left(std::max<qsizetype>(0, maxChars - 3)) + QStringLiteral("...");
}

QString payloadPreview(const QByteArray &bytes, bool isJson, qsizetype maxChars)
{
    if (isJson)
        return elide(QString::fromUtf8(bytes), maxChars);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(bytes);
    const bool printable = !decoder.hasError()
        && std::none_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() < 0x20 && c != u'\t'; });
    if (!printable)
        return QStringLiteral("<%1 bytes, not text>").arg(bytes.size());
    return elide(u'"' + text + u'"', maxChars);
}

Table::Table(QStringList headers, std::vector<bool> rightAligned)
    : m_headers(std::move(headers))
    , m_right(std::move(rightAligned))
{
    m_right.resize(static_cast<size_t>(m_headers.size()), false);
}

void Table::addRow(QStringList cells)
{
    if (m_flushed)
        printRow(cells);
    else
        m_rows.push_back(std::move(cells));
}

void Table::flush()
{
    if (m_flushed)
        return;
    m_widths.assign(static_cast<size_t>(m_headers.size()), 0);
    auto measure = [this](const QStringList &cells) {
        for (qsizetype i = 0; i < cells.size() && i < m_headers.size(); ++i)
            m_widths[static_cast<size_t>(i)] = std::max(m_widths[static_cast<size_t>(i)], cells[i].size());
    };
    measure(m_headers);
    for (const QStringList &row : m_rows)
        measure(row);
    m_flushed = true;
    printRow(m_headers);
    for (const QStringList &row : m_rows)
        printRow(row);
    m_rows.clear();
    m_rows.shrink_to_fit();
}

void Table::printRow(const QStringList &cells)
{
    QString line;
    const qsizetype n = m_headers.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QString cell = i < cells.size() ? cells[i] : QString();
        const qsizetype width = m_widths[static_cast<size_t>(i)];
        const bool last = i == n - 1;
        if (i > 0)
            line += QStringLiteral("  ");
        if (m_right[static_cast<size_t>(i)])
            line += cell.rightJustified(width);
        else if (last)
            line += cell;
        else
            line += cell.leftJustified(width);
    }
    line += u'\n';
    writeOut(line);
}

// ---- command line ------------------------------------------------------------------------

QString optionName(const QCommandLineOption &option)
{
    QString longest;
    for (const QString &name : option.names()) {
        if (name.size() > longest.size())
            longest = name;
    }
    return (longest.size() > 1 ? QStringLiteral("--") : QStringLiteral("-")) + longest;
}

EventFilterOptions::EventFilterOptions()
    : stream(QStringLiteral("stream"), QStringLiteral("Only this stream (exact name)."), QStringLiteral("S"))
    , category(QStringLiteral("category"), QStringLiteral("Only streams of this category."), QStringLiteral("C"))
    , type(QStringLiteral("type"), QStringLiteral("Only this event type; repeat it (or separate with commas) for several."),
           QStringLiteral("T"))
    , from(QStringLiteral("from"), QStringLiteral("Start at this global position (inclusive). With --backward the highest position read."),
           QStringLiteral("P"))
    , to(QStringLiteral("to"), QStringLiteral("Stop at this global position (inclusive). With --backward the lowest position read."),
         QStringLiteral("P"))
    , since(QStringLiteral("since"), QStringLiteral("Only events at or after this time (ISO 8601 or Unix time)."), QStringLiteral("TIME"))
    , until(QStringLiteral("until"), QStringLiteral("Only events before this time (exclusive)."), QStringLiteral("TIME"))
    , limit(QStringLiteral("limit"), QStringLiteral("At most N events."), QStringLiteral("N"))
    , backward(QStringLiteral("backward"), QStringLiteral("Newest first."))
{
}

QString EventFilterOptions::synopsis()
{
    return QStringLiteral("[--stream S] [--category C] [--type T]... [--from P] [--to P] [--since TIME] [--until TIME] [--limit N] [--backward]");
}

void EventFilterOptions::addTo(CommandLine &cl) const
{
    for (const QCommandLineOption *o : {&stream, &category, &type, &from, &to, &since, &until, &limit, &backward})
        cl.addOption(*o);
}

EventQuery EventFilterOptions::query(const CommandLine &cl) const
{
    constexpr qint64 maxInt = std::numeric_limits<qint64>::max();
    EventQuery q;
    q.stream = cl.value(stream);
    q.category = cl.value(category);
    q.types = cl.list(type);
    q.fromPosition = cl.integer(from, 0, maxInt);
    q.toPosition = cl.integer(to, 0, maxInt);
    q.sinceMs = cl.time(since);
    q.untilMs = cl.time(until);
    q.limit = cl.integer(limit, 0, maxInt).value_or(-1);
    q.backward = cl.isSet(backward);
    if (cl.isSet(stream) && q.stream.isEmpty())
        throw UsageError(QStringLiteral("--stream must not be empty"));
    if (cl.isSet(category) && q.category.isEmpty())
        throw UsageError(QStringLiteral("--category must not be empty"));
    if (cl.isSet(type) && q.types.isEmpty())
        throw UsageError(QStringLiteral("--type must not be empty"));
    return q;
}

CommandLine::CommandLine(const QString &command, const QString &synopsis, const QString &description)
    : m_command(command)
    , m_synopsis(synopsis)
    , m_description(description)
    , m_help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help and exit."))
{
    m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    m_parser.addOption(m_help);
}

void CommandLine::addPositional(const QString &name, const QString &description, const QString &syntax)
{
    m_parser.addPositionalArgument(name, description, syntax);
}

std::optional<int> CommandLine::parse(const QStringList &args)
{
    QStringList full{QString::fromLatin1(kProgram)};
    full += args;
    if (!m_parser.parse(full))
        throw UsageError(m_parser.errorText());
    if (m_parser.isSet(m_help)) {
        writeOut(helpText());
        return ExitOk;
    }
    return std::nullopt;
}

QString CommandLine::helpText() const
{
    QString text = QStringLiteral("Usage: %1 %2 %3\n\n%4\n").arg(QString::fromLatin1(kProgram), m_command, m_synopsis, m_description);
    // QCommandLineParser's own text starts with a usage line naming the executable path;
    // keep only its option and argument lists.
    const QString generated = m_parser.helpText();
    const qsizetype options = generated.indexOf(QStringLiteral("\nOptions:"));
    if (options >= 0)
        text += generated.mid(options);
    return text;
}

QStringList CommandLine::requirePositional(qsizetype count, const QString &what) const
{
    const QStringList args = positional();
    if (args.size() < count)
        throw UsageError(QStringLiteral("missing %1").arg(what));
    if (args.size() > count)
        throw UsageError(QStringLiteral("unexpected argument '%1'").arg(args.at(count)));
    for (const QString &a : args) {
        if (a.isEmpty())
            throw UsageError(QStringLiteral("empty %1").arg(what));
    }
    return args;
}

QString CommandLine::required(const QCommandLineOption &option) const
{
    if (!m_parser.isSet(option))
        throw UsageError(QStringLiteral("missing required option %1").arg(optionName(option)));
    const QString v = m_parser.value(option);
    if (v.isEmpty())
        throw UsageError(QStringLiteral("%1 must not be empty").arg(optionName(option)));
    return v;
}

std::optional<qint64> CommandLine::integer(const QCommandLineOption &option, qint64 min, qint64 max) const
{
    if (!m_parser.isSet(option))
        return std::nullopt;
    const QString text = m_parser.value(option).trimmed();
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < min || v > max) {
        throw UsageError(QStringLiteral("invalid value '%1' for %2: expected an integer from %3 to %4")
                             .arg(m_parser.value(option), optionName(option), QString::number(min), QString::number(max)));
    }
    return v;
}

std::optional<quint64> CommandLine::unsignedInteger(const QCommandLineOption &option) const
{
    if (!m_parser.isSet(option))
        return std::nullopt;
    const QString text = m_parser.value(option).trimmed();
    bool ok = false;
    const quint64 v = text.toULongLong(&ok);
    if (!ok || text.startsWith(u'-') || text.startsWith(u'+'))
        throw UsageError(QStringLiteral("invalid value '%1' for %2: expected a non-negative integer").arg(m_parser.value(option), optionName(option)));
    return v;
}

std::optional<qint64> CommandLine::time(const QCommandLineOption &option) const
{
    if (!m_parser.isSet(option))
        return std::nullopt;
    const auto ms = timeutil::parseTimeValue(m_parser.value(option));
    if (!ms) {
        throw UsageError(QStringLiteral("invalid time '%1' for %2: expected ISO 8601 (e.g. 2024-01-31T12:00:00Z) or Unix seconds/milliseconds")
                             .arg(m_parser.value(option), optionName(option)));
    }
    return ms;
}

QStringList CommandLine::list(const QCommandLineOption &option) const
{
    QStringList out;
    for (const QString &value : m_parser.values(option)) {
        for (const QString &part : value.split(u',')) {
            const QString t = part.trimmed();
            if (!t.isEmpty() && !out.contains(t))
                out.append(t);
        }
    }
    return out;
}

// ---- stores ------------------------------------------------------------------------------

std::unique_ptr<EventStore> openExistingStore(const QString &path, EventStore::OpenMode mode)
{
    const QFileInfo info(path);
    if (!info.exists())
        throw CommandError(QStringLiteral("store not found: %1").arg(path));
    if (info.isDir())
        throw CommandError(QStringLiteral("%1 is a folder, not a store file").arg(path));
    return EventStore::open(path, mode);
}

void checkStoreFolder(const QString &path)
{
    const QFileInfo info(path);
    if (info.isDir())
        throw CommandError(QStringLiteral("%1 is a folder, not a store file").arg(path));
    if (!info.exists() && !info.absoluteDir().exists())
        throw CommandError(QStringLiteral("cannot create the store %1: the folder %2 does not exist").arg(path, info.absolutePath()));
}

std::unique_ptr<EventStore> openOrCreateStore(const QString &path)
{
    checkStoreFolder(path);
    return EventStore::open(path, EventStore::OpenMode::ReadWrite);
}

// ---- projections -------------------------------------------------------------------------

QCommandLineOption sourceStoreOption()
{
    return QCommandLineOption(QStringLiteral("store"), QStringLiteral("Read the events of this store (opened read-only, never written)."),
                              QStringLiteral("STORE"));
}

QCommandLineOption sourceInputOption()
{
    return QCommandLineOption(QStringLiteral("input"),
                              QStringLiteral("Read the events of this file instead (any format import reads, detected; repeat for "
                                             "several files, read in order). Positions are 1, 2, ... in file order."),
                              QStringLiteral("FILE"));
}

void checkEventSource(const CommandLine &cl, const QCommandLineOption &store, const QCommandLineOption &input)
{
    const bool hasStore = cl.isSet(store);
    const bool hasInput = cl.isSet(input);
    if (hasStore && hasInput)
        throw UsageError(QStringLiteral("give either %1 or %2, not both").arg(optionName(store), optionName(input)));
    if (!hasStore && !hasInput)
        throw UsageError(QStringLiteral("missing the events: give %1 STORE or %2 FILE").arg(optionName(store), optionName(input)));
    if (hasStore && cl.value(store).isEmpty())
        throw UsageError(QStringLiteral("%1 must not be empty").arg(optionName(store)));
    if (hasStore && cl.values(store).size() > 1)
        throw UsageError(QStringLiteral("%1 given more than once").arg(optionName(store)));
    if (hasInput && cl.values(input).contains(QString()))
        throw UsageError(QStringLiteral("%1 must not be empty").arg(optionName(input)));
}

EventSource openEventSource(const CommandLine &cl, const QCommandLineOption &store, const QCommandLineOption &input)
{
    checkEventSource(cl, store, input);
    EventSource source;
    if (cl.isSet(store)) {
        source.opened = openExistingStore(cl.value(store), EventStore::OpenMode::ReadOnly);
        return source;
    }
    const QStringList files = cl.values(input);
    for (const QString &file : files) {
        const QFileInfo fi(file);
        if (!fi.exists())
            throw CommandError(QStringLiteral("file not found: %1").arg(file));
        if (fi.isDir())
            throw CommandError(QStringLiteral("%1 is a folder, not an event file").arg(file));
    }
    QString error;
    source.temporary = TemporaryStore::create(files, ImportOptions{}, &error);
    if (!source.temporary)
        throw CommandError(QStringLiteral("cannot read the events: %1").arg(error));
    return source;
}

void rethrowAsExitError()
{
    try {
        throw;
    } catch (const UsageError &) {
        throw;
    } catch (const CommandError &e) {
        throw CommandError(e.message(), ExitError);
    } catch (const StoreError &e) {
        throw CommandError(e.message(), ExitError);
    } catch (const std::exception &e) {
        throw CommandError(QString::fromUtf8(e.what()), ExitError);
    }
}

ProjectionRunOptions interruptibleRunOptions(const EventSource &source, Progress &progress, std::atomic_bool *cancel)
{
    installInterruptHandler();
    const qint64 total = source.store().headPosition();
    ProjectionRunOptions options;
    options.cancel = cancel;
    options.progress = [&progress, cancel, total](qint64 position) {
        progress.update(position, total);
        if (interrupted())
            cancel->store(true);
    };
    return options;
}

QString readScript(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.exists())
        throw CommandError(QStringLiteral("script not found: %1").arg(path));
    if (fi.isDir())
        throw CommandError(QStringLiteral("%1 is a folder, not a script").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw CommandError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(file.readAll());
    if (decoder.hasError())
        throw CommandError(QStringLiteral("%1 is not UTF-8 text").arg(path));
    return text;
}

nlohmann::ordered_json eventJson(const Event &event)
{
    const QByteArray line = event.toJsonLine();
    return nlohmann::ordered_json::parse(line.constData(), line.constData() + line.size());
}

QString eventLabel(const Event &event)
{
    return QStringLiteral("%1@%2 %3").arg(event.stream, QString::number(event.version), event.type);
}

QString jsonText(const nlohmann::ordered_json &value, int indent)
{
    return QString::fromStdString(value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

// ---- commands ----------------------------------------------------------------------------

const std::vector<Command> &commands()
{
    static const std::vector<Command> list{
        {"demo", "Create a realistic, deterministic demo store (bank accounts and orders).", &runDemo},
        {"import", "Import event files (JSON Lines, JSON, CSV, CloudEvents, kcat, EventStoreDB) into a store.", &runImport},
        {"append", "Append one event to a stream with an optimistic concurrency check.", &runAppend},
        {"info", "Summarise a store: counts per category and type, time range, head hash.", &runInfo},
        {"streams", "List the streams of a store.", &runStreams},
        {"events", "Read events of the log, filtered, forward or backward.", &runEvents},
        {"export-events", "Export events of the log, filtered, to a JSON Lines, CSV or CloudEvents file that import reads back.", &runExportEvents},
        {"verify", "Check the hash chain of a store.", &runVerify},
        {"export", "Export an audit snapshot (JSON, CSV or PDF): aggregate and projection states at a point, with hashes.", &runExport},
        {"verify-snapshot", "Recompute an audit snapshot from a store and report every difference.", &runVerifySnapshot},
        {"project", "Run a KurrentDB-style JavaScript projection over a store or an event file.", &runProject},
        {"diff-projection", "Run two versions of a projection and compare their states per partition.", &runDiffProjection},
        {"bisect", "Find the first event after which a condition on a projection's state holds.", &runBisect},
        {"query", "Bring a read model (balance, orders, your own) up to date and query it by key or filter.", &runQuery},
        {"read-models", "List the read models of a store with their checkpoint, entries and lag.", &runReadModels},
        {"command", "Send a command to an aggregate: decide with a JavaScript decider, append with concurrency checks.", &runCommandCommand},
        {"bench", "Measure the command side: N concurrent clients sending commands (bench commands).", &runBench},
        {"spec", "Run given/when/then specifications of deciders (spec run), or make one from history (spec export).", &runSpec},
        {"serve", "Serve commands, read-model queries and streams over HTTP (the CQRS loop of a store).", &runServe},
    };
    return list;
}

} // namespace eventlens::cli
