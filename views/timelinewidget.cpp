#include "timelinewidget.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QEvent>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QMouseEvent>
#include <QSet>
#include <QSlider>
#include <QStackedWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <optional>

namespace eventlens {

namespace {

constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;
constexpr qint64 kWeek = 7 * kDay;

// A step between two labelled ticks of the time axis: a fixed length or whole calendar months.
struct TickStep
{
    qint64 ms = 0;
    int months = 0;

    qint64 approxMs() const { return months > 0 ? qint64(months) * 2629746000LL : ms; } // 30.44 days
};

constexpr TickStep kTickSteps[] = {
    {1, 0}, {2, 0}, {5, 0}, {10, 0}, {20, 0}, {50, 0}, {100, 0}, {200, 0}, {500, 0},
    {kSecond, 0}, {2 * kSecond, 0}, {5 * kSecond, 0}, {10 * kSecond, 0}, {15 * kSecond, 0}, {30 * kSecond, 0},
    {kMinute, 0}, {2 * kMinute, 0}, {5 * kMinute, 0}, {10 * kMinute, 0}, {15 * kMinute, 0}, {30 * kMinute, 0},
    {kHour, 0}, {2 * kHour, 0}, {3 * kHour, 0}, {6 * kHour, 0}, {12 * kHour, 0},
    {kDay, 0}, {2 * kDay, 0}, {kWeek, 0},
    {0, 1}, {0, 3}, {0, 6}, {0, 12}, {0, 24}, {0, 60}, {0, 120}, {0, 240}, {0, 600}, {0, 1200}, {0, 2400}, {0, 6000},
};

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

// Label format for ticks `step` apart on an axis spanning spanMs; labels never repeat.
QString tickFormat(const TickStep &step, qint64 spanMs)
{
    if (step.months >= 12)
        return QStringLiteral("yyyy");
    if (step.months > 0)
        return QStringLiteral("MMM yyyy");
    if (step.ms < kSecond)
        return QStringLiteral("hh:mm:ss.zzz");
    if (step.ms < kMinute)
        return QStringLiteral("hh:mm:ss");
    if (step.ms < kDay)
        return spanMs < kDay ? QStringLiteral("hh:mm") : QStringLiteral("d MMM hh:mm");
    return spanMs < 300 * kDay ? QStringLiteral("d MMM") : QStringLiteral("d MMM yyyy");
}

// Tick times in (startMs, endMs], at whole steps in UTC (midnights, Mondays, first days of
// months). None at the start: the first category of the axis has to end after it.
std::vector<qint64> ticks(const TickStep &step, qint64 startMs, qint64 endMs)
{
    std::vector<qint64> out;
    if (step.months == 0) {
        // Weeks start on Monday.
        for (qint64 t = TimelineHistogram::bucketStart(startMs, step.ms) + step.ms; t <= endMs; t += step.ms)
            out.push_back(t);
        return out;
    }
    const QDate first = utc(startMs).date();
    qint64 month = qint64(first.year()) * 12 + first.month() - 1;
    // Start of a month counted from January of year 0 (years before 1 are left out: QDate has
    // no year 0).
    const auto monthStart = [](qint64 index) -> std::optional<qint64> {
        const QDate date(int(index / 12), int(index % 12) + 1, 1);
        if (index < 12 || !date.isValid())
            return std::nullopt;
        return QDateTime(date, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    };
    if (monthStart(month).value_or(startMs) <= startMs)
        ++month;
    month = (month + step.months - 1) / step.months * step.months;
    for (; month < 12 * 10000; month += step.months) {
        const std::optional<qint64> t = monthStart(month);
        if (!t)
            continue;
        if (*t > endMs)
            break;
        out.push_back(*t);
    }
    return out;
}

// "events / 5 min", "events / h", "events / 2 days".
QString perBucketText(qint64 widthMs)
{
    struct Unit
    {
        qint64 ms;
        const char *one;
        const char *many;
    };
    static const Unit units[] = {{kWeek, "week", "weeks"}, {kDay, "day", "days"}, {kHour, "h", "h"},
                                 {kMinute, "min", "min"},  {kSecond, "s", "s"},   {1, "ms", "ms"}};
    for (const Unit &unit : units) {
        if (widthMs >= unit.ms && widthMs % unit.ms == 0) {
            const qint64 n = widthMs / unit.ms;
            return n == 1 ? TimelineWidget::tr("events / %1").arg(QLatin1String(unit.one))
                          : TimelineWidget::tr("events / %1 %2").arg(n).arg(QLatin1String(unit.many));
        }
    }
    return TimelineWidget::tr("events / %1 ms").arg(widthMs);
}

// The smallest 1, 2 or 5 times a power of ten that is at least v (at least 1).
qint64 niceCeil(qint64 v)
{
    qint64 power = 1;
    while (power * 10 < v)
        power *= 10;
    for (const qint64 m : {1, 2, 5, 10}) {
        if (m * power >= v)
            return m * power;
    }
    return 10 * power;
}

} // namespace

TimelineWidget::TimelineWidget(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack, 1);

