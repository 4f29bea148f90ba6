#include "scripteditor.h"

#include "javascripthighlighter.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

#include <algorithm>

namespace eventlens {

namespace {

QColor errorColor()
{
    return QColor(0xe0, 0x31, 0x31);
}

} // namespace

ScriptEditor::ScriptEditor(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("scriptEditor"));
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    setFont(font);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabStopDistance(4 * fontMetrics().horizontalAdvance(QLatin1Char(' ')));
    m_highlighter = new JavaScriptHighlighter(document());

    m_lineNumbers = new QWidget(this);
    m_lineNumbers->setObjectName(QStringLiteral("lineNumberArea"));
    m_lineNumbers->installEventFilter(this);
    m_lineNumbers->setMouseTracking(true);

    connect(this, &QPlainTextEdit::blockCountChanged, this, &ScriptEditor::updateMargins);
    connect(this, &QPlainTextEdit::updateRequest, this, &ScriptEditor::updateLineNumberArea);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &ScriptEditor::updateExtraSelections);
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        // Markers belong to the text that was run: an edit removes them (formatting alone
        // does not change the text).
        if (!m_errors.isEmpty() && toPlainText() != m_markedText)
            clearErrorMarkers();
    });
    updateMargins();
    updateExtraSelections();
}

ScriptEditor::~ScriptEditor() = default;

int ScriptEditor::lineNumberAreaWidth() const
{
    int digits = 1;
    for (int max = std::max(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    digits = std::max(digits, 2);
    // Room for the digits and the error dot.
    return 6 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits + fontMetrics().height() / 2 + 6;
}

void ScriptEditor::updateMargins()
{
    const int width = lineNumberAreaWidth();
    setViewportMargins(width, 0, 0, 0);
    const QRect r = contentsRect();
    m_lineNumbers->setGeometry(QRect(r.left(), r.top(), width, r.height()));
}

void ScriptEditor::updateLineNumberArea(const QRect &rect, int dy)
{
    if (dy != 0)
        m_lineNumbers->scroll(0, dy);
    else
        m_lineNumbers->update(0, rect.y(), m_lineNumbers->width(), rect.height());
    if (rect.contains(viewport()->rect()))
        updateMargins();
}

void ScriptEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect r = contentsRect();
    m_lineNumbers->setGeometry(QRect(r.left(), r.top(), lineNumberAreaWidth(), r.height()));
}

void ScriptEditor::paintLineNumbers(QPaintEvent *event)
{
    QPainter painter(m_lineNumbers);
    const QPalette pal = palette();
    painter.fillRect(event->rect(), pal.color(QPalette::Window));
    QTextBlock block = firstVisibleBlock();
    int number = block.blockNumber() + 1;
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    const int current = textCursor().blockNumber() + 1;
    const int width = m_lineNumbers->width();
    const int dot = fontMetrics().height() / 2;
    painter.setFont(font());
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            if (m_errors.contains(number)) {
                painter.setRenderHint(QPainter::Antialiasing);
                painter.setPen(Qt::NoPen);
                painter.setBrush(errorColor());
                painter.drawEllipse(QRect(4, top + (fontMetrics().height() - dot) / 2, dot, dot));
            }
            QColor color = pal.color(QPalette::PlaceholderText);
            if (number == current)
                color = pal.color(QPalette::Text);
            if (m_errors.contains(number))
                color = errorColor();
            painter.setPen(color);
            painter.drawText(0, top, width - 6, fontMetrics().height(), Qt::AlignRight | Qt::AlignVCenter,
                             QString::number(number));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
        ++number;
    }
}

int ScriptEditor::lineAt(const QPoint &viewportPos) const
{
    const QTextCursor cursor = cursorForPosition(viewportPos);
    const QTextBlock block = cursor.block();
    if (!block.isValid())
        return 0;
    const QRectF rect = blockBoundingGeometry(block).translated(contentOffset());
    if (viewportPos.y() < rect.top() || viewportPos.y() > rect.bottom())
        return 0;
    return block.blockNumber() + 1;
}

bool ScriptEditor::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_lineNumbers) {
        if (event->type() == QEvent::Paint) {
            paintLineNumbers(static_cast<QPaintEvent *>(event));
            return true;
        }
        if (event->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(event);
            const int line = lineAt(QPoint(0, help->pos().y()));
            if (m_errors.contains(line))
                QToolTip::showText(help->globalPos(), errorMessage(line), m_lineNumbers);
            else
                QToolTip::hideText();
            return true;
        }
    }
    return QPlainTextEdit::eventFilter(watched, event);
}

bool ScriptEditor::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int line = lineAt(help->pos());
        if (m_errors.contains(line)) {
            QToolTip::showText(help->globalPos(), errorMessage(line), viewport());
            return true;
        }
        QToolTip::hideText();
        return true;
    }
    return QPlainTextEdit::viewportEvent(event);
}

void ScriptEditor::setErrorMarker(int line, int column, const QString &message)
{
    m_markedText = toPlainText();
    if (line >= 1 && line <= blockCount())
        m_errors.insert(line, Marker{column, message});
    updateExtraSelections();
    m_lineNumbers->update();
    Q_EMIT errorMarkersChanged();
}

void ScriptEditor::clearErrorMarkers()
{
    if (m_errors.isEmpty())
        return;
    m_errors.clear();
    updateExtraSelections();
    m_lineNumbers->update();
    Q_EMIT errorMarkersChanged();
}

QString ScriptEditor::errorMessage(int line) const
{
    return m_errors.value(line).message;
}

void ScriptEditor::goTo(int line, int column)
{
    const QTextBlock block = document()->findBlockByNumber(std::max(0, line - 1));
    if (!block.isValid())
        return;
    QTextCursor cursor(block);
    cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor,
                        std::clamp(column - 1, 0, std::max(0, int(block.length()) - 1)));
    setTextCursor(cursor);
    centerCursor();
}

void ScriptEditor::updateExtraSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (!isReadOnly()) {
        QTextEdit::ExtraSelection current;
        QColor tint = palette().color(QPalette::Highlight);
        tint.setAlpha(24);
        current.format.setBackground(tint);
        current.format.setProperty(QTextFormat::FullWidthSelection, true);
        current.cursor = textCursor();
        current.cursor.clearSelection();
        selections.append(current);
    }
    for (auto it = m_errors.cbegin(); it != m_errors.cend(); ++it) {
        const QTextBlock block = document()->findBlockByNumber(it.key() - 1);
        if (!block.isValid())
            continue;
        QTextEdit::ExtraSelection line;
        QColor tint = errorColor();
        tint.setAlpha(48);
        line.format.setBackground(tint);
        line.format.setProperty(QTextFormat::FullWidthSelection, true);
        line.format.setToolTip(it->message);
        line.cursor = QTextCursor(block);
        selections.append(line);

        // The column: a wavy underline from there to the end of the word (or one character).
        const int length = int(block.length()) - 1;
        if (it->column >= 1 && length > 0) {
            const int start = std::min(it->column - 1, length - 1);
            int end = start + 1;
            const QString text = block.text();
            while (end < length && (text.at(end).isLetterOrNumber() || text.at(end) == QLatin1Char('_')))
                ++end;
            QTextEdit::ExtraSelection column;
            column.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            column.format.setUnderlineColor(errorColor());
            column.format.setToolTip(it->message);
            column.cursor = QTextCursor(block);
            column.cursor.setPosition(block.position() + start);
            column.cursor.setPosition(block.position() + end, QTextCursor::KeepAnchor);
            selections.append(column);
        }
    }
    setExtraSelections(selections);
}

} // namespace eventlens
