# The query console and the specification tools (issue 5, GUI, offscreen): the read-model query
# dock on a real ReadModelHost, and the given/when/then specification dialog (export from a
# store's history, save, run).
eventlens_add_test(tst_queryconsole SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_queryconsole.cpp LIBS eventlens_views)
eventlens_add_test(tst_specificationdialog SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_specificationdialog.cpp LIBS eventlens_views)
