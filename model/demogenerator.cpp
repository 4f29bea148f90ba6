#include "demogenerator.h"

#include "jsonutil.h"
#include "storeerror.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

namespace eventlens {

namespace {

// xoshiro256** seeded with splitmix64: fast, and identical on every platform (unlike the
// distributions of <random>, whose output is implementation-defined).
class Rng
{
public:
    explicit Rng(quint64 seed)
    {
        quint64 x = seed;
        for (auto &v : m_s) {
            x += 0x9e3779b97f4a7c15ULL;
            quint64 z = x;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            v = z ^ (z >> 31);
        }
    }

    quint64 next()
    {
        const quint64 result = rotl(m_s[1] * 5, 7) * 9;
        const quint64 t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    // Uniform in [0, n), n > 0 (rejection sampling, no modulo bias).
    quint64 below(quint64 n)
    {
        if (n <= 1)
            return 0;
        const quint64 limit = ~quint64(0) - (~quint64(0) % n);
        quint64 r;
        do {
            r = next();
        } while (r >= limit);
        return r % n;
    }

    // Uniform in [lo, hi].
    qint64 range(qint64 lo, qint64 hi) { return lo + static_cast<qint64>(below(static_cast<quint64>(hi - lo) + 1)); }
    // Percent chance, 0..100.
    bool percent(int p) { return below(100) < static_cast<quint64>(p); }

private:
    static quint64 rotl(quint64 x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<quint64, 4> m_s{};
};

struct Uuid
{
    quint64 hi = 0;
    quint64 lo = 0;

    // A version 7 UUID (RFC 9562): the event time in its first 48 bits, then random bits.
    // Ids of the demo sort like the log, as with the time-ordered ids many stores use, which
    // also keeps the store's id index growing at its end.
    static Uuid v7(Rng &rng, qint64 timeMs)
    {
        Uuid u{rng.next(), rng.next()};
        u.hi = (static_cast<quint64>(timeMs) << 16) | 0x7000ULL | (u.hi & 0x0fffULL);
        u.lo = (u.lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; // RFC variant
        return u;
    }

    QByteArray toText() const
    {
        static const char hex[] = "0123456789abcdef";
        char buf[36];
        int p = 0;
        auto put = [&](quint64 v, int nibbles, int shiftStart) {
            for (int k = 0; k < nibbles; ++k)
                buf[p++] = hex[(v >> (shiftStart - 4 * k)) & 0xf];
        };
        put(hi, 8, 60);
        buf[p++] = '-';
        put(hi, 4, 28);
        buf[p++] = '-';
        put(hi, 4, 12);
        buf[p++] = '-';
        put(lo, 4, 60);
        buf[p++] = '-';
        put(lo, 12, 44);
        return QByteArray(buf, 36);
    }
};

// A compact JSON object written directly (the demo writes millions of them).
class JsonObject
{
public:
    JsonObject() { m_out.reserve(160); m_out.append('{'); }
    JsonObject &str(const char *key, const QByteArray &utf8)
    {
        this->key(key);
        jsonutil::appendString(m_out, utf8);
        return *this;
    }
    JsonObject &str(const char *key, const char *utf8) { return str(key, QByteArray(utf8)); }
    JsonObject &num(const char *key, qint64 value)
    {
        this->key(key);
        m_out.append(QByteArray::number(value));
        return *this;
    }
    // A money amount in cents as a decimal number with at most two fraction digits.
    JsonObject &money(const char *key, qint64 cents)
    {
        this->key(key);
        m_out.append(QByteArray::number(cents / 100));
        const qint64 frac = cents % 100;
        if (frac != 0) {
            m_out.append('.');
            m_out.append(static_cast<char>('0' + frac / 10));
            if (frac % 10 != 0)
                m_out.append(static_cast<char>('0' + frac % 10));
        }
        return *this;
    }
    QByteArray take()
    {
        m_out.append('}');
        return std::move(m_out);
    }

private:
    void key(const char *k)
    {
        if (m_out.size() > 1)
            m_out.append(',');
        m_out.append('"');
        m_out.append(k);
        m_out.append("\":", 2);
    }
    QByteArray m_out;
};

constexpr std::array kFirstNames{
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger",
    "Radia", "Donald", "Hedy", "Tim", "Katherine", "John", "Sophie", "Niklaus", "Joan", "Bjarne",
    "Zoë", "José", "Łukasz", "Søren", "Amélie", "Yuki", "Priya", "Chen", "Olga", "Mateo",
    "Fatima", "Kwame", "Ingrid", "Rafael", "Aiko", "Noah", "Elena", "Omar", "Mia", "Jonas"};
constexpr std::array kLastNames{
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
    "Allen", "Dijkstra", "Perlman", "Knuth", "Lamarr", "Berners-Lee", "Johnson", "McCarthy",
    "Wilson", "Wirth", "Clarke", "Stroustrup", "Müller", "García", "Nowak", "Kierkegaard",
    "Dubois", "Tanaka", "Sharma", "Wang", "Petrova", "Rossi", "Haddad", "Mensah", "Larsen",
    "Silva", "Sato", "Schmidt", "Popescu", "Nasser", "Jensen", "O'Brien"};
constexpr std::array kCurrencies{"EUR", "USD", "GBP"};

struct CatalogItem
{
    const char *sku;
    const char *name;
    qint64 priceCents;
};
constexpr std::array<CatalogItem, 24> kCatalog{{
    {"SKU-1001", "Espresso beans 1 kg", 1890},
    {"SKU-1002", "Pour-over kettle", 4999},
    {"SKU-1003", "Ceramic mug", 1250},
    {"SKU-1004", "Burr grinder", 12900},
    {"SKU-2001", "Mechanical keyboard", 8990},
    {"SKU-2002", "Wireless mouse", 2999},
    {"SKU-2003", "USB-C hub", 3495},
    {"SKU-2004", "27\" monitor", 27900},
    {"SKU-2005", "Laptop stand", 3900},
    {"SKU-3001", "Paperback: Domain-Driven Design", 4550},
    {"SKU-3002", "Paperback: Designing Data-Intensive Applications", 3899},
    {"SKU-3003", "Notebook, dotted", 899},
    {"SKU-3004", "Fountain pen", 2450},
    {"SKU-4001", "Running shoes", 11900},
    {"SKU-4002", "Rain jacket", 8900},
    {"SKU-4003", "Wool socks (3 pairs)", 1999},
    {"SKU-4004", "Backpack 20 l", 6450},
    {"SKU-5001", "Desk lamp", 4200},
    {"SKU-5002", "Houseplant: monstera", 2900},
    {"SKU-5003", "Scented candle", 1500},
    {"SKU-6001", "Board game: Carcassonne", 3299},
    {"SKU-6002", "Jigsaw puzzle 1000 pcs", 1799},
    {"SKU-6003", "Headphones", 15900},
    {"SKU-6004", "Phone case", 1999},
}};
constexpr std::array kCarriers{"DHL", "UPS", "DPD", "GLS", "FedEx"};
constexpr std::array kWithdrawReasons{"atm", "card payment", "direct debit", "transfer"};
constexpr std::array kCloseReasons{"customer request", "moved abroad", "switched bank", "account consolidation"};

struct Account
{
    qint64 version = -1;
    qint64 balanceCents = 0;
    qint32 openSlot = -1;     // index in the open-account list; -1 when not open
    qint32 openOrders = 0;    // orders placed and neither shipped nor cancelled
    quint8 currency = 0;
    bool closed = false;
};

struct Order
{
    enum class State : quint8 { Placed, Paid };
    qint64 number = 0;        // 1-based: stream order-<number>
    qint64 version = -1;
    qint64 totalCents = 0;
    qint32 account = 0;       // index into the account list
    qint32 items = 0;
    Uuid correlationId;       // the OrderPlaced id
    Uuid lastEventId;         // causation of the order's next event
    State state = State::Placed;
};

enum Type { AccountOpened, Deposited, Withdrawn, AccountClosed, OrderPlaced, ItemAdded, OrderPaid, OrderShipped, OrderCancelled, TypeCount };

class Simulation
{
public:
    Simulation(const DemoOptions &options, const DemoGenerator::Sink &sink, const ProgressFn &progress)
        : m_sink(sink)
        , m_progress(progress)
        , m_rng(options.seed)
        , m_total(options.events)
        , m_accounts(static_cast<size_t>(options.effectiveAccounts()))
        , m_time(options.startTimeMs)
    {
        m_types = {QStringLiteral("AccountOpened"), QStringLiteral("Deposited"), QStringLiteral("Withdrawn"),
                   QStringLiteral("AccountClosed"), QStringLiteral("OrderPlaced"), QStringLiteral("ItemAdded"),
                   QStringLiteral("OrderPaid"), QStringLiteral("OrderShipped"), QStringLiteral("OrderCancelled")};
        // Activity by hour of the week (Monday 00:00 first): quiet nights and weekends.
        double sum = 0;
        for (int h = 0; h < 168; ++h) {
            const int day = h / 24;
            const int hour = h % 24;
            double a = hour < 6 ? 0.15 : hour < 8 ? 0.5 : hour < 19 ? 1.0 : hour < 23 ? 0.7 : 0.3;
            if (day >= 5)
                a *= 0.6;
            m_activity[static_cast<size_t>(h)] = a;
            sum += a;
        }
        m_meanActivity = sum / 168.0;
        m_meanGapMs = std::max(1.0, static_cast<double>(options.spanMs) / static_cast<double>(std::max<qint64>(1, m_total)));
        m_progressEvery = std::clamp<qint64>(m_total / 200, 1, 10000);
        m_batch.reserve(4);
    }

    DemoResult run()
    {
        DemoResult result;
        if (m_progress && !m_progress(0, m_total)) {
            result.cancelled = true;
            return result;
        }
        while (m_emitted < m_total) {
            step();
            if (m_emitted >= m_nextProgress || m_emitted >= m_total) {
                m_nextProgress = m_emitted + m_progressEvery;
                if (m_progress && !m_progress(m_emitted, m_total)) {
                    result.cancelled = true;
                    break;
                }
            }
        }
        result.events = m_emitted;
        result.accounts = m_opened;
        result.orders = m_ordersPlaced;
        return result;
    }

private:
    qint64 remaining() const { return m_total - m_emitted; }

    void step()
    {
        advanceClock();
        const qint64 nAccounts = static_cast<qint64>(m_accounts.size());
        // Accounts open while the bank is busy with the ones already open; the rest open
        // at once when the remaining events are needed for them.
        if (m_opened < nAccounts
            && (m_open.empty() || nAccounts - m_opened >= remaining() || (m_opened < targetOpened() && m_rng.percent(50)))) {
            openAccount();
            return;
        }
        // Weighted choice of what happens next; actions that need more events than remain,
        // or that have no candidate, fall back to a deposit (always possible: the last open
        // account is never closed).
        const int maxActiveOrders = std::max<int>(2, static_cast<int>(m_open.size()));
        const bool canPlace = static_cast<int>(m_orders.size()) < maxActiveOrders;
        const quint64 r = m_rng.below(1000);
        if (r < 280) {
            deposit();
        } else if (r < 460) {
            if (!withdraw())
                deposit();
        } else if (r < 540) {
            if (canPlace)
                placeOrder();
            else if (!orderStep())
                deposit();
        } else if (r < 996) {
            if (!orderStep()) {
                if (canPlace)
                    placeOrder();
                else
                    deposit();
            }
        } else {
            if (!closeAccount())
                deposit();
        }
    }

    // Accounts open early: all of them by about 30% of the log (when there are enough events).
    qint64 targetOpened() const
    {
        const double share = (std::min(1.0, static_cast<double>(m_emitted + 1) / (0.3 * static_cast<double>(m_total))));
        return static_cast<qint64>(share * static_cast<double>(m_accounts.size()) + 0.999999);
    }

    void advanceClock()
    {
        const qint64 msOfWeek = ((m_time / 86400000 + 3) % 7) * 86400000 + m_time % 86400000; // 1970-01-01 was a Thursday
        const double activity = m_activity[static_cast<size_t>(msOfWeek / 3600000) % 168];
        const double mean = m_meanGapMs * m_meanActivity / activity;
        m_time += 1 + static_cast<qint64>(m_rng.below(static_cast<quint64>(2.0 * mean) + 1));
    }

    // A follow-up event a few milliseconds after the previous one.
    qint64 followUpTime()
    {
        m_time += 1 + static_cast<qint64>(m_rng.below(40));
        return m_time;
    }

    static QString accountStream(qint64 index) { return QStringLiteral("account-") + QString::number(index + 1); }
    static QString orderStream(qint64 number) { return QStringLiteral("order-") + QString::number(number); }
    static QByteArray userOf(qint64 accountIndex) { return "user-" + QByteArray::number(accountIndex + 1); }

    NewEvent makeEvent(Type type, const Uuid &id, QByteArray data, const Uuid &correlation, const Uuid &causation,
                       const QByteArray &user, qint64 time)
    {
        NewEvent e;
        e.id = QString::fromLatin1(id.toText());
        e.type = m_types[type];
        e.data = std::move(data);
        e.metadata = JsonObject()
                         .str("correlationId", correlation.toText())
                         .str("causationId", causation.toText())
                         .str("userId", user)
                         .take();
        e.timeMs = time;
        return e;
    }

    void flush(const QString &stream, qint64 expectedVersion)
    {
        m_sink(stream, expectedVersion, m_batch);
        m_emitted += static_cast<qint64>(m_batch.size());
        m_batch.clear();
    }

    qint32 randomOpenAccount() { return m_open[static_cast<size_t>(m_rng.below(m_open.size()))]; }

    void openAccount()
    {
        const qint32 index = static_cast<qint32>(m_opened++);
        Account &a = m_accounts[static_cast<size_t>(index)];
        const quint64 c = m_rng.below(100);
        a.currency = c < 60 ? 0 : c < 85 ? 1 : 2;
        QByteArray owner = kFirstNames[m_rng.below(kFirstNames.size())];
        owner += ' ';
        owner += kLastNames[m_rng.below(kLastNames.size())];
        const Uuid id = Uuid::v7(m_rng, m_time);
        m_batch.push_back(makeEvent(AccountOpened, id,
                                    JsonObject()
                                        .str("owner", owner)
                                        .str("currency", kCurrencies[a.currency])
                                        .str("accountType", m_rng.percent(75) ? "checking" : "savings")
                                        .take(),
                                    id, id, userOf(index), m_time));
        flush(accountStream(index), a.version);
        a.version += 1;
        a.openSlot = static_cast<qint32>(m_open.size());
        m_open.push_back(index);
    }

    void deposit()
    {
        const qint32 index = randomOpenAccount();
        qint64 cents;
        const char *source;
        const quint64 kind = m_rng.below(10);
        if (kind < 3) {
            cents = m_rng.range(15, 45) * 10000; // salary: 1,500.00 .. 4,500.00
            source = "salary";
        } else if (kind < 7) {
            cents = m_rng.range(2000, 80000);
            source = "transfer";
        } else {
            cents = m_rng.range(1, 50) * 1000; // cash in tens
            source = "cash";
        }
        deposit(index, cents, source);
    }

    void deposit(qint32 index, qint64 cents, const char *source)
    {
        Account &a = m_accounts[static_cast<size_t>(index)];
        const Uuid id = Uuid::v7(m_rng, m_time);
        m_batch.push_back(makeEvent(Deposited, id,
                                    JsonObject().money("amount", cents).str("currency", kCurrencies[a.currency]).str("source", source).take(),
                                    id, id, userOf(index), m_time));
        flush(accountStream(index), a.version);
        a.version += 1;
        a.balanceCents += cents;
    }

    bool withdraw()
    {
        const qint32 index = randomOpenAccount();
        Account &a = m_accounts[static_cast<size_t>(index)];
        if (a.balanceCents < 100)
            return false;
        // Up to 40% of the balance, at least 1.00.
        const qint64 cents = std::max<qint64>(100, static_cast<qint64>(m_rng.below(static_cast<quint64>(a.balanceCents * 2 / 5) + 1)));
        const Uuid id = Uuid::v7(m_rng, m_time);
        m_batch.push_back(makeEvent(Withdrawn, id,
                                    JsonObject()
                                        .money("amount", cents)
                                        .str("currency", kCurrencies[a.currency])
                                        .str("reason", kWithdrawReasons[m_rng.below(kWithdrawReasons.size())])
                                        .take(),
                                    id, id, userOf(index), m_time));
        flush(accountStream(index), a.version);
        a.version += 1;
        a.balanceCents -= cents;
        return true;
    }

    bool closeAccount()
    {
        if (m_open.size() < 2)
            return false;
        const qint32 index = randomOpenAccount();
        Account &a = m_accounts[static_cast<size_t>(index)];
        const qint64 needed = a.balanceCents > 0 ? 2 : 1;
        if (a.openOrders > 0 || needed > remaining())
            return false;
        const QByteArray user = userOf(index);
        const Uuid first = Uuid::v7(m_rng, m_time);
        Uuid cause = first;
        qint64 time = m_time;
        if (a.balanceCents > 0) {
            m_batch.push_back(makeEvent(Withdrawn, first,
                                        JsonObject()
                                            .money("amount", a.balanceCents)
                                            .str("currency", kCurrencies[a.currency])
                                            .str("reason", "account closing")
                                            .take(),
                                        first, first, user, time));
            time = followUpTime();
        }
        const Uuid closedId = a.balanceCents > 0 ? Uuid::v7(m_rng, time) : first;
        m_batch.push_back(makeEvent(AccountClosed, closedId,
                                    JsonObject().str("reason", kCloseReasons[m_rng.below(kCloseReasons.size())]).take(),
                                    first, cause, user, time));
        flush(accountStream(index), a.version);
        a.version += needed;
        a.balanceCents = 0;
        a.closed = true;
        // Remove from the open list (swap with the last).
        const qint32 slot = a.openSlot;
        const qint32 moved = m_open.back();
        m_open[static_cast<size_t>(slot)] = moved;
        m_accounts[static_cast<size_t>(moved)].openSlot = slot;
        m_open.pop_back();
        a.openSlot = -1;
        return true;
    }

    void placeOrder()
    {
        const qint32 index = randomOpenAccount();
        Account &a = m_accounts[static_cast<size_t>(index)];
        Order o;
        o.number = ++m_ordersPlaced;
        o.account = index;
        const Uuid id = Uuid::v7(m_rng, m_time);
        o.correlationId = id;
        o.lastEventId = id;
        m_batch.push_back(makeEvent(OrderPlaced, id,
                                    JsonObject()
                                        .str("customer", accountStream(index).toLatin1())
                                        .str("currency", kCurrencies[a.currency])
                                        .take(),
                                    id, id, userOf(index), m_time));
        flush(orderStream(o.number), o.version);
        o.version += 1;
        a.openOrders += 1;
        m_orders.push_back(o);
    }

    // Advances a random open order: add an item, pay, ship or cancel.
    bool orderStep()
    {
        if (m_orders.empty())
            return false;
        const size_t slot = static_cast<size_t>(m_rng.below(m_orders.size()));
        Order &o = m_orders[slot];
        const quint64 r = m_rng.below(100);
        if (o.state == Order::State::Placed) {
            if (o.items == 0 || (o.items < 8 && r < 55))
                return addItem(o);
            if (r < 93)
                return pay(o, slot);
            return cancel(o, slot, "customer request");
        }
        if (r < 88)
            return ship(o, slot);
        return cancel(o, slot, "customer request");
    }

    bool addItem(Order &o)
    {
        const CatalogItem &item = kCatalog[m_rng.below(kCatalog.size())];
        const qint64 qty = m_rng.percent(80) ? 1 : m_rng.range(2, 4);
        const Uuid id = Uuid::v7(m_rng, m_time);
        m_batch.push_back(makeEvent(ItemAdded, id,
                                    JsonObject().str("sku", item.sku).str("name", item.name).num("qty", qty).money("price", item.priceCents).take(),
                                    o.correlationId, o.lastEventId, userOf(o.account), m_time));
        flush(orderStream(o.number), o.version);
        o.version += 1;
        o.items += 1;
        o.totalCents += qty * item.priceCents;
        o.lastEventId = id;
        return true;
    }

    bool pay(Order &o, size_t slot)
    {
        Account &a = m_accounts[static_cast<size_t>(o.account)];
        if (a.balanceCents < o.totalCents) {
            // Mostly the customer tops the account up (the order is paid later); else the payment fails.
            if (m_rng.percent(65)) {
                const qint64 missing = o.totalCents - a.balanceCents;
                deposit(o.account, (missing + 999) / 1000 * 1000 + m_rng.range(0, 20) * 1000, "transfer");
                return true;
            }
            return cancel(o, slot, "insufficient funds");
        }
        if (remaining() < 2)
            return false;
        const Uuid paidId = Uuid::v7(m_rng, m_time);
        const QByteArray account = accountStream(o.account).toLatin1();
        m_batch.push_back(makeEvent(OrderPaid, paidId,
                                    JsonObject().money("amount", o.totalCents).str("currency", kCurrencies[a.currency]).str("account", account).take(),
                                    o.correlationId, o.lastEventId, userOf(o.account), m_time));
        flush(orderStream(o.number), o.version);
        o.version += 1;
        o.lastEventId = paidId;
        o.state = Order::State::Paid;

        const qint64 withdrawnTime = followUpTime();
        const Uuid withdrawnId = Uuid::v7(m_rng, withdrawnTime);
        m_batch.push_back(makeEvent(Withdrawn, withdrawnId,
                                    JsonObject()
                                        .money("amount", o.totalCents)
                                        .str("currency", kCurrencies[a.currency])
                                        .str("reason", "order payment")
                                        .str("order", orderStream(o.number).toLatin1())
                                        .take(),
                                    o.correlationId, paidId, "system:payments", withdrawnTime));
        flush(QString::fromLatin1(account), a.version);
        a.version += 1;
        a.balanceCents -= o.totalCents;
        return true;
    }

    bool ship(Order &o, size_t slot)
    {
        const Uuid id = Uuid::v7(m_rng, m_time);
        const char *carrier = kCarriers[m_rng.below(kCarriers.size())];
        QByteArray tracking = carrier;
        tracking += QByteArray::number(static_cast<qint64>(1000000000 + m_rng.below(9000000000ULL)));
        m_batch.push_back(makeEvent(OrderShipped, id, JsonObject().str("carrier", carrier).str("trackingNumber", tracking).take(),
                                    o.correlationId, o.lastEventId, "staff-" + QByteArray::number(static_cast<qint64>(m_rng.range(1, 12))),
                                    m_time));
        flush(orderStream(o.number), o.version);
        finish(slot);
        return true;
    }

    bool cancel(Order &o, size_t slot, const char *reason)
    {
        const bool refund = o.state == Order::State::Paid;
        if (refund && remaining() < 2)
            return false;
        Account &a = m_accounts[static_cast<size_t>(o.account)];
        const Uuid id = Uuid::v7(m_rng, m_time);
        JsonObject data;
        data.str("reason", reason);
        if (refund)
            data.money("refund", o.totalCents);
        m_batch.push_back(makeEvent(OrderCancelled, id, data.take(), o.correlationId, o.lastEventId, userOf(o.account), m_time));
        flush(orderStream(o.number), o.version);
        if (refund) {
            const qint64 depositTime = followUpTime();
            const Uuid depositId = Uuid::v7(m_rng, depositTime);
            m_batch.push_back(makeEvent(Deposited, depositId,
                                        JsonObject()
                                            .money("amount", o.totalCents)
                                            .str("currency", kCurrencies[a.currency])
                                            .str("source", "refund")
                                            .str("order", orderStream(o.number).toLatin1())
                                            .take(),
                                        o.correlationId, id, "system:payments", depositTime));
            flush(accountStream(o.account), a.version);
            a.version += 1;
            a.balanceCents += o.totalCents;
        }
        finish(slot);
        return true;
    }

    void finish(size_t slot)
    {
        m_accounts[static_cast<size_t>(m_orders[slot].account)].openOrders -= 1;
        if (slot + 1 != m_orders.size())
            m_orders[slot] = m_orders.back();
        m_orders.pop_back();
    }

    const DemoGenerator::Sink &m_sink;
    const ProgressFn &m_progress;
    Rng m_rng;
    qint64 m_total;
    qint64 m_emitted = 0;
    qint64 m_nextProgress = 0;
    qint64 m_progressEvery = 1;
    std::vector<Account> m_accounts;
    std::vector<qint32> m_open;     // indices of open accounts
    std::vector<Order> m_orders;    // open orders (placed or paid)
    qint64 m_opened = 0;
    qint64 m_ordersPlaced = 0;
    qint64 m_time;
    std::array<double, 168> m_activity{};
    double m_meanActivity = 1;
    double m_meanGapMs = 1;
    std::array<QString, TypeCount> m_types;
    std::vector<NewEvent> m_batch;
};

} // namespace

qint64 DemoOptions::effectiveAccounts() const
{
    if (accounts > 0)
        return accounts;
    return std::max<qint64>(1, events / 50);
}

DemoGenerator::DemoGenerator(const DemoOptions &options)
    : m_options(options)
{
    if (m_options.events < 1)
        m_options.events = 1;
    if (m_options.batchSize < 1)
        m_options.batchSize = 1;
    if (m_options.spanMs < 1)
        m_options.spanMs = 1;
}

DemoResult DemoGenerator::generate(const Sink &sink, const ProgressFn &progress) const
{
    Simulation sim(m_options, sink, progress);
    return sim.run();
}

DemoResult DemoGenerator::generate(EventStore &store, const ProgressFn &progress) const
{
    std::optional<EventStore::Batch> batch;
    batch.emplace(store.beginBatch());
    qint64 inBatch = 0;
    qint64 committed = 0;
    const Sink sink = [&](const QString &stream, qint64 expectedVersion, const std::vector<NewEvent> &events) {
        batch->append(stream, ExpectedVersion::exact(expectedVersion), events);
        inBatch += static_cast<qint64>(events.size());
        if (inBatch >= m_options.batchSize) {
            batch->commit();
            committed += inBatch;
            inBatch = 0;
            batch.reset();
            batch.emplace(store.beginBatch());
        }
    };
    DemoResult result = generate(sink, progress);
    if (result.cancelled) {
        batch->rollback();
        result.events = committed;
    } else {
        batch->commit();
    }
    return result;
}

DemoResult DemoGenerator::createStore(const QString &path, const DemoOptions &options, const ProgressFn &progress)
{
    const QFileInfo target(path);
    if (target.exists())
        throw StoreError(QStringLiteral("cannot create the demo store %1: the file already exists").arg(path));
    if (!QDir().mkpath(target.absolutePath()))
        throw StoreError(QStringLiteral("cannot create the folder %1").arg(target.absolutePath()));
    const QString partial = target.absoluteFilePath() + QStringLiteral(".partial");
    EventStore::removeFiles(partial);
    DemoResult result;
    try {
        auto store = EventStore::open(partial, EventStore::OpenMode::ReadWrite);
        result = DemoGenerator(options).generate(*store, progress);
    } catch (...) {
        EventStore::removeFiles(partial);
        throw;
    }
    if (result.cancelled) {
        EventStore::removeFiles(partial);
        result.events = 0;
        return result;
    }
    // The store is closed: move it (and any WAL left behind) into place.
    for (const QString &suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFileInfo::exists(partial + suffix) && !QFile::rename(partial + suffix, target.absoluteFilePath() + suffix)) {
            EventStore::removeFiles(partial);
            throw StoreError(QStringLiteral("cannot move the demo store into place at %1").arg(path));
        }
    }
    if (!QFile::rename(partial, target.absoluteFilePath())) {
        EventStore::removeFiles(partial);
        throw StoreError(QStringLiteral("cannot move the demo store into place at %1 (does it exist now?)").arg(path));
    }
    return result;
}

} // namespace eventlens
