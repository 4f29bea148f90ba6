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
class QTabWidget;
class QToolButton;

namespace eventlens {

class JsonTreeView;

// The selected event: its fields (read-only, selectable, scrollable when long), its correlation
// and causation ids as links, then data and metadata, each as a collapsible JSON tree (search,
// expand all) and as pretty-printed text; Copy JSON and Copy Id. Reads everything through
// EventListModel's roles, so it works on any model (or proxy) that provides them.
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
    JsonTreeView *dataTree() const { return m_dataTree; }
    JsonTreeView *metadataTree() const { return m_metadataTree; }
    QLabel *linksLabel() const { return m_links; }
    // The event as one canonical JSON line (what Copy JSON copies), empty when none is shown.
    QString eventJson() const { return m_eventJson; }
    QString eventId() const;

public Q_SLOTS:
    void copyJson();
    void copyId();

Q_SIGNALS:
    // A link was activated: kind is "causation" (the event with that id) or "correlation" (every
    // event whose metadata has that correlation id).
    void relatedEventsRequested(const QString &kind, const QString &id);

private:
    QWidget *payloadView(const QString &name, JsonTreeView **tree, QPlainTextEdit **text, QTabWidget **tabs);
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
    JsonTreeView *m_dataTree = nullptr;
    JsonTreeView *m_metadataTree = nullptr;
    QTabWidget *m_dataTabs = nullptr;
    QTabWidget *m_metadataTabs = nullptr;
    QLabel *m_links = nullptr;
    QString m_eventJson;
    QSplitter *m_splitter = nullptr;
};

} // namespace eventlens
