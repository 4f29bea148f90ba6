# Tests of this area (issue 3).
eventlens_add_test(tst_jsontreemodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_jsontreemodel.cpp LIBS eventlens_model)
eventlens_add_test(tst_streamtreemodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_streamtreemodel.cpp LIBS eventlens_model)
eventlens_add_test(tst_jsontreeview SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_jsontreeview.cpp LIBS eventlens_views)
eventlens_add_test(tst_streamspane SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_streamspane.cpp LIBS eventlens_views)
