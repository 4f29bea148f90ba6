# Tests of this area (issue 3).
# The event log model (EventListModel: asynchronous count, anchors, bounded page cache) and the
# store's reads it relies on (EventStore::forEachPosition, readPositions).
eventlens_add_test(tst_eventlistmodel SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventlistmodel.cpp LIBS eventlens_model)
eventlens_add_test(tst_eventstore_reads SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventstore_reads.cpp LIBS eventlens_model)
