#include "enrich/referrer.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace shortener::enrich {
namespace {

// Hosts the maintained list lacks or files under another medium. Later entries win over the list.
constexpr std::pair<std::string_view, std::string_view> kExtraSources[] = {
    {"t.co", kReferrerSocial},
    {"l.facebook.com", kReferrerSocial},
    {"lm.facebook.com", kReferrerSocial},
    {"m.facebook.com", kReferrerSocial},
    {"l.instagram.com", kReferrerSocial},
    {"lnkd.in", kReferrerSocial},
    {"out.reddit.com", kReferrerSocial},
    {"news.ycombinator.com", kReferrerSocial},
    {"threads.net", kReferrerSocial},
    {"bsky.app", kReferrerSocial},
    {"mastodon.social", kReferrerSocial},
    {"away.vk.com", kReferrerSocial},
    {"discord.com", kReferrerSocial},
    {"web.whatsapp.com", kReferrerSocial},
    {"web.telegram.org", kReferrerSocial},
    {"com.twitter.android", kReferrerSocial},
    {"com.facebook.katana", kReferrerSocial},
    {"com.linkedin.android", kReferrerSocial},
    {"org.telegram.messenger", kReferrerSocial},
    {"com.reddit.frontpage", kReferrerSocial},
    {"mail.google.com", kReferrerEmail},
    {"inbox.google.com", kReferrerEmail},
    {"outlook.live.com", kReferrerEmail},
    {"outlook.office.com", kReferrerEmail},
    {"outlook.office365.com", kReferrerEmail},
    {"mail.yahoo.com", kReferrerEmail},
    {"mail.proton.me", kReferrerEmail},
    {"mail.zoho.com", kReferrerEmail},
    {"app.fastmail.com", kReferrerEmail},
    {"com.google.android.gm", kReferrerEmail},
    {"com.microsoft.office.outlook", kReferrerEmail},
    {"com.google.android.googlequicksearchbox", kReferrerSearch},
    {"duckduckgo.com", kReferrerSearch},
    {"search.brave.com", kReferrerSearch},
    {"kagi.com", kReferrerSearch},
    {"ecosia.org", kReferrerSearch},
};

std::string_view ClassOfMedium(std::string_view medium) {
    if (medium == "search") return kReferrerSearch;
    if (medium == "social") return kReferrerSocial;
    if (medium == "email") return kReferrerEmail;
    return kReferrerOther;  // "paid", "referral", "unknown": a known site, but none of our classes
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = Lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string PercentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
            out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string CropUtf8(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s.resize(n);
    return s;
}

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

ReferrerClassifier::ReferrerClassifier(std::string_view referrers_json, const std::vector<std::string>& own_hosts) {
    if (!TrimSpaces(referrers_json).empty()) {
        YAML::Node root;
        try {
            root = YAML::Load(std::string(referrers_json));  // JSON is YAML; yaml-cpp reads it
        } catch (const YAML::Exception& e) {
            throw std::runtime_error(std::string("referrers.json: ") + e.what());
        }
        if (!root.IsMap()) throw std::runtime_error("referrers.json: not an object");
        for (const auto& kv : root) {
            std::string host = NormalizeHost("http://" + kv.first.as<std::string>());
            const YAML::Node medium = kv.second["medium"];
            if (host.empty() || !medium) continue;
            classes_[host] = ClassOfMedium(medium.as<std::string>());
        }
    }
    for (const auto& [host, cls] : kExtraSources) classes_[std::string(host)] = cls;
    for (const auto& h : own_hosts) {
        std::string n = NormalizeHost("http://" + h);
        if (!n.empty()) own_hosts_.push_back(std::move(n));
    }
}

std::unique_ptr<ReferrerClassifier> ReferrerClassifier::FromFile(const std::string& path,
                                                                 const std::vector<std::string>& own_hosts) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return std::make_unique<ReferrerClassifier>(text.str(), own_hosts);
}

std::string ReferrerClassifier::NormalizeHost(std::string_view url) {
    url = TrimSpaces(url);
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
    for (char c : url.substr(0, scheme_end)) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return {};
    }
    std::string_view authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return {};
        host = authority.substr(0, close + 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    std::string out;
    out.reserve(host.size());
    for (char c : host) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\\' || c == '%' || u == 0x7f) return {};
        out += Lower(c);
    }
    while (!out.empty() && out.back() == '.') out.pop_back();
    if (out.rfind("www.", 0) == 0) out.erase(0, 4);
    if (out.size() > 253) return {};
    return out;
}

ReferrerResult ReferrerClassifier::Classify(std::string_view referer) const {
    ReferrerResult r;
    if (TrimSpaces(referer).empty()) {
        r.source_class = kReferrerDirect;
        return r;
    }
    r.host = NormalizeHost(referer);
    if (r.host.empty()) {
        r.source_class = kReferrerOther;
        return r;
    }
    for (const auto& own : own_hosts_) {
        if (r.host == own) {
            r.source_class = kReferrerInternal;
            return r;
        }
    }
    // The host, then each parent domain ("news.google.co.uk" → "google.co.uk" → "co.uk").
    std::string_view h = r.host;
    while (!h.empty()) {
        if (auto it = classes_.find(std::string(h)); it != classes_.end()) {
            r.source_class = it->second;
            return r;
        }
        auto dot = h.find('.');
        if (dot == std::string_view::npos) break;
        h.remove_prefix(dot + 1);
    }
    r.source_class = kReferrerOther;
    return r;
}

namespace {

void ParseUtmInto(std::string_view query, UtmParams& u) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        std::string* target = nullptr;
        if (key == "utm_source")
            target = &u.source;
        else if (key == "utm_medium")
            target = &u.medium;
        else if (key == "utm_campaign")
            target = &u.campaign;
        else if (key == "utm_term")
            target = &u.term;
        else if (key == "utm_content")
            target = &u.content;
        if (target && target->empty()) {
            *target = CropUtf8(std::string(TrimSpaces(PercentDecode(value))), kMaxUtmLength);
            for (char& c : *target) {
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            }
        }
    }
}

}  // namespace

UtmParams ParseUtm(std::string_view query, std::string_view fallback) {
    UtmParams u;
    ParseUtmInto(query, u);
    if (!fallback.empty()) ParseUtmInto(fallback, u);
    return u;
}

std::string PrimaryLanguage(std::string_view header) {
    std::string best;
    double best_q = 0;
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view entry = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        auto semi = entry.find(';');
        std::string_view tag = TrimSpaces(entry.substr(0, semi));
        double q = 1.0;
        if (semi != std::string_view::npos) {
            std::string_view params = entry.substr(semi + 1);
            auto qpos = params.find("q=");
            if (qpos != std::string_view::npos) {
                std::string qs(TrimSpaces(params.substr(qpos + 2, params.find(';', qpos) - qpos - 2)));
                char* end = nullptr;
                q = std::strtod(qs.c_str(), &end);
                if (qs.empty() || end != qs.c_str() + qs.size() || !(q >= 0 && q <= 1)) continue;
            }
        }
        std::string_view primary = tag.substr(0, tag.find_first_of("-_"));
        if (primary.empty() || primary.size() > 8 || primary == "*") continue;
        if (!std::all_of(primary.begin(), primary.end(),
                         [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
            continue;
        }
        if (q > best_q) {
            best_q = q;
            best.assign(primary);
            std::transform(best.begin(), best.end(), best.begin(), Lower);
        }
    }
    return best;
}

}  // namespace shortener::enrich
