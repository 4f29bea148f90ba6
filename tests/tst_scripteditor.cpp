#include "javascripthighlighter.h"
#include "scripteditor.h"

#include <QApplication>
#include <QHelpEvent>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QToolTip>

using namespace eventlens;

namespace {

using Token = JavaScriptHighlighter::Token;

// The highlighter's format at a 1-based line and 0-based column (an empty format when none).
QTextCharFormat formatAt(const ScriptEditor &editor, int line, int column)
{
    const QTextBlock block = editor.document()->findBlockByNumber(line - 1);
    const QList<QTextLayout::FormatRange> ranges = block.layout()->formats();
    for (const QTextLayout::FormatRange &range : ranges) {
        if (column >= range.start && column < range.start + range.length)
            return range.format;
    }
    return {};
}

bool isToken(const ScriptEditor &editor, int line, int column, Token token)
{
    const QTextCharFormat format = formatAt(editor, line, column);
    const QTextCharFormat expected = editor.highlighter()->format(token);
    return format.foreground() == expected.foreground() && format.fontItalic() == expected.fontItalic();
}

bool isPlain(const ScriptEditor &editor, int line, int column)
{
    return formatAt(editor, line, column).foreground().style() == Qt::NoBrush;
}

// Column (0-based) of the n-th occurrence of text on a line.
int columnOf(const ScriptEditor &editor, int line, const QString &text, int occurrence = 0)
{
    const QString lineText = editor.document()->findBlockByNumber(line - 1).text();
    int at = -1;
    for (int i = 0; i <= occurrence; ++i)
        at = int(lineText.indexOf(text, at + 1));
    return at;
}

} // namespace

class TestScriptEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void highlighting();
    void blockCommentsAcrossLines();
    void lineNumbers();
    void errorMarkers();
    void editingClearsMarkers();
    void typingKeepsText();
};

void TestScriptEditor::highlighting()
{
    ScriptEditor editor;
    editor.setPlainText(QStringLiteral(
        "fromCategory('account') // a 'quote' in a comment\n"
        "    .when({ $init: function () { return { n: 0x1F, x: 1.5e3, s: \"a // b\", ok: true }; } })\n"
        "var when = state.when;\n"));
    editor.show();
    QVERIFY(isToken(editor, 1, 0, Token::ProjectionApi));                       // fromCategory
    QVERIFY(isToken(editor, 1, columnOf(editor, 1, QStringLiteral("'account'")), Token::String));
    QVERIFY(isToken(editor, 1, columnOf(editor, 1, QStringLiteral("//")), Token::Comment));
    QVERIFY(isToken(editor, 1, columnOf(editor, 1, QStringLiteral("'quote'")), Token::Comment)); // not a string
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("when")), Token::ProjectionApi));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("$init")), Token::ProjectionApi));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("function")), Token::Keyword));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("return")), Token::Keyword));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("0x1F")) + 3, Token::Number));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("1.5e3")) + 4, Token::Number));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("// b")), Token::String)); // not a comment
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("true")), Token::Literal));
    QVERIFY(isPlain(editor, 2, columnOf(editor, 2, QStringLiteral("n:"))));
    QVERIFY(isToken(editor, 3, 0, Token::Keyword)); // var
    // A member named like the API is still the API name; a plain identifier is plain.
    QVERIFY(isPlain(editor, 3, columnOf(editor, 3, QStringLiteral("state"))));
    QVERIFY(JavaScriptHighlighter::projectionApiNames().contains(QStringLiteral("partitionBy")));
}

void TestScriptEditor::blockCommentsAcrossLines()
{
    ScriptEditor editor;
    editor.setPlainText(QStringLiteral("var a = 1; /* starts\n"
                                       "   function 'x' 42\n"
                                       "ends */ var b = 2;\n"
                                       "function f() {}\n"));
    editor.show();
    QVERIFY(isToken(editor, 1, 0, Token::Keyword));
    QVERIFY(isToken(editor, 1, columnOf(editor, 1, QStringLiteral("/*")), Token::Comment));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("function")), Token::Comment));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("42")), Token::Comment));
    QVERIFY(isToken(editor, 3, 0, Token::Comment));
    QVERIFY(isToken(editor, 3, columnOf(editor, 3, QStringLiteral("var")), Token::Keyword));
    QVERIFY(isToken(editor, 3, columnOf(editor, 3, QStringLiteral("2")), Token::Number));
    QVERIFY(isToken(editor, 4, 0, Token::Keyword));

    // Closing the comment on line 1 turns lines 2 and 3 back into code.
    QTextCursor cursor(editor.document()->findBlockByNumber(0));
    cursor.movePosition(QTextCursor::EndOfBlock);
    cursor.insertText(QStringLiteral(" */"));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("function")), Token::Keyword));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("'x'")), Token::String));
    QVERIFY(isToken(editor, 2, columnOf(editor, 2, QStringLiteral("42")), Token::Number));
}

