#include "projection.h"

#include "jsonscanner.h"
#include "jsonutil.h"
#include "scriptengine.h"
#include "stateerror.h"
#include "timeutil.h"

#include <QHash>
#include <QJSEngine>
#include <QJSManagedValue>
#include <QJSValue>
#include <QObject>
#include <QRegularExpression>

#include <algorithm>

namespace eventlens {

namespace {

const char kRuntime[] =
#include "projectionruntime.js.inc"
    ;

const QString kDriverFile = QStringLiteral("eventlens-projection-driver");
const QString kConditionFile = QStringLiteral("breakpoint condition");

using Json = nlohmann::ordered_json;

Json parseJson(const QString &text)
{
    return jsonutil::parseStringified(text.toUtf8());
}

QString jsonString(const Json &value, const char *key)
{
    const auto it = value.find(key);
    if (it == value.end() || !it->is_string())
        return {};
    return jsonutil::toQString(it->get<std::string>());
}

QStringList stringList(const Json &value)
{
    QStringList out;
    if (value.is_array()) {
        for (const Json &item : value) {
            if (item.is_string())
                out.append(jsonutil::toQString(item.get<std::string>()));
        }
    }
    return out;
}

// A step's details from the runtime's description of it (step() and undoTo()).
void fillStep(ProjectionStep &step, const Json &out)
{
    const qint64 position = step.event.position;
    const int skip = out.value("skip", 0);
    step.processed = skip == 0;
    step.skipReason = static_cast<SkipReason>(std::clamp(skip, 0, 4));
    step.handler = jsonString(out, "handler");
    step.partition = jsonString(out, "partition");
    step.partitionCreated = out.value("created", false);
    step.breakpointHit = out.value("hit", false);
    auto parsed = [&out](const char *key) {
        const auto it = out.find(key);
        if (it == out.end() || !it->is_string())
            return Json();
        const std::string &text = it->get_ref<const std::string &>();
        return jsonutil::parseStringified(text.data(), text.data() + text.size());
    };
    step.stateBefore = parsed("before");
    step.state = parsed("state");
    step.sharedState = parsed("shared");
    step.result = parsed("result");
    for (const Json &e : out.value("emitted", Json::array()))
        step.emitted.push_back({position, jsonString(e, "stream"), jsonString(e, "type"), e.value("data", Json()),
                                e.value("metadata", Json::object())});
    for (const Json &log : out.value("logs", Json::array()))
        step.logs.push_back({position, jsonString(log, "text")});
}


// A glob (* ? [..] [!..]) as an anchored JavaScript regular expression.
QString globToRegExp(const QString &glob)
{
    QString out = QStringLiteral("^");
    for (qsizetype i = 0; i < glob.size(); ++i) {
        const QChar c = glob.at(i);
        if (c == u'*') {
            out += QStringLiteral("[\\s\\S]*");
        } else if (c == u'?') {
            out += QStringLiteral("[\\s\\S]");
        } else if (c == u'[') {
            const qsizetype close = glob.indexOf(u']', i + 2);
            if (close < 0) {
                out += QStringLiteral("\\[");
                continue;
            }
            QString set = glob.mid(i + 1, close - i - 1);
            if (set.startsWith(u'!') || set.startsWith(u'^'))
                set = QStringLiteral("^") + set.mid(1);
            set.replace(QStringLiteral("\\"), QStringLiteral("\\\\"));
            out += u'[' + set + u']';
            i = close;
        } else if (QStringLiteral("\\^$.|+(){}]/").contains(c)) {
            out += u'\\';
            out += c;
        } else {
            out += c;
        }
    }
    out += u'$';
    return out;
}

} // namespace

// JSON text to JavaScript values, built through the engine's API while JsonScanner reads the
// text (one pass): several times faster than V4's JSON.parse, and short strings (keys,
// enum-like values) come from a cache instead of being created anew for every event. Text that
// is not JSON (or nested deeper than the scanner reads) gives null.
class JsValueBuilder final : public JsonVisitor
{
public:
    explicit JsValueBuilder(QJSEngine &engine)
        : m_engine(engine)
    {
    }

