# Event export: EventWriter (importers/) round trips through the importers, and eventlens-cli
# export-events end to end on the real binary.
eventlens_add_test(tst_eventwriter SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventwriter.cpp LIBS eventlens_importers)
eventlens_add_test(tst_cli_export_events SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_export_events.cpp LIBS eventlens_model)
add_dependencies(tst_cli_export_events eventlens-cli)
