#include "store/link_codec.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/targeting.hpp"

namespace shortener::store {

std::string TagsToJson(const std::vector<std::string>& tags) {
    boost::json::array a;
    for (const auto& t : tags) a.emplace_back(t);
    return boost::json::serialize(a);
}

std::vector<std::string> TagsFromJson(std::string_view text) {
    std::vector<std::string> tags;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_array()) return tags;
    for (const auto& t : v.as_array()) {
        if (t.is_string()) tags.emplace_back(t.as_string());
    }
    return tags;
}

std::string TargetingToJson(const core::Targeting& targeting) {
    if (targeting.Empty()) return {};
    boost::json::object o;
    o["ios"] = targeting.ios.empty() ? boost::json::value(nullptr) : boost::json::value(targeting.ios);
    o["android"] = targeting.android.empty() ? boost::json::value(nullptr) : boost::json::value(targeting.android);
    boost::json::object countries;
    for (const auto& [code, url] : targeting.countries) countries[code] = url;
    o["countries"] = std::move(countries);
    return boost::json::serialize(o);
}

std::optional<core::Targeting> TargetingFromJson(std::string_view text) {
    core::Targeting t;
    if (text.empty()) return t;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    auto url = [&](std::string_view key, std::string& out) {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) return true;
        if (!it->value().is_string()) return false;
        out = std::string(it->value().as_string());
        return true;
    };
    if (!url("ios", t.ios) || !url("android", t.android)) return std::nullopt;
    if (auto it = o.find("countries"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_object()) return std::nullopt;
        for (const auto& kv : it->value().as_object()) {
            if (!kv.value().is_string()) return std::nullopt;
            t.countries.emplace(std::string(kv.key()), std::string(kv.value().as_string()));
        }
    }
    return t;
}

std::string PreviewToJson(const core::SocialPreview& preview) {
    if (preview.Empty()) return {};
    boost::json::object o;
    if (!preview.title.empty()) o["t"] = preview.title;
    if (!preview.description.empty()) o["d"] = preview.description;
    if (!preview.image.empty()) o["i"] = preview.image;
    return boost::json::serialize(o);
}

std::optional<core::SocialPreview> PreviewFromJson(std::string_view text) {
    core::SocialPreview p;
    if (text.empty()) return p;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    for (const auto& kv : v.as_object()) {
        if (!kv.value().is_string()) return std::nullopt;
        std::string value(kv.value().as_string());
        if (kv.key() == "t") {
            p.title = std::move(value);
        } else if (kv.key() == "d") {
            p.description = std::move(value);
        } else if (kv.key() == "i") {
            p.image = std::move(value);
        }
    }
    return p;
}

}  // namespace shortener::store

