# Audit snapshots and their verification (issue 6): the engine and the CLI commands.
eventlens_add_test(tst_auditsnapshot SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_auditsnapshot.cpp LIBS eventlens_model)
