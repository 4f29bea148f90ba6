// The timeline under the log: TimelineWidget (chart, marker, scrubber, placeholders, palette).

#include "eventstore.h"
#include "timelinehistogram.h"
#include "timelinewidget.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

#include <algorithm>
#include <memory>

using namespace eventlens;

namespace {

constexpr int WaitMs = 120000;
constexpr qint64 Minute = 60000;
constexpr qint64 T0 = 1709510400000; // 2024-03-04T00:00:00.000Z

// Seven one-minute buckets; 1, 2 and 5 are empty.
TimelineBuckets sampleBuckets()
{
    TimelineBuckets b;
    b.bucketWidthMs = Minute;
    for (int i = 0; i < 7; ++i)
        b.starts.push_back(T0 + i * Minute);
    b.counts = {3, 0, 0, 2, 1, 0, 4};
    b.firstPositions = {1, 0, 0, 4, 6, 0, 7};
    b.minTimeMs = T0 + 1000;
    b.maxTimeMs = T0 + 6 * Minute + 30000;
    b.total = 10;
    b.maxCount = 4;
    return b;
}

qint64 lastPosition(const QSignalSpy &spy)
{
    return spy.isEmpty() ? -1 : spy.last().at(0).toLongLong();
}

} // namespace

class TestTimelineWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void placeholders();
    void seriesAndAxes();
    void timeAxisLabelsInUtc();
    void keysStepBucketsAndEmit();
    void setCurrentTimeDoesNotEmit();
    void clickOnChartMovesScrubber();
    void followsPalette();
    void followsHistogram();
};

void TestTimelineWidget::placeholders()
{
    TimelineWidget w;
    QCOMPARE(w.state(), TimelineWidget::State::Idle);
    QVERIFY(!w.placeholderText().isEmpty());
    QVERIFY(!w.slider()->isEnabled());
    QCOMPARE(w.currentBucket(), -1);

    w.setComputing();
    QCOMPARE(w.state(), TimelineWidget::State::Computing);
    QVERIFY2(w.placeholderText().startsWith(QStringLiteral("Computing")), qPrintable(w.placeholderText()));
    QVERIFY(!w.slider()->isEnabled());

    w.setHistogram(TimelineBuckets());
    QCOMPARE(w.state(), TimelineWidget::State::NoEvents);
    QCOMPARE(w.placeholderText(), QStringLiteral("No events"));
    QVERIFY(!w.slider()->isEnabled());

    w.setError(QStringLiteral("disk on fire"));
    QCOMPARE(w.state(), TimelineWidget::State::Error);
    QVERIFY(w.placeholderText().contains(QStringLiteral("disk on fire")));

    w.setHistogram(sampleBuckets());
    QCOMPARE(w.state(), TimelineWidget::State::Ready);
    QVERIFY(w.placeholderText().isEmpty());
    QVERIFY(w.slider()->isEnabled());
    QCOMPARE(w.currentBucket(), 0);

    w.setComputing(); // a new computation hides the old chart
    QCOMPARE(w.state(), TimelineWidget::State::Computing);
    QVERIFY(!w.placeholderText().isEmpty());
    w.clear();
    QCOMPARE(w.state(), TimelineWidget::State::Idle);
    QCOMPARE(w.buckets().size(), 0);
}

void TestTimelineWidget::seriesAndAxes()
{
    TimelineWidget w;
    const TimelineBuckets b = sampleBuckets();
    w.setHistogram(b);

    // A step outline: each bucket's start and end at its count.
    QLineSeries *series = w.countSeries();
    QCOMPARE(series->count(), 2 * b.size());
    for (int i = 0; i < b.size(); ++i) {
        QCOMPARE(series->at(2 * i), QPointF(qreal(b.starts[size_t(i)]), qreal(b.counts[size_t(i)])));
        QCOMPARE(series->at(2 * i + 1), QPointF(qreal(b.starts[size_t(i)] + Minute), qreal(b.counts[size_t(i)])));
    }
    QCOMPARE(w.areaSeries()->upperSeries(), series);
    QVERIFY(w.chart()->series().contains(w.areaSeries()));
    QVERIFY(!w.chart()->legend()->isVisible());
    QVERIFY(w.chartView()->renderHints().testFlag(QPainter::Antialiasing));

    QCOMPARE(w.timeAxis()->min(), qreal(T0));
    QCOMPARE(w.timeAxis()->max(), qreal(T0 + 7 * Minute));
    QCOMPARE(w.countAxis()->min(), 0.0);
    QCOMPARE(w.countAxis()->max(), 5.0); // 4 rounded up to 1, 2 or 5 times a power of ten
    QCOMPARE(w.countAxis()->titleText(), QStringLiteral("events / min"));

    QCOMPARE(w.slider()->minimum(), 0);
    QCOMPARE(w.slider()->maximum(), b.size() - 1);
    QCOMPARE(w.slider()->singleStep(), 1);
    QCOMPARE(w.slider()->focusPolicy(), Qt::StrongFocus);

    // A different histogram replaces the points.
    TimelineBuckets two;
    two.bucketWidthMs = 5 * Minute;
    two.starts = {T0, T0 + 5 * Minute};
    two.counts = {1200, 10};
    two.firstPositions = {1, 1201};
    two.total = 1210;
    two.maxCount = 1200;
    w.setHistogram(two);
    QCOMPARE(series->count(), 4);
    QCOMPARE(w.countAxis()->max(), 2000.0);
    QCOMPARE(w.countAxis()->titleText(), QStringLiteral("events / 5 min"));
    QCOMPARE(w.slider()->maximum(), 1);
}