    // The value of the JSON text (null when it is not JSON).
    QJSValue build(const QByteArray &text)
    {
        m_stack.clear();
        m_result = QJSValue(QJSValue::NullValue);
        JsonScanError error;
        if (text.isEmpty() || JsonScanner::visit(text, *this, error) != JsonScanner::Status::Ok) {
            m_stack.clear();
            return QJSValue(QJSValue::NullValue);
        }
        return m_result;
    }

    void scalar(const JsonValue &v) override
    {
        switch (v.kind) {
        case JsonValue::Kind::Null:
            put(QJSValue(QJSValue::NullValue));
            return;
        case JsonValue::Kind::False:
            put(QJSValue(false));
            return;
        case JsonValue::Kind::True:
            put(QJSValue(true));
            return;
        case JsonValue::Kind::Number: {
            // The nearest double, as nlohmann reads numbers; an integer minus zero is 0.
            const double d = JsonScanner::toDouble(v).value_or(0);
            const QByteArrayView raw = v.raw();
            const bool integer = !raw.contains('.') && !raw.contains('e') && !raw.contains('E');
            put(QJSValue(integer && d == 0 ? 0.0 : d));
            return;
        }
        case JsonValue::Kind::String:
            put(v.hasEscapes ? cachedString(JsonScanner::decodeString(v)) : cachedString(QByteArrayView(v.begin + 1, v.size - 2)));
            return;
        case JsonValue::Kind::Array:
        case JsonValue::Kind::Object:
            return; // told by begin/end
        }
    }
    void beginObject() override { m_stack.push_back({QJSManagedValue(m_engine.newObject(), &m_engine), QString(), 0, false}); }
    void key(const JsonValue &key) override
    {
        m_stack.back().key = key.hasEscapes ? cachedKey(JsonScanner::decodeString(key)) : cachedKey(QByteArrayView(key.begin + 1, key.size - 2));
    }
    void endObject() override { pop(); }
    void beginArray() override { m_stack.push_back({QJSManagedValue(m_engine.newArray(), &m_engine), QString(), 0, true}); }
    void endArray() override { pop(); }

private:
    struct Open
    {
        QJSManagedValue value;
        QString key;
        quint32 index;
        bool isArray;
    };

    void put(const QJSValue &value)
    {
        if (m_stack.empty()) {
            m_result = value;
            return;
        }
        Open &top = m_stack.back();
        if (top.isArray)
            top.value.setProperty(top.index++, value);
        else
            top.value.setProperty(top.key, value);
    }

    void pop()
    {
        QJSValue value = m_stack.back().value.toJSValue();
        m_stack.pop_back();
        put(value);
    }

    QJSValue cachedString(QByteArrayView value)
    {
        if (value.size() > 48)
            return QJSValue(QString::fromUtf8(value.data(), qsizetype(value.size())));
        const QByteArray probe = QByteArray::fromRawData(value.data(), qsizetype(value.size()));
        auto it = m_strings.constFind(probe);
        if (it != m_strings.constEnd())
            return *it;
        if (m_strings.size() >= 8192)
            m_strings.clear();
        // A string of the engine's heap, so that every use shares it (a QJSValue made from a
        // QString would become a new engine string at each use).
        const QJSValue created = QJSManagedValue(QString::fromUtf8(value.data(), qsizetype(value.size())), &m_engine).toJSValue();
        m_strings.insert(QByteArray(value.data(), qsizetype(value.size())), created);
        return created;
    }

    QString cachedKey(QByteArrayView value)
    {
        const QByteArray probe = QByteArray::fromRawData(value.data(), qsizetype(value.size()));
        auto it = m_keys.constFind(probe);
        if (it != m_keys.constEnd())
            return *it;
        if (m_keys.size() >= 8192)
            m_keys.clear();
        const QString created = QString::fromUtf8(value.data(), qsizetype(value.size()));
        m_keys.insert(QByteArray(value.data(), qsizetype(value.size())), created);
        return created;
    }

    QJSEngine &m_engine;
    std::vector<Open> m_stack;
    QJSValue m_result;
    QHash<QByteArray, QJSValue> m_strings;
    QHash<QByteArray, QString> m_keys;
};

// The C++ side the runtime calls: lazily read event fields and the watchdog's tick.
class ProjectionHost final : public QObject
{
    Q_OBJECT
public:
    ScriptWatchdog *watchdog = nullptr;
    std::vector<const Event *> batch;

