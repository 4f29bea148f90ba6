#include "specification.h"

#include <stdexcept>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void invalid(const QString &where, const QString &what)
{
    throw std::runtime_error(QStringLiteral("%1: %2").arg(where, what).toStdString());
}

QString stringField(const Json &object, const char *key, const QString &where, bool required)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required)
            invalid(where, QStringLiteral("\"%1\" is missing").arg(QLatin1String(key)));
        return {};
    }
    if (!it->is_string())
        invalid(where, QStringLiteral("\"%1\" must be a string").arg(QLatin1String(key)));
    return QString::fromStdString(it->get<std::string>());
}

Json objectField(const Json &object, const char *key, const QString &where)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return Json::object();
    if (!it->is_object())
        invalid(where, QStringLiteral("\"%1\" must be a JSON object").arg(QLatin1String(key)));
    return *it;
}

Json eventToJson(const QString &type, const QByteArray &data, const QByteArray &metadata)
{
    Json e = Json::object();
    e["type"] = type.toStdString();
    e["data"] = Json::parse(data.constBegin(), data.constEnd(), nullptr, false);
    const Json meta = Json::parse(metadata.constBegin(), metadata.constEnd(), nullptr, false);
    if (meta.is_object() && !meta.empty())
        e["metadata"] = meta;
    return e;
}

Specification parseOne(const Json &spec, const QString &where)
{
    if (!spec.is_object())
        invalid(where, QStringLiteral("a specification must be a JSON object"));
    Specification s;
    s.name = stringField(spec, "name", where, false);
    const QString named = s.name.isEmpty() ? where : QStringLiteral("%1 (%2)").arg(where, s.name);
    s.domain = stringField(spec, "domain", named, false);
    s.deciderFile = stringField(spec, "decider", named, false);
    if (s.domain.isEmpty() == s.deciderFile.isEmpty())
        invalid(named, QStringLiteral("give exactly one of \"domain\" and \"decider\""));
    s.stream = stringField(spec, "stream", named, true);

    const auto given = spec.find("given");
    if (given != spec.end() && !given->is_null()) {
        if (!given->is_array())
            invalid(named, QStringLiteral("\"given\" must be an array of events"));
        qint64 version = 0;
        for (const Json &g : *given) {
            const QString at = QStringLiteral("%1, given[%2]").arg(named).arg(version);
            if (!g.is_object())
                invalid(at, QStringLiteral("an event must be a JSON object"));
            Event e;
            e.stream = s.stream;
            e.version = version;
            e.position = version + 1;
            e.type = stringField(g, "type", at, true);
            const auto data = g.find("data");
            e.data = QByteArray::fromStdString(data == g.end() ? std::string("{}") : data->dump());
            e.metadata = QByteArray::fromStdString(objectField(g, "metadata", at).dump());
            s.given.push_back(std::move(e));
            ++version;
        }
    }

    const auto when = spec.find("when");
    if (when == spec.end() || !when->is_object())
        invalid(named, QStringLiteral("\"when\" must be a command object {\"type\": ..., \"data\": {...}}"));
    s.when.type = stringField(*when, "type", named + QStringLiteral(", when"), true);
    s.when.stream = s.stream;
    s.when.data = objectField(*when, "data", named + QStringLiteral(", when"));
    s.when.metadata = objectField(*when, "metadata", named + QStringLiteral(", when"));

    const auto then = spec.find("then");
    const auto thenError = spec.find("thenError");
    const bool hasThen = then != spec.end() && !then->is_null();
    const bool hasError = thenError != spec.end() && !thenError->is_null();
    if (hasThen == hasError)
        invalid(named, QStringLiteral("give exactly one of \"then\" (the events) and \"thenError\" (the domain error)"));
    if (hasError) {
        s.thenError = stringField(spec, "thenError", named, true);
    } else {
        if (!then->is_array())
            invalid(named, QStringLiteral("\"then\" must be an array of events"));
        std::vector<Specification::ExpectedEvent> expected;
        for (size_t i = 0; i < then->size(); ++i) {
            const Json &t = (*then)[i];
            const QString at = QStringLiteral("%1, then[%2]").arg(named).arg(i);
            if (!t.is_object())
                invalid(at, QStringLiteral("an event must be a JSON object"));
            Specification::ExpectedEvent e;
            e.type = stringField(t, "type", at, true);
            const auto data = t.find("data");
            e.data = data == t.end() ? Json::object() : *data;
            const auto metadata = t.find("metadata");
            if (metadata != t.end() && !metadata->is_null()) {
                if (!metadata->is_object())
                    invalid(at, QStringLiteral("\"metadata\" must be a JSON object"));
                e.metadata = *metadata;
            }
            expected.push_back(std::move(e));
        }
        s.then = std::move(expected);
    }
    return s;
}