void TestTimelineWidget::timeAxisLabelsInUtc()
{
    TimelineWidget w;
    w.resize(800, 200);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setHistogram(sampleBuckets());
    const QStringList labels = w.timeAxis()->categoriesLabels();
    QVERIFY(labels.size() >= 2);
    for (const QString &label : labels) {
        const auto value = qint64(w.timeAxis()->endValue(label));
        QVERIFY(value >= T0 && value <= T0 + 7 * Minute);
        QCOMPARE(value % Minute, 0); // ticks on whole minutes (in UTC)
        QCOMPARE(label, QDateTime::fromMSecsSinceEpoch(value, Qt::UTC).toString(QStringLiteral("hh:mm")));
    }

    // Eight weeks: ticks at midnights UTC (days or Mondays, or months when narrow), labelled with
    // the date.
    TimelineBuckets weeks;
    weeks.bucketWidthMs = 6 * 3600000LL;
    for (int i = 0; i < 224; ++i) {
        weeks.starts.push_back(T0 + i * weeks.bucketWidthMs);
        weeks.counts.push_back(i % 5);
        weeks.firstPositions.push_back(i % 5 ? i + 1 : 0);
        weeks.total += i % 5;
    }
    weeks.maxCount = *std::max_element(weeks.counts.begin(), weeks.counts.end());
    w.setHistogram(weeks);
    const QStringList dates = w.timeAxis()->categoriesLabels();
    QVERIFY(dates.size() >= 2);
    for (const QString &label : dates) {
        const auto value = qint64(w.timeAxis()->endValue(label));
        QCOMPARE(value % (24 * 3600000LL), 0);
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(value, Qt::UTC);
        QVERIFY2(label == at.toString(QStringLiteral("d MMM")) || label == at.toString(QStringLiteral("MMM yyyy")), qPrintable(label));
    }
    QCOMPARE(w.countAxis()->titleText(), QStringLiteral("events / 6 h"));
}

void TestTimelineWidget::keysStepBucketsAndEmit()
{
    TimelineWidget w;
    w.setHistogram(sampleBuckets());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSlider *slider = w.slider();
    slider->setFocus();
    QSignalSpy requested(&w, &TimelineWidget::positionRequested);
    QCOMPARE(slider->value(), 0);

    QTest::keyClick(slider, Qt::Key_Right); // bucket 1 is empty: on to 3
    QCOMPARE(requested.count(), 1);
    QCOMPARE(lastPosition(requested), 4);
    QCOMPARE(slider->value(), 3);
    QCOMPARE(w.currentBucket(), 3);

    QTest::keyClick(slider, Qt::Key_Right);
    QCOMPARE(requested.count(), 2);
    QCOMPARE(lastPosition(requested), 6);
    QCOMPARE(slider->value(), 4);

    QTest::keyClick(slider, Qt::Key_Right); // 5 is empty: 6
    QCOMPARE(lastPosition(requested), 7);
    QCOMPARE(slider->value(), 6);

    QTest::keyClick(slider, Qt::Key_Right); // already at the end
    QCOMPARE(requested.count(), 3);

    QTest::keyClick(slider, Qt::Key_Left); // 5 is empty: back to 4
    QCOMPARE(requested.count(), 4);
    QCOMPARE(lastPosition(requested), 6);
    QCOMPARE(slider->value(), 4);

    QTest::keyClick(slider, Qt::Key_Left);
    QCOMPARE(lastPosition(requested), 4);
    QTest::keyClick(slider, Qt::Key_Left); // 2 and 1 are empty: back to 0
    QCOMPARE(lastPosition(requested), 1);
    QCOMPARE(slider->value(), 0);

    QTest::keyClick(slider, Qt::Key_End);
    QCOMPARE(lastPosition(requested), 7);
    QTest::keyClick(slider, Qt::Key_Home);
    QCOMPARE(lastPosition(requested), 1);
    QCOMPARE(requested.count(), 8);

    // The marker follows the scrubber until the log answers.
    QCOMPARE(w.markerSeries()->count(), 2);
    QCOMPARE(w.markerSeries()->at(0).x(), qreal(T0 + Minute / 2));
}

