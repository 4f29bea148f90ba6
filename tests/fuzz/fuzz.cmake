# The fuzz target for what reads users' files (fuzz_import.cpp).
# tst_fuzz_import: its checks over the test data and the kept regressions, in every test build.
eventlens_add_test(tst_fuzz_import SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_import.cpp LIBS eventlens_importers)
target_compile_definitions(tst_fuzz_import PRIVATE EVENTLENS_FUZZ_REGRESSIONS="${CMAKE_CURRENT_LIST_DIR}/regressions")
# eventlens-fuzz-import: the libFuzzer program (clang, -DEVENTLENS_FUZZ=ON):
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DEVENTLENS_SANITIZE=ON -DEVENTLENS_FUZZ=ON && cmake --build build-fuzz --target eventlens-fuzz-import
#   mkdir -p /tmp/corpus && build-fuzz/bin/eventlens-fuzz-import -max_total_time=600 /tmp/corpus tests/data
if(EVENTLENS_FUZZ)
    add_executable(eventlens-fuzz-import ${CMAKE_CURRENT_LIST_DIR}/fuzz_import.cpp)
    target_link_libraries(eventlens-fuzz-import PRIVATE eventlens_importers)
    target_compile_definitions(eventlens-fuzz-import PRIVATE EVENTLENS_LIBFUZZER)
    target_link_options(eventlens-fuzz-import PRIVATE -fsanitize=fuzzer)
endif()
