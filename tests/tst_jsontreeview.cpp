#include "jsontreedelegate.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QSignalSpy>
#include <QTest>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace eventlens;

using Diff = JsonTreeModel::Diff;

namespace {

const QByteArray Document = R"({"order": {"id": "o-1", "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1, "gift": null}]}, "customer": {"name": "Ann", "sku_pref": "none"}, "total": 12.5})";

QString selectedPath(const JsonTreeView &view)
{
    const QModelIndexList rows = view.treeView()->selectionModel()->selectedRows(JsonTreeModel::KeyColumn);
    if (rows.size() != 1)
        return QStringLiteral("<%1 rows selected>").arg(rows.size());
    return rows.first().data(JsonTreeModel::PathRole).toString();
}

QToolButton *buttonFor(const JsonTreeView &view, const char *actionName)
{
    auto *toolBar = view.findChild<QToolBar *>(QStringLiteral("jsonToolBar"));
    auto *action = view.findChild<QAction *>(QLatin1String(actionName));
    if (!toolBar || !action)
        return nullptr;
    return qobject_cast<QToolButton *>(toolBar->widgetForAction(action));
}

// Every container node of the tree, depth-first.
QModelIndexList containers(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QModelIndexList out;
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (model.hasChildren(index)) {
            out.append(index);
            out += containers(model, index);
        }
    }
    return out;
}

bool isShown(const QTreeView &tree, const QModelIndex &index)
{
    const QRect rect = tree.visualRect(index);
    return rect.isValid() && tree.viewport()->rect().intersects(rect);
}

} // namespace

class TestJsonTreeView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void typingSearchesAndEnterGoesToNext();
    void functionKeysAndShortcuts();
    void escapeAndNoMatches();
    void keysWinOverWindowShortcuts();
    void searchSurvivesNewDocument();
    void expandAndCollapseAll();
    void copySubtreeOrDocument();
    void diffRowsExpandedAndStyled();
    void valueFormatting();
    void searchHighlightsMatchingCells();
    void paletteAwareColours();

private:
    std::unique_ptr<JsonTreeView> m_view;
};

void TestJsonTreeView::init()
{
    m_view = std::make_unique<JsonTreeView>();
    m_view->resize(700, 500);
    m_view->show();
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
    m_view->model()->setDocument(Document);
}

void TestJsonTreeView::cleanup()
{
    m_view.reset();
}