    m_placeholder = new QLabel(m_stack);
    m_placeholder->setObjectName(QStringLiteral("timelinePlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setEnabled(false); // drawn in the palette's disabled (greyed) text colour
    m_stack->addWidget(m_placeholder);

    m_chart = new QChart;
    m_chart->legend()->hide();
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(2, 4, 8, 0));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->setAnimationOptions(QChart::NoAnimation);

    m_axisX = new QCategoryAxis(m_chart);
    m_axisX->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_axisY = new QValueAxis(m_chart);
    m_axisY->setLabelFormat(QStringLiteral("%.0f"));
    m_axisY->setMinorTickCount(0);
    QFont small = m_axisY->titleFont();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    small.setBold(false);
    m_axisY->setTitleFont(small);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);

    // The area series does not own its line; this widget does, and deletes it after the chart
    // (m_stack, created first, goes first).
    m_upper = new QLineSeries(this);
    m_area = new QAreaSeries(m_upper);
    m_area->setName(tr("Events"));
    m_chart->addSeries(m_area);
    m_area->attachAxis(m_axisX);
    m_area->attachAxis(m_axisY);

    m_marker = new QLineSeries;
    m_marker->setName(tr("Selected event"));
    m_chart->addSeries(m_marker);
    m_marker->attachAxis(m_axisX);
    m_marker->attachAxis(m_axisY);

    // The ticks depend on the room there is for their labels.
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &area) {
        if (m_state == State::Ready && area.width() > 0 && std::abs(int(area.width()) - m_lastAxisWidth) > 1)
            updateTimeAxis();
    });

    m_view = new QChartView(m_chart, m_stack); // owns the chart
    m_view->setObjectName(QStringLiteral("timelineChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setFocusPolicy(Qt::NoFocus);
    m_view->setMinimumHeight(60);
    m_view->viewport()->installEventFilter(this);
    m_view->viewport()->setCursor(Qt::PointingHandCursor);
    m_stack->addWidget(m_view);

    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("timelineScrubber"));
    m_slider->setFocusPolicy(Qt::StrongFocus);
    m_slider->setTracking(true);
    m_slider->setAccessibleName(tr("Timeline scrubber"));
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    layout->addWidget(m_slider);
    connect(m_slider, &QSlider::valueChanged, this, &TimelineWidget::onSliderValueChanged);

    applyPalette();
    clear();
}

TimelineWidget::~TimelineWidget() = default;

QSize TimelineWidget::sizeHint() const
{
    return {480, 160};
}

QSize TimelineWidget::minimumSizeHint() const
{
    return {160, 90};
}

QString TimelineWidget::placeholderText() const
{
    return m_stack->currentWidget() == m_placeholder ? m_placeholder->text() : QString();
}

int TimelineWidget::currentBucket() const
{
    return m_state == State::Ready ? m_slider->value() : -1;
}

void TimelineWidget::showPlaceholder(State state, const QString &text)
{
    m_state = state;
    m_placeholder->setText(text);
    m_stack->setCurrentWidget(m_placeholder);
    m_syncingSlider = true;
    m_slider->setRange(0, 0);
    m_syncingSlider = false;
    m_slider->setEnabled(false);
    m_slider->setToolTip({});
    m_sliderValue = -1;
}

void TimelineWidget::clear()
{
    m_buckets = {};
    m_upper->clear();
    m_marker->clear();
    showPlaceholder(State::Idle, tr("No timeline"));
}

void TimelineWidget::setComputing()
{
    showPlaceholder(State::Computing, tr("Computing the timeline…"));
}

void TimelineWidget::setError(const QString &message)
{
    showPlaceholder(State::Error, tr("The timeline could not be computed: %1").arg(message));
}

