#include "javascripthighlighter.h"

#include <QColor>
#include <QFont>

#include <algorithm>

namespace eventlens {

namespace {

constexpr int InBlockComment = 1;

bool isIdentifierStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_') || c == QLatin1Char('$');
}

bool isIdentifierPart(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('$');
}

QSet<QString> wordSet(const QStringList &words)
{
    return QSet<QString>(words.cbegin(), words.cend());
}

} // namespace

QStringList JavaScriptHighlighter::projectionApiNames()
{
    return {
        QStringLiteral("fromAll"), QStringLiteral("fromStream"), QStringLiteral("fromStreams"),
        QStringLiteral("fromCategory"), QStringLiteral("fromCategories"), QStringLiteral("fromStreamsMatching"),
        QStringLiteral("foreachStream"), QStringLiteral("partitionBy"), QStringLiteral("when"),
        QStringLiteral("transformBy"), QStringLiteral("filterBy"), QStringLiteral("outputState"),
        QStringLiteral("outputTo"), QStringLiteral("emit"), QStringLiteral("linkTo"), QStringLiteral("log"),
        QStringLiteral("options"), QStringLiteral("$init"), QStringLiteral("$initShared"),
        QStringLiteral("$created"), QStringLiteral("$any"), QStringLiteral("$deleted"),
    };
}

JavaScriptHighlighter::JavaScriptHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
    , m_number(QStringLiteral("0[xX][0-9a-fA-F]+|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?"))
{
    m_keywords = wordSet({
        QStringLiteral("break"), QStringLiteral("case"), QStringLiteral("catch"), QStringLiteral("class"),
        QStringLiteral("const"), QStringLiteral("continue"), QStringLiteral("debugger"), QStringLiteral("default"),
        QStringLiteral("delete"), QStringLiteral("do"), QStringLiteral("else"), QStringLiteral("export"),
        QStringLiteral("extends"), QStringLiteral("finally"), QStringLiteral("for"), QStringLiteral("function"),
        QStringLiteral("if"), QStringLiteral("import"), QStringLiteral("in"), QStringLiteral("instanceof"),
        QStringLiteral("let"), QStringLiteral("new"), QStringLiteral("of"), QStringLiteral("return"),
        QStringLiteral("super"), QStringLiteral("switch"), QStringLiteral("throw"), QStringLiteral("try"),
        QStringLiteral("typeof"), QStringLiteral("var"), QStringLiteral("void"), QStringLiteral("while"),
        QStringLiteral("with"), QStringLiteral("yield"),
    });
    m_literals = wordSet({QStringLiteral("true"), QStringLiteral("false"), QStringLiteral("null"),
                          QStringLiteral("undefined"), QStringLiteral("this"), QStringLiteral("NaN"),
                          QStringLiteral("Infinity")});
    m_api = wordSet(projectionApiNames());

    // Colours that read on a light and a dark base alike.
    QTextCharFormat &keyword = m_formats[int(Token::Keyword)];
    keyword.setForeground(QColor(0x3b, 0x5b, 0xdb));
    keyword.setFontWeight(QFont::Bold);
    m_formats[int(Token::Literal)].setForeground(QColor(0x9c, 0x36, 0xb5));
    m_formats[int(Token::String)].setForeground(QColor(0x2b, 0x8a, 0x3e));
    m_formats[int(Token::Number)].setForeground(QColor(0xd9, 0x48, 0x0f));
    QTextCharFormat &comment = m_formats[int(Token::Comment)];
    comment.setForeground(QColor(0x86, 0x8e, 0x96));
    comment.setFontItalic(true);
    QTextCharFormat &api = m_formats[int(Token::ProjectionApi)];
    api.setForeground(QColor(0x0c, 0x85, 0x99));
    api.setFontWeight(QFont::Bold);
}

QTextCharFormat JavaScriptHighlighter::format(Token token) const
{
    return m_formats[int(token)];
}

void JavaScriptHighlighter::setToken(int start, int length, Token token)
{
    setFormat(start, length, m_formats[int(token)]);
}

void JavaScriptHighlighter::highlightBlock(const QString &text)
{
    setCurrentBlockState(0);
    const int n = int(text.size());
    int i = 0;
    if (previousBlockState() == InBlockComment) {
        const int end = int(text.indexOf(QLatin1String("*/")));
        if (end < 0) {
            setToken(0, n, Token::Comment);
            setCurrentBlockState(InBlockComment);
            return;
        }
        setToken(0, end + 2, Token::Comment);
        i = end + 2;
    }
    while (i < n) {
        const QChar c = text.at(i);
        const QChar next = i + 1 < n ? text.at(i + 1) : QChar();
        if (c == QLatin1Char('/') && next == QLatin1Char('/')) {
            setToken(i, n - i, Token::Comment);
            return;
        }
        if (c == QLatin1Char('/') && next == QLatin1Char('*')) {
            const int end = int(text.indexOf(QLatin1String("*/"), i + 2));
            if (end < 0) {
                setToken(i, n - i, Token::Comment);
                setCurrentBlockState(InBlockComment);
                return;
            }
            setToken(i, end + 2 - i, Token::Comment);
            i = end + 2;
            continue;
        }
        if (c == QLatin1Char('\'') || c == QLatin1Char('"') || c == QLatin1Char('`')) {
            int j = i + 1;
            while (j < n && text.at(j) != c)
                j += text.at(j) == QLatin1Char('\\') ? 2 : 1;
            const int end = std::min(j + 1, n);
            setToken(i, end - i, Token::String);
            i = end;
            continue;
        }
        if (isIdentifierStart(c)) {
            int j = i + 1;
            while (j < n && isIdentifierPart(text.at(j)))
                ++j;
            const QString word = text.mid(i, j - i);
            // A member access (x.when) is not the API; a property named like a keyword neither.
            const bool member = i > 0 && text.at(i - 1) == QLatin1Char('.');
            if (m_api.contains(word) && (!member || !word.startsWith(QLatin1Char('$'))))
                setToken(i, j - i, Token::ProjectionApi);
            else if (!member && m_keywords.contains(word))
                setToken(i, j - i, Token::Keyword);
            else if (!member && m_literals.contains(word))
                setToken(i, j - i, Token::Literal);
            i = j;
            continue;
        }
        if (c.isDigit() || (c == QLatin1Char('.') && next.isDigit())) {
            const QRegularExpressionMatch match = m_number.match(text, i, QRegularExpression::NormalMatch,
                                                                 QRegularExpression::AnchorAtOffsetMatchOption);
            const int length = match.hasMatch() ? int(match.capturedLength()) : 1;
            setToken(i, length, Token::Number);
            i += length;
            continue;
        }
        ++i;
    }
}

} // namespace eventlens
