#include "store/link_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

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
