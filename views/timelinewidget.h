#pragma once

#include "timelinehistogram.h"

#include <QPointer>
#include <QString>
#include <QWidget>

#include <optional>

class QAreaSeries;
class QCategoryAxis;
class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QSlider;
class QStackedWidget;
class QValueAxis;

namespace eventlens {

// The timeline of the log (DESIGN.md §6): the event rate over time as a step area chart (events
// per bucket of a TimelineBuckets), a vertical marker at the selected event's time, and a
// scrubber under it.
//
// The X axis shows UTC times, like the log, at natural ticks (whole minutes, hours, midnights,
// Mondays, months...) with a format that suits the span (QDateTimeAxis of Qt 6.4 formats in
// local time, so the labels are placed on a QCategoryAxis). The Y axis counts events per bucket
// ("events / 6 h"). The chart follows the widget's palette (light or dark) whenever it changes.
//
// The scrubber is a focusable slider with one step per bucket (arrows step one bucket, Page
// Up/Down a twentieth, Home/End the ends); clicking or dragging on the chart moves it too.
// Moving it by the user emits positionRequested() with the first event of that bucket; an empty
// bucket is skipped in the direction of the move, so every step lands on events.
// setCurrentTime() moves the marker and the slider without emitting anything.
//
// Until a histogram is shown, a placeholder says why: computing, no events, or an error.
class TimelineWidget final : public QWidget
{
    Q_OBJECT

public:
    enum class State { Idle, Computing, Ready, NoEvents, Error };

    explicit TimelineWidget(QWidget *parent = nullptr);
    ~TimelineWidget() override;

    // Shows these buckets (NoEvents when empty).
    void setHistogram(const TimelineBuckets &buckets);
    // Shows the "computing…" placeholder (the chart comes back with the next setHistogram()).
    void setComputing();
    void setError(const QString &message);
    // Back to the idle placeholder, no histogram.
    void clear();
    // Follows a TimelineHistogram: computing while it runs, its buckets when it finishes, its
    // error when it fails (a superseded run is ignored). Null: follow none.
    void setSource(TimelineHistogram *histogram);

    // The selected event's time (UTC ms): moves the marker, and the slider to its bucket; emits
    // nothing. Kept across setHistogram().
    void setCurrentTime(qint64 timeMs);
    void clearCurrentTime();
    std::optional<qint64> currentTime() const { return m_currentTime; }

    State state() const { return m_state; }
    const TimelineBuckets &buckets() const { return m_buckets; }
    // The placeholder's text (empty while the chart is shown).
    QString placeholderText() const;
    // The bucket the slider is on (-1 when no histogram is shown).
    int currentBucket() const;

    QChartView *chartView() const { return m_view; }
    QChart *chart() const { return m_chart; }
    QSlider *slider() const { return m_slider; }
    // The upper line of the area: two points per bucket (its start and end at its count).
    QLineSeries *countSeries() const { return m_upper; }
    QAreaSeries *areaSeries() const { return m_area; }
    // Two points at the marker's time (none when there is no marker to show).
    QLineSeries *markerSeries() const { return m_marker; }
    QCategoryAxis *timeAxis() const { return m_axisX; }
    QValueAxis *countAxis() const { return m_axisY; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    // The user moved the scrubber to the bucket whose first event is at this position.
    void positionRequested(qint64 position);

protected:
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void showPlaceholder(State state, const QString &text);
    void onSliderValueChanged(int value);
    void moveSliderTo(int bucket);
    void rebuildSeries();
    void updateTimeAxis();
    void updateMarker();
    void updateSliderToolTip();
    void applyPalette();

    State m_state = State::Idle;
    TimelineBuckets m_buckets;
    std::optional<qint64> m_currentTime;
    std::optional<qint64> m_markerTime;
    int m_sliderValue = -1;      // the bucket the slider was last put on
    bool m_syncingSlider = false; // the slider is being moved by code, not by the user
    int m_lastAxisWidth = -1;     // the plot width the time axis ticks were chosen for
    QPointer<TimelineHistogram> m_source;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_placeholder = nullptr;
    QChartView *m_view = nullptr;
    QChart *m_chart = nullptr;
    QLineSeries *m_upper = nullptr;
    QAreaSeries *m_area = nullptr;
    QLineSeries *m_marker = nullptr;
    QCategoryAxis *m_axisX = nullptr;
    QValueAxis *m_axisY = nullptr;
    QSlider *m_slider = nullptr;
};

} // namespace eventlens
