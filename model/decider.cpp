#include "decider.h"

#include "jsonutil.h"
#include "scriptengine.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

// The runtime between the C++ side and the user's functions: the body of a function of the
// global object (ScriptEngine::compileFunction). Values cross as JSON text; states stay in the
// engine. Errors the runtime throws itself carry scriptError, so that they are
// never mistaken for a domain error.
const char kRuntime[] = R"JS(
    "use strict";
    var fns = null;
    function fail(message) {
        var e = new Error(message);
        e.scriptError = true;
        return e;
    }
    function isObject(v) {
        return v !== null && typeof v === "object" && !Array.isArray(v);
    }
    function upcast(type, data, metadata) {
        var chain = fns.upcasters[type];
        if (!chain)
            return data;
        var version = typeof metadata.schemaVersion === "number" ? metadata.schemaVersion : 1;
        if (version > chain.length)
            return data;
        while (version <= chain.length) {
            var next = chain[version - 1](data, metadata);
            if (next !== undefined)
                data = next;
            version += 1;
        }
        metadata.schemaVersion = version;
        return data;
    }
    var api = {
        input: "",
        threw: false,
        thrown: undefined,
        at: 0,
        bind: function (initialState, evolve, decide, commands, upcasters) {
            if (typeof initialState !== "function")
                throw fail("the script defines no initialState() function");
            if (typeof evolve !== "function")
                throw fail("the script defines no evolve(state, event) function");
            if (typeof decide !== "function")
                throw fail("the script defines no decide(command, state) function");
            if (commands !== undefined && !isObject(commands))
                throw fail("commands must be an object of command types");
            if (upcasters !== undefined && !isObject(upcasters))
                throw fail("upcasters must be an object of event types");
            var versions = {};
            for (var type in upcasters || {}) {
                var chain = upcasters[type];
                if (!Array.isArray(chain) || chain.some(function (f) { return typeof f !== "function"; }))
                    throw fail("upcasters." + type + " must be an array of functions");
                versions[type] = chain.length + 1;
            }
            fns = { initialState: initialState, evolve: evolve, decide: decide, upcasters: upcasters || {} };
            return JSON.stringify({ commands: commands || {}, versions: versions });
        },
        init: function () {
            var s = fns.initialState();
            if (s === undefined)
                throw fail("initialState() returned undefined");
            return JSON.parse(JSON.stringify(s));
        },
        // events: [[type, data, metadata, stream, version, position, timeMs], ...] as JSON text.
        evolve: function (state, text) {
            var events = JSON.parse(text);
            for (var i = 0; i < events.length; ++i) {
                var e = events[i];
                api.at = e[5];
                var metadata = isObject(e[2]) ? e[2] : {};
                var event = { type: e[0], data: upcast(e[0], e[1], metadata), metadata: metadata, streamId: e[3],
                              version: e[4], position: e[5], time: new Date(e[6]).toISOString() };
                var next = fns.evolve(state, event);
                if (next !== undefined)
                    state = next;
            }
            return state;
        },
        upcastOne: function (text) {
            var e = JSON.parse(text);
            var metadata = isObject(e[2]) ? e[2] : {};
            var data = upcast(e[0], e[1], metadata);
            return JSON.stringify([data, metadata]);
        },
        // command: {type, stream, data, metadata} as JSON text; returns [[type, dataText,
        // metadataText], ...] as JSON text.
        decide: function (state, text) {
            var command = JSON.parse(text);
            var out = fns.decide(command, state);
            if (out === undefined || out === null)
                out = [];
            if (!Array.isArray(out))
                out = [out];
            var events = [];
            for (var i = 0; i < out.length; ++i) {
                var e = out[i];
                var dataText = JSON.stringify(e && e.data === undefined ? {} : e && e.data);
                if (!isObject(e) || typeof e.type !== "string" || e.type === "")
                    throw fail("decide() must return events like {type: \"Deposited\", data: {...}} (event " + i + " is not)");
                if (typeof dataText !== "string")
                    throw fail("the data of event " + i + " (" + e.type + ") is not JSON");
                var metadata = e.metadata === undefined ? {} : e.metadata;
                if (!isObject(metadata))
                    throw fail("the metadata of event " + i + " (" + e.type + ") must be an object");
                events.push([e.type, dataText, JSON.stringify(metadata)]);
            }
            return JSON.stringify(events);
        },
        // Calls api[name](a, b); what it throws (an Error or anything else) is kept in
        // api.thrown with api.threw set, so that a thrown string is told from a returned one.
        guarded: function (name) {
            var f = api[name];
            return function (a, b) {
                api.threw = false;
                try {
                    return f(a, b);
                } catch (e) {
                    api.threw = true;
                    api.thrown = e;
                    return undefined;
                }
            };
        },
        stateText: function (state) {
            return JSON.stringify(state === undefined ? null : state);
        },
        parseState: function (text) {
            return JSON.parse(text);
        }
    };
    global.__decider = api;
)JS";

