#pragma once

#include "eventquery.h"
#include "eventwriter.h"

#include <QDialog>
#include <QString>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QRadioButton;

namespace eventlens {

// Asks what to export with `export-events`'s writer: all events or the ones the log shows (the
// streams pane's selection and the filter bar's types, pattern and time range), the format
// (JSON Lines, CSV, CloudEvents) and the destination. The window runs the export itself, in the
// background with progress and cancel (MainWindow::exportEvents).
class EventExportDialog final : public QDialog
{
    Q_OBJECT

public:
    // filtered: the log's query; predicateActive: a JavaScript predicate filters the log too (it
    // is not applied to an export, and the dialog says so).
    EventExportDialog(const EventQuery &filtered, bool predicateActive, const QString &defaultFolder,
                      QWidget *parent = nullptr);

    // "category account, types Deposited, Withdrawn, since 2024-01-02T00:00:00.000Z"; "no filter".
    static QString describe(const EventQuery &query);

    EventQuery query() const;               // the choice (forward order, no limit)
    EventWriter::Format format() const;
    QString destination() const;

    QRadioButton *allButton() const { return m_all; }
    QRadioButton *filteredButton() const { return m_filtered; }
    QComboBox *formatBox() const { return m_format; }
    QLineEdit *destinationEdit() const { return m_destination; }
    QDialogButtonBox *buttons() const { return m_buttons; }

private:
    void browse();
    void formatChanged();
    void updateOk();

    EventQuery m_query;
    QRadioButton *m_all = nullptr;
    QRadioButton *m_filtered = nullptr;
    QComboBox *m_format = nullptr;
    QLineEdit *m_destination = nullptr;
    QLabel *m_note = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace eventlens
