#include "eventpredicate.h"

#include "event.h"
#include "scriptwatchdog.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJSEngine>
#include <QJSValue>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

namespace eventlens {

namespace {

// Names the scripts carry; runtime errors of the predicate are told apart from errors inside
// the event object's getters by the file name.
const QString kPredicateFile = QStringLiteral("eventlens-predicate");
const QString kEventFile = QStringLiteral("eventlens-event");

// Builds the event object and calls the predicate. Fixed fields are set in one object literal
// (V4 creates those with a precomputed layout) and the derived ones are getters on a shared
// prototype that parse or format on first access and cache the result on the object.
// The function returns a boolean unless the predicate threw: then it returns what was thrown.
const char kEventDriver[] = R"JS((function (predicate) {
    var proto = {};
    function getter(name, get) {
        Object.defineProperty(proto, name, { get: get, enumerable: false, configurable: false });
    }
    getter('data', function () {
        if (this.$dataValue === undefined)
            this.$dataValue = this.isJson ? JSON.parse(this.$data) : this.$data;
        return this.$dataValue;
    });
    getter('body', function () { return this.data; });
    getter('metadata', function () {
        if (this.$metadataValue === undefined)
            this.$metadataValue = JSON.parse(this.$metadata);
        return this.$metadataValue;
    });
    getter('dataRaw', function () { return this.$data; });
    getter('metadataRaw', function () { return this.$metadata; });
    getter('category', function () {
        var dash = this.stream.indexOf('-');
        return dash < 0 ? this.stream : this.stream.substring(0, dash);
    });
    getter('time', function () { return new Date(this.timeMs).toISOString(); });
    Object.defineProperty(proto, 'toJSON', { value: function () {
        return { position: this.position, stream: this.stream, version: this.version, id: this.id,
                 type: this.type, data: this.data, metadata: this.metadata, time: this.time };
    } });
    return function (position, stream, version, id, type, timeMs, data, metadata, isJson) {
        var e = { position: position, stream: stream, version: version, id: id, type: type,
                  timeMs: timeMs, isJson: isJson, $data: data, $metadata: metadata,
                  $dataValue: undefined, $metadataValue: undefined };
        Object.setPrototypeOf(e, proto);
        var result = predicate(e);
        if (typeof result === 'function') // an expression that yields a function: call it
            result = result(e);
        return result ? true : false;
    };
}))JS";

enum class Form { Expression, Function, Body };

// Leading white space and comments removed (for recognising the form only).
QStringView skipLeadingTrivia(QStringView text)
{
    for (;;) {
        qsizetype i = 0;
        while (i < text.size() && text[i].isSpace())
            ++i;
        text = text.mid(i);
        if (text.startsWith(u"//")) {
            const qsizetype nl = text.indexOf(u'\n');
            text = nl < 0 ? QStringView() : text.mid(nl + 1);
        } else if (text.startsWith(u"/*")) {
            const qsizetype end = text.indexOf(u"*/", 2);
            text = end < 0 ? QStringView() : text.mid(end + 2);
        } else {
            return text;
        }
    }
}

bool looksLikeFunction(QStringView text)
{
    static const QRegularExpression functionStart(QStringLiteral(
        "^(?:function\\b|(?:[A-Za-z_$][\\w$]*|\\([^()]*\\))\\s*=>)"));
    return functionStart.match(skipLeadingTrivia(text)).hasMatch();
}

bool hasReturnStatement(const QString &text)
{
    static const QRegularExpression returnWord(QStringLiteral("(?<![\\w$.])return\\b"));
    return returnWord.match(text).hasMatch();
}

// Trailing white space and semicolons removed: `e.type == "A";` is still an expression.
QString trimmedSource(const QString &source)
{
    qsizetype end = source.size();
    while (end > 0 && (source[end - 1].isSpace() || source[end - 1] == u';'))
        --end;
    return source.left(end);
}

QString wrap(Form form, const QString &text)
{
    // The user's text always starts a line of its own, and the script is evaluated with line
    // number 0 for the first line, so reported lines and columns are the user's.
    switch (form) {
    case Form::Expression:
        return QStringLiteral("(function (e) { return (\n") + text + QStringLiteral("\n); })");
    case Form::Function:
        return QStringLiteral("(\n") + text + QStringLiteral("\n)");
    case Form::Body:
        return QStringLiteral("(function (e) {\n") + text + QStringLiteral("\n})");
    }
    return {};
}

QString errorText(const QJSValue &error)
{
    if (error.isError()) {
        QString text = error.toString();
        if (error.property(QStringLiteral("fileName")).toString().endsWith(kPredicateFile)) {
            const int line = error.property(QStringLiteral("lineNumber")).toInt();
            if (line > 0)
                text += QStringLiteral(" (line %1)").arg(line);
        }
        return text;
    }
    return QStringLiteral("uncaught exception: ") + error.toString();
}

} // namespace

