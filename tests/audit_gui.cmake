# The audit export GUI and report (issue 6, GUI part): the PDF report and the export files
# (read back with poppler-utils' pdftotext), and, offscreen, the export dialog, the verify
# actions and their result dialog on a store altered behind eventlens's back.
eventlens_add_test(tst_auditreport SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_auditreport.cpp LIBS eventlens_views)
eventlens_add_test(tst_auditexportdialog SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_auditexportdialog.cpp LIBS eventlens_views)
# File → Export Events…: the dialog and the window's background export, read back by the importer.
eventlens_add_test(tst_eventexportdialog SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tst_eventexportdialog.cpp LIBS eventlens_views)
