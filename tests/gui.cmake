eventlens_add_test(tst_mainwindow SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_mainwindow.cpp LIBS eventlens_views)
eventlens_add_test(tst_jsonformat SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_jsonformat.cpp LIBS eventlens_views)
eventlens_add_test(tst_eventtableproxy SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventtableproxy.cpp LIBS eventlens_views)
