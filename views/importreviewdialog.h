#pragma once

#include "importreport.h"

#include <QDialog>

class QLabel;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace eventlens {

// Shown when an import found bad records: lists each of them with its file, line, record,
// field and reason, and lets the user choose between importing nothing (Abort, the default) and
// importing the good records only (Skip). accept() means skip, reject() means abort.
class ImportReviewDialog final : public QDialog
{
    Q_OBJECT

public:
    // report: a Review-mode import report (ImportReport::skipped lists the bad records).
    explicit ImportReviewDialog(const ImportReport &report, QWidget *parent = nullptr);

    // One row per bad record: File, Line, Record, Field, Reason.
    QStandardItemModel *issues() const { return m_issues; }
    QTableView *table() const { return m_table; }
    QPushButton *skipButton() const { return m_skip; }
    QPushButton *abortButton() const { return m_abort; }
    // The list as text, one issue per line (what Copy puts on the clipboard).
    QString issuesText() const;

private:
    std::vector<ImportIssue> m_list;
    QStandardItemModel *m_issues = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_skip = nullptr;
    QPushButton *m_abort = nullptr;
};

} // namespace eventlens
