#include "eventquery.h"
#include "filterbar.h"
#include "modeltesting.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QSignalSpy>
#include <QStyle>
#include <QStyleOptionViewItem>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace eventlens;

namespace {

constexpr int Timeout = 30000; // generous: sanitizer builds on a busy machine

// 2024-01-31T00:00:00Z and 2024-02-01T12:00:00Z in ms since the epoch.
constexpr qint64 Jan31 = 1706659200000;
constexpr qint64 Feb1Noon = 1706788800000;

QListWidgetItem *typeItem(const FilterBar &bar, const QString &type)
{
    QListWidget *list = bar.typesList();
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->text().startsWith(type + QLatin1String("  (")))
            return list->item(i);
    }
    return nullptr;
}

// Opens the types menu the way a click on the button does, without its nested event loop
// (QToolButton's InstantPopup runs QMenu::exec(), which a test cannot drive).
QMenu *openTypesMenu(const FilterBar &bar)
{
    QMenu *menu = bar.typesButton()->menu();
    menu->popup(bar.typesButton()->mapToGlobal(QPoint(0, bar.typesButton()->height())));
    return menu;
}

// Clicks the check box of a list item, as a user does.
void clickCheckBox(QListWidget *list, QListWidgetItem *item)
{
    QVERIFY(item);
    list->scrollToItem(item);
    QStyleOptionViewItem option;
    option.initFrom(list);
    option.rect = list->visualItemRect(item);
    option.features = QStyleOptionViewItem::HasCheckIndicator | QStyleOptionViewItem::HasDisplay;
    option.text = item->text();
    option.checkState = item->checkState();
    const QRect box = list->style()->subElementRect(QStyle::SE_ItemViewItemCheckIndicator, &option, list);
    QVERIFY(box.isValid());
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, box.center());
}

} // namespace

class TestFilterBar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void typesListWithCounts();
    void typesByKeyboardAndAllTypes();
    void streamPatternIsDebounced();
    void timeRange();
    void invalidTimeKeepsQuery();
    void predicateAppliedWithEnter();
    void predicateStatus();
    void clearRemovesEveryFilter();
    void focusPredicate();

private:
    std::unique_ptr<FilterBar> m_bar;
};

void TestFilterBar::init()
{
    m_bar = std::make_unique<FilterBar>();
    m_bar->resize(1000, m_bar->sizeHint().height());
    m_bar->show();
    m_bar->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_bar.get()));
}

void TestFilterBar::cleanup()
{
    m_bar.reset();
}