// The user's script runs inside a function, so that its lexical declarations (const decide =
// ...) are seen as well as functions and vars; the prefix keeps its lines where they are.
const QString kWrapPrefix = QStringLiteral("(function () {");
const QString kWrapSuffix = QStringLiteral(
    "\n;return __decider.bind(typeof initialState === 'undefined' ? undefined : initialState, "
    "typeof evolve === 'undefined' ? undefined : evolve, typeof decide === 'undefined' ? undefined : decide, "
    "typeof commands === 'undefined' ? undefined : commands, typeof upcasters === 'undefined' ? undefined : upcasters);\n})()");

QString bundledPath(const QString &domain)
{
    return QStringLiteral(":/eventlens/deciders/") + domain + QStringLiteral(".js");
}

} // namespace

struct Decider::Private
{
    Private(const QString &script, const QString &fileName, int budgetMs)
        : script(script)
        , scriptHash(QString::fromLatin1(QCryptographicHash::hash(script.toUtf8(), QCryptographicHash::Sha256).toHex()))
        , fileName(fileName.isEmpty() ? QStringLiteral("decider.js") : fileName)
        , js(budgetMs)
    {
    }

    using Outcome = ScriptEngine::Outcome;

    [[noreturn]] void raise(Outcome outcome, const QJSValue &value, const QStringList &trace, ProjectionError::Kind kind,
                            qint64 position)
    {
        throw DeciderError(js.errorOf(outcome, value, trace, kind, position, script, fileName));
    }

    static constexpr qint64 kAtEvent = -1; // the position of the event evolve() was at

