# Tests of the importers library (importers/).
eventlens_add_test(tst_importers
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_importers.cpp
    LIBS eventlens_importers)
eventlens_add_test(tst_importers_store
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_importers_store.cpp
    LIBS eventlens_importers)
eventlens_add_test(tst_samples SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_samples.cpp LIBS eventlens_importers)