    Q_INVOKABLE void tick()
    {
        if (watchdog)
            watchdog->restart();
    }
    Q_INVOKABLE QString eventId(int i) const { return valid(i) ? batch[size_t(i)]->id : QString(); }
    Q_INVOKABLE QString created(int i) const { return valid(i) ? timeutil::formatIsoString(batch[size_t(i)]->timeMs) : QString(); }
    Q_INVOKABLE QString metadataRaw(int i) const
    {
        return valid(i) ? QString::fromUtf8(batch[size_t(i)]->metadata) : QString();
    }
    Q_INVOKABLE QString bodyRaw(int i) const
    {
        if (!valid(i))
            return {};
        const Event &e = *batch[size_t(i)];
        return QString::fromUtf8(e.dataIsJson ? e.data : Event::rawDataText(e.data));
    }

private:
    bool valid(int i) const { return i >= 0 && size_t(i) < batch.size(); }
};

QString ProjectionError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Syntax: return QStringLiteral("syntax");
    case Kind::Definition: return QStringLiteral("definition");
    case Kind::Runtime: return QStringLiteral("runtime");
    case Kind::Timeout: return QStringLiteral("timeout");
    }
    return {};
}

QString ProjectionError::toString() const
{
    QString where;
    if (line > 0)
        where = column > 0 ? QStringLiteral("line %1, column %2").arg(line).arg(column) : QStringLiteral("line %1").arg(line);
    QString text = kindName(kind) + QStringLiteral(" error");
    if (kind == Kind::Timeout)
        text = QStringLiteral("timeout");
    if (position > 0)
        text += QStringLiteral(" at position %1").arg(position) + (where.isEmpty() ? QString() : QStringLiteral(" (") + where + u')');
    else if (!where.isEmpty())
        text += QStringLiteral(" at ") + where;
    return text + QStringLiteral(": ") + message;
}

QString skipReasonText(SkipReason reason)
{
    switch (reason) {
    case SkipReason::None: return {};
    case SkipReason::NotSelected: return QStringLiteral("not selected");
    case SkipReason::NonJson: return QStringLiteral("non-JSON");
    case SkipReason::Unhandled: return QStringLiteral("unhandled");
    case SkipReason::NoPartition: return QStringLiteral("no partition");
    }
    return {};
}

QString skipReasonKey(SkipReason reason)
{
    switch (reason) {
    case SkipReason::None: return {};
    case SkipReason::NotSelected: return QStringLiteral("notSelected");
    case SkipReason::NonJson: return QStringLiteral("nonJson");
    case SkipReason::Unhandled: return QStringLiteral("unhandled");
    case SkipReason::NoPartition: return QStringLiteral("noPartition");
    }
    return {};
}

nlohmann::ordered_json EmittedEvent::toJson() const
{
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["stream"] = jsonutil::toStd(stream);
    out["type"] = jsonutil::toStd(type);
    out["data"] = data;
    out["metadata"] = metadata;
    return out;
}

bool ProjectionDefinition::handles(const QString &type) const
{
    // As the runtime picks a handler: $streamDeleted only runs $deleted, and a type named like a
    // reserved handler ($init...) only $any.
    if (type == QStringLiteral("$streamDeleted"))
        return handlers.contains(QStringLiteral("$deleted"));
    static const QStringList reserved = {QStringLiteral("$init"), QStringLiteral("$initShared"), QStringLiteral("$created"),
                                         QStringLiteral("$any"), QStringLiteral("$deleted")};
    if (!reserved.contains(type) && handlers.contains(type))
        return true;
    return handlers.contains(QStringLiteral("$any"));
}

bool ProjectionDefinition::selects(const QString &stream) const
{
    switch (source) {
    case Source::All:
    case Source::StreamsMatching:
        return true;
    case Source::Streams:
        return streams.contains(stream);
    case Source::Categories:
        return categories.contains(Event::categoryOf(stream));
    }
    return true;
}

