#include "enrich/user_agent_parser.hpp"

#include <re2/re2.h>
#include <re2/set.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace shortener::enrich {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Fills $1..$9 with the groups of `m` (a group that did not take part becomes "").
std::string Substitute(std::string_view tmpl, const Regex::Match& m) {
    std::string out;
    out.reserve(tmpl.size() + 16);
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] == '$' && i + 1 < tmpl.size() && tmpl[i + 1] >= '1' && tmpl[i + 1] <= '9') {
            int g = tmpl[i + 1] - '0';
            if (g <= Regex::kMaxGroups && m.matched[g]) out += m.group[g];
            ++i;
        } else {
            out += tmpl[i];
        }
    }
    return out;
}

// Template `i` of the rule if the YAML set it, else capture group `group` (or "" when there is none).
std::string Field(const UserAgentParser::Rule& rule, int i, int group, const Regex::Match& m) {
    if (rule.has[i]) return std::string(Trim(Substitute(rule.replacement[i], m)));
    if (group > 0 && group <= Regex::kMaxGroups && m.matched[group]) return std::string(Trim(m.group[group]));
    return {};
}

void LoadSection(const YAML::Node& root, const char* section, const std::array<const char*, 5>& keys,
                 UserAgentParser::Section& out, RegexEngineCounts& counts) {
    auto& rules = out.rules;
    std::vector<std::pair<std::string, bool>> patterns;
    const YAML::Node list = root[section];
    if (!list || !list.IsSequence()) throw std::runtime_error(std::string("regexes.yaml has no ") + section);
    for (const auto& entry : list) {
        const std::string pattern = entry["regex"].as<std::string>();
        const bool icase = entry["regex_flag"] && entry["regex_flag"].as<std::string>() == "i";
        UserAgentParser::Rule rule{Regex(pattern, icase), {}, {}};
        patterns.emplace_back(pattern, icase);
        if (rule.regex.engine() == Regex::Engine::kRe2) {
            ++counts.re2;
        } else {
            ++counts.pcre2;
            counts.pcre2_patterns.push_back(pattern);
        }
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (!keys[i]) continue;
            if (const YAML::Node v = entry[keys[i]]; v && !v.IsNull()) {
                rule.replacement[i] = v.as<std::string>();
                rule.has[i] = true;
            }
        }
        rules.push_back(std::move(rule));
    }
    out.BuildSet(patterns);
}

bool Contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

bool ContainsAny(std::string_view haystack, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return Contains(haystack, n); });
}

template <class T>
bool OneOf(std::string_view v, std::initializer_list<T> set) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace

std::unique_ptr<UserAgentParser> UserAgentParser::FromYaml(std::string_view yaml_text) {
    std::unique_ptr<UserAgentParser> p(new UserAgentParser());
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(std::string("regexes.yaml: ") + e.what());
    }
    try {
        LoadSection(root, "user_agent_parsers",
                    {"family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"},
                    p->browser_, p->counts_);
        LoadSection(
            root, "os_parsers",
            {"os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"},
            p->os_, p->counts_);
        LoadSection(root, "device_parsers",
                    {"device_replacement", "brand_replacement", "model_replacement", nullptr, nullptr}, p->device_,
                    p->counts_);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("regexes.yaml: ") + e.what());
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(std::string("regexes.yaml: ") + e.what());
    }
    return p;
}

UserAgentParser::~UserAgentParser() = default;

void UserAgentParser::Section::BuildSet(const std::vector<std::pair<std::string, bool>>& patterns) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(64 << 20);  // the set's DFA; past it Match fails and we fall back to the linear scan
    auto s = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (rules[i].regex.engine() != Regex::Engine::kRe2) {
            outside_set.push_back(i);
            continue;
        }
        const std::string p = patterns[i].second ? "(?i)(?:" + patterns[i].first + ")" : patterns[i].first;
        if (s->Add(p, nullptr) < 0) {
            outside_set.push_back(i);
            continue;
        }
        set_to_rule.push_back(i);
    }
    if (s->Compile()) set = std::move(s);
}