QString PredicateSyntaxError::toString() const
{
    if (line <= 0)
        return message;
    if (column <= 0)
        return QStringLiteral("syntax error at line %1: %2").arg(line).arg(message);
    return QStringLiteral("syntax error at line %1, column %2: %3").arg(line).arg(column).arg(message);
}

struct EventPredicate::Private
{
    Private(const QString &source, int budgetMs)
        : source(source)
        , budgetMs(std::max(1, budgetMs))
        , watchdog(&engine, this->budgetMs)
    {
    }

    // Evaluates a script under the watchdog; false (and *result the error) when it threw.
    bool evaluateScript(const QString &program, const QString &fileName, QJSValue *result, QStringList *trace)
    {
        const quint64 seq = watchdog.begin();
        *result = engine.evaluate(program, fileName, 0, trace);
        watchdog.end();
        if (engine.isInterrupted()) {
            engine.setInterrupted(false);
            if (watchdog.interrupted(seq)) {
                *result = QJSValue(QStringLiteral("took longer than %1 ms").arg(budgetMs));
                return false;
            }
            return evaluateScript(program, fileName, result, trace); // a stale interrupt: again
        }
        return !result->isError();
    }

    // Where a syntax error is, in the user's text.
    PredicateSyntaxError syntaxErrorOf(const QJSValue &error, const QStringList &trace, const QString &text) const
    {
        PredicateSyntaxError out;
        out.message = error.property(QStringLiteral("message")).toString();
        out.line = error.property(QStringLiteral("lineNumber")).toInt();
        // "function:line:column:file"
        if (!trace.isEmpty()) {
            const QStringList parts = trace.constFirst().split(u':');
            if (parts.size() >= 3) {
                bool okLine = false;
                bool okColumn = false;
                const int line = parts[1].toInt(&okLine);
                const int column = parts[2].toInt(&okColumn);
                if (okLine)
                    out.line = line;
                if (okColumn)
                    out.column = column;
            }
        }
        const QStringList lines = text.split(u'\n');
        if (out.line > lines.size() || out.line < 1) {
            // The parser only noticed in the wrapper's closing line: the text ended too early.
            out.line = int(lines.size());
            out.column = int(lines.constLast().size()) + 1;
            out.message += QStringLiteral(" (at the end of the predicate)");
        } else if (out.column > lines[out.line - 1].size() + 1) {
            out.column = int(lines[out.line - 1].size()) + 1;
        }
        return out;
    }

    void compile()
    {
        const QString text = trimmedSource(source);
        if (skipLeadingTrivia(text).isEmpty()) {
            compileError = PredicateSyntaxError{0, 0, QStringLiteral("the predicate is empty")};
            return;
        }

        QJSValue driverFactory;
        QStringList trace;
        if (!evaluateScript(QString::fromUtf8(kEventDriver), kEventFile, &driverFactory, &trace)) {
            compileError = PredicateSyntaxError{0, 0, QStringLiteral("internal error: ") + driverFactory.toString()};
            return;
        }

        const Form form = looksLikeFunction(text) ? Form::Function : Form::Expression;
        QJSValue compiled;
        bool ok = evaluateScript(wrap(form, text), kPredicateFile, &compiled, &trace);
        if (!ok && form == Form::Expression && compiled.errorType() == QJSValue::SyntaxError && hasReturnStatement(text)) {
            // Not an expression; perhaps a function body. Report its errors, as that is what
            // the text looks like.
            QStringList bodyTrace;
            QJSValue body;
            if (evaluateScript(wrap(Form::Body, text), kPredicateFile, &body, &bodyTrace) || body.errorType() == QJSValue::SyntaxError) {
                ok = !body.isError();
                compiled = body;
                trace = bodyTrace;
            }
        }
        if (!ok) {
            if (compiled.errorType() == QJSValue::SyntaxError)
                compileError = syntaxErrorOf(compiled, trace, text);
            else if (compiled.isError())
                compileError = PredicateSyntaxError{0, 0, errorText(compiled)};
            else
                compileError = PredicateSyntaxError{0, 0, QStringLiteral("predicate interrupted: ") + compiled.toString()};
            return;
        }
        if (!compiled.isCallable()) {
            compileError = PredicateSyntaxError{0, 0, QStringLiteral("the predicate is not a function")};
            return;
        }
        driver = driverFactory.call({compiled});
        if (!driver.isCallable()) {
            compileError = PredicateSyntaxError{0, 0, QStringLiteral("internal error: ") + driver.toString()};
            driver = QJSValue();
            return;
        }
        args.reserve(9);
        for (int i = 0; i < 9; ++i)
            args.append(QJSValue());
    }

