# A projection as the state pane's state function (issue 4).
eventlens_add_test(tst_projectionstatefunction SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_projectionstatefunction.cpp LIBS eventlens_model)
