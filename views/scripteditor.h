#pragma once

#include <QMap>
#include <QPlainTextEdit>
#include <QString>

namespace eventlens {

class JavaScriptHighlighter;

// A JavaScript editor for projection scripts: a fixed-width font, line numbers in a margin,
// JavaScript highlighting, the current line tinted, and error markers. A marked line (1-based,
// as ProjectionError reports it) gets a red tint, the column a wavy underline, and a red dot in
// the margin; hovering the line or its number shows the message. Editing the text clears the
// markers (they belong to the text that was run).
class ScriptEditor final : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit ScriptEditor(QWidget *parent = nullptr);
    ~ScriptEditor() override;

    // Marks line (1-based) and column (1-based, 0: the whole line) with a message. Line 0 or
    // a line past the end marks nothing (the message still counts for errorMessage(0)).
    void setErrorMarker(int line, int column, const QString &message);
    void clearErrorMarkers();
    // The marked lines (1-based), in order.
    QList<int> errorLines() const { return m_errors.keys(); }
    // The message of a marked line, empty when it is not marked.
    QString errorMessage(int line) const;

    // Puts the cursor at line/column (1-based) and shows it.
    void goTo(int line, int column = 1);

    int lineNumberAreaWidth() const;
    QWidget *lineNumberArea() const { return m_lineNumbers; }
    JavaScriptHighlighter *highlighter() const { return m_highlighter; }
    // The 1-based line at a point of the viewport (0: none).
    int lineAt(const QPoint &viewportPos) const;

Q_SIGNALS:
    void errorMarkersChanged();

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Marker
    {
        int column = 0;
        QString message;
    };

    void paintLineNumbers(QPaintEvent *event);
    void updateMargins();
    void updateLineNumberArea(const QRect &rect, int dy);
    void updateExtraSelections();

    QWidget *m_lineNumbers = nullptr;
    JavaScriptHighlighter *m_highlighter = nullptr;
    QMap<int, Marker> m_errors;
    QString m_markedText; // the text the markers belong to
};

} // namespace eventlens