    QJSValue typeValue(const QString &type)
    {
        // Few distinct types: keep them as engine strings instead of converting each time.
        auto it = types.constFind(type);
        if (it == types.constEnd()) {
            if (types.size() >= 4096)
                types.clear();
            it = types.insert(type, engine.toScriptValue(type));
        }
        return *it;
    }

    QString source;
    int budgetMs;
    QJSEngine engine;              // before the watchdog: destroyed after it
    int sinceCollect = 0;          // evaluations since the last garbage collection
    ScriptWatchdog watchdog;
    QJSValue driver;
    QJSValueList args;
    QHash<QString, QJSValue> types;
    std::optional<PredicateSyntaxError> compileError;

    qint64 runtimeErrors = 0;
    QString firstRuntimeError;
    qint64 firstRuntimeErrorPosition = 0;
    QString lastRuntimeError;
    QString interruption;
    qint64 interruptedPosition = 0;
};

EventPredicate::EventPredicate(const QString &source, int timeBudgetMs)
    : d(std::make_unique<Private>(source, timeBudgetMs))
{
    d->compile();
}

EventPredicate::~EventPredicate() = default;

std::optional<QString> EventPredicate::check(const QString &source)
{
    const std::optional<PredicateSyntaxError> error = syntaxError(source);
    if (!error)
        return std::nullopt;
    return error->toString();
}

std::optional<PredicateSyntaxError> EventPredicate::syntaxError(const QString &source)
{
    return EventPredicate(source).compileError();
}

QString EventPredicate::source() const
{
    return d->source;
}

bool EventPredicate::isValid() const
{
    return !d->compileError;
}

QString EventPredicate::error() const
{
    return d->compileError ? d->compileError->toString() : QString();
}

std::optional<PredicateSyntaxError> EventPredicate::compileError() const
{
    return d->compileError;
}

int EventPredicate::timeBudgetMs() const
{
    return d->budgetMs;
}

bool EventPredicate::matches(const Event &event)
{
    return evaluate(event) == Outcome::Match;
}

EventPredicate::Outcome EventPredicate::evaluate(const Event &event)
{
    if (d->compileError)
        return Outcome::Invalid;

    QJSValueList &args = d->args;
    args[0] = QJSValue(double(event.position));
    args[1] = QJSValue(event.stream);
    args[2] = QJSValue(double(event.version));
    args[3] = QJSValue(event.id);
    args[4] = d->typeValue(event.type);
    args[5] = QJSValue(double(event.timeMs));
    if (event.dataIsJson)
        args[6] = event.data.isEmpty() ? QJSValue(QStringLiteral("null")) : QJSValue(QString::fromUtf8(event.data));
    else
        args[6] = QJSValue(QString::fromUtf8(Event::rawDataText(event.data)));
    args[7] = event.metadata.isEmpty() ? QJSValue(QStringLiteral("{}")) : QJSValue(QString::fromUtf8(event.metadata));
    args[8] = QJSValue(event.dataIsJson);

    // Each event leaves a few objects behind; a collection now and then keeps a long scan's
    // engine small (QJSEngine alone lets its heap grow to hundreds of MB over millions of events).
    if (++d->sinceCollect >= 4000) {
        d->sinceCollect = 0;
        d->engine.collectGarbage();
    }
    QJSValue result;
    for (;;) {
        const quint64 seq = d->watchdog.begin();
        result = d->driver.call(args);
        d->watchdog.end();
        if (!d->engine.isInterrupted())
            break;
        d->engine.setInterrupted(false);
        if (d->watchdog.interrupted(seq)) {
            d->interruptedPosition = event.position;
            d->interruption = QStringLiteral("predicate interrupted: took longer than %1 ms at position %2")
                                  .arg(d->budgetMs)
                                  .arg(event.position);
            return Outcome::Interrupted;
        }
        // The interrupt was meant for an earlier evaluation that ended just before it landed.
    }

    if (result.isBool())
        return result.toBool() ? Outcome::Match : Outcome::NoMatch;

    ++d->runtimeErrors;
    d->lastRuntimeError = errorText(result) + QStringLiteral(" at position %1").arg(event.position);
    if (d->runtimeErrors == 1) {
        d->firstRuntimeErrorPosition = event.position;
        d->firstRuntimeError = d->lastRuntimeError;
    }
    return Outcome::RuntimeError;
}

qint64 EventPredicate::runtimeErrorCount() const
{
    return d->runtimeErrors;
}

QString EventPredicate::firstRuntimeError() const
{
    return d->firstRuntimeError;
}

qint64 EventPredicate::firstRuntimeErrorPosition() const
{
    return d->firstRuntimeErrorPosition;
}

QString EventPredicate::lastRuntimeError() const
{
    return d->lastRuntimeError;
}

QString EventPredicate::interruption() const
{
    return d->interruption;
}

qint64 EventPredicate::interruptedPosition() const
{
    return d->interruptedPosition;
}

} // namespace eventlens
