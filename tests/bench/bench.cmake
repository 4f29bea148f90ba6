# eventlens-bench: a program that prints the store's figures (not a test, not run by ctest).
# Build it in Release for meaningful numbers:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target eventlens-bench
#   build-rel/bin/eventlens-bench [--events N] [--dir DIR-ON-A-REAL-DISK] [--json]     (--help for all options)
add_executable(eventlens-bench ${CMAKE_CURRENT_LIST_DIR}/bench_store.cpp)
target_link_libraries(eventlens-bench PRIVATE eventlens_importers eventlens_model)
target_compile_definitions(eventlens-bench PRIVATE EVENTLENS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
