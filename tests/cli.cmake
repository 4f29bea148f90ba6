# eventlens-cli end-to-end tests (run the real binary) and the demo generator.
eventlens_add_test(tst_cli SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_cli.cpp LIBS eventlens_model)
add_dependencies(tst_cli eventlens-cli)
eventlens_add_test(tst_demogenerator SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_demogenerator.cpp LIBS eventlens_model)
