// Read model "orders": one entry per order (streams order-*), keyed by the stream:
// { customer, currency, status ("placed", "paid", "shipped", "cancelled"), items [{ sku, name,
//   qty, price }], total, lastChangedAt }.
//
// Money without float drift: prices and the total are computed in integer cents (prices have at
// most two decimals) and stored as cents / 100, from which Math.round(x * 100) gets the exact
// cents back, so the total is exact to the cent. (No transformBy: the engine would run it, with a
// copy of the state, after every event.)
fromCategory('order')
    .foreachStream()
    .when({
        $init: function () {
            return { customer: null, currency: null, status: null, items: [], total: 0, lastChangedAt: null };
        },
        OrderPlaced: function (state, event) {
            state.customer = valueOr(event.data.customer, null);
            state.currency = valueOr(event.data.currency, null);
            state.status = 'placed';
            state.lastChangedAt = event.created;
        },
        ItemAdded: function (state, event) {
            var qty = Number(valueOr(event.data.qty, 1));
            var price = cents(event.data.price);
            state.items.push({ sku: valueOr(event.data.sku, null), name: valueOr(event.data.name, null), qty: qty,
                               price: price / 100 });
            state.total = (cents(state.total) + qty * price) / 100;
            state.lastChangedAt = event.created;
        },
        OrderPaid: function (state, event) {
            state.status = 'paid';
            state.lastChangedAt = event.created;
        },
        OrderShipped: function (state, event) {
            state.status = 'shipped';
            state.lastChangedAt = event.created;
        },
        OrderCancelled: function (state, event) {
            state.status = 'cancelled';
            state.lastChangedAt = event.created;
        }
    });

// An amount (a number or a numeric string with at most two decimals) in integer cents.
function cents(amount) {
    var n = Number(amount);
    if (!isFinite(n))
        throw new Error('not an amount: ' + JSON.stringify(amount));
    return Math.round(n * 100);
}

function valueOr(value, fallback) {
    return value === undefined ? fallback : value;
}
