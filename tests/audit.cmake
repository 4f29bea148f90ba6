# Audit snapshots and their verification (issue 6): the engine and the CLI commands.
eventlens_add_test(tst_auditsnapshot SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_auditsnapshot.cpp LIBS eventlens_model)
# eventlens-cli export and verify-snapshot, end to end on the real binary.
eventlens_add_test(tst_cli_audit SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_audit.cpp LIBS eventlens_model)
add_dependencies(tst_cli_audit eventlens-cli)