const UserAgentParser::Rule* UserAgentParser::Section::FirstMatch(std::string_view ua, Regex::Match& m) const {
    if (set) {
        thread_local std::vector<int> hits;
        hits.clear();
        RE2::Set::ErrorInfo error{};
        if (set->Match(re2::StringPiece(ua.data(), ua.size()), &hits, &error) || error.kind == RE2::Set::kNoError) {
            std::size_t best = rules.size();
            for (int h : hits) best = std::min(best, set_to_rule[static_cast<std::size_t>(h)]);
            for (std::size_t i : outside_set) {
                if (i >= best) break;
                if (rules[i].regex.Search(ua, &m)) return &rules[i];
            }
            if (best < rules.size() && rules[best].regex.Search(ua, &m)) return &rules[best];
            if (best == rules.size()) return nullptr;
            // The set and the rule disagreed (should not happen): fall through to the linear scan.
        }
    }
    for (const auto& rule : rules) {
        if (rule.regex.Search(ua, &m)) return &rule;
    }
    return nullptr;
}

std::unique_ptr<UserAgentParser> UserAgentParser::FromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return FromYaml(text.str());
}

namespace {

// Browser and OS rules share their shape: family and up to four version parts, each from the rule's
// replacement or its capture group.
template <class Section>
UaFamily ParseFamily(const Section& section, std::string_view ua) {
    UaFamily r;
    Regex::Match m;
    if (const auto* rule = section.FirstMatch(ua, m)) {
        r.family = Field(*rule, 0, 1, m);
        r.major = Field(*rule, 1, 2, m);
        r.minor = Field(*rule, 2, 3, m);
        r.patch = Field(*rule, 3, 4, m);
        r.patch_minor = Field(*rule, 4, 5, m);
        if (r.family.empty()) r.family = "Other";
    }
    return r;
}

}  // namespace

UaFamily UserAgentParser::ParseBrowser(std::string_view ua) const { return ParseFamily(browser_, ua); }

UaFamily UserAgentParser::ParseOs(std::string_view ua) const { return ParseFamily(os_, ua); }

DeviceInfo UserAgentParser::ParseDevice(std::string_view ua) const {
    DeviceInfo r;
    Regex::Match m;
    if (const Rule* hit = device_.FirstMatch(ua, m)) {
        const Rule& rule = *hit;
        r.family = Field(rule, 0, 1, m);
        r.brand = rule.has[1] ? Field(rule, 1, 0, m) : std::string();
        r.model = Field(rule, 2, 1, m);
        if (r.family.empty()) r.family = "Other";
        return r;
    }
    return r;
}

ParsedUserAgent UserAgentParser::Parse(std::string_view ua) const {
    return {ParseBrowser(ua), ParseOs(ua), ParseDevice(ua)};
}

UserAgentCache::UserAgentCache(std::size_t capacity, std::size_t shards) {
    shards = std::max<std::size_t>(1, shards);
    for (std::size_t i = 0; i < shards; ++i) {
        auto s = std::make_unique<Shard>();
        s->capacity = capacity / shards + (i < capacity % shards ? 1 : 0);
        shards_.push_back(std::move(s));
    }
}

UserAgentCache::Shard& UserAgentCache::ShardOf(std::string_view key) {
    return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

std::shared_ptr<const UserAgentFacts> UserAgentCache::Find(std::string_view ua) {
    Shard& s = ShardOf(ua);
    std::lock_guard lock(s.mutex);
    auto it = s.index.find(ua);
    if (it == s.index.end()) return nullptr;
    s.order.splice(s.order.begin(), s.order, it->second);
    return it->second->second;
}

void UserAgentCache::Insert(std::string_view ua, std::shared_ptr<const UserAgentFacts> facts) {
    Shard& s = ShardOf(ua);
    if (s.capacity == 0) return;
    std::lock_guard lock(s.mutex);
    if (auto it = s.index.find(ua); it != s.index.end()) {
        it->second->second = std::move(facts);
        s.order.splice(s.order.begin(), s.order, it->second);
        return;
    }
    s.order.emplace_front(std::string(ua), std::move(facts));
    s.index.emplace(s.order.front().first, s.order.begin());
    while (s.order.size() > s.capacity) {
        s.index.erase(s.order.back().first);
        s.order.pop_back();
    }
}

std::size_t UserAgentCache::Size() const {
    std::size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s->mutex);
        n += s->order.size();
    }
    return n;
}