void TimelineWidget::setSource(TimelineHistogram *histogram)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = histogram;
    if (!histogram)
        return;
    connect(histogram, &TimelineHistogram::started, this, [this] { setComputing(); });
    connect(histogram, &TimelineHistogram::finished, this, [this](quint64 generation, const TimelineBuckets &buckets) {
        if (m_source && generation == m_source->generation())
            setHistogram(buckets);
    });
    connect(histogram, &TimelineHistogram::failed, this, [this](quint64 generation, const QString &message, bool cancelled) {
        if (!m_source || generation != m_source->generation())
            return; // superseded: a newer run is on its way
        if (cancelled)
            showPlaceholder(State::Idle, tr("Timeline cancelled"));
        else
            setError(message);
    });
    if (histogram->isRunning())
        setComputing();
    else if (histogram->generation() > 0)
        setHistogram(histogram->buckets());
}

void TimelineWidget::setHistogram(const TimelineBuckets &buckets)
{
    m_buckets = buckets;
    if (m_buckets.isEmpty() || m_buckets.size() == 0) {
        m_upper->clear();
        m_marker->clear();
        showPlaceholder(State::NoEvents, tr("No events"));
        return;
    }
    m_state = State::Ready;
    rebuildSeries();
    m_syncingSlider = true;
    m_slider->setRange(0, m_buckets.size() - 1);
    m_slider->setSingleStep(1);
    m_slider->setPageStep(std::max(1, m_buckets.size() / 20));
    const int bucket = m_currentTime ? m_buckets.bucketAt(*m_currentTime) : 0;
    m_slider->setValue(bucket);
    m_syncingSlider = false;
    m_sliderValue = bucket;
    m_slider->setEnabled(true);
    m_markerTime = m_currentTime;
    m_stack->setCurrentWidget(m_view);
    updateMarker();
    updateSliderToolTip();
}

void TimelineWidget::rebuildSeries()
{
    const qint64 width = m_buckets.bucketWidthMs;
    QList<QPointF> points;
    points.reserve(2 * m_buckets.size());
    for (int i = 0; i < m_buckets.size(); ++i) {
        const auto start = qreal(m_buckets.starts[size_t(i)]);
        const auto count = qreal(m_buckets.counts[size_t(i)]);
        points.append({start, count});
        points.append({start + qreal(width), count});
    }
    m_upper->replace(points);

    const qint64 top = niceCeil(std::max<qint64>(1, m_buckets.maxCount));
    m_axisY->setRange(0, qreal(top));
    m_axisY->setTickCount(top % 2 == 0 ? 3 : 2);
    m_axisY->setTitleText(perBucketText(width));
    m_lastAxisWidth = -1;
    updateTimeAxis();
}

void TimelineWidget::updateTimeAxis()
{
    if (m_buckets.isEmpty())
        return;
    const qint64 start = m_buckets.startMs();
    const qint64 end = m_buckets.endMs();
    const qint64 span = end - start;
    // The plot area once laid out, else an estimate (the count labels take about 70 pixels).
    const qreal laidOut = m_chart->plotArea().width();
    const int plotWidth = std::max(200, laidOut > 0 ? int(laidOut) : m_view->width() - 70);
    m_lastAxisWidth = plotWidth;

    // The finest step whose labels fit side by side.
    const QFontMetrics metrics(m_axisX->labelsFont());
    const TickStep *chosen = std::end(kTickSteps) - 1;
    for (const TickStep &step : kTickSteps) {
        const QString sample = utc(start).toString(tickFormat(step, span));
        const qint64 maxTicks = std::max(2, plotWidth / (metrics.horizontalAdvance(sample) + 24));
        if (span / step.approxMs() <= maxTicks) {
            chosen = &step;
            break;
        }
    }

    const QStringList old = m_axisX->categoriesLabels();
    for (const QString &label : old)
        m_axisX->remove(label);
    m_axisX->setStartValue(qreal(start));
    m_axisX->setRange(qreal(start), qreal(end));
    const QString format = tickFormat(*chosen, span);
    QSet<QString> used;
    const double pixelsPerMs = double(plotWidth) / double(std::max<qint64>(1, span));
    const int rightMargin = m_chart->margins().right();
    for (const qint64 t : ticks(*chosen, start, end)) {
        QString label = utc(t).toString(format);
        // Leave out a label that would stick out of the chart or into the count labels.
        const double half = metrics.horizontalAdvance(label) / 2.0 + 2;
        if (double(t - start) * pixelsPerMs < half || double(end - t) * pixelsPerMs + rightMargin < half)
            continue;
        while (used.contains(label)) // never expected; the axis needs unique labels
            label += QLatin1Char(' ');
        used.insert(label);
        m_axisX->append(label, qreal(t));
    }
}