struct Projection::Private
{
    Private(const QString &script, const QString &fileName, int budgetMs)
        : script(script)
        , fileName(fileName.isEmpty() ? QStringLiteral("projection.js") : fileName)
        // The runtime ticks the watchdog at most every 20 ms between events: allow for it, so
        // that an event is never interrupted before it used its whole budget.
        , js(budgetMs, 25)
        , budgetMs(js.budgetMs())
    {
        host.watchdog = &js.watchdog();
        engine.setObjectOwnership(&host, QJSEngine::CppOwnership);
    }

    using Outcome = ScriptEngine::Outcome;

    Outcome evaluate(const QString &code, const QString &file, QJSValue *result, QStringList *trace)
    {
        return js.evaluate(code, file, result, trace);
    }

    ProjectionError errorOf(Outcome outcome, const QJSValue &value, const QStringList &trace, ProjectionError::Kind kind,
                            qint64 position) const
    {
        return js.errorOf(outcome, value, trace, kind, position, script, fileName);
    }

    void compile()
    {
        QJSValue result;
        QStringList trace;
        if (js.compileFunction({QStringLiteral("global"), QStringLiteral("host")}, QString::fromUtf8(kRuntime), &result, &trace)
                != Outcome::Ok
            || !result.isCallable()) {
            error = ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("internal error: ") + result.toString()};
            return;
        }
        const QJSValue installed = result.call({engine.globalObject(), engine.newQObject(&host)});
        if (installed.isError()) {
            error = ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("internal error: ") + installed.toString()};
            return;
        }
        api = engine.globalObject().property(QStringLiteral("__eventlens"));
        datas = api.property(QStringLiteral("datas"));

        Outcome outcome = evaluate(script, fileName, &result, &trace);
        if (outcome != Outcome::Ok) {
            error = errorOf(outcome, result, trace, ProjectionError::Kind::Definition, 0);
            return;
        }
        outcome = evaluate(QStringLiteral("__eventlens.finish()"), kDriverFile, &result, &trace);
        if (outcome != Outcome::Ok) {
            error = errorOf(outcome, result, trace, ProjectionError::Kind::Definition, 0);
            return;
        }
        const Json d = parseJson(result.toString());
        const QString source = jsonString(d, "source");
        definition.source = source == QStringLiteral("streams") ? ProjectionDefinition::Source::Streams
            : source == QStringLiteral("categories")            ? ProjectionDefinition::Source::Categories
            : source == QStringLiteral("matching")              ? ProjectionDefinition::Source::StreamsMatching
                                                                : ProjectionDefinition::Source::All;
        definition.streams = stringList(d.value("streams", Json()));
        definition.categories = stringList(d.value("categories", Json()));
        const QString partitioning = jsonString(d, "partitioning");
        definition.partitioning = partitioning == QStringLiteral("stream") ? ProjectionDefinition::Partitioning::ByStream
            : partitioning == QStringLiteral("function")                   ? ProjectionDefinition::Partitioning::ByFunction
                                                                           : ProjectionDefinition::Partitioning::None;
        definition.handlers = stringList(d.value("handlers", Json()));
        definition.biState = d.value("biState", false);
        definition.transformCount = d.value("transforms", 0);
        definition.outputState = d.value("outputState", false);
        definition.options = d.value("options", Json::object());
        valid = true;
    }

    // A name's number in the runtime's table, queuing the names it has not seen yet.
    static int numberOf(QHash<QString, int> &numbers, QByteArray &pending, const QString &name)
    {
        auto it = numbers.constFind(name);
        if (it != numbers.constEnd())
            return *it;
        const int number = int(numbers.size());
        numbers.insert(name, number);
        pending.append(pending.isEmpty() ? '[' : ',');
        jsonutil::appendString(pending, QStringView(name));
        return number;
    }

    // Hands a batch to the runtime (see the runtime's comment on batches): the numbers as an
    // array buffer of doubles, the new names as JSON text, and the data values built here in
    // the runtime's reused array.
    void prepareBatch(const std::vector<const Event *> &events)
    {
        QByteArray numbers(qsizetype(events.size()) * 5 * qsizetype(sizeof(double)), Qt::Uninitialized);
        double *n = reinterpret_cast<double *>(numbers.data());
        QByteArray newStreams;
        QByteArray newTypes;
        quint32 i = 0;
        for (const Event *e : events) {
            *n++ = double(e->position);
            *n++ = numberOf(streamNumbers, newStreams, e->stream);
            *n++ = double(e->version);
            *n++ = numberOf(typeNumbers, newTypes, e->type);
            *n++ = e->dataIsJson ? 1 : 0;
            datas.setProperty(i++, e->dataIsJson ? values.build(e->data) : QJSValue(QJSValue::NullValue));
        }
        newStreams.append(newStreams.isEmpty() ? "[]" : "]");
        newTypes.append(newTypes.isEmpty() ? "[]" : "]");
        api.setProperty(QStringLiteral("numbers"), engine.toScriptValue(numbers));
        api.setProperty(QStringLiteral("names"), QString::fromUtf8('[' + newStreams + ',' + newTypes + ']'));
    }

    Outcome run(std::vector<const Event *> events, const QString &call, QJSValue *result, QStringList *trace)
    {
        prepareBatch(events);
        batchBase += qint64(events.size()) + 1;
        host.batch = std::move(events);
        const Outcome outcome = evaluate(call.arg(batchBase), kDriverFile, result, trace);
        host.batch.clear();
        return outcome;
    }

    Outcome runOne(const Event &event, const QString &call, QJSValue *result, QStringList *trace)
    {
        return run(std::vector<const Event *>{&event}, call, result, trace);
    }

    // Whether the runtime could process the event: false only when it would certainly skip it
    // (not selected, non-JSON, no handler), so that feed() need not send it.
    bool mayProcess(const Event &e)
    {
        if (!e.dataIsJson)
            return false;
        switch (definition.source) {
        case ProjectionDefinition::Source::All:
        case ProjectionDefinition::Source::StreamsMatching:
            break;
        case ProjectionDefinition::Source::Streams:
            if (!definition.streams.contains(e.stream))
                return false;
            break;
        case ProjectionDefinition::Source::Categories: {
            const qsizetype dash = e.stream.indexOf(u'-');
            const QStringView category = dash < 0 ? QStringView(e.stream) : QStringView(e.stream).left(dash);
            if (!std::any_of(definition.categories.cbegin(), definition.categories.cend(),
                             [category](const QString &c) { return c == category; }))
                return false;
            break;
        }
        }
        auto it = handled.constFind(e.type);
        if (it == handled.constEnd()) {
            if (handled.size() > 4096)
                handled.clear();
            it = handled.insert(e.type, definition.handles(e.type));
        }
        return *it;
    }

    // A runtime query returning JSON text.
    Json query(const QString &call)
    {
        QJSValue result;
        QStringList trace;
        if (!valid || evaluate(call, kDriverFile, &result, &trace) != Outcome::Ok)
            return Json();
        return parseJson(result.toString());
    }

    static QString quoted(const QString &text)
    {
        QByteArray out;
        jsonutil::appendString(out, QStringView(text));
        return QString::fromUtf8(out);
    }

    QString script;
    QString fileName;
    ScriptEngine js;        // before the host: destroyed after it
    int budgetMs;
    QJSEngine &engine = js.engine();
    ProjectionHost host;
    QJSValue api;
    QJSValue datas; // the runtime's array of a batch's data values
    qint64 batchBase = 0;
    bool valid = false;
    bool undoRecording = false;
    QHash<QString, bool> handled; // event type -> a handler may take it
    QHash<QString, int> streamNumbers; // the runtime's number of each stream sent
    QHash<QString, int> typeNumbers;   // and of each type
    JsValueBuilder values{engine};
    ProjectionDefinition definition;
    std::optional<ProjectionError> error;
};

