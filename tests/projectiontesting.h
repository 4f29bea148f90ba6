#pragma once

// The small bank store and the balance projection the projection GUI and session tests share.

#include "eventstore.h"

#include <QString>

#include <initializer_list>

namespace eventlens::testing {

// Appends one event per {stream, type, data} to the store at path (created when missing).
struct TestEvent
{
    const char *stream;
    const char *type;
    const char *data;
};
inline void appendEvents(const QString &path, std::initializer_list<TestEvent> events)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    for (const TestEvent &t : events) {
        NewEvent e;
        e.type = QLatin1String(t.type);
        e.data = t.data;
        store->append(QLatin1String(t.stream), ExpectedVersion::any(), {e});
    }
}

// Two accounts and an order:
//   1 account-1 AccountOpened {owner ada}      5 account-1 Withdrawn {amount 30}
//   2 account-2 AccountOpened {owner bob}      6 account-2 Withdrawn {amount 80}  (bob: -30)
//   3 account-1 Deposited {amount 100}         7 account-1 Deposited {amount 10}
//   4 account-2 Deposited {amount 50}          8 order-1   OrderPlaced {total 5}
inline void createBankStore(const QString &path)
{
    appendEvents(path, {{"account-1", "AccountOpened", R"({"owner":"ada"})"},
                        {"account-2", "AccountOpened", R"({"owner":"bob"})"},
                        {"account-1", "Deposited", R"({"amount":100})"},
                        {"account-2", "Deposited", R"({"amount":50})"},
                        {"account-1", "Withdrawn", R"({"amount":30})"},
                        {"account-2", "Withdrawn", R"({"amount":80})"},
                        {"account-1", "Deposited", R"({"amount":10})"},
                        {"order-1", "OrderPlaced", R"({"total":5})"}});
}

// The command tests' store, in the bundled bank domain's shape: account-1 (Ada, EUR, balance
// 100) and account-2 (Bob, EUR, balance 0).
inline void createCommandBankStore(const QString &path)
{
    appendEvents(path, {{"account-1", "AccountOpened", R"({"owner":"Ada","currency":"EUR"})"},
                        {"account-1", "Deposited", R"({"amount":100})"},
                        {"account-2", "AccountOpened", R"({"owner":"Bob","currency":"EUR"})"}});
}

inline const QString &balancesScript()
{
    static const QString script = QStringLiteral(
        "fromCategory('account')\n"
        "    .foreachStream()\n"
        "    .when({\n"
        "        $init: function () { return { balance: 0 }; },\n"
        "        AccountOpened: function (s, e) { s.owner = e.data.owner; },\n"
        "        Deposited: function (s, e) { s.balance += e.data.amount; },\n"
        "        Withdrawn: function (s, e) { s.balance -= e.data.amount; }\n"
        "    });\n");
    return script;
}

} // namespace eventlens::testing
