#include "scriptengine.h"

#include <QRegularExpression>

#include <algorithm>

namespace eventlens {

namespace {

// The column a runtime error most likely points at on its line: V4 reports only lines for
// runtime errors, so the column is inferred from the message (the property read, the name not
// defined, the throw statement); else the line's first non-blank character.
int guessColumn(const QString &lineText, const QString &message)
{
    static const QRegularExpression property(QStringLiteral("property '([^']+)'"));
    static const QRegularExpression undefinedName(QStringLiteral("ReferenceError: (\\S+) is not defined"));
    static const QRegularExpression notFunction(QStringLiteral("TypeError: (?:Property '([^']+)' of object .* is not a function|(\\S+) is not a function)"));
    auto findToken = [&lineText](const QString &token, bool member) -> int {
        if (token.isEmpty())
            return 0;
        const QString needles[] = {member ? QStringLiteral(".") + token : token, QStringLiteral("['") + token,
                                   QStringLiteral("[\"") + token, token};
        for (const QString &needle : needles) {
            const qsizetype at = lineText.indexOf(needle);
            if (at >= 0)
                return int(at) + 1;
        }
        return 0;
    };
    QRegularExpressionMatch match = property.match(message);
    if (match.hasMatch()) {
        // "Cannot read property 'y' of undefined": the object before .y is undefined; point at
        // the access.
        if (const int column = findToken(match.captured(1), true))
            return column;
    }
    match = undefinedName.match(message);
    if (match.hasMatch()) {
        if (const int column = findToken(match.captured(1), false))
            return column;
    }
    match = notFunction.match(message);
    if (match.hasMatch()) {
        const QString name = match.captured(1).isEmpty() ? match.captured(2) : match.captured(1);
        if (const int column = findToken(name.section(u'.', -1), false))
            return column;
    }
    const qsizetype throwAt = lineText.indexOf(QStringLiteral("throw"));
    if (throwAt >= 0)
        return int(throwAt) + 1;
    for (qsizetype i = 0; i < lineText.size(); ++i) {
        if (!lineText.at(i).isSpace())
            return int(i) + 1;
    }
    return lineText.isEmpty() ? 0 : 1;
}

// A script's name as V4 reports it ("file:name.js", "file:///abs/name.js"), without the scheme.
QStringView withoutScheme(QStringView name)
{
    if (name.startsWith(u"file://"))
        return name.mid(7);
    if (name.startsWith(u"file:"))
        return name.mid(5);
    return name;
}

// Line and column of an error from the evaluate() trace ("function:line:column:file").
void locate(ProjectionError &error, const QStringList &trace, const QString &sourceText, const QString &file)
{
    for (const QString &frame : trace) {
        const QStringList parts = frame.split(u':');
        if (parts.size() < 4)
            continue;
        const QString frameFile = parts.mid(3).join(u':');
        if (withoutScheme(frameFile) != withoutScheme(file))
            continue;
        error.line = parts[1].toInt();
        error.column = std::max(0, parts[2].toInt());
        break;
    }
    if (error.line > 0 && error.column <= 0) {
        const QStringList lines = sourceText.split(u'\n');
        if (error.line <= lines.size())
            error.column = guessColumn(lines[error.line - 1], error.message);
    }
}

} // namespace

ScriptEngine::ScriptEngine(int budgetMs, int slackMs)
    : m_budgetMs(std::max(1, budgetMs))
    , m_watchdog(&m_engine, m_budgetMs + std::max(0, slackMs))
{
}

ScriptEngine::~ScriptEngine() = default;

ScriptEngine::Outcome ScriptEngine::evaluate(const QString &code, const QString &file, QJSValue *result, QStringList *trace)
{
    for (;;) {
        trace->clear();
        const quint64 first = m_watchdog.begin();
        *result = m_engine.evaluate(code, file, 1, trace);
        const quint64 last = m_watchdog.current();
        m_watchdog.end();
        // A thrown value that is not an Error (a string) leaves a stack trace as well.
        if (!m_engine.isInterrupted())
            return result->isError() || !trace->isEmpty() ? Outcome::Threw : Outcome::Ok;
        m_engine.setInterrupted(false);
        for (quint64 seq = first; seq <= last; seq += 2) {
            if (m_watchdog.interrupted(seq))
                return Outcome::Interrupted;
        }
        // A stale interrupt, meant for an evaluation that had just ended: again.
    }
}

ScriptEngine::Outcome ScriptEngine::compileFunction(const QStringList &parameters, const QString &body, QJSValue *result,
                                                   QStringList *trace)
{
    QJSValueList args;
    for (const QString &parameter : parameters)
        args.append(parameter);
    args.append(body);
    return call(m_engine.globalObject().property(QStringLiteral("Function")), args, result, trace);
}

ScriptEngine::Outcome ScriptEngine::call(const QJSValue &fn, const QJSValueList &args, QJSValue *result, QStringList *trace)
{
    for (;;) {
        trace->clear();
        const quint64 first = m_watchdog.begin();
        *result = fn.call(args);
        const quint64 last = m_watchdog.current();
        m_watchdog.end();
        if (!m_engine.isInterrupted()) {
            if (!result->isError())
                return Outcome::Ok;
            *trace = traceOf(*result);
            return Outcome::Threw;
        }
        m_engine.setInterrupted(false);
        for (quint64 seq = first; seq <= last; seq += 2) {
            if (m_watchdog.interrupted(seq))
                return Outcome::Interrupted;
        }
    }
}

QStringList ScriptEngine::traceOf(const QJSValue &error)
{
    QStringList trace;
    const QStringList frames = error.property(QStringLiteral("stack")).toString().split(u'\n', Qt::SkipEmptyParts);
    for (const QString &frame : frames) {
        // "name@file:mine.js:3"
        const qsizetype at = frame.indexOf(u'@');
        const qsizetype colon = frame.lastIndexOf(u':');
        if (at < 0 || colon <= at)
            continue;
        trace.append(frame.left(at) + u':' + frame.mid(colon + 1) + QStringLiteral(":0:") + frame.mid(at + 1, colon - at - 1));
    }
    return trace;
}

ProjectionError ScriptEngine::errorOf(Outcome outcome, const QJSValue &value, const QStringList &trace,
                                      ProjectionError::Kind kind, qint64 position, const QString &sourceText,
                                      const QString &file) const
{
    ProjectionError error;
    error.position = position;
    if (outcome == Outcome::Interrupted) {
        error.kind = ProjectionError::Kind::Timeout;
        error.message = QStringLiteral("the script ran longer than %1 ms and was interrupted").arg(m_budgetMs);
        return error;
    }
    error.kind = kind;
    if (value.errorType() == QJSValue::SyntaxError && kind == ProjectionError::Kind::Definition)
        error.kind = ProjectionError::Kind::Syntax;
    if (value.property(QStringLiteral("definition")).toBool())
        error.kind = ProjectionError::Kind::Definition;
    if (value.isError()) {
        error.message = value.toString();
        if (error.kind == ProjectionError::Kind::Definition && error.message.startsWith(QStringLiteral("Error: ")))
            error.message = error.message.mid(7);
        if (error.kind == ProjectionError::Kind::Syntax && error.message.startsWith(QStringLiteral("SyntaxError: ")))
            error.message = error.message.mid(13);
    } else {
        error.message = QStringLiteral("uncaught exception: ") + value.toString();
    }
    locate(error, trace, sourceText, file);
    if (error.kind == ProjectionError::Kind::Syntax && error.line == 0)
        error.line = value.property(QStringLiteral("lineNumber")).toInt();
    return error;
}

} // namespace eventlens
