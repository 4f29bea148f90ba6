// Account balances: one partition per account stream, with the balance in cents so that
// sums stay exact. Balances never go negative in the demo store: make Withdrawn subtract the
// amount twice, then "Run to Breakpoint" with the condition  state.balance < 0.
fromCategory('account')
    .foreachStream()
    .when({
        $init: function () {
            return { owner: null, currency: null, balance: 0, deposits: 0, withdrawals: 0, open: false };
        },
        AccountOpened: function (state, event) {
            state.owner = event.data.owner;
            state.currency = event.data.currency;
            state.open = true;
        },
        Deposited: function (state, event) {
            state.balance += Math.round(event.data.amount * 100);
            state.deposits += 1;
        },
        Withdrawn: function (state, event) {
            state.balance -= Math.round(event.data.amount * 100);
            state.withdrawals += 1;
        },
        AccountClosed: function (state, event) {
            state.open = false;
        }
    });
