#include "mergestatefunction.h"

#include "jsonpatch.h"

namespace eventlens {

namespace {

// value = text, reusing value's string when it has one (this runs once per event replayed).
void setString(nlohmann::ordered_json &value, const QString &text)
{
    if (!value.is_string())
        value = std::string();
    std::string &out = value.get_ref<std::string &>();
    const auto size = size_t(text.size());
    out.resize(size);
    for (size_t i = 0; i < size; ++i) {
        const char16_t c = text.at(qsizetype(i)).unicode();
        if (c >= 0x80) {
            out = text.toStdString();
            return;
        }
        out[i] = char(c);
    }
}

} // namespace

QString MergeStateFunction::name() const
{
    return QStringLiteral("JSON merge");
}

MergeStateFunction::Json MergeStateFunction::initialState() const
{
    return Json::object();
}

MergeStateFunction::Json MergeStateFunction::evolve(const Json &state, const Event &event) const
{
    Json next = state;
    evolveInPlace(next, event, parsedData(event));
    return next;
}

void MergeStateFunction::evolveInPlace(Json &state, const Event &event, const Json &data) const
{
    if (!state.is_object())
        state = Json::object();
    if (!state.contains("_version")) {
        // First event: the bookkeeping members go first, so they lead the state's members.
        Json ordered = Json::object();
        ordered["_version"] = nullptr;
        ordered["_lastEventType"] = nullptr;
        for (auto it = state.begin(); it != state.end(); ++it)
            ordered[it.key()] = std::move(it.value());
        state = std::move(ordered);
    }
    if (data.is_object())
        JsonPatch::mergePatchInPlace(state, data);
    else
        state["_data"] = data;
    state["_version"] = event.version;
    setString(state["_lastEventType"], event.type);
}

} // namespace eventlens
