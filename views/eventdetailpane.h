#pragma once

#include <QModelIndex>
#include <QString>
#include <QWidget>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSplitter;
class QStackedWidget;

namespace eventlens {

// The selected event: its fields (read-only, selectable, scrollable when long), then data and
// metadata pretty-printed. Reads everything
// through EventListModel's roles, so it works on any model (or proxy) that provides them.
class EventDetailPane final : public QWidget
{
    Q_OBJECT

public:
    // Payloads longer than this are shown cut, with a note (a text view of 100 MB is no help).
    static constexpr qsizetype MaxShownBytes = 2 * 1024 * 1024;

    explicit EventDetailPane(QWidget *parent = nullptr);

    // Shows the event of index's row (any column); an invalid index clears the pane.
    void showIndex(const QModelIndex &index);
    void clear();

    // The whole pane as plain text: the fields, "Data", the data, "Metadata", the metadata.
    QString text() const;
    QString dataText() const;
    QString metadataText() const;

    QSplitter *splitter() const { return m_splitter; }

private:
    QLineEdit *addField(const QString &label, const QString &objectName);

    QStackedWidget *m_stack = nullptr;
    QFormLayout *m_form = nullptr;
    QLineEdit *m_position = nullptr;
    QLineEdit *m_stream = nullptr;
    QLineEdit *m_version = nullptr;
    QLineEdit *m_type = nullptr;
    QLineEdit *m_id = nullptr;
    QLineEdit *m_time = nullptr;
    QLineEdit *m_hash = nullptr;
    QLabel *m_dataLabel = nullptr;
    QPlainTextEdit *m_data = nullptr;
    QPlainTextEdit *m_metadata = nullptr;
    QSplitter *m_splitter = nullptr;
};

} // namespace eventlens