    // Calls a runtime function (guarded: see the runtime's guarded()); a failure is the
    // script's (DeciderError). With thrown, a value the function threw is handed back instead
    // (for decide(): the domain's errors).
    QJSValue invoke(const QJSValue &fn, const QJSValueList &args, qint64 position, QJSValue *thrown = nullptr)
    {
        if (!valid)
            throw DeciderError(error.value_or(ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("no decider")}));
        QJSValue result;
        QStringList trace;
        Outcome outcome = js.call(fn, args, &result, &trace);
        if (outcome == Outcome::Ok && api.property(QStringLiteral("threw")).toBool()) {
            result = api.property(QStringLiteral("thrown"));
            api.setProperty(QStringLiteral("thrown"), QJSValue());
            if (thrown) {
                *thrown = result;
                return QJSValue();
            }
            trace = ScriptEngine::traceOf(result);
            outcome = Outcome::Threw;
        }
        if (outcome != Outcome::Ok) {
            const qint64 at = position == kAtEvent ? qint64(api.property(QStringLiteral("at")).toNumber()) : position;
            raise(outcome, result, trace, ProjectionError::Kind::Runtime, at);
        }
        return result;
    }

    QJSValue guarded(const char *name) const
    {
        return api.property(QStringLiteral("guarded")).call({QJSValue(QString::fromLatin1(name))});
    }

    void compile()
    {
        QJSValue result;
        QStringList trace;
        if (js.compileFunction({QStringLiteral("global")}, QString::fromUtf8(kRuntime), &result, &trace) != Outcome::Ok
            || js.call(result, {js.engine().globalObject()}, &result, &trace) != Outcome::Ok) {
            error = ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("internal error: ") + result.toString()};
            return;
        }
        api = js.engine().globalObject().property(QStringLiteral("__decider"));
        fnInit = guarded("init");
        fnEvolve = guarded("evolve");
        fnDecide = guarded("decide");
        fnUpcast = guarded("upcastOne");
        fnStateText = guarded("stateText");
        fnParseState = guarded("parseState");
        const Outcome outcome = js.evaluate(kWrapPrefix + script + kWrapSuffix, fileName, &result, &trace);
        if (outcome != Outcome::Ok) {
            error = js.errorOf(outcome, result, trace, ProjectionError::Kind::Definition, 0, script, fileName);
            if (result.property(QStringLiteral("scriptError")).toBool() && error->message.startsWith(QStringLiteral("Error: ")))
                error->message = error->message.mid(7);
            if (error->line == 1 && error->column > kWrapPrefix.size())
                error->column -= int(kWrapPrefix.size());
            return;
        }
        const Json bound = Json::parse(result.toString().toStdString());
        for (const auto &[type, data] : bound["commands"].items()) {
            commandTypes.append(QString::fromStdString(type));
            templates[QString::fromStdString(type)] = data.is_object() ? data : Json::object();
        }
        for (const auto &[type, version] : bound["versions"].items())
            versions[QString::fromStdString(type)] = version.get<int>();
        valid = true;
    }

    // [type, data, metadata, stream, version, position, timeMs] of one event, as JSON text.
    static void appendEvent(QByteArray &out, const Event &e)
    {
        out.append('[');
        jsonutil::appendString(out, QStringView(e.type));
        out.append(',');
        if (e.dataIsJson && !e.data.isEmpty())
            out.append(e.data);
        else
            jsonutil::appendString(out, QString::fromUtf8(Event::rawDataText(e.data)));
        out.append(',');
        out.append(e.metadata.isEmpty() ? QByteArrayLiteral("{}") : e.metadata);
        out.append(',');
        jsonutil::appendString(out, QStringView(e.stream));
        out.append(',');
        out.append(QByteArray::number(e.version));
        out.append(',');
        out.append(QByteArray::number(e.position));
        out.append(',');
        out.append(QByteArray::number(e.timeMs));
        out.append(']');
    }

    QString script;
    QString scriptHash; // of the script's text: snapshots name the decider that made them
    QString fileName;
    QString domain;
    ScriptEngine js;
    QJSValue api;
    QJSValue fnInit, fnEvolve, fnDecide, fnUpcast, fnStateText, fnParseState;
    bool valid = false;
    std::optional<ProjectionError> error;
    QStringList commandTypes;
    std::map<QString, Json> templates;
    std::map<QString, int> versions;
};

Decider::Decider(const QString &script, const QString &fileName, int timeBudgetMs)
    : d(std::make_unique<Private>(script, fileName, timeBudgetMs))
{
    d->compile();
}

Decider::~Decider() = default;

QStringList Decider::bundledDomains()
{
    return {QStringLiteral("bank"), QStringLiteral("order")};
}

QString Decider::bundledScript(const QString &domain)
{
    if (!bundledDomains().contains(domain))
        return {};
    QFile file(bundledPath(domain));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

QString Decider::bundledDomainForStream(const QString &stream)
{
    const QString category = Event::categoryOf(stream);
    if (category == QStringLiteral("account"))
        return QStringLiteral("bank");
    if (category == QStringLiteral("order"))
        return QStringLiteral("order");
    return {};
}

std::unique_ptr<Decider> Decider::bundled(const QString &domain, int timeBudgetMs)
{
    const QString script = bundledScript(domain);
    if (script.isEmpty()) {
        throw DeciderError(ProjectionError{ProjectionError::Kind::Definition,
                                           QStringLiteral("unknown domain '%1' (known: %2)")
                                               .arg(domain, bundledDomains().join(QStringLiteral(", ")))});
    }
    auto decider = std::make_unique<Decider>(script, domain + QStringLiteral(".js"), timeBudgetMs);
    decider->d->domain = domain;
    return decider;
}

std::unique_ptr<Decider> Decider::fromFile(const QString &path, int timeBudgetMs)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        throw DeciderError(ProjectionError{ProjectionError::Kind::Definition,
                                           QStringLiteral("cannot read decider '%1': %2").arg(path, file.errorString())});
    }
    return std::make_unique<Decider>(QString::fromUtf8(file.readAll()), path, timeBudgetMs);
}

QString Decider::script() const { return d->script; }
QString Decider::fileName() const { return d->fileName; }

QString Decider::name() const
{
    if (!d->domain.isEmpty())
        return d->domain;
    QString base = QFileInfo(d->fileName).fileName();
    if (base.endsWith(QStringLiteral(".js")))
        base.chop(3);
    return base;
}

