#pragma once

#include <QRegularExpression>
#include <QSet>
#include <QStringList>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

class QTextDocument;

namespace eventlens {

// JavaScript syntax highlighting for projection scripts: keywords, literals (true, false, null,
// undefined, this), strings ('…', "…" and `…` on one line), numbers (decimal, hex, exponents),
// line comments and block comments (across lines: the block state carries "inside a comment"),
// and the names of the projection API (fromAll, when, partitionBy, emit, $init, $any…).
// Strings and comments are found left to right, so a quote inside a comment or "//" inside a
// string does not start anything.
class JavaScriptHighlighter final : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    enum class Token { Keyword, Literal, String, Number, Comment, ProjectionApi };

    explicit JavaScriptHighlighter(QTextDocument *document);

    QTextCharFormat format(Token token) const;
    // The names highlighted as the projection API.
    static QStringList projectionApiNames();

protected:
    void highlightBlock(const QString &text) override;

private:
    void setToken(int start, int length, Token token);

    QSet<QString> m_keywords;
    QSet<QString> m_literals;
    QSet<QString> m_api;
    QRegularExpression m_number;
    QTextCharFormat m_formats[6];
};

} // namespace eventlens
