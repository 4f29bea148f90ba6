// Read model "balance": one entry per bank account (streams account-*), keyed by the stream:
// { owner, currency, status ("open" / "closed"; null before AccountOpened), balance,
//   lastChangedAt }.
//
// Money without float drift: every change is computed in integer cents (amounts have at most two
// decimals) and the balance is stored as cents / 100, the number closest to the two-decimal
// value, from which Math.round(balance * 100) gets the exact cents back. However many events an
// account has, its balance is exact to the cent. (No transformBy: the engine would run it, with
// a copy of the state, after every event.)
fromCategory('account')
    .foreachStream()
    .when({
        $init: function () {
            return { owner: null, currency: null, status: null, balance: 0, lastChangedAt: null };
        },
        AccountOpened: function (state, event) {
            state.owner = valueOr(event.data.owner, null);
            state.currency = valueOr(event.data.currency, null);
            state.status = 'open';
            state.lastChangedAt = event.created;
        },
        Deposited: function (state, event) {
            state.balance = (cents(state.balance) + cents(event.data.amount)) / 100;
            state.lastChangedAt = event.created;
        },
        Withdrawn: function (state, event) {
            state.balance = (cents(state.balance) - cents(event.data.amount)) / 100;
            state.lastChangedAt = event.created;
        },
        AccountClosed: function (state, event) {
            state.status = 'closed';
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
