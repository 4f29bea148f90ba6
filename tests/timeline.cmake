# Tests of this area: the timeline under the event log.
# TimelineHistogram (events per time bucket, computed in the background; EventStore::forEachTime)
# and TimelineWidget (the chart, the marker and the scrubber).
eventlens_add_test(tst_timelinehistogram SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_timelinehistogram.cpp LIBS eventlens_model)
eventlens_add_test(tst_timelinewidget SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_timelinewidget.cpp LIBS eventlens_views)
