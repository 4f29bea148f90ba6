#include "cli.h"

#include "commandhandler.h"
#include "decider.h"
#include "timeutil.h"

#include <QDateTime>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <random>
#include <thread>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// The commands one client sends: realistic traffic for the bundled domains (deposits and
// withdrawals over many accounts; orders placed, filled, paid and shipped or cancelled), and
// each command type's template over many streams for a decider of the user's.
class Traffic
{
public:
    Traffic(QString domain, QStringList types, const Decider &decider, QString prefix, int streams, quint64 seed)
        : m_domain(std::move(domain)), m_types(std::move(types)), m_prefix(std::move(prefix)), m_streams(streams), m_rng(seed)
    {
        for (const QString &t : m_types)
            m_templates.push_back(decider.commandTemplate(t));
    }

    // The commands that prepare a stream before the measured run (an account opened with money).
    std::vector<eventlens::Command> setup(int stream) const
    {
        std::vector<eventlens::Command> out;
        if (m_domain == QStringLiteral("bank")) {
            out.push_back(make(stream, QStringLiteral("OpenAccount"), Json{{"owner", "Bench Client " + std::to_string(stream)}}));
            out.push_back(make(stream, QStringLiteral("Deposit"), Json{{"amount", 1000}}));
        }
        return out;
    }

    eventlens::Command next()
    {
        if (m_domain == QStringLiteral("bank")) {
            const int stream = int(m_rng() % quint64(m_streams));
            const double amount = double(1 + m_rng() % 30000) / 100.0;
            if (m_rng() % 100 < 55)
                return make(stream, QStringLiteral("Deposit"), Json{{"amount", amount}});
            return make(stream, QStringLiteral("Withdraw"), Json{{"amount", amount}});
        }
        if (m_domain == QStringLiteral("order"))
            return nextOrderCommand();
        const size_t t = size_t(m_rng() % quint64(std::max<qsizetype>(1, m_types.size())));
        return make(int(m_rng() % quint64(m_streams)), m_types.value(qsizetype(t)), t < m_templates.size() ? m_templates[t] : Json::object());
    }

private:
    eventlens::Command make(int stream, const QString &type, Json data) const
    {
        eventlens::Command c;
        c.stream = m_prefix + QString::number(stream);
        c.type = type;
        c.data = std::move(data);
        return c;
    }

    // Each client walks its own orders through their life: place, 1-3 items, pay, then ship
    // (or, one in ten, cancel).
    eventlens::Command nextOrderCommand()
    {
        if (m_orderStep == 0) {
            m_order = m_nextOrder++;
            m_items = 1 + int(m_rng() % 3);
        }
        const int step = m_orderStep++;
        if (step == 0)
            return make(m_order, QStringLiteral("PlaceOrder"), Json{{"customer", "account-1"}});
        if (step <= m_items) {
            return make(m_order, QStringLiteral("AddItem"),
                        Json{{"sku", "SKU-" + std::to_string(m_rng() % 500)}, {"qty", 1 + int(m_rng() % 3)},
                             {"price", double(100 + m_rng() % 9900) / 100.0}});
        }
        if (step == m_items + 1)
            return make(m_order, QStringLiteral("Pay"), Json::object());
        m_orderStep = 0;
        if (m_rng() % 10 == 0)
            return make(m_order, QStringLiteral("Cancel"), Json{{"reason", "customer request"}});
        return make(m_order, QStringLiteral("Ship"), Json{{"carrier", "DHL"}});
    }

    QString m_domain;
    QStringList m_types;
    std::vector<Json> m_templates;
    QString m_prefix;
    int m_streams;
    std::mt19937_64 m_rng;
    int m_order = 0;
    int m_nextOrder = 0;
    int m_orderStep = 0;
    int m_items = 0;
};

struct ClientResult
{
    std::vector<double> latenciesMs;
    qint64 appended = 0;
    qint64 rejected = 0;
    qint64 conflicts = 0; // conflicts met (retried or not)
    qint64 errors = 0;
    qint64 events = 0;
    QString firstError;
};

double percentile(std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t i = std::min(sorted.size() - 1, size_t(p / 100.0 * double(sorted.size())));
    return sorted[i];
}

} // namespace

