# Tests of this area (issue 3).
# The JavaScript predicate filter: EventPredicate (compile, evaluate, sandbox) and PredicateScan
# (the background scan of a store).
eventlens_add_test(tst_eventpredicate SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventpredicate.cpp LIBS eventlens_model)
eventlens_add_test(tst_predicatescan SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_predicatescan.cpp LIBS eventlens_model)
