// The order domain: a decider for the streams order-<n>.
//
// An order is placed, gets items, is paid, then shipped; it can be cancelled until it ships.
// No items after payment, no shipping before payment, no cancelling after shipping. The event
// names are those of the demo store. Prices are numbers with at most two decimals, added up in
// cents.

var commands = {
    PlaceOrder: { customer: "account-1", currency: "EUR" },
    AddItem: { sku: "BK-1001", name: "Domain-Driven Design", qty: 1, price: 54.90 },
    Pay: { account: "account-1" },
    Ship: { carrier: "DHL", trackingNumber: "DHL1234567890" },
    Cancel: { reason: "customer request" }
};

function initialState() {
    return { status: "new", customer: null, currency: null, items: [], totalCents: 0, total: 0 };
}

function cents(amount) {
    return Math.round(amount * 100);
}

function evolve(state, event) {
    var data = event.data;
    switch (event.type) {
    case "OrderPlaced":
        state.status = "placed";
        state.customer = data.customer;
        state.currency = data.currency;
        return state;
    case "ItemAdded":
        state.items.push({ sku: data.sku, name: data.name, qty: data.qty, price: data.price });
        state.totalCents += data.qty * cents(data.price);
        state.total = state.totalCents / 100;
        return state;
    case "OrderPaid":
        state.status = "paid";
        return state;
    case "OrderShipped":
        state.status = "shipped";
        return state;
    case "OrderCancelled":
        state.status = "cancelled";
        return state;
    }
    return state;
}

function requirePlaced(state) {
    if (state.status === "new")
        throw new Error("order does not exist");
    if (state.status === "cancelled")
        throw new Error("order is cancelled");
}

function decide(command, state) {
    var data = command.data;
    switch (command.type) {
    case "PlaceOrder":
        if (state.status !== "new")
            throw new Error("order already exists");
        if (typeof data.customer !== "string" || data.customer === "")
            throw new Error("customer is required");
        return [{ type: "OrderPlaced", data: { customer: data.customer, currency: data.currency || "EUR" } }];
    case "AddItem":
        requirePlaced(state);
        if (state.status !== "placed")
            throw new Error("cannot add items after payment");
        if (typeof data.sku !== "string" || data.sku === "")
            throw new Error("sku is required");
        if (!Number.isInteger(data.qty) || data.qty <= 0)
            throw new Error("qty must be a positive whole number");
        if (typeof data.price !== "number" || !(data.price >= 0) || cents(data.price) / 100 !== data.price)
            throw new Error("price must be a number of at least 0 with at most two decimals");
        return [{ type: "ItemAdded", data: { sku: data.sku, name: data.name || data.sku, qty: data.qty, price: data.price } }];
    case "Pay":
        requirePlaced(state);
        if (state.status !== "placed")
            throw new Error("order is already " + state.status);
        if (state.items.length === 0)
            throw new Error("cannot pay an empty order");
        if (data.amount !== undefined && cents(data.amount) !== state.totalCents)
            throw new Error("amount " + data.amount + " does not match the order total " + state.total.toFixed(2));
        return [{ type: "OrderPaid", data: { amount: state.total, currency: state.currency, account: data.account || state.customer } }];
    case "Ship":
        requirePlaced(state);
        if (state.status === "shipped")
            throw new Error("order is already shipped");
        if (state.status !== "paid")
            throw new Error("cannot ship before payment");
        return [{ type: "OrderShipped", data: { carrier: data.carrier || "DHL", trackingNumber: data.trackingNumber || "" } }];
    case "Cancel": {
        requirePlaced(state);
        if (state.status === "shipped")
            throw new Error("cannot cancel after shipping");
        var cancelled = { reason: data.reason || "customer request" };
        if (state.status === "paid")
            cancelled.refund = state.total;
        return [{ type: "OrderCancelled", data: cancelled }];
    }
    }
    throw new Error("unknown command " + command.type);
}