std::string ClassifyDevice(const ParsedUserAgent& p, std::string_view user_agent, std::string_view ch_ua_mobile,
                           bool is_bot) {
    if (is_bot || p.device.family == "Spider") return "bot";
    std::string ua(user_agent);
    std::transform(ua.begin(), ua.end(), ua.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string_view os = p.os.family;
    const std::string_view dev = p.device.family;

    // 1. Game consoles (before TV and mobile: PlayStation Vita and Nintendo Switch UAs look mobile).
    if (ContainsAny(ua, {"playstation", "xbox", "nintendo", "ouya"}) ||
        ContainsAny(std::string_view(dev), {"PlayStation", "Xbox", "Nintendo"})) {
        return "console";
    }
    // 2. TVs and TV sticks.
    if (os == "tvOS" || dev == "AppleTV" ||
        ContainsAny(ua,
                    {"smart-tv", "smarttv", "googletv", "google tv", "android tv", "appletv",  "apple tv", "hbbtv",
                     "netcast",  "viera",   "roku",     "crkey",     "bravia",     "aftb",     "aftt",     "aftm",
                     "afts",     "aftka",   "aftmm",    "web0s",     "webos.tv",   "tizen tv", "smart tv", "philipstv",
                     "dtv",      "; tv;",   " tv)",     "opera tv",  "vidaa"})) {
        return "tv";
    }
    // 3. A sent client hint decides phone or not for the browsers that send it.
    if (ch_ua_mobile == "?1") return "mobile";
    // 4. Tablets.
    if (dev == "iPad" || ContainsAny(std::string_view(dev), {"Kindle", "Tablet"}) ||
        ContainsAny(ua, {"ipad", "tablet", "kindle", "silk/", "playbook", "kftt", "kfot", "kfjw"}) ||
        (Contains(ua, "android") && !Contains(ua, "mobile") && ch_ua_mobile != "?0" && os == "Android")) {
        return "tablet";
    }
    if (ch_ua_mobile == "?0" && os == "Android") return "tablet";  // Android without a phone hint
    // 5. Phones and other handhelds.
    if (OneOf(os, {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Symbian OS", "Firefox OS", "Sailfish",
                   "Tizen", "webOS", "Windows Mobile", "HarmonyOS"}) ||
        dev == "iPhone" || dev == "iPod" ||
        ContainsAny(ua, {"mobile", "mobi", "iphone", "ipod", "android", "windows phone", "blackberry", "opera mini",
                         "symbian", "kaios", "j2me", "midp"})) {
        return "mobile";
    }
    // 6. Desktop operating systems.
    if (OneOf(os, {"Windows",    "Mac OS X",  "Linux",      "Ubuntu",     "Fedora",   "Debian",  "Chrome OS",
                   "FreeBSD",    "OpenBSD",   "NetBSD",     "Solaris",    "Mandriva", "Red Hat", "SUSE",
                   "Gentoo",     "Slackware", "Mint",       "Arch Linux", "Kubuntu",  "Xubuntu", "CentOS",
                   "Windows XP", "Windows 7", "Windows 10", "Mac OS"}) ||
        os.rfind("Windows", 0) == 0 || os.rfind("Mac OS", 0) == 0 ||
        ContainsAny(ua, {"windows nt", "macintosh", "x11;", "cros "})) {
        return "desktop";
    }
    return "other";
}

std::string OsFromPlatformHint(std::string_view hint) {
    hint = Trim(hint);
    if (hint.size() >= 2 && hint.front() == '"' && hint.back() == '"') hint = hint.substr(1, hint.size() - 2);
    if (hint == "Windows") return "Windows";
    if (hint == "macOS") return "Mac OS X";
    if (hint == "Android") return "Android";
    if (hint == "iOS") return "iOS";
    if (hint == "Chrome OS" || hint == "Chromium OS") return "Chrome OS";
    if (hint == "Linux") return "Linux";
    if (hint == "Fuchsia") return "Fuchsia";
    return {};
}

}  // namespace shortener::enrich