void TestTimelineWidget::setCurrentTimeDoesNotEmit()
{
    TimelineWidget w;
    QSignalSpy requested(&w, &TimelineWidget::positionRequested);
    // Before a histogram: remembered, applied when it comes.
    w.setCurrentTime(T0 + 4 * Minute + 10000);
    QCOMPARE(w.markerSeries()->count(), 0);
    w.setHistogram(sampleBuckets());
    QCOMPARE(w.slider()->value(), 4);
    QCOMPARE(w.markerSeries()->count(), 2);
    QCOMPARE(w.markerSeries()->at(0).x(), qreal(T0 + 4 * Minute + 10000));
    QCOMPARE(w.markerSeries()->at(1).x(), qreal(T0 + 4 * Minute + 10000));
    QCOMPARE(w.markerSeries()->at(1).y(), w.countAxis()->max());

    w.setCurrentTime(T0 + 10000);
    QCOMPARE(w.slider()->value(), 0);
    QCOMPARE(w.markerSeries()->at(0).x(), qreal(T0 + 10000));
    w.setCurrentTime(T0 + 6 * Minute + 59999);
    QCOMPARE(w.slider()->value(), 6);
    QCOMPARE(*w.currentTime(), T0 + 6 * Minute + 59999);
    QCOMPARE(requested.count(), 0);

    // From there, a key steps from the bucket set by setCurrentTime().
    QTest::keyClick(w.slider(), Qt::Key_Left);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(lastPosition(requested), 6);

    w.clearCurrentTime();
    QCOMPARE(w.markerSeries()->count(), 0);
    QVERIFY(!w.currentTime());
}

void TestTimelineWidget::clickOnChartMovesScrubber()
{
    TimelineWidget w;
    w.resize(700, 220);
    w.setHistogram(sampleBuckets());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy requested(&w, &TimelineWidget::positionRequested);
    QChart *chart = w.chart();
    QTRY_VERIFY(chart->plotArea().width() > 100);

    // The middle of bucket 4, in view coordinates.
    const QPointF inChart = chart->mapToPosition(QPointF(qreal(T0 + 4 * Minute + Minute / 2), 1), w.areaSeries());
    const QPoint inView = w.chartView()->mapFromScene(chart->mapToScene(inChart));
    QTest::mouseClick(w.chartView()->viewport(), Qt::LeftButton, {}, inView);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(lastPosition(requested), 6);
    QCOMPARE(w.slider()->value(), 4);
    QVERIFY(w.slider()->hasFocus());
}

void TestTimelineWidget::followsPalette()
{
    TimelineWidget w;
    w.setHistogram(sampleBuckets());
    for (const auto &[base, text] : {std::pair(QColor(0x20, 0x22, 0x25), QColor(0xe8, 0xe8, 0xe8)),
                                     std::pair(QColor(Qt::white), QColor(Qt::black))}) {
        QPalette pal = w.palette();
        pal.setColor(QPalette::Base, base);
        pal.setColor(QPalette::Text, text);
        w.setPalette(pal);
        QCOMPARE(w.chart()->backgroundBrush().color(), base);
        QCOMPARE(w.timeAxis()->labelsBrush().color(), text);
        QCOMPARE(w.countAxis()->labelsBrush().color(), text);
        QCOMPARE(w.markerSeries()->pen().color(), text);
    }
}

void TestTimelineWidget::followsHistogram()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("timeline.eventlens"));
    {
        auto store = EventStore::open(path);
        for (int i = 0; i < 50; ++i) {
            NewEvent e;
            e.type = i % 2 ? QStringLiteral("Deposited") : QStringLiteral("Withdrawn");
            e.timeMs = T0 + i * 37000;
            store->append(QStringLiteral("account-%1").arg(i % 3), ExpectedVersion::any(), {e});
        }
    }
    std::shared_ptr<const EventStore> store = EventStore::open(path, EventStore::OpenMode::ReadOnly);

    TimelineHistogram histogram;
    TimelineWidget w;
    w.setSource(&histogram);
    QSignalSpy finished(&histogram, &TimelineHistogram::finished);
    QSignalSpy failed(&histogram, &TimelineHistogram::failed);

    histogram.start(store, {});
    QCOMPARE(w.state(), TimelineWidget::State::Computing);
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(w.state(), TimelineWidget::State::Ready);
    QCOMPARE(w.buckets().total, 50);
    QCOMPARE(w.countSeries()->count(), 2 * w.buckets().size());

    // A superseded run changes nothing; the newer one's result is shown.
    EventQuery nothing;
    nothing.types = {QStringLiteral("NoSuchType")};
    histogram.start(store, {});
    histogram.start(store, nothing);
    QCOMPARE(failed.count(), 1); // the first one, superseded
    QCOMPARE(w.state(), TimelineWidget::State::Computing);
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(w.state(), TimelineWidget::State::NoEvents);
    QCOMPARE(w.placeholderText(), QStringLiteral("No events"));

    // Cancelled by the user: says so.
    histogram.start(store, {});
    histogram.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, WaitMs);
    QCOMPARE(w.state(), TimelineWidget::State::Idle);
    QVERIFY(w.placeholderText().contains(QStringLiteral("cancelled")));

    // A widget attached to a histogram that already finished shows its result.
    histogram.start(store, {});
    QVERIFY(finished.wait(WaitMs));
    TimelineWidget late;
    late.setSource(&histogram);
    QCOMPARE(late.state(), TimelineWidget::State::Ready);
    QCOMPARE(late.buckets().total, 50);
}

QTEST_MAIN(TestTimelineWidget)
#include "tst_timelinewidget.moc"
