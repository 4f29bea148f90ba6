// Orders per status: one state for the whole log, counting orders by their current status,
// with the result reshaped by transformBy.
fromCategory('order')
    .when({
        $init: function () {
            return { statusOf: {}, counts: { placed: 0, paid: 0, shipped: 0, cancelled: 0 } };
        },
        OrderPlaced: function (state, event) {
            state.statusOf[event.streamId] = 'placed';
            state.counts.placed += 1;
        },
        OrderPaid: function (state, event) {
            move(state, event.streamId, 'paid');
        },
        OrderShipped: function (state, event) {
            move(state, event.streamId, 'shipped');
        },
        OrderCancelled: function (state, event) {
            move(state, event.streamId, 'cancelled');
        }
    })
    .transformBy(function (state) {
        return state.counts;
    });

function move(state, order, status) {
    var previous = state.statusOf[order];
    if (previous)
        state.counts[previous] -= 1;
    state.statusOf[order] = status;
    state.counts[status] += 1;
}
