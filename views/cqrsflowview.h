#pragma once

#include "commandsession.h"

#include <QColor>
#include <QMap>
#include <QRectF>
#include <QStringList>
#include <QWidget>

#include <array>
#include <optional>

namespace eventlens {

// The CQRS loop as a diagram (issue 5): Commands → Command Handler → Aggregate → Event Store →
// Event Bus → Projectors → Read Models ← Queries, painted with QPainter. Each box shows its live
// counters under its title; the path of the last command is highlighted in the colour of its
// outcome (appended: green, every box up to the read models; rejected: red, up to the
// aggregate; conflict: amber, up to the event store; failed: red, up to where it failed), and a
// caption above says what happened.
//
// The layout follows the widget: one row when it is wide, else two (the write side above, the
// read side below, running back from the event bus). Fonts scale with the boxes; colours come
// from the palette (light and dark), the outcome colours are adjusted to it.
//
// The write side's counters come from a CommandSession (setCounters); the read side's are set
// by whoever runs the read models: setReadModelStatus() and setQueryCount(). Until then those
// boxes show "—".
class CqrsFlowView final : public QWidget
{
    Q_OBJECT

public:
    enum class Stage { Commands, CommandHandler, Aggregate, EventStore, EventBus, Projectors, ReadModels, Queries };
    static constexpr int StageCount = 8;
    static QString stageName(Stage stage);

    explicit CqrsFlowView(QWidget *parent = nullptr);
    ~CqrsFlowView() override;

    const CommandCounters &counters() const { return m_counters; }

    // The read side: a read model's checkpoint (the last position it applied) and lag (events
    // of the log it has not applied yet).
    void setReadModelStatus(const QString &name, qint64 checkpoint, qint64 lag);
    void clearReadModels();
    void setQueryCount(qint64 queries);

    // The names of the highlighted stages (stageName()), in flow order; empty when no command
    // was sent yet.
    QStringList highlightedStages() const;
    // How the last command ended (nullopt: none yet).
    std::optional<CommandOutcome::Kind> highlightKind() const;
    // The colour of an outcome (appended green, conflict amber, rejected and failed red), made
    // for a light or a dark palette; the command console uses the same.
    static QColor outcomeColor(CommandOutcome::Kind kind, const QPalette &palette);
    static bool isDark(const QPalette &palette);
    // The lines drawn under a box's title.
    QStringList counterLines(Stage stage) const;
    // The caption above the diagram.
    QString captionText() const;
    // Where a box is drawn (widget coordinates), and whether the diagram is in one row.
    QRectF stageRect(Stage stage) const;
    bool isSingleRow() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public Q_SLOTS:
    void setCounters(const eventlens::CommandCounters &counters);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Layout
    {
        bool singleRow = true;
        bool wrapTitles = false; // "Command / Handler" on two lines
        std::array<QRectF, StageCount> boxes;
        QRectF caption;
        qreal titlePixelSize = 11;
        qreal textPixelSize = 10;
    };
    struct ReadModelStatus
    {
        qint64 checkpoint = 0;
        qint64 lag = 0;
    };

    void updateLayout() const;
    Layout layoutFor(bool singleRow, bool wrapTitles) const;
    static QString titleText(Stage stage, bool wrap);
    bool isHighlighted(Stage stage) const;
    QString stageToolTip(Stage stage) const;

    CommandCounters m_counters;
    QMap<QString, ReadModelStatus> m_readModels;
    std::optional<qint64> m_queries;
    mutable Layout m_layout;
    mutable bool m_layoutValid = false;
    mutable QSize m_layoutSize; // the size m_layout was made for
};

} // namespace eventlens
