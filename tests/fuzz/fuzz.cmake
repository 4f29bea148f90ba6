# Fuzz targets (tests/fuzz). Each is built twice from the same source:
# - tst_NAME, in every test build: replay.cpp's main() runs tests/data and tests/fuzz/regressions
#   through the target's checks once;
# - eventlens-NAME (with dashes), with clang and -DEVENTLENS_FUZZ=ON: a libFuzzer program.
#     cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#           -DEVENTLENS_SANITIZE=ON -DEVENTLENS_FUZZ=ON && cmake --build build-fuzz --target eventlens-fuzz-import
#     mkdir -p /tmp/corpus && build-fuzz/bin/eventlens-fuzz-import -max_total_time=600 /tmp/corpus tests/data
function(eventlens_add_fuzz_target name)
    eventlens_add_test(tst_${name} SOURCES ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.cpp
                       ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/replay.cpp LIBS eventlens_importers)
    target_compile_definitions(tst_${name} PRIVATE
        EVENTLENS_FUZZ_REGRESSIONS="${CMAKE_CURRENT_FUNCTION_LIST_DIR}/regressions")
    if(EVENTLENS_FUZZ)
        string(REPLACE "_" "-" program "eventlens-${name}")
        add_executable(${program} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.cpp)
        target_link_libraries(${program} PRIVATE eventlens_importers)
        target_link_options(${program} PRIVATE -fsanitize=fuzzer)
    endif()
endfunction()

# Format detection, every parser and the JSON scanner.
eventlens_add_fuzz_target(fuzz_import)
# Imports into real stores: all or nothing.
eventlens_add_fuzz_target(fuzz_store_import)
