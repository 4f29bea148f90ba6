# eventlens-cli projection commands (project, diff-projection, bisect), end to end on the real binary,
# and the temporary store behind --input.
eventlens_add_test(tst_cli_projection SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_projection.cpp LIBS eventlens_importers eventlens_model)
target_compile_definitions(tst_cli_projection PRIVATE EVENTLENS_PROJECTIONS_DIR="${CMAKE_SOURCE_DIR}/resources/projections")
add_dependencies(tst_cli_projection eventlens-cli)
