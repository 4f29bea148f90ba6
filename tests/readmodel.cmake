# Read models (issue 5, the read side): the read database, projectors, the host, and the CLI's
# query / read-models commands end to end on the real binary.
eventlens_add_test(tst_readmodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_readmodel.cpp LIBS eventlens_model)
eventlens_add_test(tst_cli_query SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli_query.cpp LIBS eventlens_model)
add_dependencies(tst_cli_query eventlens-cli)
