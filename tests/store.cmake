eventlens_add_test(tst_eventstore SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventstore.cpp LIBS eventlens_model)
eventlens_add_test(tst_modelutil SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_modelutil.cpp LIBS eventlens_model)
eventlens_add_test(tst_eventprefetcher SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventprefetcher.cpp LIBS eventlens_model)