void TestFilterBar::typesListWithCounts()
{
    FilterBar &bar = *m_bar;
    QListWidget *list = bar.typesList();
    const auto tester = testing::attachTester(*list->model());
    QSignalSpy query(&bar, &FilterBar::queryChanged);

    bar.setTypes({{QStringLiteral("Deposited"), 1234}, {QStringLiteral("Withdrawn"), 5}, {QStringLiteral("AccountOpened"), 2}});
    QCOMPARE(list->count(), 3);
    // Sorted by name, with the count of each.
    QCOMPARE(list->item(0)->text(), QStringLiteral("AccountOpened  (%1)").arg(QLocale().toString(2)));
    QCOMPARE(list->item(1)->text(), QStringLiteral("Deposited  (%1)").arg(QLocale().toString(1234)));
    QCOMPARE(list->item(2)->text(), QStringLiteral("Withdrawn  (%1)").arg(QLocale().toString(5)));
    for (int i = 0; i < list->count(); ++i) {
        QVERIFY(list->item(i)->flags() & Qt::ItemIsUserCheckable);
        QCOMPARE(list->item(i)->checkState(), Qt::Unchecked);
    }
    QCOMPARE(query.count(), 0); // nothing was checked before or after
    QCOMPARE(bar.typesButton()->text(), QStringLiteral("All types"));
    QVERIFY(bar.selectedTypes().isEmpty());

    // Check one in the menu with the mouse.
    QMenu *menu = openTypesMenu(bar);
    QTRY_VERIFY_WITH_TIMEOUT(list->isVisible(), Timeout);
    clickCheckBox(list, typeItem(bar, QStringLiteral("Deposited")));
    QCOMPARE(typeItem(bar, QStringLiteral("Deposited"))->checkState(), Qt::Checked);
    QCOMPARE(query.count(), 1);
    QCOMPARE(bar.selectedTypes(), QStringList{QStringLiteral("Deposited")});
    QCOMPARE(bar.typesButton()->text(), QStringLiteral("Deposited"));

    // applyTo fills the types and leaves the fields the bar does not own alone.
    EventQuery q;
    q.stream = QStringLiteral("account-1");
    q.backward = true;
    q.limit = 7;
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.types, QStringList{QStringLiteral("Deposited")});
    QCOMPARE(q.stream, QStringLiteral("account-1"));
    QVERIFY(q.backward);
    QCOMPARE(q.limit, qint64(7));
    QVERIFY(q.streamGlob.isEmpty());
    QVERIFY(!q.sinceMs && !q.untilMs);

    clickCheckBox(list, typeItem(bar, QStringLiteral("Withdrawn")));
    QCOMPARE(query.count(), 2);
    QCOMPARE(bar.selectedTypes(), (QStringList{QStringLiteral("Deposited"), QStringLiteral("Withdrawn")}));
    QCOMPARE(bar.typesButton()->text(), QStringLiteral("2 types"));
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.types, (QStringList{QStringLiteral("Deposited"), QStringLiteral("Withdrawn")}));

    // Unchecking by another click.
    clickCheckBox(list, typeItem(bar, QStringLiteral("Withdrawn")));
    QCOMPARE(query.count(), 3);
    QCOMPARE(bar.selectedTypes(), QStringList{QStringLiteral("Deposited")});
    QTest::keyClick(menu, Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(!menu->isVisible(), Timeout);

    // New counts (a reload): the checked type that still exists stays checked, quietly.
    bar.setTypes({{QStringLiteral("Deposited"), 1300}, {QStringLiteral("OrderPlaced"), 1}});
    QCOMPARE(list->count(), 2);
    QCOMPARE(typeItem(bar, QStringLiteral("Deposited"))->text(), QStringLiteral("Deposited  (%1)").arg(QLocale().toString(1300)));
    QCOMPARE(bar.selectedTypes(), QStringList{QStringLiteral("Deposited")});
    QCOMPARE(query.count(), 3);
    // The checked type is gone: the selection changed, which is said once.
    bar.setTypes({{QStringLiteral("OrderPlaced"), 1}});
    QVERIFY(bar.selectedTypes().isEmpty());
    QCOMPARE(query.count(), 4);
    QCOMPARE(bar.typesButton()->text(), QStringLiteral("All types"));
    QVERIFY(bar.applyTo(q));
    QVERIFY(q.types.isEmpty());
}

void TestFilterBar::typesByKeyboardAndAllTypes()
{
    FilterBar &bar = *m_bar;
    QListWidget *list = bar.typesList();
    QSignalSpy query(&bar, &FilterBar::queryChanged);
    bar.setTypes({{QStringLiteral("Deposited"), 3}, {QStringLiteral("Withdrawn"), 4}});

    QMenu *menu = openTypesMenu(bar);
    QTRY_VERIFY_WITH_TIMEOUT(list->isVisible(), Timeout);
    list->setCurrentItem(typeItem(bar, QStringLiteral("Withdrawn")));
    QTest::keyClick(list, Qt::Key_Space);
    QCOMPARE(bar.selectedTypes(), QStringList{QStringLiteral("Withdrawn")});
    QCOMPARE(query.count(), 1);

    bar.setSelectedTypes({QStringLiteral("Deposited"), QStringLiteral("Withdrawn"), QStringLiteral("NoSuchType")});
    QCOMPARE(bar.selectedTypes(), (QStringList{QStringLiteral("Deposited"), QStringLiteral("Withdrawn")}));
    QCOMPARE(query.count(), 2);
    bar.setSelectedTypes({QStringLiteral("Withdrawn"), QStringLiteral("Deposited")}); // the same set
    QCOMPARE(query.count(), 2);

    // The menu's "All Types" unchecks everything, with one signal.
    QAction *all = nullptr;
    const QList<QAction *> actions = menu->actions();
    for (QAction *action : actions) {
        if (action->text() == QLatin1String("All Types"))
            all = action;
    }
    QVERIFY(all);
    all->trigger();
    QVERIFY(bar.selectedTypes().isEmpty());
    QCOMPARE(query.count(), 3);
    for (int i = 0; i < list->count(); ++i)
        QCOMPARE(list->item(i)->checkState(), Qt::Unchecked);
    menu->hide();
}

