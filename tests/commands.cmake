# Commands and read models (issue 5): deciders, the command handler, snapshots, the CLI commands.
eventlens_add_test(tst_decider SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_decider.cpp LIBS eventlens_model)
eventlens_add_test(tst_commandhandler SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_commandhandler.cpp LIBS eventlens_model)
# eventlens-cli command and bench commands, end to end on the real binary.
eventlens_add_test(tst_cli_commands SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_commands.cpp LIBS eventlens_model)
add_dependencies(tst_cli_commands eventlens-cli)
# eventlens-cli serve on loopback: the HTTP API end to end.
eventlens_add_test(tst_cli_serve SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_serve.cpp LIBS eventlens_model Qt6::Network)
add_dependencies(tst_cli_serve eventlens-cli)
eventlens_add_test(tst_specification SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_specification.cpp LIBS eventlens_model)
