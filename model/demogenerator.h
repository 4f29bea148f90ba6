#pragma once

#include "event.h"
#include "eventstore.h"

#include <QString>
#include <QtGlobal>

#include <functional>
#include <vector>

namespace eventlens {

struct DemoOptions
{
    qint64 events = 20000;      // exact number of events to generate (>= 1)
    qint64 accounts = 0;        // bank accounts to open; 0: derived from events (events / 50, at least 1)
    quint64 seed = 42;          // same seed and options -> identical events, ids and times
    qint64 startTimeMs = 1704096000000; // 2024-01-01T08:00:00.000Z: time of the first event
    qint64 spanMs = 8LL * 7 * 24 * 3600 * 1000; // the events are spread over about this long (8 weeks)
    qint64 batchSize = 100000;  // events per store transaction

    // Number of accounts actually used (resolves accounts == 0).
    qint64 effectiveAccounts() const;
};

struct DemoResult
{
    qint64 events = 0;          // events generated (and committed, for a store)
    qint64 accounts = 0;        // account streams opened
    qint64 orders = 0;          // order streams placed
    qint64 streams() const { return accounts + orders; }
    bool cancelled = false;
};

// Generates a realistic, deterministic demo log of two domains:
//
// * bank accounts, streams `account-<n>`: AccountOpened {owner, currency, accountType},
//   Deposited {amount, currency, source}, Withdrawn {amount, currency, reason[, order]},
//   AccountClosed {reason}. Balances never go negative (amounts are decimal numbers with at
//   most two fraction digits); an account is closed only when it has no open orders, after a
//   Withdrawn of its whole balance, and gets no events after AccountClosed.
// * orders, streams `order-<n>`: OrderPlaced {customer, currency}, ItemAdded {sku, name, qty,
//   price}, OrderPaid {amount, currency, account}, OrderShipped {carrier, trackingNumber},
//   OrderCancelled {reason[, refund]}. No items after payment, no shipping before payment, no
//   cancellation after shipping. Paying an order withdraws the total from the customer's
//   account; cancelling a paid order refunds it with a Deposited.
//
// Metadata of every event: {correlationId, causationId, userId}. An event that starts a flow
// has correlationId = causationId = its own id; an event caused by another one carries that
// event's id as causationId and the flow's correlationId (e.g. the Withdrawn caused by an
// OrderPaid: causationId = the OrderPaid's id, correlationId = the OrderPlaced's id).
// Times increase strictly from startTimeMs and spread over about spanMs, with quiet nights and
// weekends. Ids are version 7 UUIDs carrying the event time, so they sort like the log.
//
// State is O(accounts + open orders); events are written in batches without reading the store.
class DemoGenerator
{
public:
    // One atomic append: events of one stream, whose version before the append is
    // expectedVersion (-1: the stream does not exist yet).
    using Sink = std::function<void(const QString &stream, qint64 expectedVersion, const std::vector<NewEvent> &events)>;

    explicit DemoGenerator(const DemoOptions &options = {});

    const DemoOptions &options() const { return m_options; }

    // Generates the whole log into sink, in order. progress(done, total) is called about every
    // 1% and at the end; returning false stops the generation (result.cancelled).
    DemoResult generate(const Sink &sink, const ProgressFn &progress = {}) const;

    // Appends the log to an open, writable store through EventStore::Batch, one transaction
    // per options().batchSize events. The store should be empty (stream names and ids would
    // collide otherwise: StoreError). On cancel the current batch is rolled back; batches
    // committed before stay (result.events says how many). Throws StoreError.
    DemoResult generate(EventStore &store, const ProgressFn &progress = {}) const;

    // Creates a new demo store at path: generates into a temporary file next to it and
    // renames it into place when complete, so path never holds a partial store. Fails
    // (StoreError) when path already exists. On cancel nothing is left behind.
    static DemoResult createStore(const QString &path, const DemoOptions &options = {},
                                  const ProgressFn &progress = {});

private:
    DemoOptions m_options;
};

} // namespace eventlens