void TimelineWidget::setCurrentTime(qint64 timeMs)
{
    m_currentTime = timeMs;
    m_markerTime = timeMs;
    if (m_state != State::Ready)
        return;
    moveSliderTo(m_buckets.bucketAt(timeMs));
    updateMarker();
}

void TimelineWidget::clearCurrentTime()
{
    m_currentTime.reset();
    m_markerTime.reset();
    updateMarker();
}

void TimelineWidget::moveSliderTo(int bucket)
{
    m_syncingSlider = true;
    m_slider->setValue(bucket);
    m_syncingSlider = false;
    m_sliderValue = m_slider->value();
    updateSliderToolTip();
}

void TimelineWidget::onSliderValueChanged(int value)
{
    if (m_syncingSlider || m_state != State::Ready)
        return;
    const bool forward = value >= m_sliderValue;
    const int bucket = m_buckets.nonEmptyBucket(value, forward);
    if (bucket < 0)
        return;
    if (bucket != value)
        moveSliderTo(bucket);
    m_sliderValue = bucket;
    // Until the log answers with setCurrentTime(), the marker shows the bucket.
    m_markerTime = m_buckets.starts[size_t(bucket)] + m_buckets.bucketWidthMs / 2;
    updateMarker();
    updateSliderToolTip();
    Q_EMIT positionRequested(m_buckets.firstPositions[size_t(bucket)]);
}

void TimelineWidget::updateMarker()
{
    if (m_state != State::Ready || !m_markerTime || *m_markerTime < m_buckets.startMs() || *m_markerTime > m_buckets.endMs()) {
        m_marker->clear();
        return;
    }
    const auto x = qreal(*m_markerTime);
    m_marker->replace(QList<QPointF>{{x, 0}, {x, m_axisY->max()}});
}

void TimelineWidget::updateSliderToolTip()
{
    const int bucket = m_slider->value();
    if (m_state != State::Ready || bucket < 0 || bucket >= m_buckets.size()) {
        m_slider->setToolTip({});
        return;
    }
    const qint64 start = m_buckets.starts[size_t(bucket)];
    const QString format = m_buckets.bucketWidthMs < kSecond ? QStringLiteral("yyyy-MM-dd hh:mm:ss.zzz")
                           : m_buckets.bucketWidthMs < kMinute ? QStringLiteral("yyyy-MM-dd hh:mm:ss")
                                                               : QStringLiteral("yyyy-MM-dd hh:mm");
    m_slider->setToolTip(tr("%1 – %2 UTC: %3 events")
                             .arg(utc(start).toString(format), utc(start + m_buckets.bucketWidthMs).toString(format),
                                  QLocale().toString(m_buckets.counts[size_t(bucket)])));
}

void TimelineWidget::applyPalette()
{
    const QPalette pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const QColor accent = pal.color(QPalette::Highlight);
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(110);
    QColor fill = accent;
    fill.setAlpha(150);

    m_view->setBackgroundBrush(base);
    m_chart->setBackgroundBrush(base);
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->setPlotAreaBackgroundVisible(false);
    m_chart->setTitleBrush(text);
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_axisX), static_cast<QAbstractAxis *>(m_axisY)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(pal.color(QPalette::Mid));
        axis->setGridLineColor(grid);
        axis->setShadesVisible(false);
    }
    m_area->setBrush(fill);
    m_area->setPen(QPen(accent, 1));
    m_marker->setPen(QPen(text, 1.5));
}

void TimelineWidget::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
}

bool TimelineWidget::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && m_state == State::Ready
        && (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseMove)) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->buttons() & Qt::LeftButton) {
            const QPointF inChart = m_chart->mapFromScene(m_view->mapToScene(mouse->position().toPoint()));
            const QPointF value = m_chart->mapToValue(inChart, m_area);
            m_slider->setFocus(Qt::MouseFocusReason);
            m_slider->setValue(m_buckets.bucketAt(qint64(value.x())));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace eventlens
