# The command console (issue 5, GUI): the session that runs commands off the GUI thread (model),
# and the console dock, the race and the CQRS flow view (offscreen GUI).
eventlens_add_test(tst_commandsession SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_commandsession.cpp LIBS eventlens_model)
eventlens_add_test(tst_commandconsole SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_commandconsole.cpp LIBS eventlens_views)
