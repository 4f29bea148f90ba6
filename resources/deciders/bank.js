// The bank account domain: a decider for the streams account-<n>.
//
// A decider (DESIGN.md §4) rebuilds an aggregate's state with initialState() and evolve(), and
// decides a command against that state with decide(): it returns the new events, or throws an
// Error whose message is the domain error. The event names are those of the demo store, so
// commands work on demo data.
//
// Money is a number with at most two decimals; it is added up in cents so that no float drift
// creeps into a balance.

// The commands this domain takes, each with the data a new command starts from.
var commands = {
    OpenAccount: { owner: "Ada Lovelace", currency: "EUR", accountType: "checking" },
    Deposit: { amount: 100.00 },
    Withdraw: { amount: 40.00 },
    CloseAccount: { reason: "customer request" }
};

// Schema evolution: AccountOpened version 1 had no currency; version 2 has one. An event without
// metadata.schemaVersion is version 1. upcasters[type][i] turns version i + 1 into i + 2.
var upcasters = {
    AccountOpened: [
        function (data) {
            if (data.currency === undefined)
                data.currency = "EUR";
            return data;
        }
    ]
};

function initialState() {
    return { status: "new", owner: null, currency: null, balanceCents: 0, balance: 0 };
}

function cents(amount) {
    return Math.round(amount * 100);
}

function withBalance(state, balanceCents) {
    state.balanceCents = balanceCents;
    state.balance = balanceCents / 100;
    return state;
}

function evolve(state, event) {
    var data = event.data;
    switch (event.type) {
    case "AccountOpened":
        state.status = "open";
        state.owner = data.owner;
        state.currency = data.currency;
        return state;
    case "Deposited":
        return withBalance(state, state.balanceCents + cents(data.amount));
    case "Withdrawn":
        return withBalance(state, state.balanceCents - cents(data.amount));
    case "AccountClosed":
        state.status = "closed";
        return state;
    }
    return state;
}

function positiveAmount(command) {
    var amount = command.data.amount;
    if (typeof amount !== "number" || !isFinite(amount))
        throw new Error("amount must be a number");
    if (amount <= 0)
        throw new Error("amount must be positive (was " + amount + ")");
    if (cents(amount) / 100 !== amount)
        throw new Error("amount has more than two decimals (was " + amount + ")");
    return amount;
}

function requireOpen(state) {
    if (state.status === "new")
        throw new Error("account is not open");
    if (state.status === "closed")
        throw new Error("account is closed");
}

function decide(command, state) {
    var data = command.data;
    switch (command.type) {
    case "OpenAccount":
        if (state.status !== "new")
            throw new Error("account already exists");
        if (typeof data.owner !== "string" || data.owner.trim() === "")
            throw new Error("owner is required");
        return [{ type: "AccountOpened", data: {
            owner: data.owner.trim(),
            currency: data.currency || "EUR",
            accountType: data.accountType || "checking"
        } }];
    case "Deposit": {
        var deposit = positiveAmount(command);
        requireOpen(state);
        return [{ type: "Deposited", data: { amount: deposit, currency: state.currency, source: data.source || "command" } }];
    }
    case "Withdraw": {
        var withdrawal = positiveAmount(command);
        requireOpen(state);
        if (cents(withdrawal) > state.balanceCents)
            throw new Error("insufficient funds: balance " + state.balance.toFixed(2) + ", requested " + withdrawal.toFixed(2));
        return [{ type: "Withdrawn", data: { amount: withdrawal, currency: state.currency, reason: data.reason || "command" } }];
    }
    case "CloseAccount":
        requireOpen(state);
        if (state.balanceCents !== 0)
            throw new Error("balance must be zero to close the account (is " + state.balance.toFixed(2) + ")");
        return [{ type: "AccountClosed", data: { reason: data.reason || "customer request" } }];
    }
    throw new Error("unknown command " + command.type);
}