Projection::Projection(const QString &script, const QString &fileName, int timeBudgetMs)
    : d(std::make_unique<Private>(script, fileName, timeBudgetMs))
{
    d->compile();
}

Projection::~Projection() = default;

std::optional<ProjectionError> Projection::check(const QString &script)
{
    Projection projection(script);
    return projection.error();
}

QString Projection::script() const { return d->script; }
QString Projection::fileName() const { return d->fileName; }
int Projection::timeBudgetMs() const { return d->budgetMs; }
bool Projection::isValid() const { return d->valid; }
std::optional<ProjectionError> Projection::error() const { return d->error; }
const ProjectionDefinition &Projection::definition() const { return d->definition; }

ProjectionStep Projection::step(const Event &event)
{
    ProjectionStep step;
    step.event = event;
    if (!d->valid) {
        step.error = d->error;
        return step;
    }
    QJSValue result;
    QStringList trace;
    const Private::Outcome outcome = d->runOne(event, QStringLiteral("__eventlens.step(%1)"), &result, &trace);
    if (outcome != Private::Outcome::Ok) {
        step.error = d->errorOf(outcome, result, trace, ProjectionError::Kind::Runtime, event.position);
        QJSValue logs;
        if (d->evaluate(QStringLiteral("__eventlens.rollback()"), kDriverFile, &logs, &trace) == Private::Outcome::Ok) {
            for (const Json &log : parseJson(logs.toString()))
                step.logs.push_back({event.position, jsonString(log, "text")});
        }
        step.handler = d->api.property(QStringLiteral("cur")).property(QStringLiteral("handler")).toString();
        step.partition = d->api.property(QStringLiteral("cur")).property(QStringLiteral("partition")).toString();
        step.state = state(step.partition);
        step.stateBefore = step.state;
        return step;
    }
    fillStep(step, parseJson(result.toString()));
    return step;
}

