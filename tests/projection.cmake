# Tests of the projection engine (issue 4): the conformance suite and the replay over a store.
eventlens_add_test(tst_projection SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projection.cpp LIBS eventlens_model)
eventlens_add_test(tst_projectionreplay SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projectionreplay.cpp LIBS eventlens_model)
eventlens_add_test(tst_projectionrun SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projectionrun.cpp LIBS eventlens_model)