QString Decider::scriptHash() const
{
    return d->scriptHash;
}

bool Decider::isValid() const { return d->valid; }
std::optional<ProjectionError> Decider::error() const { return d->error; }
QStringList Decider::commandTypes() const { return d->commandTypes; }

Decider::Json Decider::commandTemplate(const QString &type) const
{
    const auto it = d->templates.find(type);
    return it == d->templates.end() ? Json::object() : it->second;
}

int Decider::schemaVersion(const QString &eventType) const
{
    const auto it = d->versions.find(eventType);
    return it == d->versions.end() ? 1 : it->second;
}

Decider::State Decider::initialState()
{
    State state;
    state.m_value = d->invoke(d->fnInit, {}, 0);
    state.m_version = -1;
    return state;
}

void Decider::evolve(State &state, std::span<const Event> events)
{
    if (events.empty())
        return;
    QByteArray input;
    input.reserve(qsizetype(events.size()) * 256);
    input.append('[');
    for (size_t i = 0; i < events.size(); ++i) {
        if (i > 0)
            input.append(',');
        Private::appendEvent(input, events[i]);
    }
    input.append(']');
    state.m_value = d->invoke(d->fnEvolve, {state.m_value, QString::fromUtf8(input)}, Private::kAtEvent);
    state.m_version = events.back().version;
}

Decider::Json Decider::stateJson(const State &state)
{
    const QString text = d->invoke(d->fnStateText, {state.m_value}, 0).toString();
    return Json::parse(text.toStdString());
}

Decider::State Decider::stateFromJson(const Json &json, qint64 version)
{
    State state;
    state.m_value = d->invoke(d->fnParseState, {QString::fromStdString(json.dump())}, 0);
    state.m_version = version;
    return state;
}

Decider::Decision Decider::decide(const DeciderCommand &command, const State &state)
{
    Json input = Json::object();
    input["type"] = command.type.toStdString();
    input["stream"] = command.stream.toStdString();
    input["data"] = command.data;
    input["metadata"] = command.metadata;
    QJSValue thrown;
    const QJSValue result = d->invoke(d->fnDecide, {state.m_value, QString::fromStdString(input.dump())}, 0, &thrown);
    Decision decision;
    if (!thrown.isUndefined()) {
        // A plain Error (or a class of the script's own derived from it) or a thrown string is
        // the domain saying no; the built-in error types are bugs.
        if (thrown.isString()) {
            decision.rejection = thrown.toString();
            return decision;
        }
        if (thrown.isError() && thrown.errorType() == QJSValue::GenericError
            && !thrown.property(QStringLiteral("scriptError")).toBool()) {
            decision.rejection = thrown.property(QStringLiteral("message")).toString();
            return decision;
        }
        d->raise(ScriptEngine::Outcome::Threw, thrown, ScriptEngine::traceOf(thrown), ProjectionError::Kind::Runtime, 0);
    }
    const Json events = Json::parse(result.toString().toStdString());
    for (const Json &e : events) {
        NewEvent event;
        event.type = QString::fromStdString(e[0].get<std::string>());
        event.data = QByteArray::fromStdString(e[1].get<std::string>());
        Json metadata = Json::parse(e[2].get<std::string>());
        for (const auto &[key, value] : command.metadata.items()) {
            if (!metadata.contains(key))
                metadata[key] = value;
        }
        const int version = schemaVersion(event.type);
        if (version > 1)
            metadata["schemaVersion"] = version;
        event.metadata = QByteArray::fromStdString(metadata.dump());
        decision.events.push_back(std::move(event));
    }
    return decision;
}

Event Decider::upcast(const Event &event)
{
    if (!event.dataIsJson || d->versions.find(event.type) == d->versions.end())
        return event;
    QByteArray input;
    Private::appendEvent(input, event);
    const QJSValue out = d->invoke(d->fnUpcast, {QString::fromUtf8(input)}, event.position);
    const Json pair = Json::parse(out.toString().toStdString());
    Event upcast = event;
    upcast.data = QByteArray::fromStdString(pair[0].dump());
    upcast.metadata = QByteArray::fromStdString(pair[1].dump());
    return upcast;
}

} // namespace eventlens