void TestJsonTreeView::typingSearchesAndEnterGoesToNext()
{
    JsonTreeView &view = *m_view;
    QLineEdit *search = view.searchEdit();
    QTest::mouseClick(search, Qt::LeftButton);
    QVERIFY(search->hasFocus());

    // Typing selects the first match (keys and values, any case) and counts them all.
    QTest::keyClicks(search, QStringLiteral("SKU"));
    QCOMPARE(view.matchCount(), 3);
    QCOMPARE(view.currentMatch(), 0);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/0/sku"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("1 of 3"));
    QVERIFY(search->hasFocus()); // typing goes on in the box

    // Enter: the next one, its parents expanded and scrolled into view.
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/1/sku"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("2 of 3"));
    const QModelIndex second = view.model()->indexForPath(QStringLiteral("/order/items/1/sku"));
    QVERIFY(view.treeView()->isExpanded(second.parent()));
    QVERIFY(view.treeView()->isExpanded(second.parent().parent()));
    QVERIFY(isShown(*view.treeView(), second));
    QCOMPARE(view.treeView()->currentIndex().siblingAtColumn(0), second);

    QTest::keyClick(search, Qt::Key_Enter);
    QCOMPARE(selectedPath(view), QStringLiteral("/customer/sku_pref"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("3 of 3"));
    // Wraps around.
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/0/sku"));
    // Shift+Enter: back, wrapping the other way.
    QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(selectedPath(view), QStringLiteral("/customer/sku_pref"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("3 of 3"));

    // Narrowing the text searches again from the top.
    QTest::keyClicks(search, QStringLiteral("_p"));
    QCOMPARE(view.matchCount(), 1);
    QCOMPARE(selectedPath(view), QStringLiteral("/customer/sku_pref"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("1 of 1"));

    // Values too: numbers as written.
    search->clear();
    QTest::keyClicks(search, QStringLiteral("12.5"));
    QCOMPARE(selectedPath(view), QStringLiteral("/total"));
}

void TestJsonTreeView::functionKeysAndShortcuts()
{
    JsonTreeView &view = *m_view;
    QTreeView *tree = view.treeView();
    tree->setFocus();
    QVERIFY(tree->hasFocus());

    // Ctrl+F in the tree: to the search box.
    QTest::keyClick(tree, Qt::Key_F, Qt::ControlModifier);
    QVERIFY(view.searchEdit()->hasFocus());
    QTest::keyClicks(view.searchEdit(), QStringLiteral("qty"));
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/0/qty"));

    // F3 / Shift+F3, from the search box and from the tree.
    QTest::keyClick(view.searchEdit(), Qt::Key_F3);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/1/qty"));
    tree->setFocus();
    QTest::keyClick(tree, Qt::Key_F3);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/0/qty"));
    QTest::keyClick(tree, Qt::Key_F3, Qt::ShiftModifier);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/1/qty"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("2 of 2"));

    // The toolbar's arrows do the same.
    QToolButton *next = buttonFor(view, "findNext");
    QVERIFY(next);
    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/0/qty"));
    QToolButton *previous = buttonFor(view, "findPrevious");
    QVERIFY(previous);
    QTest::mouseClick(previous, Qt::LeftButton);
    QCOMPARE(selectedPath(view), QStringLiteral("/order/items/1/qty"));
}

void TestJsonTreeView::escapeAndNoMatches()
{
    JsonTreeView &view = *m_view;
    QLineEdit *search = view.searchEdit();
    view.focusSearch();
    QTest::keyClicks(search, QStringLiteral("zzz"));
    QCOMPARE(view.matchCount(), 0);
    QCOMPARE(view.currentMatch(), -1);
    QCOMPARE(view.matchLabelText(), QStringLiteral("No matches"));
    QVERIFY(!buttonFor(view, "findNext")->isEnabled());
    QTest::keyClick(search, Qt::Key_F3); // nothing to go to: no crash, nothing selected
    QCOMPARE(selectedPath(view), QStringLiteral("<0 rows selected>"));

    // Escape clears the text, a second Escape goes back to the tree.
    QTest::keyClick(search, Qt::Key_Escape);
    QCOMPARE(search->text(), QString());
    QCOMPARE(view.matchLabelText(), QString());
    QVERIFY(search->hasFocus());
    QTest::keyClick(search, Qt::Key_Escape);
    QVERIFY(view.treeView()->hasFocus());
}

void TestJsonTreeView::keysWinOverWindowShortcuts()
{
    // A window with its own Ctrl+F and F3 (as a main window may have): inside the JSON view the
    // keys are the view's, not ambiguous.
    m_view.reset();
    QWidget window;
    auto *layout = new QVBoxLayout(&window);
    auto *view = new JsonTreeView(&window);
    layout->addWidget(view);
    auto *other = new QLineEdit(&window);
    layout->addWidget(other);
    auto *windowFind = new QAction(&window);
    windowFind->setShortcut(QKeySequence::Find);
    window.addAction(windowFind);
    auto *windowNext = new QAction(&window);
    windowNext->setShortcut(QKeySequence(Qt::Key_F3));
    window.addAction(windowNext);
    QSignalSpy windowFound(windowFind, &QAction::triggered);
    QSignalSpy windowNextTriggered(windowNext, &QAction::triggered);
    window.resize(600, 400);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    view->model()->setDocument(Document);

    view->treeView()->setFocus();
    QTest::keyClick(view->treeView(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(view->searchEdit()->hasFocus());
    QTest::keyClicks(view->searchEdit(), QStringLiteral("qty"));
    QTest::keyClick(view->searchEdit(), Qt::Key_F3);
    QCOMPARE(selectedPath(*view), QStringLiteral("/order/items/1/qty"));
    view->treeView()->setFocus();
    QTest::keyClick(view->treeView(), Qt::Key_F3, Qt::ShiftModifier);
    QCOMPARE(selectedPath(*view), QStringLiteral("/order/items/0/qty"));
    QCOMPARE(windowFound.count(), 0);
    QCOMPARE(windowNextTriggered.count(), 0);

    // Outside the view the window's shortcuts work as before.
    other->setFocus();
    QVERIFY(other->hasFocus());
    QTest::keyClick(other, Qt::Key_F3);
    QCOMPARE(windowNextTriggered.count(), 1);
}

void TestJsonTreeView::searchSurvivesNewDocument()
{
    JsonTreeView &view = *m_view;
    view.setSearchText(QStringLiteral("sku"));
    QCOMPARE(view.matchCount(), 3);

    // A new document: counted again, nothing selected until asked.
    view.model()->setDocument(QByteArray(R"({"a": {"sku": 1}, "b": [{"SKU": 2}]})"));
    QCOMPARE(view.matchCount(), 2);
    QCOMPARE(view.currentMatch(), -1);
    QCOMPARE(view.matchLabelText(), QStringLiteral("2 matches"));
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    QCOMPARE(selectedPath(view), QStringLiteral("/a/sku"));
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    QCOMPARE(selectedPath(view), QStringLiteral("/b/0/SKU"));
    QCOMPARE(view.matchLabelText(), QStringLiteral("2 of 2"));

    // Top-level containers are expanded on a new document.
    QVERIFY(view.treeView()->isExpanded(view.model()->indexForPath(QStringLiteral("/a"))));
}

void TestJsonTreeView::expandAndCollapseAll()
{
    JsonTreeView &view = *m_view;
    QTreeView *tree = view.treeView();
    const QModelIndexList all = containers(*view.model());
    QCOMPARE(all.size(), 5); // order, items, [0], [1], customer
    const QModelIndex deep = view.model()->indexForPath(QStringLiteral("/order/items/1"));
    QVERIFY(!tree->isExpanded(deep));

    QTest::mouseClick(buttonFor(view, "expandAll"), Qt::LeftButton);
    for (const QModelIndex &index : all)
        QVERIFY2(tree->isExpanded(index), qPrintable(index.data(JsonTreeModel::PathRole).toString()));
    QVERIFY(tree->visualRect(view.model()->indexForPath(QStringLiteral("/order/items/1/gift"))).isValid());

    QTest::mouseClick(buttonFor(view, "collapseAll"), Qt::LeftButton);
    for (const QModelIndex &index : all)
        QVERIFY(!tree->isExpanded(index));
    QVERIFY(!tree->visualRect(view.model()->indexForPath(QStringLiteral("/order/id"))).isValid());
}

void TestJsonTreeView::copySubtreeOrDocument()
{
    JsonTreeView &view = *m_view;
    QTreeView *tree = view.treeView();
    QClipboard *clipboard = QApplication::clipboard();

    // Nothing selected: the whole document, compact, in its order.
    clipboard->clear();
    QTest::mouseClick(buttonFor(view, "copyJson"), Qt::LeftButton);
    QCOMPARE(clipboard->text(),
             QStringLiteral(R"({"order":{"id":"o-1","items":[{"sku":"A-1","qty":2},{"sku":"B-2","qty":1,"gift":null}]},"customer":{"name":"Ann","sku_pref":"none"},"total":12.5})"));

    // Click a node, Ctrl+C: its subtree.
    const QModelIndex customer = view.model()->indexForPath(QStringLiteral("/customer"));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(customer).center());
    QCOMPARE(selectedPath(view), QStringLiteral("/customer"));
    clipboard->clear();
    QTest::keyClick(tree, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(clipboard->text(), QStringLiteral(R"({"name":"Ann","sku_pref":"none"})"));

    // A scalar: its JSON value; the toolbar button copies the selection too.
    tree->expandAll();
    const QModelIndex id = view.model()->indexForPath(QStringLiteral("/order/id"));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(id.siblingAtColumn(JsonTreeModel::ValueColumn)).center());
    QCOMPARE(selectedPath(view), QStringLiteral("/order/id"));
    QTest::mouseClick(buttonFor(view, "copyJson"), Qt::LeftButton);
    QCOMPARE(clipboard->text(), QStringLiteral("\"o-1\""));

    // Text that is not JSON is copied as it is.
    view.model()->setDocument(QByteArray("not {json"));
    QCOMPARE(view.copyText(), QStringLiteral("not {json"));
}

void TestJsonTreeView::diffRowsExpandedAndStyled()
{
    JsonTreeView &view = *m_view;
    QTreeView *tree = view.treeView();
    view.model()->setDocumentWithDiff(QByteArray(R"({"a": {"b": {"c": 2}}, "keep": {"x": 1}, "new": 1})"),
                                      QByteArray(R"({"a": {"b": {"c": 1, "d": 0}}, "keep": {"x": 1}})"));
    // The changed path is open down to the change.
    const QModelIndex c = view.model()->indexForPath(QStringLiteral("/a/b/c"));
    QVERIFY(tree->isExpanded(c.parent()));
    QVERIFY(tree->isExpanded(c.parent().parent()));
    QVERIFY(tree->visualRect(c).isValid());

    const JsonTreeDelegate *delegate = view.delegate();
    QStyleOptionViewItem base;
    base.initFrom(tree->viewport());
    base.palette = tree->palette();
    base.font = tree->font();

    const QModelIndex removed = view.model()->indexForPath(QStringLiteral("/a/b/d"));
    QCOMPARE(removed.data(JsonTreeModel::DiffRole).value<Diff>(), Diff::Removed);
    const QStyleOptionViewItem removedOption = delegate->styledOption(removed.siblingAtColumn(JsonTreeModel::ValueColumn), base);
    QVERIFY(removedOption.font.strikeOut());
    QCOMPARE(removedOption.backgroundBrush.color(), JsonTreeDelegate::diffBackground(Diff::Removed, tree->palette()));

    const QStyleOptionViewItem changedOption = delegate->styledOption(c, base);
    QCOMPARE(changedOption.backgroundBrush.color(), JsonTreeDelegate::diffBackground(Diff::Changed, tree->palette()));
    QVERIFY(!changedOption.font.strikeOut());
    const QModelIndex added = view.model()->indexForPath(QStringLiteral("/new"));
    QCOMPARE(delegate->styledOption(added, base).backgroundBrush.color(), JsonTreeDelegate::diffBackground(Diff::Added, tree->palette()));
    const QModelIndex same = view.model()->indexForPath(QStringLiteral("/keep"));
    QCOMPARE(delegate->styledOption(same, base).backgroundBrush.style(), Qt::NoBrush);
}

void TestJsonTreeView::valueFormatting()
{
    JsonTreeView &view = *m_view;
    view.model()->setDocument(QByteArray(R"({"s": "line\none \"q\"", "n": null, "f": 0.1, "b": false, "o": {"k": 1}, "a": [1, 2], "one": [0]})"));
    const auto text = [&](const char *path, int column) {
        return JsonTreeDelegate::cellText(view.model()->indexForPath(QLatin1String(path)).siblingAtColumn(column));
    };
    QCOMPARE(text("/s", JsonTreeModel::ValueColumn), QStringLiteral("\"line\\none \\\"q\\\"\""));
    QCOMPARE(text("/n", JsonTreeModel::ValueColumn), QStringLiteral("null"));
    QCOMPARE(text("/f", JsonTreeModel::ValueColumn), QStringLiteral("0.1"));
    QCOMPARE(text("/b", JsonTreeModel::ValueColumn), QStringLiteral("false"));
    QCOMPARE(text("/o", JsonTreeModel::ValueColumn), QStringLiteral("{1 key}"));
    QCOMPARE(text("/a", JsonTreeModel::ValueColumn), QStringLiteral("[2 items]"));
    QCOMPARE(text("/one", JsonTreeModel::ValueColumn), QStringLiteral("[1 item]"));
    QCOMPARE(text("/a/1", JsonTreeModel::KeyColumn), QStringLiteral("[1]"));
    QCOMPARE(text("/s", JsonTreeModel::TypeColumn), QStringLiteral("string"));
    QCOMPARE(text("/n", JsonTreeModel::TypeColumn), QStringLiteral("null"));

    // null in italics.
    QStyleOptionViewItem base;
    base.initFrom(view.treeView()->viewport());
    const QModelIndex null = view.model()->indexForPath(QStringLiteral("/n")).siblingAtColumn(JsonTreeModel::ValueColumn);
    QVERIFY(view.delegate()->styledOption(null, base).font.italic());
    QCOMPARE(view.delegate()->styledOption(null, base).text, QStringLiteral("null"));
    QVERIFY(!view.delegate()->styledOption(null.siblingAtColumn(JsonTreeModel::KeyColumn), base).font.italic());

    // Long values are cut, on one line.
    const QString longText(5000, QLatin1Char('x'));
    view.model()->setDocument(QByteArray("{\"long\": \"") + longText.toUtf8() + QByteArray("\"}"));
    const QString shown = JsonTreeDelegate::cellText(view.model()->index(0, JsonTreeModel::ValueColumn));
    QCOMPARE(shown.size(), JsonTreeDelegate::MaxValueChars);
    QVERIFY(shown.endsWith(QChar(0x2026)));
    view.model()->setDocument(QByteArray("raw\ntext"));
    QCOMPARE(JsonTreeDelegate::cellText(view.model()->index(0, JsonTreeModel::ValueColumn)), QStringLiteral("raw text"));
    QCOMPARE(JsonTreeDelegate::cellText(view.model()->index(0, JsonTreeModel::TypeColumn)), QStringLiteral("raw"));
}

void TestJsonTreeView::searchHighlightsMatchingCells()
{
    JsonTreeView &view = *m_view;
    QTreeView *tree = view.treeView();
    QStyleOptionViewItem base;
    base.initFrom(tree->viewport());
    base.palette = tree->palette();
    const QColor highlight = JsonTreeDelegate::searchBackground(tree->palette());
    const auto background = [&](const char *path, int column) {
        const QModelIndex index = view.model()->indexForPath(QLatin1String(path)).siblingAtColumn(column);
        return view.delegate()->styledOption(index, base).backgroundBrush.color();
    };

    view.setSearchText(QStringLiteral("SKU"));
    QCOMPARE(background("/order/items/0/sku", JsonTreeModel::KeyColumn), highlight);
    QVERIFY(background("/order/items/0/sku", JsonTreeModel::ValueColumn) != highlight);
    QCOMPARE(background("/customer/sku_pref", JsonTreeModel::KeyColumn), highlight);
    QVERIFY(background("/order/id", JsonTreeModel::KeyColumn) != highlight);

    // Values as shown; array positions are not keys.
    view.setSearchText(QStringLiteral("1"));
    QCOMPARE(background("/order/items/1/qty", JsonTreeModel::ValueColumn), highlight);
    QCOMPARE(background("/order/id", JsonTreeModel::ValueColumn), highlight); // "o-1"
    QVERIFY(background("/order/items/1", JsonTreeModel::KeyColumn) != highlight);
    QVERIFY(background("/order/items", JsonTreeModel::ValueColumn) != highlight);

    // A member literally named like an element is a key like any other.
    view.model()->setDocument(QByteArray(R"({"[1]": 0, "list": [5, 6]})"));
    QCOMPARE(background("/[1]", JsonTreeModel::KeyColumn), highlight);
    QVERIFY(background("/list/1", JsonTreeModel::KeyColumn) != highlight);

    view.setSearchText(QString());
    QCOMPARE(view.delegate()->searchText(), QString());
    QCOMPARE(view.delegate()->styledOption(view.model()->index(0, 0), base).backgroundBrush.style(), Qt::NoBrush);
}

void TestJsonTreeView::paletteAwareColours()
{
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    light.setColor(QPalette::Highlight, QColor(0x30, 0x8c, 0xc6));
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Highlight, QColor(0x30, 0x8c, 0xc6));

    for (const bool isDark : {false, true}) {
        const QPalette &palette = isDark ? dark : light;
        const QColor added = JsonTreeDelegate::diffBackground(Diff::Added, palette);
        const QColor removed = JsonTreeDelegate::diffBackground(Diff::Removed, palette);
        const QColor changed = JsonTreeDelegate::diffBackground(Diff::Changed, palette);
        QVERIFY(!JsonTreeDelegate::diffBackground(Diff::None, palette).isValid());
        // The hue says what happened...
        QVERIFY(added.green() > added.red() && added.green() > added.blue());
        QVERIFY(removed.red() > removed.green() && removed.red() > removed.blue());
        QVERIFY(changed.red() > changed.blue() && changed.green() > changed.blue());
        // ...and the lightness stays that of the theme, so the text stays readable.
        for (const QColor &c : {added, removed, changed}) {
            if (isDark)
                QVERIFY2(c.lightnessF() < 0.45, qPrintable(c.name()));
            else
                QVERIFY2(c.lightnessF() > 0.7, qPrintable(c.name()));
        }
        const QColor search = JsonTreeDelegate::searchBackground(palette);
        QVERIFY(search != palette.color(QPalette::Base));
        QCOMPARE(search.lightnessF() < 0.5, isDark);
    }
}

QTEST_MAIN(TestJsonTreeView)
#include "tst_jsontreeview.moc"