void TestFilterBar::streamPatternIsDebounced()
{
    FilterBar &bar = *m_bar;
    QSignalSpy query(&bar, &FilterBar::queryChanged);
    QLineEdit *stream = bar.streamEdit();
    QTest::mouseClick(stream, Qt::LeftButton);
    QTest::keyClicks(stream, QStringLiteral("account-1*"));
    // Not on every key: once, when the typing has paused.
    QCOMPARE(query.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(query.count(), 1, Timeout);
    EventQuery q;
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.streamGlob, QStringLiteral("account-1*"));

    // Enter applies at once.
    QTest::keyClick(stream, Qt::Key_Backspace);
    QTest::keyClicks(stream, QStringLiteral("0?"));
    QCOMPARE(query.count(), 1);
    QTest::keyClick(stream, Qt::Key_Return);
    QCOMPARE(query.count(), 2);
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.streamGlob, QStringLiteral("account-10?"));
    // Enter with nothing pending says nothing new.
    QTest::keyClick(stream, Qt::Key_Return);
    QCOMPARE(query.count(), 2);

    // Surrounding blanks do not count.
    stream->setText(QStringLiteral("  order-*  "));
    QTest::keyClick(stream, Qt::Key_Return);
    QCOMPARE(query.count(), 3);
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.streamGlob, QStringLiteral("order-*"));
}

void TestFilterBar::timeRange()
{
    FilterBar &bar = *m_bar;
    QSignalSpy query(&bar, &FilterBar::queryChanged);
    QTest::mouseClick(bar.sinceEdit(), Qt::LeftButton);
    QTest::keyClicks(bar.sinceEdit(), QStringLiteral("2024-01-31"));
    QTest::mouseClick(bar.untilEdit(), Qt::LeftButton);
    QTest::keyClicks(bar.untilEdit(), QStringLiteral("2024-02-01T12:00:00Z"));
    QCOMPARE(query.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(query.count(), 1, Timeout); // both fields: one debounced signal
    QVERIFY(!bar.sinceEdit()->property("invalid").toBool());
    QVERIFY(!bar.untilEdit()->property("invalid").toBool());

    EventQuery q;
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.sinceMs, std::optional<qint64>(Jan31));
    QCOMPARE(q.untilMs, std::optional<qint64>(Feb1Noon));

    // Unix seconds and milliseconds.
    bar.sinceEdit()->setText(QString::number(Jan31 / 1000));
    bar.untilEdit()->setText(QString::number(Feb1Noon));
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.sinceMs, std::optional<qint64>(Jan31));
    QCOMPARE(q.untilMs, std::optional<qint64>(Feb1Noon));

    // Emptied: no bound.
    bar.sinceEdit()->clear();
    bar.untilEdit()->clear();
    QVERIFY(bar.applyTo(q));
    QVERIFY(!q.sinceMs);
    QVERIFY(!q.untilMs);
}

