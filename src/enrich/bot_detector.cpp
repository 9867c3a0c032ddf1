#include "enrich/bot_detector.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace shortener::enrich {
namespace {

// Link-preview fetchers, lower-case substrings. Some look like browsers ("WhatsApp/2…", Apple's
// "facebookexternalhit"-style previews), so they are listed here even where isbot also catches them.
constexpr std::string_view kPreviewFetchers[] = {
    "slackbot",
    "slack-imgproxy",
    "twitterbot",
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "whatsapp/",
    "discordbot",
    "telegrambot",
    "linkedinbot",
    "applebot",
    "skypeuripreview",
    "pinterestbot",
    "redditbot",
    "embedly",
    "iframely",
    "vkshare",
    "mastodon/",
    "bluesky cardyb",
    "google-pagerenderer",
    "googleother",
    "bingpreview",
    "microsoftpreview",
    "mattermost-bot",
    "rocket.chat+",
    "kakaotalk-scrap",
    "yahoo link preview",
    "quora link preview",
    "flipboardproxy",
    "bitlybot",
    "tumblr/",
    "line-poker",
    "zoom marketplace",
    "xing-contenttabreceiver",
    "nuzzel",
};

}  // namespace

BotDetector::BotDetector(const std::vector<std::string>& patterns) {
    std::string re2_union, pcre2_union;
    for (const auto& p : patterns) {
        std::string translated = TranslateJsPattern(p);
        Regex probe(translated, /*case_insensitive=*/true);  // throws if neither engine accepts it
        std::string& target = probe.engine() == Regex::Engine::kRe2 ? re2_union : pcre2_union;
        (probe.engine() == Regex::Engine::kRe2 ? re2_count_ : pcre2_count_)++;
        if (!target.empty()) target += '|';
        target += "(?:" + translated + ")";
    }
    if (!re2_union.empty()) re2_.emplace(re2_union, true);
    if (!pcre2_union.empty()) pcre2_.emplace(pcre2_union, true);
}

std::string BotDetector::TranslateJsPattern(std::string_view p) {
    std::string out;
    bool in_class = false;
    bool after_class_escape = false;
    for (std::size_t i = 0; i < p.size(); ++i) {
        char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            char n = p[++i];
            out += c;
            out += n;
            after_class_escape = in_class && std::string_view("wWdDsS").find(n) != std::string_view::npos;
            continue;
        }
        if (in_class && c == '-' && after_class_escape) {
            out += "\\-";
        } else {
            out += c;
            if (c == '[' && !in_class)
                in_class = true;
            else if (c == ']' && in_class)
                in_class = false;
        }
        after_class_escape = false;
    }
    return out;
}

std::optional<std::vector<std::string>> BotDetector::PatternsFromIsbotJs(std::string_view js) {
    constexpr std::string_view kStart = "var patterns_default = [";
    auto start = js.find(kStart);
    if (start == std::string_view::npos) return std::nullopt;
    std::vector<std::string> out;
    std::size_t i = start + kStart.size();
    for (;;) {
        while (i < js.size() && (js[i] == ' ' || js[i] == '\n' || js[i] == '\r' || js[i] == '\t' || js[i] == ',')) ++i;
        if (i >= js.size()) return std::nullopt;
        if (js[i] == ']') break;
        if (js[i] != '"') return std::nullopt;
        std::string item;
        for (++i;; ++i) {
            if (i >= js.size() || js[i] == '\n') return std::nullopt;
            char c = js[i];
            if (c == '"') break;
            if (c == '\\' && i + 1 < js.size()) {
                // A JavaScript string literal: the list only uses \\ and \" escapes.
                char n = js[++i];
                if (n == '\\' || n == '"' || n == '\'' || n == '/')
                    item += n;
                else
                    return std::nullopt;
            } else {
                item += c;
            }
        }
        ++i;
        out.push_back(std::move(item));
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::unique_ptr<BotDetector> BotDetector::FromIsbotFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    auto patterns = PatternsFromIsbotJs(text.str());
    if (!patterns) throw std::runtime_error("no pattern list (patterns_default) in " + path);
    try {
        return std::make_unique<BotDetector>(*patterns);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("isbot pattern: ") + e.what());
    }
}

bool BotDetector::IsPreviewFetcher(std::string_view ua) {
    // The names are lower-case; the User-Agent is compared ASCII case-insensitively in place (no copy per click).
    const auto same = [](char a, char b) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(a))) == b;
    };
    return std::any_of(std::begin(kPreviewFetchers), std::end(kPreviewFetchers), [&](std::string_view f) {
        return std::search(ua.begin(), ua.end(), f.begin(), f.end(), same) != ua.end();
    });
}

bool BotDetector::IsBot(std::string_view ua) const {
    if (ua.empty()) return true;
    if (IsPreviewFetcher(ua)) return true;
    return (re2_ && re2_->Search(ua)) || (pcre2_ && pcre2_->Search(ua));
}

}  // namespace shortener::enrich