Projection::FeedResult Projection::feed(std::span<const Event> events, bool stopAtBreakpoint)
{
    FeedResult out;
    if (!d->valid) {
        out.error = d->error;
        return out;
    }
    if (events.empty())
        return out;
    // Without breakpoints, events the runtime would skip anyway stay on this side.
    std::vector<const Event *> batch;
    std::vector<qsizetype> index; // batch index -> events index
    batch.reserve(events.size());
    index.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        if (stopAtBreakpoint || d->undoRecording || d->mayProcess(events[i])) {
            batch.push_back(&events[i]);
            index.push_back(qsizetype(i));
        }
    }
    QJSValue result;
    QStringList trace;
    Private::Outcome outcome = Private::Outcome::Ok;
    if (!batch.empty()) {
        const QString call = stopAtBreakpoint ? QStringLiteral("__eventlens.feed(%1, true)") : QStringLiteral("__eventlens.feed(%1, false)");
        outcome = d->run(std::move(batch), call, &result, &trace);
    }
    if (outcome != Private::Outcome::Ok) {
        const int at = d->api.property(QStringLiteral("cur")).property(QStringLiteral("index")).toInt();
        out.consumed = index[size_t(std::clamp<qsizetype>(at, 0, qsizetype(index.size()) - 1))];
        out.error = d->errorOf(outcome, result, trace, ProjectionError::Kind::Runtime, events[size_t(out.consumed)].position);
        return out;
    }
    const qsizetype fed = index.empty() ? 0 : result.toInt();
    out.breakpointHit = fed > 0 && d->api.property(QStringLiteral("hit")).toBool();
    out.consumed = out.breakpointHit ? index[size_t(fed - 1)] + 1 : qsizetype(events.size());
    const qsizetype skipped = out.consumed - fed;
    if (skipped > 0) {
        // The events skipped on this side still count.
        QJSValue ignored;
        d->evaluate(QStringLiteral("__eventlens.advance(%1, %2)").arg(skipped).arg(events[size_t(out.consumed - 1)].position),
                    kDriverFile, &ignored, &trace);
    }
    return out;
}

bool Projection::mayProcess(const Event &event)
{
    return d->valid && d->mayProcess(event);
}

