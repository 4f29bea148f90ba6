// Event counts by type over the whole log.
fromAll()
    .when({
        $init: function () {
            return { total: 0 };
        },
        $any: function (state, event) {
            state.total += 1;
            state[event.eventType] = (state[event.eventType] || 0) + 1;
        }
    });
