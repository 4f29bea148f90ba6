# Tests of the inspector window and its widgets (GUI tests, offscreen).
eventlens_add_test(tst_inspector SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_inspector.cpp LIBS eventlens_views)
eventlens_add_test(tst_filterbar SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_filterbar.cpp LIBS eventlens_views)
eventlens_add_test(tst_statepane SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_statepane.cpp LIBS eventlens_views)
eventlens_add_test(tst_importreviewdialog SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_importreviewdialog.cpp LIBS eventlens_views)