int runBench(const QStringList &args)
{
    CommandLine cl(QStringLiteral("bench"),
                   QStringLiteral("commands STORE (--domain bank|order | --decider FILE.js) [--clients N] [--commands M] "
                                  "[--streams K] [--snapshot-every N] [--json]"),
                   QStringLiteral("A load generator for the command side, like pgbench: N concurrent clients, each with its\n"
                                  "own connection, decider and command handler, send M realistic commands in all to an\n"
                                  "embedded store (created when missing) and the figures are printed: commands per second,\n"
                                  "latency percentiles, conflicts (optimistic concurrency conflicts met, each retried with a\n"
                                  "fresh load), domain rejections and errors. Every command is a durable append; concurrent\n"
                                  "appends share transactions (group commit).\n"
                                  "bank: deposits (55%) and withdrawals over K accounts opened first; order: each client\n"
                                  "places orders, adds 1-3 items, pays and ships (or cancels); a decider of your own: its\n"
                                  "command types with their templates over K streams. The streams are new for each run.\n"
                                  "Exit 1 when any command failed (a script or store error)."));
    cl.addPositional(QStringLiteral("commands"), QStringLiteral("What to measure (commands)."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (created when missing)."));
    const QCommandLineOption domain = domainOption();
    const QCommandLineOption decider = deciderOption();
    const QCommandLineOption clients(QStringLiteral("clients"), QStringLiteral("Concurrent clients (default 8)."), QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption count(QStringLiteral("commands"), QStringLiteral("Commands in all (default 100000)."), QStringLiteral("M"), QStringLiteral("100000"));
    const QCommandLineOption streams(QStringLiteral("streams"), QStringLiteral("Streams the commands go to (default 1000)."), QStringLiteral("K"), QStringLiteral("1000"));
    const QCommandLineOption snapshotEvery(QStringLiteral("snapshot-every"), QStringLiteral("Snapshot every N events of a stream (default 100, 0: never)."),
                                           QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON object with the figures."));
    for (const auto &o : {domain, decider, clients, count, streams, snapshotEvery, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QStringList positional = cl.requirePositional(2, QStringLiteral("commands STORE"));
    if (positional[0] != QStringLiteral("commands"))
        throw UsageError(QStringLiteral("unknown benchmark '%1' (known: commands)").arg(positional[0]));
    const QString path = positional[1];
    const int clientCount = int(cl.integer(clients, 1, 256).value_or(8));
    const qint64 commandCount = cl.integer(count, 1, qint64(1) << 40).value_or(100000);
    const int streamCount = int(cl.integer(streams, 1, 10000000).value_or(1000));
    CommandHandler::Options options;
    options.snapshotEvery = int(cl.integer(snapshotEvery, 0, 1000000).value_or(100));
    options.maxRetries = 10;

    // One decider here for the checks and the setup; each client makes its own.
    std::unique_ptr<Decider> main = openDecider(cl, domain, decider);
    const QString domainName = cl.isSet(domain) ? main->name() : QString();
    const QString script = main->script();
    const QString fileName = main->fileName();
    const QString prefix = (domainName == QStringLiteral("bank") ? QStringLiteral("account-")
                            : domainName == QStringLiteral("order") ? QStringLiteral("order-")
                                                                    : QStringLiteral("bench-"))
        + QStringLiteral("b") + QString::number(QDateTime::currentMSecsSinceEpoch(), 36) + u'-';

    auto store = openOrCreateStore(path);
    {
        Traffic traffic(domainName, main->commandTypes(), *main, prefix, streamCount, 0);
        CommandHandler setup(*store, *main, options);
        for (int s = 0; s < streamCount; ++s) {
            for (const eventlens::Command &c : traffic.setup(s)) {
                const CommandOutcome out = setup.handle(c);
                if (out.kind != CommandOutcome::Kind::Appended)
                    throw CommandError(QStringLiteral("setting up %1 failed: %2").arg(c.stream, out.message));
            }
        }
    }

    const quint64 commitsBefore = store->commitCount();
    std::vector<ClientResult> results(static_cast<size_t>(clientCount));
    std::barrier start(clientCount + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < clientCount; ++t) {
        const qint64 share = commandCount / clientCount + (t < commandCount % clientCount ? 1 : 0);
        threads.emplace_back([&, t, share] {
            ClientResult &r = results[size_t(t)];
            r.latenciesMs.reserve(size_t(share));
            std::unique_ptr<EventStore> connection;
            std::unique_ptr<Decider> own;
            try {
                connection = store->openAnother(EventStore::OpenMode::ReadWrite);
                own = domainName.isEmpty() ? std::make_unique<Decider>(script, fileName) : Decider::bundled(domainName);
            } catch (const std::exception &e) {
                r.errors = share;
                r.firstError = QString::fromUtf8(e.what());
                start.arrive_and_wait();
                return;
            }
            CommandHandler handler(*connection, *own, options);
            // Each order client uses its own order numbers.
            Traffic traffic(domainName, own->commandTypes(), *own,
                            domainName == QStringLiteral("order") ? prefix + QString::number(t) + u'-' : prefix, streamCount,
                            quint64(t) * 7919 + 17);
            start.arrive_and_wait();
            for (qint64 i = 0; i < share; ++i) {
                const eventlens::Command c = traffic.next();
                const Clock::time_point begin = Clock::now();
                const CommandOutcome out = handler.handle(c);
                r.latenciesMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
                r.conflicts += out.attempts - 1 + (out.kind == CommandOutcome::Kind::Conflict ? 1 : 0);
                switch (out.kind) {
                case CommandOutcome::Kind::Appended:
                    r.appended += 1;
                    r.events += qint64(out.events.size());
                    break;
                case CommandOutcome::Kind::Rejected:
                    r.rejected += 1;
                    break;
                case CommandOutcome::Kind::Conflict:
                    break;
                case CommandOutcome::Kind::Failed:
                    r.errors += 1;
                    if (r.firstError.isEmpty())
                        r.firstError = out.message;
                    break;
                }
            }
        });
    }
    start.arrive_and_wait();
    const Clock::time_point began = Clock::now();
    const double cpuBegan = timeutil::processCpuSeconds();
    for (std::thread &t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
    const double cpuSeconds = timeutil::processCpuSeconds() - cpuBegan;

    ClientResult all;
    for (ClientResult &r : results) {
        all.latenciesMs.insert(all.latenciesMs.end(), r.latenciesMs.begin(), r.latenciesMs.end());
        all.appended += r.appended;
        all.rejected += r.rejected;
        all.conflicts += r.conflicts;
        all.errors += r.errors;
        all.events += r.events;
        if (all.firstError.isEmpty())
            all.firstError = r.firstError;
    }
    std::sort(all.latenciesMs.begin(), all.latenciesMs.end());
    const qint64 sent = qint64(all.latenciesMs.size());
    const double perSecond = seconds > 0 ? double(sent) / seconds : 0;
    const quint64 transactions = store->commitCount() - commitsBefore;
    // What the machine allows: with every core busy, no more commands per second than this.
    const double cpuUsPerCommand = sent > 0 ? cpuSeconds * 1e6 / double(sent) : 0;
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());

    if (cl.isSet(json)) {
        Json out = Json::object();
        out["domain"] = (domainName.isEmpty() ? fileName : domainName).toStdString();
        out["clients"] = clientCount;
        out["commands"] = sent;
        out["seconds"] = seconds;
        out["commands_per_s"] = perSecond;
        out["p50_ms"] = percentile(all.latenciesMs, 50);
        out["p99_ms"] = percentile(all.latenciesMs, 99);
        out["max_ms"] = all.latenciesMs.empty() ? 0.0 : all.latenciesMs.back();
        out["conflicts"] = all.conflicts;
        out["errors"] = all.errors;
        out["rejected"] = all.rejected;
        out["appended"] = all.appended;
        out["events"] = all.events;
        out["transactions"] = transactions;
        out["cpu_us_per_command"] = cpuUsPerCommand;
        out["cores"] = cores;
        writeOut(jsonText(out) + u'\n');
    } else {
        writeOut(QStringLiteral("%1 commands from %2 clients in %3 s: %4 commands/s\n")
                     .arg(groupDigits(sent), QString::number(clientCount), QString::number(seconds, 'f', 2),
                          groupDigits(qint64(perSecond))));
        writeOut(QStringLiteral("latency: p50 %1 ms, p99 %2 ms, max %3 ms\n")
                     .arg(QString::number(percentile(all.latenciesMs, 50), 'f', 3), QString::number(percentile(all.latenciesMs, 99), 'f', 3),
                          QString::number(all.latenciesMs.empty() ? 0.0 : all.latenciesMs.back(), 'f', 3)));
        writeOut(QStringLiteral("appended %1 (%2 events in %3 transactions), rejected by the domain %4, conflicts %5, errors %6\n")
                     .arg(groupDigits(all.appended), groupDigits(all.events), groupDigits(qint64(transactions)),
                          groupDigits(all.rejected), groupDigits(all.conflicts), groupDigits(all.errors)));
        writeOut(QStringLiteral("CPU: %1 µs per command (all threads); %2 cores allow at most %3 commands/s at that cost\n")
                     .arg(QString::number(cpuUsPerCommand, 'f', 0), QString::number(cores),
                          groupDigits(cpuUsPerCommand > 0 ? qint64(double(cores) * 1e6 / cpuUsPerCommand) : 0)));
    }
    if (all.errors > 0)
        throw CommandError(QStringLiteral("%1 failed; the first: %2").arg(counted(all.errors, "command", "commands"), all.firstError));
    return ExitOk;
}

} // namespace eventlens::cli
