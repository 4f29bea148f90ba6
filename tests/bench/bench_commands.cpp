// eventlens-bench-commands: where the time of one command goes (the decider's decide and evolve,
// the stream read that brings a held state up to date, the durable append), one client, and
// the whole command at 1..N clients. `eventlens-cli bench commands` is the load generator users
// run; this program splits its figures up.

#include "benchsupport.h"

#include "commandhandler.h"
#include "decider.h"

#include <QCoreApplication>

#include <barrier>
#include <thread>

using namespace eventlens;
using namespace eventlens::bench;
using Json = nlohmann::ordered_json;

namespace {

double usPer(Clock::time_point start, int n)
{
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

Command deposit(const QString &stream)
{
    Command c;
    c.stream = stream;
    c.type = QStringLiteral("Deposit");
    c.data = Json{{"amount", 1.25}};
    return c;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments();
    const int n = args.contains(QStringLiteral("--quick")) ? 2000 : 20000;
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("commands.eventlens"));
    auto store = EventStore::open(path);
    auto bank = Decider::bundled(QStringLiteral("bank"));

    // The decider alone.
    Decider::State state = bank->initialState();
    {
        Event opened;
        opened.stream = QStringLiteral("account-1");
        opened.version = 0;
        opened.position = 1;
        opened.type = QStringLiteral("AccountOpened");
        opened.data = R"({"owner":"Ada","currency":"EUR"})";
        bank->evolve(state, std::vector<Event>{opened});
    }
    DeciderCommand dc{QStringLiteral("Deposit"), QStringLiteral("account-1"), Json{{"amount", 1.25}}, Json::object()};
    Clock::time_point t = Clock::now();
    for (int i = 0; i < n; ++i)
        bank->decide(dc, state);
    const double decideUs = usPer(t, n);
    Event deposited;
    deposited.stream = QStringLiteral("account-1");
    deposited.type = QStringLiteral("Deposited");
    deposited.data = R"({"amount":1.25,"currency":"EUR","source":"command"})";
    t = Clock::now();
    for (int i = 0; i < n; ++i) {
        deposited.version = i + 1;
        deposited.position = i + 2;
        bank->evolve(state, std::span<const Event>(&deposited, 1));
    }
    const double evolveUs = usPer(t, n);

    // The handler, one client: open the account, then deposits (a read of the stream, a decision,
    // a durable append, the evolve of the new event).
    CommandHandler::Options options;
    options.snapshotEvery = 0;
    CommandHandler handler(*store, *bank, options);
    Command open;
    open.stream = QStringLiteral("account-1");
    open.type = QStringLiteral("OpenAccount");
    open.data = Json{{"owner", "Ada"}};
    handler.handle(open);
    t = Clock::now();
    for (int i = 0; i < n / 4; ++i)
        store->readStream(QStringLiteral("account-1"), 1000000);
    const double readUs = usPer(t, n / 4);
    const double cpu0 = processCpuSeconds();
    t = Clock::now();
    for (int i = 0; i < n / 4; ++i)
        handler.handle(deposit(QStringLiteral("account-1")));
    const double handleUs = usPer(t, n / 4);
    const double handleCpuUs = (processCpuSeconds() - cpu0) * 1e6 / (n / 4);

    out() << "one client, bank Deposit on a held state:\n"
          << "  decide " << QString::number(decideUs, 'f', 1) << " us, evolve one event " << QString::number(evolveUs, 'f', 1)
          << " us, stream read with nothing new " << QString::number(readUs, 'f', 1) << " us\n"
          << "  whole command (durable append, one transaction each) " << QString::number(handleUs, 'f', 1) << " us, of it CPU "
          << QString::number(handleCpuUs, 'f', 1) << " us\n";
    out().flush();

    // Several clients, each its own connection, decider and handler, on 1000 accounts.
    for (int clients : {1, 2, 4, 8, 16}) {
        const int perClient = n / 4;
        std::vector<double> latencies(size_t(clients) * size_t(perClient));
        std::barrier start(clients + 1);
        std::vector<std::thread> threads;
        const double cpuBefore = processCpuSeconds();
        const quint64 commitsBefore = store->commitCount();
        for (int c = 0; c < clients; ++c) {
            threads.emplace_back([&, c] {
                auto connection = store->openAnother(EventStore::OpenMode::ReadWrite);
                auto decider = Decider::bundled(QStringLiteral("bank"));
                CommandHandler h(*connection, *decider, options);
                std::mt19937 rng(c);
                std::vector<Command> commands;
                for (int i = 0; i < perClient; ++i)
                    commands.push_back(deposit(QStringLiteral("account-") + QString::number(1 + rng() % 1000)));
                for (int a = 0; a < 1000; a += clients) {
                    // Make sure the accounts exist (whoever comes first opens them).
                    Command o = open;
                    o.stream = QStringLiteral("account-") + QString::number(1 + (a + c) % 1000);
                    h.handle(o);
                }
                start.arrive_and_wait();
                for (int i = 0; i < perClient; ++i) {
                    const Clock::time_point b = Clock::now();
                    h.handle(commands[size_t(i)]);
                    latencies[size_t(c) * size_t(perClient) + size_t(i)] = msSince(b);
                }
            });
        }
        start.arrive_and_wait();
        const Clock::time_point began = Clock::now();
        const double cpuStart = processCpuSeconds();
        for (std::thread &th : threads)
            th.join();
        const double seconds = secondsSince(began);
        (void)cpuBefore;
        const double cpuPer = (processCpuSeconds() - cpuStart) * 1e6 / double(latencies.size());
        std::sort(latencies.begin(), latencies.end());
        out() << clients << " clients: " << qint64(double(latencies.size()) / seconds) << " commands/s, p50 "
              << QString::number(latencies[latencies.size() / 2], 'f', 2) << " ms, p99 "
              << QString::number(latencies[latencies.size() * 99 / 100], 'f', 2) << " ms, CPU " << QString::number(cpuPer, 'f', 0)
              << " us per command, " << (store->commitCount() - commitsBefore) << " transactions\n";
        out().flush();
    }
    return 0;
}
