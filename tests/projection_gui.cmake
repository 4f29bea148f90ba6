# Tests of the projection debugger: the session (model) and the dock, editor and diff view (GUI, offscreen).
eventlens_add_test(tst_projectionsession SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projectionsession.cpp LIBS eventlens_model)
eventlens_add_test(tst_scripteditor SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_scripteditor.cpp LIBS eventlens_views)
eventlens_add_test(tst_projectiondock SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projectiondock.cpp LIBS eventlens_views)
