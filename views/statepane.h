#pragma once

#include "event.h"

#include <QHash>
#include <QSet>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;

namespace eventlens {

class AggregateHistory;
class EventStore;
class JsonTreeView;
class StateFunction;

// The aggregate's state at the selected event: the stream's state after it as a JSON tree with
// the difference from the state before it highlighted (added, removed, changed), the same
// difference as a JSON Patch (RFC 6902), and skip/unskip of events: the state as if a skipped
// event had never happened. The stream's history (AggregateHistory, with checkpoints) is loaded
// off the GUI thread through a read-only connection of its own; a newer request drops an older
// one (generation token). The state function is pluggable (default: MergeStateFunction).
class StatePane final : public QWidget
{
    Q_OBJECT

public:
    explicit StatePane(QWidget *parent = nullptr);
    ~StatePane() override;

    void setStore(std::shared_ptr<const EventStore> store);
    void setStateFunction(std::shared_ptr<const StateFunction> function);
    // Shows the state at this event (loading its stream's history first when needed).
    void showEvent(const Event &event);
    void clear();

    // Skips (or restores) an event of the shown stream; the skips of each stream are kept while
    // the store stays open.
    void setSkipped(const QString &stream, qint64 version, bool skipped);
    bool isSkipped(const QString &stream, qint64 version) const;
    // Skipped positions over all streams (the log strikes them through).
    QSet<qint64> skippedPositions() const;

    bool isLoading() const { return m_loading; }
    const AggregateHistory *history() const { return m_history.get(); }
    JsonTreeView *stateView() const { return m_tree; }
    QPlainTextEdit *patchView() const { return m_patch; }
    QLabel *titleLabel() const { return m_title; }
    QPushButton *skipButton() const { return m_skipButton; }
    QListWidget *skippedList() const { return m_skippedList; }

public Q_SLOTS:
    // Skips the shown event, or restores it when it is skipped.
    void toggleSkip();
    // Restores every skipped event of the shown stream.
    void unskipAll();

Q_SIGNALS:
    void skippedChanged();
    // The history of the shown event's stream is ready (or failed: see the title) and shown.
    void stateShown();

private:
    void startLoad(const QString &stream);
    void render();
    void updateSkippedList();

    std::shared_ptr<const EventStore> m_store;
    std::shared_ptr<const StateFunction> m_function;
    std::shared_ptr<AggregateHistory> m_history;
    std::optional<Event> m_event;
    // stream -> version -> position of the skipped events
    QHash<QString, QHash<qint64, qint64>> m_skips;
    quint64 m_generation = 0;
    bool m_loading = false;
    QString m_loadingStream;

    QLabel *m_title = nullptr;
    QPushButton *m_skipButton = nullptr;
    QTabWidget *m_tabs = nullptr;
    JsonTreeView *m_tree = nullptr;
    QPlainTextEdit *m_patch = nullptr;
    QListWidget *m_skippedList = nullptr;
    QPushButton *m_unskipAll = nullptr;
};

} // namespace eventlens