void TestFilterBar::invalidTimeKeepsQuery()
{
    FilterBar &bar = *m_bar;
    bar.setTypes({{QStringLiteral("Deposited"), 1}});
    bar.setSelectedTypes({QStringLiteral("Deposited")});
    bar.streamEdit()->setText(QStringLiteral("account-*"));
    QTest::mouseClick(bar.sinceEdit(), Qt::LeftButton);
    QTest::keyClicks(bar.sinceEdit(), QStringLiteral("yesterday"));
    QVERIFY(bar.sinceEdit()->property("invalid").toBool());
    QCOMPARE(bar.sinceEdit()->palette().color(QPalette::Text), QColor(Qt::red));

    EventQuery q;
    q.stream = QStringLiteral("kept");
    q.types = QStringList{QStringLiteral("Old")};
    q.streamGlob = QStringLiteral("old-*");
    q.sinceMs = 5;
    QVERIFY(!bar.applyTo(q));
    // Nothing of the query changed.
    QCOMPARE(q.stream, QStringLiteral("kept"));
    QCOMPARE(q.types, QStringList{QStringLiteral("Old")});
    QCOMPARE(q.streamGlob, QStringLiteral("old-*"));
    QCOMPARE(q.sinceMs, std::optional<qint64>(5));

    // An invalid until does the same; fixing both applies.
    bar.sinceEdit()->setText(QStringLiteral("2024-01-31"));
    QVERIFY(!bar.sinceEdit()->property("invalid").toBool());
    bar.untilEdit()->setText(QStringLiteral("2024-13-45"));
    QVERIFY(bar.untilEdit()->property("invalid").toBool());
    QVERIFY(!bar.applyTo(q));
    QCOMPARE(q.sinceMs, std::optional<qint64>(5));
    bar.untilEdit()->setText(QStringLiteral("2024-02-01T12:00:00Z"));
    QVERIFY(bar.applyTo(q));
    QCOMPARE(q.types, QStringList{QStringLiteral("Deposited")});
    QCOMPARE(q.streamGlob, QStringLiteral("account-*"));
    QCOMPARE(q.sinceMs, std::optional<qint64>(Jan31));
    QCOMPARE(q.untilMs, std::optional<qint64>(Feb1Noon));
    QCOMPARE(q.stream, QStringLiteral("kept"));
}

void TestFilterBar::predicateAppliedWithEnter()
{
    FilterBar &bar = *m_bar;
    QSignalSpy predicate(&bar, &FilterBar::predicateChanged);
    QSignalSpy query(&bar, &FilterBar::queryChanged);
    QLineEdit *edit = bar.predicateEdit();
    QTest::mouseClick(edit, Qt::LeftButton);
    QTest::keyClicks(edit, QStringLiteral("e.data.amount > 100"));
    // Typing does not apply it.
    QCOMPARE(predicate.count(), 0);
    QVERIFY(bar.predicate().isEmpty());

    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(predicate.count(), 1);
    QCOMPARE(predicate.at(0).at(0).toString(), QStringLiteral("e.data.amount > 100"));
    QCOMPARE(bar.predicate(), QStringLiteral("e.data.amount > 100"));
    // The same text again: nothing new.
    QTest::keyClick(edit, Qt::Key_Enter);
    QCOMPARE(predicate.count(), 1);

    // Edited: applied only with Enter again.
    QTest::keyClicks(edit, QStringLiteral("0"));
    QCOMPARE(bar.predicate(), QStringLiteral("e.data.amount > 100"));
    QTest::keyClick(edit, Qt::Key_Enter);
    QCOMPARE(predicate.count(), 2);
    QCOMPARE(bar.predicate(), QStringLiteral("e.data.amount > 1000"));

    // Clearing the field removes the predicate at once, without Enter.
    bar.setPredicateStatus(QStringLiteral("2 of 9 match"), false);
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QCOMPARE(predicate.count(), 3);
    QCOMPARE(predicate.at(2).at(0).toString(), QString());
    QVERIFY(bar.predicate().isEmpty());
    QVERIFY(bar.predicateStatus()->text().isEmpty());

    // Blanks only are no predicate.
    QTest::keyClicks(edit, QStringLiteral("   "));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(predicate.count(), 3);
    QVERIFY(bar.predicate().isEmpty());
    // The predicate is not part of the SQL query.
    QCOMPARE(query.count(), 0);
}