void TestScriptEditor::lineNumbers()
{
    ScriptEditor editor;
    editor.resize(400, 300);
    editor.setPlainText(QStringLiteral("a\nb\nc"));
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    const int small = editor.lineNumberAreaWidth();
    QVERIFY(small > 0);
    QCOMPARE(editor.lineNumberArea()->width(), small);
    QVERIFY(editor.viewport()->geometry().left() >= small);
    QString many;
    for (int i = 0; i < 1200; ++i)
        many += QStringLiteral("x\n");
    editor.setPlainText(many);
    QVERIFY(editor.lineNumberAreaWidth() > small); // four digits need more room than two
    QCOMPARE(editor.lineNumberArea()->width(), editor.lineNumberAreaWidth());
    QVERIFY(editor.viewport()->geometry().left() >= editor.lineNumberAreaWidth());
}

void TestScriptEditor::errorMarkers()
{
    ScriptEditor editor;
    editor.resize(500, 300);
    editor.setPlainText(QStringLiteral("fromAll().when({\n    $any: function (s, e) { s.x = ; }\n});\n"));
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    editor.setErrorMarker(2, 33, QStringLiteral("syntax error at line 2, column 33: Unexpected token `;'"));
    QCOMPARE(editor.errorLines(), QList<int>({2}));
    QVERIFY(editor.errorMessage(2).contains(QStringLiteral("Unexpected token")));
    QVERIFY(editor.errorMessage(1).isEmpty());

    // The line is tinted over its whole width and the column underlined, both with the message.
    bool line = false;
    bool column = false;
    const QList<QTextEdit::ExtraSelection> selections = editor.extraSelections();
    for (const QTextEdit::ExtraSelection &s : selections) {
        if (s.cursor.blockNumber() != 1 || s.format.toolTip() != editor.errorMessage(2))
            continue;
        if (s.format.property(QTextFormat::FullWidthSelection).toBool())
            line = true;
        if (s.format.underlineStyle() == QTextCharFormat::WaveUnderline) {
            column = true;
            QCOMPARE(s.cursor.selectionStart() - s.cursor.block().position(), 32);
        }
    }
    QVERIFY(line);
    QVERIFY(column);

    // Hovering the marked line shows the message.
    const QRect rect = editor.cursorRect(QTextCursor(editor.document()->findBlockByNumber(1)));
    QCOMPARE(editor.lineAt(rect.center()), 2);
    QHelpEvent help(QEvent::ToolTip, rect.center(), editor.viewport()->mapToGlobal(rect.center()));
    QApplication::sendEvent(editor.viewport(), &help);
    QTRY_COMPARE(QToolTip::text(), editor.errorMessage(2));
    QToolTip::hideText();

    // Lines that do not exist are not marked; clearing removes every marker.
    editor.setErrorMarker(99, 1, QStringLiteral("nowhere"));
    QCOMPARE(editor.errorLines(), QList<int>({2}));
    editor.clearErrorMarkers();
    QVERIFY(editor.errorLines().isEmpty());
}

void TestScriptEditor::editingClearsMarkers()
{
    ScriptEditor editor;
    editor.setPlainText(QStringLiteral("a\nb\n"));
    editor.show();
    editor.setErrorMarker(1, 1, QStringLiteral("boom"));
    // Re-highlighting alone (no change of text) keeps the marker.
    editor.highlighter()->rehighlight();
    QCOMPARE(editor.errorLines(), QList<int>({1}));
    editor.setFocus();
    QTest::keyClick(&editor, Qt::Key_X);
    QVERIFY(editor.errorLines().isEmpty());
}

void TestScriptEditor::typingKeepsText()
{
    ScriptEditor editor;
    editor.show();
    editor.setFocus();
    QTest::keyClicks(&editor, QStringLiteral("fromAll().when({ $any: function (s, e) { s.n = 1; } });"));
    QCOMPARE(editor.toPlainText(), QStringLiteral("fromAll().when({ $any: function (s, e) { s.n = 1; } });"));
    editor.goTo(1, 12);
    QCOMPARE(editor.textCursor().positionInBlock(), 11);
}

QTEST_MAIN(TestScriptEditor)
#include "tst_scripteditor.moc"
