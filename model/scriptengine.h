#pragma once

#include "projectionerror.h"
#include "scriptwatchdog.h"

#include <QJSEngine>
#include <QJSValue>
#include <QString>
#include <QStringList>

namespace eventlens {

// A QJSEngine with the time budget and error reporting every user script of eventlens shares
// (projections, deciders): evaluations run under a ScriptWatchdog, and a failed evaluation
// becomes a ProjectionError with the line and column in the user's script.
//
// Threads: create, use and destroy it on one thread (the watchdog watches that thread's CPU
// clock).
class ScriptEngine final
{
public:
    enum class Outcome { Ok, Threw, Interrupted };

    // slackMs is added to the budget before the watchdog interrupts (a runtime that restarts the
    // watchdog between events allows for the ticks it misses).
    explicit ScriptEngine(int budgetMs, int slackMs = 0);
    ~ScriptEngine();
    ScriptEngine(const ScriptEngine &) = delete;
    ScriptEngine &operator=(const ScriptEngine &) = delete;

    QJSEngine &engine() { return m_engine; }
    ScriptWatchdog &watchdog() { return m_watchdog; }
    int budgetMs() const { return m_budgetMs; }

    // Evaluates code as the file `file`; trace gets the stack of a thrown error.
    Outcome evaluate(const QString &code, const QString &file, QJSValue *result, QStringList *trace);

    // A function of parameters with body, made by the Function constructor (a syntax error
    // throws). For a runtime's code that runs per event or command: QJSEngine::evaluate()
    // compiles code as inheriting its context, which turns off V4's property lookup caches,
    // while the Function constructor keeps them (the projection runtime runs with about a
    // quarter fewer instructions). Errors in such a function carry no file name.
    Outcome compileFunction(const QStringList &parameters, const QString &body, QJSValue *result, QStringList *trace);

    // Calls fn with args under the watchdog (no source text to compile: much cheaper than
    // evaluate() for a call made per event or command). A thrown Error's stack stands in for the
    // trace. A function that may throw something other than an Error should catch it itself:
    // a thrown string comes back like a returned one.
    Outcome call(const QJSValue &fn, const QJSValueList &args, QJSValue *result, QStringList *trace);
    // The trace of a thrown Error from its stack ("function@file:line" lines), in the form
    // evaluate() gives ("function:line:column:file").
    static QStringList traceOf(const QJSValue &error);

    // The error of a failed evaluation (value: what it threw), located in sourceText when the
    // trace passes through `file` (the user's script, as given to evaluate()).
    ProjectionError errorOf(Outcome outcome, const QJSValue &value, const QStringList &trace, ProjectionError::Kind kind,
                            qint64 position, const QString &sourceText, const QString &file) const;

private:
    QJSEngine m_engine; // before the watchdog: destroyed after it
    int m_budgetMs;
    ScriptWatchdog m_watchdog;
};

} // namespace eventlens
