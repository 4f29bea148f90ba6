# Tests of this area (issue 3).
eventlens_add_test(tst_jsonpatch SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_jsonpatch.cpp LIBS eventlens_model)
eventlens_add_test(tst_aggregatehistory SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_aggregatehistory.cpp LIBS eventlens_model)