std::optional<ProjectionError> Projection::setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints)
{
    if (!d->valid)
        return d->error;
    QJSValue types = d->engine.newArray();
    QJSValue streams = d->engine.newArray();
    QJSValue conditions = d->engine.newArray();
    quint32 typeCount = 0;
    quint32 streamCount = 0;
    quint32 conditionCount = 0;
    for (const ProjectionBreakpoint &bp : breakpoints) {
        if (!bp.enabled || bp.text.trimmed().isEmpty())
            continue;
        switch (bp.kind) {
        case ProjectionBreakpoint::Kind::EventType:
            types.setProperty(typeCount++, bp.text.trimmed());
            break;
        case ProjectionBreakpoint::Kind::StreamPattern:
            streams.setProperty(streamCount++, globToRegExp(bp.text.trimmed()));
            break;
        case ProjectionBreakpoint::Kind::Condition: {
            QJSValue fn;
            QStringList trace;
            const QString prefix = QStringLiteral("(function (state, shared, event, e, partition) { return (");
            const QString code = prefix + bp.text + QStringLiteral("\n); })");
            const Private::Outcome outcome = d->evaluate(code, kConditionFile, &fn, &trace);
            if (outcome != Private::Outcome::Ok || !fn.isCallable()) {
                ProjectionError error;
                error.kind = outcome == Private::Outcome::Interrupted ? ProjectionError::Kind::Timeout : ProjectionError::Kind::Syntax;
                error.message = QStringLiteral("in the condition \"") + bp.text + QStringLiteral("\": ") + fn.toString();
                for (const QString &frame : trace) {
                    const QStringList parts = frame.split(u':');
                    if (parts.size() >= 3) {
                        error.line = parts[1].toInt();
                        // The condition starts after the wrapper's text on line 1.
                        error.column = std::max(0, parts[2].toInt() - (error.line == 1 ? int(prefix.size()) : 0));
                        break;
                    }
                }
                const QStringList lines = bp.text.split(u'\n');
                if (error.line > lines.size()) {
                    // Noticed only in the wrapper's closing line: the condition ended too early.
                    error.line = int(lines.size());
                    error.column = int(lines.constLast().size()) + 1;
                } else if (error.line >= 1 && error.column > lines[error.line - 1].size() + 1) {
                    error.column = int(lines[error.line - 1].size()) + 1;
                }
                return error;
            }
            conditions.setProperty(conditionCount++, fn);
            break;
        }
        }
    }
    const QJSValue set = d->api.property(QStringLiteral("setBreakpoints"));
    const QJSValue result = set.callWithInstance(d->api, {types, streams, conditions});
    if (result.isError())
        return ProjectionError{ProjectionError::Kind::Syntax, result.toString()};
    return std::nullopt;
}

qint64 Projection::position() const
{
    return qint64(d->query(QStringLiteral("__eventlens.run()")).value("position", 0.0));
}

qint64 Projection::eventCount() const
{
    return qint64(d->query(QStringLiteral("__eventlens.run()")).value("events", 0.0));
}

qint64 Projection::processedCount() const
{
    return qint64(d->query(QStringLiteral("__eventlens.run()")).value("processed", 0.0));
}

QStringList Projection::partitions() const
{
    return stringList(d->query(QStringLiteral("__eventlens.partitions()")));
}

Projection::Json Projection::state(const QString &partition) const
{
    return d->query(QStringLiteral("__eventlens.state(%1)").arg(Private::quoted(partition)));
}

Projection::Json Projection::states() const
{
    Json out = d->query(QStringLiteral("__eventlens.states()"));
    return out.is_object() ? out : Json::object();
}

Projection::Json Projection::sharedState() const
{
    return d->query(QStringLiteral("__eventlens.shared()"));
}

Projection::Json Projection::result(const QString &partition) const
{
    return d->query(QStringLiteral("__eventlens.result(%1)").arg(Private::quoted(partition)));
}

Projection::Json Projection::results() const
{
    Json out = d->query(QStringLiteral("__eventlens.results()"));
    return out.is_object() ? out : Json::object();
}

Projection::Json Projection::takeTouched()
{
    Json out = d->query(QStringLiteral("__eventlens.touched()"));
    return out.is_array() ? out : Json::array();
}

void Projection::setUndoRecording(bool on)
{
    QJSValue result;
    QStringList trace;
    if (!d->valid || d->undoRecording == on)
        return;
    d->undoRecording = on;
    d->evaluate(on ? QStringLiteral("__eventlens.setUndo(true)") : QStringLiteral("__eventlens.setUndo(false)"), kDriverFile,
                &result, &trace);
}