void TestFilterBar::predicateStatus()
{
    FilterBar &bar = *m_bar;
    QLabel *status = bar.predicateStatus();
    const QColor normal = bar.palette().color(QPalette::WindowText);

    bar.setPredicateStatus(QStringLiteral("syntax error at line 1, column 16: Unexpected token"), true);
    QCOMPARE(status->text(), QStringLiteral("syntax error at line 1, column 16: Unexpected token"));
    QCOMPARE(status->palette().color(QPalette::WindowText), QColor(Qt::red));
    QCOMPARE(status->toolTip(), status->text());

    bar.setPredicateStatus(QStringLiteral("4 of 9 match"), false);
    QCOMPARE(status->text(), QStringLiteral("4 of 9 match"));
    QCOMPARE(status->palette().color(QPalette::WindowText), normal);
    QVERIFY(status->toolTip().isEmpty());
}

void TestFilterBar::clearRemovesEveryFilter()
{
    FilterBar &bar = *m_bar;
    bar.setTypes({{QStringLiteral("Deposited"), 3}, {QStringLiteral("Withdrawn"), 4}});
    bar.setSelectedTypes({QStringLiteral("Withdrawn")});
    bar.streamEdit()->setText(QStringLiteral("account-*"));
    bar.sinceEdit()->setText(QStringLiteral("yesterday"));
    bar.untilEdit()->setText(QStringLiteral("2024-02-01"));
    bar.predicateEdit()->setText(QStringLiteral("e.version == 0"));
    bar.applyPredicate();
    QCOMPARE(bar.predicate(), QStringLiteral("e.version == 0"));

    QSignalSpy query(&bar, &FilterBar::queryChanged);
    QSignalSpy predicate(&bar, &FilterBar::predicateChanged);
    bar.clear();
    QCOMPARE(query.count(), 1);
    QCOMPARE(predicate.count(), 1);
    QCOMPARE(predicate.at(0).at(0).toString(), QString());
    QVERIFY(bar.selectedTypes().isEmpty());
    QCOMPARE(bar.typesList()->count(), 2); // the types stay, unchecked
    QVERIFY(bar.streamEdit()->text().isEmpty());
    QVERIFY(bar.sinceEdit()->text().isEmpty());
    QVERIFY(!bar.sinceEdit()->property("invalid").toBool());
    QVERIFY(bar.untilEdit()->text().isEmpty());
    QVERIFY(bar.predicateEdit()->text().isEmpty());
    QVERIFY(bar.predicate().isEmpty());
    QCOMPARE(bar.typesButton()->text(), QStringLiteral("All types"));
    EventQuery q;
    q.types = QStringList{QStringLiteral("Old")};
    q.streamGlob = QStringLiteral("old");
    q.sinceMs = 1;
    q.untilMs = 2;
    QVERIFY(bar.applyTo(q));
    QVERIFY(q.types.isEmpty());
    QVERIFY(q.streamGlob.isEmpty());
    QVERIFY(!q.sinceMs && !q.untilMs);

    // Nothing to clear: nothing said.
    bar.clear();
    QCOMPARE(query.count(), 1);
    QCOMPARE(predicate.count(), 1);

    // An edit still waiting for its debounce is cleared with the rest: one signal, from clear().
    QTest::keyClicks(bar.streamEdit(), QStringLiteral("order-*"));
    QCOMPARE(query.count(), 1);
    bar.clear();
    QCOMPARE(query.count(), 2);
    QVERIFY(bar.applyTo(q));
    QVERIFY(q.streamGlob.isEmpty());
    // A later edit debounces as before.
    bar.streamEdit()->setText(QStringLiteral("x"));
    QTRY_COMPARE_WITH_TIMEOUT(query.count(), 3, Timeout);
}

void TestFilterBar::focusPredicate()
{
    FilterBar &bar = *m_bar;
    bar.predicateEdit()->setText(QStringLiteral("e.type == \"Deposited\""));
    bar.streamEdit()->setFocus();
    QVERIFY(bar.streamEdit()->hasFocus());
    bar.focusPredicate();
    QVERIFY(bar.predicateEdit()->hasFocus());
    QCOMPARE(bar.predicateEdit()->selectedText(), QStringLiteral("e.type == \"Deposited\""));
}

QTEST_MAIN(TestFilterBar)
#include "tst_filterbar.moc"
