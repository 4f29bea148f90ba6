# eventlens-bench: a program that prints the store's figures (not a test, not run by ctest).
# Build it in Release for meaningful numbers:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target eventlens-bench
#   build-rel/bin/eventlens-bench [--events N] [--dir DIR-ON-A-REAL-DISK] [--json]     (--help for all options)
add_executable(eventlens-bench ${CMAKE_CURRENT_LIST_DIR}/bench_store.cpp)
target_link_libraries(eventlens-bench PRIVATE eventlens_importers eventlens_model)
target_compile_definitions(eventlens-bench PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-predicate: throughput of the JavaScript predicate filter (PredicateScan).
#   build-rel/bin/eventlens-bench-predicate [--events N] [--store PATH] [--json]     (--help for all options)
add_executable(eventlens-bench-predicate ${CMAKE_CURRENT_LIST_DIR}/bench_predicate.cpp)
target_link_libraries(eventlens-bench-predicate PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-predicate PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-state: an aggregate's state at any version (AggregateHistory, checkpoints, skips).
#   build-rel/bin/eventlens-bench-state [--events N] [--samples K] [--skip V] [--json]     (--help for all options)
add_executable(eventlens-bench-state ${CMAKE_CURRENT_LIST_DIR}/bench_state.cpp)
target_link_libraries(eventlens-bench-state PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-state PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-logmodel: the event log model (EventListModel) on a big demo store, 10M events
# by default (created on first run, minutes; reused with --store PATH). Not a test. In Release:
#   cmake --build build-rel --target eventlens-bench-logmodel && build-rel/bin/eventlens-bench-logmodel [--store PATH] [--events N]
add_executable(eventlens-bench-logmodel ${CMAKE_CURRENT_LIST_DIR}/bench_logmodel.cpp)
target_link_libraries(eventlens-bench-logmodel PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-logmodel PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-timeline: the timeline histogram (TimelineHistogram) on a demo store.
#   build-rel/bin/eventlens-bench-timeline [--events N] [--store PATH] [--repeat K] [--json]     (--help for all options)
add_executable(eventlens-bench-timeline ${CMAKE_CURRENT_LIST_DIR}/bench_timeline.cpp)
target_link_libraries(eventlens-bench-timeline PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-timeline PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-projection: a JavaScript projection replayed over a demo store (ProjectionReplay).
#   build-rel/bin/eventlens-bench-projection [--events N] [--store PATH] [--script FILE] [--samples K] [--json]
add_executable(eventlens-bench-projection ${CMAKE_CURRENT_LIST_DIR}/bench_projection.cpp)
target_link_libraries(eventlens-bench-projection PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-projection PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}"
                           EVENTLENS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# eventlens-bench-commands: where a command's time goes (decide, evolve, stream read, durable append)
# and commands/s at 1..16 clients.   build-rel/bin/eventlens-bench-commands [--quick]
add_executable(eventlens-bench-commands ${CMAKE_CURRENT_LIST_DIR}/bench_commands.cpp)
target_link_libraries(eventlens-bench-commands PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-commands PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-readmodel: read models (catch-up rate, point query p50/p99, filter, live latency).
#   build-rel/bin/eventlens-bench-readmodel [--events N] [--store PATH] [--queries K] [--dir DIR] [--json]
add_executable(eventlens-bench-readmodel ${CMAKE_CURRENT_LIST_DIR}/bench_readmodel.cpp)
target_link_libraries(eventlens-bench-readmodel PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-readmodel PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
# eventlens-bench-audit: audit snapshots (AuditSnapshot::build) and verify-snapshot on a demo store.
#   build-rel/bin/eventlens-bench-audit [--events N] [--store PATH] [--script FILE] [--json]
add_executable(eventlens-bench-audit ${CMAKE_CURRENT_LIST_DIR}/bench_audit.cpp)
target_link_libraries(eventlens-bench-audit PRIVATE eventlens_model)
target_compile_definitions(eventlens-bench-audit PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}"
                           EVENTLENS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