bool Projection::undoTo(const Event &event, ProjectionStep *step)
{
    if (!d->valid)
        return false;
    const Json out = d->query(QStringLiteral("__eventlens.undoTo(%1)").arg(double(event.position), 0, 'f', 0));
    if (!out.is_object())
        return false;
    *step = ProjectionStep();
    step->event = event;
    fillStep(*step, out);
    return true;
}

void Projection::setRecordingDigests(bool on)
{
    QJSValue result;
    QStringList trace;
    if (d->valid)
        d->evaluate(on ? QStringLiteral("__eventlens.recordDigests(true)") : QStringLiteral("__eventlens.recordDigests(false)"),
                    kDriverFile, &result, &trace);
}

Projection::Json Projection::takeDigests()
{
    Json out = d->query(QStringLiteral("__eventlens.takeDigests()"));
    return out.is_array() ? out : Json::array();
}

Projection::Json Projection::entry(const QString &partition) const
{
    return d->query(QStringLiteral("__eventlens.entry(%1)").arg(Private::quoted(partition)));
}

std::vector<EmittedEvent> Projection::emitted(qint64 upToPosition) const
{
    std::vector<EmittedEvent> out;
    const Json list = d->query(QStringLiteral("__eventlens.emitted(%1)").arg(double(std::min<qint64>(upToPosition, qint64(1) << 53)), 0, 'f', 0));
    for (const Json &e : list)
        out.push_back({qint64(e.value("p", 0.0)), jsonString(e, "stream"), jsonString(e, "type"), e.value("data", Json()),
                       e.value("metadata", Json::object())});
    return out;
}

std::vector<ProjectionLog> Projection::logs(qint64 upToPosition) const
{
    std::vector<ProjectionLog> out;
    const Json list = d->query(QStringLiteral("__eventlens.logs(%1)").arg(double(std::min<qint64>(upToPosition, qint64(1) << 53)), 0, 'f', 0));
    for (const Json &log : list)
        out.push_back({qint64(log.value("p", 0.0)), jsonString(log, "text")});
    return out;
}

QByteArray Projection::checkpoint() const
{
    QJSValue result;
    QStringList trace;
    if (!d->valid || d->evaluate(QStringLiteral("__eventlens.checkpoint()"), kDriverFile, &result, &trace) != Private::Outcome::Ok)
        return {};
    return result.toString().toUtf8();
}

void Projection::restore(const QByteArray &checkpoint)
{
    if (!d->valid || checkpoint.isEmpty())
        return;
    d->api.setProperty(QStringLiteral("input"), QString::fromUtf8(checkpoint));
    QJSValue result;
    QStringList trace;
    d->evaluate(QStringLiteral("__eventlens.restore()"), kDriverFile, &result, &trace);
}

void Projection::reset()
{
    QJSValue result;
    QStringList trace;
    if (d->valid)
        d->evaluate(QStringLiteral("__eventlens.reset()"), kDriverFile, &result, &trace);
}

Projection::Json Projection::initialState()
{
    if (!d->valid)
        throw StateError(d->error ? d->error->toString() : QStringLiteral("the projection is not valid"));
    QJSValue result;
    QStringList trace;
    const Private::Outcome outcome = d->evaluate(QStringLiteral("__eventlens.initialState()"), kDriverFile, &result, &trace);
    if (outcome != Private::Outcome::Ok)
        throw StateError(d->errorOf(outcome, result, trace, ProjectionError::Kind::Runtime, 0).toString());
    return parseJson(result.toString());
}

Projection::Json Projection::apply(const Json &state, const Event &event)
{
    if (!d->valid)
        throw StateError(d->error ? d->error->toString() : QStringLiteral("the projection is not valid"));
    d->api.setProperty(QStringLiteral("applyState"), jsonutil::toQString(state.dump()));
    d->api.setProperty(QStringLiteral("applyPartition"), event.stream);
    QJSValue result;
    QStringList trace;
    const Private::Outcome outcome = d->runOne(event, QStringLiteral("__eventlens.apply(%1)"), &result, &trace);
    if (outcome != Private::Outcome::Ok)
        throw StateError(d->errorOf(outcome, result, trace, ProjectionError::Kind::Runtime, event.position).toString(), event.version);
    return parseJson(result.toString());
}

} // namespace eventlens

#include "projection.moc"
