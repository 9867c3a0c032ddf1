#include "core/routing.hpp"

#include <algorithm>

#include "core/link.hpp"
#include "core/targeting.hpp"

namespace shortener::core {
namespace {

constexpr std::pair<std::string_view, std::uint8_t> kDeviceNames[] = {
    {"ios", kDeviceBitIos}, {"android", kDeviceBitAndroid}, {"desktop", kDeviceBitDesktop}, {"other", kDeviceBitOther}};

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

bool Contains(std::string_view haystack, std::string_view needle) noexcept {
    return haystack.find(needle) != std::string_view::npos;
}

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// q of one Accept-Language element's parameters ("q=0.8"); 1 when absent, -1 when malformed.
double QValue(std::string_view params) noexcept {
    double q = 1.0;
    while (!params.empty()) {
        const auto semi = params.find(';');
        std::string_view p = Trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (p.size() < 2 || Lower(p[0]) != 'q' || p[1] != '=') continue;
        p.remove_prefix(2);
        if (p.empty() || (p[0] != '0' && p[0] != '1')) return -1;
        q = p[0] - '0';
        if (p.size() > 1) {
            if (p[1] != '.' || p.size() > 5) return -1;
            double scale = 0.1;
            for (char c : p.substr(2)) {
                if (!IsDigit(c)) return -1;
                q += (c - '0') * scale;
                scale /= 10;
            }
        }
        if (q > 1.0) return -1;
    }
    return q;
}

int HexValue(char c) noexcept {
    if (IsDigit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string Decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::uint64_t Mix(std::uint64_t z) noexcept {  // splitmix64's finalizer: every input bit moves every output bit
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t Fnv(std::uint64_t h, std::string_view s) noexcept {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

std::uint8_t DeviceBitOf(std::string_view name) noexcept {
    for (const auto& [n, bit] : kDeviceNames) {
        if (n == name) return bit;
    }
    return 0;
}

std::vector<std::string_view> DeviceNames(std::uint8_t bits) {
    std::vector<std::string_view> out;
    for (const auto& [n, bit] : kDeviceNames) {
        if (bits & bit) out.push_back(n);
    }
    return out;
}

std::vector<Rule> TargetingRules(const Targeting& targeting) {
    std::vector<Rule> rules;
    if (!targeting.ios.empty()) rules.push_back({.when = {.devices = kDeviceBitIos}, .url = targeting.ios});
    if (!targeting.android.empty()) {
        rules.push_back({.when = {.devices = kDeviceBitAndroid}, .url = targeting.android});
    }
    for (const auto& [code, url] : targeting.countries) rules.push_back({.when = {.countries = {code}}, .url = url});
    for (Rule& r : rules) r.from_targeting = true;
    return rules;
}

std::vector<Rule> EffectiveRules(const std::vector<Rule>& own, const Targeting& targeting) {
    std::vector<Rule> rules;
    for (const Rule& r : own) {
        if (!r.from_targeting) rules.push_back(r);
    }
    for (Rule& r : TargetingRules(targeting)) rules.push_back(std::move(r));
    return rules;
}

std::string NormalizeLanguageTag(std::string_view tag) {
    if (tag.empty() || tag.size() > kMaxRuleTokenLength) return {};
    std::string out;
    std::size_t part = 0;
    bool first = true;
    for (char c : tag) {
        if (c == '-') {
            if (part == 0) return {};
            first = false;
            part = 0;
        } else if (IsAlpha(c) || (!first && IsDigit(c))) {
            if (++part > 8) return {};
        } else {
            return {};
        }
        out.push_back(Lower(c));
    }
    return part == 0 ? std::string() : out;
}

std::string PreferredLanguage(std::string_view accept_language) {
    std::string best;
    double best_q = 0.0;
    while (!accept_language.empty()) {
        const auto comma = accept_language.find(',');
        std::string_view element = accept_language.substr(0, comma);
        accept_language = comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
        const auto semi = element.find(';');
        const std::string_view range = Trim(element.substr(0, semi));
        const double q = semi == std::string_view::npos ? 1.0 : QValue(element.substr(semi + 1));
        if (range == "*" || q <= best_q) continue;
        std::string tag = NormalizeLanguageTag(range);
        if (tag.empty()) continue;
        best = std::move(tag);
        best_q = q;
    }
    return best;
}

bool LanguageMatches(std::string_view tag, std::string_view preferred) noexcept {
    if (preferred.size() < tag.size() || preferred.substr(0, tag.size()) != tag) return false;
    return preferred.size() == tag.size() || preferred[tag.size()] == '-';
}

std::uint8_t DeviceBitFor(std::string_view user_agent, std::string_view ch_ua_platform,
                          std::string_view ch_ua_mobile) noexcept {
    switch (DetectDevice(user_agent, ch_ua_platform)) {
        case DeviceClass::kIos:
            return kDeviceBitIos;
        case DeviceClass::kAndroid:
            return kDeviceBitAndroid;
        case DeviceClass::kOther:
            break;
    }
    if (ch_ua_mobile == "?1") return kDeviceBitOther;
    for (std::string_view mobile : {"Mobi", "Tablet", "Windows Phone", "SmartTV", "PlayStation", "Xbox", "Nintendo"}) {
        if (Contains(user_agent, mobile)) return kDeviceBitOther;
    }
    return kDeviceBitDesktop;
}

bool QueryHas(std::string_view query, std::string_view name, std::string_view value) {
    while (true) {
        const auto amp = query.find('&');
        const std::string_view param = query.substr(0, amp);
        const auto eq = param.find('=');
        if (Decode(param.substr(0, eq)) == name) {
            const std::string_view raw = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
            if (Decode(raw) == value) return true;
        }
        if (amp == std::string_view::npos) return false;
        query.remove_prefix(amp + 1);
    }
}

std::uint64_t SplitVisitorKey(std::string_view client_address, std::string_view user_agent,
                              std::int64_t link_id) noexcept {
    std::uint64_t h = Fnv(0xcbf29ce484222325ULL, client_address);
    h = Fnv(h ^ 0x1f, user_agent);
    return Mix(h ^ Mix(static_cast<std::uint64_t>(link_id)));
}

std::size_t PickVariant(const std::vector<SplitVariant>& split, std::uint64_t visitor_key) noexcept {
    std::uint64_t total = 0;
    for (const auto& v : split) total += static_cast<std::uint64_t>(std::max<std::int64_t>(v.weight, 0));
    if (total == 0) return 0;
    std::uint64_t point = visitor_key % total;
    for (std::size_t i = 0; i < split.size(); ++i) {
        const auto w = static_cast<std::uint64_t>(std::max<std::int64_t>(split[i].weight, 0));
        if (point < w) return i;
        point -= w;
    }
    return split.size() - 1;
}

std::string RouteLabel(RouteKind kind, int index) {
    switch (kind) {
        case RouteKind::kRule:
            return "rule:" + std::to_string(index);
        case RouteKind::kVariant:
            return "variant:" + std::to_string(index);
        case RouteKind::kTargeting:
            return "targeting";
        case RouteKind::kDefault:
            break;
    }
    return "url";
}

bool RuleContext::Matches(const RuleCondition& c) {
    if (c.after && facts_.now < *c.after) return false;
    if (c.before && facts_.now >= *c.before) return false;
    if (c.devices != 0) {
        if (device_ == 0) device_ = DeviceBitFor(facts_.user_agent, facts_.ch_ua_platform, facts_.ch_ua_mobile);
        if ((c.devices & device_) == 0) return false;
    }
    for (const auto& [name, value] : c.query) {
        if (!QueryHas(facts_.query, name, value)) return false;
    }
    if (!c.languages.empty()) {
        if (!language_) language_ = PreferredLanguage(facts_.accept_language);
        const bool any = std::any_of(c.languages.begin(), c.languages.end(),
                                     [&](const std::string& tag) { return LanguageMatches(tag, *language_); });
        if (!any) return false;
    }
    if (!c.countries.empty()) {
        if (!country_value_) country_value_ = ask_(country_);
        if (country_value_->empty()) return false;
        if (std::find(c.countries.begin(), c.countries.end(), *country_value_) == c.countries.end()) return false;
    }
    return true;
}

}  // namespace shortener::core