namespace shortener::store {
namespace {

namespace json = boost::json;

json::array Strings(const std::vector<std::string>& values) {
    json::array a;
    for (const auto& v : values) a.emplace_back(v);
    return a;
}

json::object ConditionObject(const core::RuleCondition& c) {
    json::object o;
    if (!c.countries.empty()) o["country"] = Strings(c.countries);
    if (c.devices != 0) {
        json::array devices;
        for (std::string_view name : core::DeviceNames(c.devices)) devices.emplace_back(name);
        o["device"] = std::move(devices);
    }
    if (!c.languages.empty()) o["language"] = Strings(c.languages);
    if (!c.query.empty()) {
        json::object q;
        for (const auto& [name, value] : c.query) q[name] = value;
        o["query"] = std::move(q);
    }
    if (c.after) o["after"] = core::FormatRfc3339(*c.after);
    if (c.before) o["before"] = core::FormatRfc3339(*c.before);
    return o;
}

// A non-empty array of at most kMaxRuleListValues strings; `fix` normalizes one ("" = invalid).
template <class Fix>
std::optional<std::vector<std::string>> StringList(const json::value& v, Fix&& fix) {
    if (!v.is_array() || v.as_array().empty() || v.as_array().size() > core::kMaxRuleListValues) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& e : v.as_array()) {
        if (!e.is_string()) return std::nullopt;
        std::string value = fix(std::string_view(e.as_string()));
        if (value.empty()) return std::nullopt;
        if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
    }
    return out;
}

std::string UpperCountry(std::string_view code) {
    std::string c(code);
    for (char& ch : c) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    return core::IsCountryCode(c) ? c : std::string();
}

bool Token(std::string_view s) {
    if (s.size() > core::kMaxRuleTokenLength) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

std::optional<core::TimePoint> Time(const json::value& v) {
    if (!v.is_string()) return std::nullopt;
    return core::ParseRfc3339(std::string_view(v.as_string()));
}

// One condition key; "" when it is fine, else what is wrong with it.
std::string ConditionKey(std::string_view key, const json::value& v, core::RuleCondition& c) {
    if (key == "country") {
        auto list = StringList(v, UpperCountry);
        if (!list) return "\"country\" must be a list of ISO 3166-1 alpha-2 country codes";
        c.countries = std::move(*list);
    } else if (key == "device") {
        auto list = StringList(v, [](std::string_view d) { return core::DeviceBitOf(d) ? std::string(d) : ""; });
        if (!list) return "\"device\" must be a list of ios, android, desktop, other";
        for (const auto& d : *list) c.devices |= core::DeviceBitOf(d);
    } else if (key == "language") {
        auto list = StringList(v, core::NormalizeLanguageTag);
        if (!list) return "\"language\" must be a list of language tags (such as de, pt-BR)";
        c.languages = std::move(*list);
    } else if (key == "query") {
        if (!v.is_object() || v.as_object().empty() || v.as_object().size() > core::kMaxRuleListValues) {
            return "\"query\" must be an object of parameter names to values";
        }
        for (const auto& kv : v.as_object()) {
            if (kv.key().empty() || !Token(kv.key()) || !kv.value().is_string() || !Token(kv.value().as_string())) {
                return "\"query\" names and values must be strings of at most 64 printable characters";
            }
            c.query.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
        }
        // In jsonb's key order (shorter names first, then bytewise), so that a rule reads back the same from
        // PostgreSQL's jsonb column as from SQLite's text; the order never changes what matches.
        std::sort(c.query.begin(), c.query.end(), [](const auto& x, const auto& y) {
            return x.first.size() != y.first.size() ? x.first.size() < y.first.size() : x.first < y.first;
        });
    } else if (key == "after" || key == "before") {
        auto t = Time(v);
        if (!t) return "\"" + std::string(key) + "\" must be an RFC 3339 date-time";
        (key == "after" ? c.after : c.before) = *t;
    } else {
        return "unknown condition (known: country, device, language, query, after, before)";
    }
    return {};
}

std::string RuleFrom(const json::value& v, core::Rule& rule) {
    if (!v.is_object()) return "must be an object {\"if\": {…}, \"url\": …}";
    const json::object& o = v.as_object();
    for (const auto& kv : o) {
        if (kv.key() != "if" && kv.key() != "url") return "unknown field (known: if, url)";
    }
    auto url = o.find("url");
    if (url == o.end() || !url->value().is_string() || url->value().as_string().empty()) {
        return "\"url\" must be a URL string";
    }
    rule.url = std::string(url->value().as_string());
    auto cond = o.find("if");
    if (cond == o.end() || !cond->value().is_object() || cond->value().as_object().empty()) {
        return "\"if\" must be an object with at least one condition";
    }
    for (const auto& kv : cond->value().as_object()) {
        if (std::string e = ConditionKey(kv.key(), kv.value(), rule.when); !e.empty()) return "\"if\": " + e;
    }
    if (rule.when.after && rule.when.before && *rule.when.after >= *rule.when.before) {
        return "\"after\" must be before \"before\"";
    }
    return {};
}

std::string VariantFrom(const json::value& v, core::SplitVariant& variant) {
    if (!v.is_object()) return "must be an object {\"url\": …, \"weight\": n}";
    const json::object& o = v.as_object();
    for (const auto& kv : o) {
        if (kv.key() != "url" && kv.key() != "weight") return "unknown field (known: url, weight)";
    }
    auto url = o.find("url");
    if (url == o.end() || !url->value().is_string() || url->value().as_string().empty()) {
        return "\"url\" must be a URL string";
    }
    variant.url = std::string(url->value().as_string());
    auto weight = o.find("weight");
    if (weight == o.end() || !weight->value().is_int64() || weight->value().as_int64() < 1 ||
        weight->value().as_int64() > core::kMaxSplitWeight) {
        return "\"weight\" must be an integer from 1 to 1000000";
    }
    variant.weight = weight->value().as_int64();
    return {};
}

template <class T, class From>
std::optional<std::vector<T>> ListFrom(const json::value& v, std::string_view name, std::size_t max, From&& from,
                                       std::string& error) {
    if (v.is_null()) return std::vector<T>{};
    if (!v.is_array()) {
        error = "\"" + std::string(name) + "\" must be an array";
        return std::nullopt;
    }
    if (v.as_array().size() > max) {
        error = "\"" + std::string(name) + "\" may have at most " + std::to_string(max) + " entries";
        return std::nullopt;
    }
    std::vector<T> out(v.as_array().size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (std::string e = from(v.as_array()[i], out[i]); !e.empty()) {
            error = std::string(name) + "[" + std::to_string(i) + "]: " + e + ".";
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace

json::value RulesValue(const std::vector<core::Rule>& rules) {
    json::array a;
    for (const auto& r : rules) {
        if (r.from_targeting) continue;
        a.emplace_back(json::object{{"if", ConditionObject(r.when)}, {"url", r.url}});
    }
    return a;
}

std::optional<std::vector<core::Rule>> RulesFromValue(const json::value& v, std::string& error) {
    return ListFrom<core::Rule>(v, "rules", core::kMaxRules, RuleFrom, error);
}

std::string RulesToJson(const std::vector<core::Rule>& rules) {
    json::value v = RulesValue(rules);
    return v.as_array().empty() ? std::string() : json::serialize(v);
}

std::vector<core::Rule> RulesFromJson(std::string_view text) {
    if (text.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    std::string error;
    if (ec) return {};
    return RulesFromValue(v, error).value_or(std::vector<core::Rule>{});
}

json::value SplitValue(const std::vector<core::SplitVariant>& split) {
    json::array a;
    for (const auto& s : split) a.emplace_back(json::object{{"url", s.url}, {"weight", s.weight}});
    return a;
}

std::optional<std::vector<core::SplitVariant>> SplitFromValue(const json::value& v, std::string& error) {
    auto split = ListFrom<core::SplitVariant>(v, "split", core::kMaxSplitVariants, VariantFrom, error);
    if (split && split->size() == 1) {
        error = "\"split\" needs at least 2 variants (or [] to remove it).";
        return std::nullopt;
    }
    return split;
}

std::string SplitToJson(const std::vector<core::SplitVariant>& split) {
    return split.empty() ? std::string() : json::serialize(SplitValue(split));
}

std::vector<core::SplitVariant> SplitFromJson(std::string_view text) {
    if (text.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    std::string error;
    if (ec) return {};
    return SplitFromValue(v, error).value_or(std::vector<core::SplitVariant>{});
}

}  // namespace shortener::store