QString compact(const Json &value)
{
    return QString::fromStdString(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

} // namespace

std::vector<Specification> Specification::parse(const QByteArray &json)
{
    const Json doc = Json::parse(json.constBegin(), json.constEnd(), nullptr, false);
    if (doc.is_discarded())
        throw std::runtime_error("not valid JSON");
    Json list = doc;
    if (doc.is_object() && doc.contains("specifications"))
        list = doc["specifications"];
    else if (doc.is_object())
        list = Json::array({doc});
    if (!list.is_array())
        throw std::runtime_error("expected a specification, an array of them, or {\"specifications\": [...]}");
    std::vector<Specification> out;
    for (size_t i = 0; i < list.size(); ++i)
        out.push_back(parseOne(list[i], QStringLiteral("specification %1").arg(i + 1)));
    return out;
}

Json Specification::toJson() const
{
    Json out = Json::object();
    if (!name.isEmpty())
        out["name"] = name.toStdString();
    if (!domain.isEmpty())
        out["domain"] = domain.toStdString();
    else
        out["decider"] = deciderFile.toStdString();
    out["stream"] = stream.toStdString();
    out["given"] = Json::array();
    for (const Event &e : given)
        out["given"].push_back(eventToJson(e.type, e.data, e.metadata));
    Json w = Json::object();
    w["type"] = when.type.toStdString();
    w["data"] = when.data;
    if (when.metadata.is_object() && !when.metadata.empty())
        w["metadata"] = when.metadata;
    out["when"] = std::move(w);
    if (thenError) {
        out["thenError"] = thenError->toStdString();
    } else {
        out["then"] = Json::array();
        for (const ExpectedEvent &e : then.value_or(std::vector<ExpectedEvent>())) {
            Json t = Json::object();
            t["type"] = e.type.toStdString();
            t["data"] = e.data;
            if (!e.metadata.is_null())
                t["metadata"] = e.metadata;
            out["then"].push_back(std::move(t));
        }
    }
    return out;
}

Specification Specification::fromHistory(Decider &decider, const QString &domain, const QString &stream, std::vector<Event> given,
                                         const DeciderCommand &when, const QString &name)
{
    Specification s;
    s.domain = domain.isEmpty() ? QString() : domain;
    s.deciderFile = domain.isEmpty() ? decider.fileName() : QString();
    s.stream = stream;
    qint64 version = 0;
    for (Event &e : given) {
        e.stream = stream;
        e.version = version;
        e.position = version + 1;
        ++version;
    }
    s.given = std::move(given);
    s.when = when;
    s.when.stream = stream;
    Decider::State state = decider.initialState();
    decider.evolve(state, s.given);
    const Decider::Decision decision = decider.decide(s.when, state);
    if (decision.rejection) {
        s.thenError = decision.rejection;
    } else {
        std::vector<ExpectedEvent> expected;
        for (const NewEvent &e : decision.events) {
            ExpectedEvent x;
            x.type = e.type;
            x.data = Json::parse(e.data.constBegin(), e.data.constEnd(), nullptr, false);
            expected.push_back(std::move(x));
        }
        s.then = std::move(expected);
    }
    s.name = name.isEmpty() ? QStringLiteral("%1 after %2 events of %3: %4")
                                  .arg(when.type)
                                  .arg(s.given.size())
                                  .arg(stream, s.thenError ? QStringLiteral("rejected") : QStringLiteral("accepted"))
                            : name;
    return s;
}

Specification::Result Specification::run(Decider &decider) const
{
    Result r;
    Decider::Decision decision;
    try {
        Decider::State state = decider.initialState();
        decider.evolve(state, given);
        decision = decider.decide(when, state);
    } catch (const DeciderError &e) {
        r.message = QStringLiteral("the decider failed: ") + e.error().toString();
        return r;
    }
    r.events = decision.events;
    r.error = decision.rejection;
    if (thenError) {
        if (!decision.rejection) {
            r.message = QStringLiteral("expected the domain error \"%1\", but the command was accepted with %2 event(s)")
                            .arg(*thenError)
                            .arg(decision.events.size());
        } else if (*decision.rejection != *thenError) {
            r.message = QStringLiteral("expected the domain error \"%1\", got \"%2\"").arg(*thenError, *decision.rejection);
        }
        r.passed = r.message.isEmpty();
        return r;
    }
    if (decision.rejection) {
        r.message = QStringLiteral("expected %1 event(s), but the command was rejected: \"%2\"").arg(then->size()).arg(*decision.rejection);
        return r;
    }
    if (decision.events.size() != then->size()) {
        QStringList types;
        for (const NewEvent &e : decision.events)
            types.append(e.type);
        r.message = QStringLiteral("expected %1 event(s), got %2 (%3)")
                        .arg(then->size())
                        .arg(decision.events.size())
                        .arg(types.join(QStringLiteral(", ")));
        return r;
    }
    for (size_t i = 0; i < then->size(); ++i) {
        const ExpectedEvent &want = (*then)[i];
        const NewEvent &got = decision.events[i];
        if (want.type != got.type) {
            r.message = QStringLiteral("event %1: expected type %2, got %3").arg(i).arg(want.type, got.type);
            return r;
        }
        const Json data = Json::parse(got.data.constBegin(), got.data.constEnd(), nullptr, false);
        if (data != want.data) {
            r.message = QStringLiteral("event %1 (%2): expected data %3, got %4").arg(i).arg(got.type, compact(want.data), compact(data));
            return r;
        }
        if (want.metadata.is_object()) {
            const Json metadata = Json::parse(got.metadata.constBegin(), got.metadata.constEnd(), nullptr, false);
            for (const auto &[key, value] : want.metadata.items()) {
                if (!metadata.is_object() || !metadata.contains(key) || metadata[key] != value) {
                    r.message = QStringLiteral("event %1 (%2): expected metadata.%3 = %4, got %5")
                                    .arg(i)
                                    .arg(got.type, QString::fromStdString(key), compact(value),
                                         metadata.is_object() && metadata.contains(key) ? compact(metadata[key]) : QStringLiteral("nothing"));
                    return r;
                }
            }
        }
    }
    r.passed = true;
    return r;
}

} // namespace eventlens
