#pragma once
/// @file
/// @brief Bot detection: the `isbot` npm package's pattern (a maintained list of crawlers, HTTP libraries and
/// monitors) plus link-preview fetchers that chat and social apps send when a link is pasted.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/regex.hpp"

namespace shortener::enrich {

class BotDetector {
  public:
    /// `patterns`: isbot's pattern list (JavaScript regex syntax, matched case-insensitively). The patterns RE2
    /// accepts are joined into one RE2 alternation; the rest (lookbehind, lookahead) into one PCRE2
    /// alternation. Empty: only the built-in preview-fetcher list is used. Throws std::invalid_argument when a
    /// pattern compiles under neither engine.
    explicit BotDetector(const std::vector<std::string>& patterns);

    /// Extracts the pattern list (`var patterns_default = [ … ];`) from isbot's CommonJS build (index.js).
    /// nullopt when the file has no such list.
    static std::optional<std::vector<std::string>> PatternsFromIsbotJs(std::string_view index_js);
    /// Rewrites JavaScript-only regex syntax for RE2/PCRE2: a '-' right after a class escape inside [...]
    /// ("[\w\d-.]", a literal '-' in JavaScript) is escaped.
    static std::string TranslateJsPattern(std::string_view pattern);

    std::size_t re2_patterns() const noexcept { return re2_count_; }
    std::size_t pcre2_patterns() const noexcept { return pcre2_count_; }
    /// Reads isbot's index.js. Throws std::runtime_error when it cannot be read or parsed.
    static std::unique_ptr<BotDetector> FromIsbotFile(const std::string& path);

    /// True for bots, crawlers, HTTP libraries and link-preview fetchers. An empty User-Agent counts as a bot:
    /// every browser sends one.
    bool IsBot(std::string_view user_agent) const;
    /// True only for the built-in link-preview fetchers (Slackbot, Twitterbot, facebookexternalhit, …).
    static bool IsPreviewFetcher(std::string_view user_agent);

  private:
    std::optional<Regex> re2_;
    std::optional<Regex> pcre2_;
    std::size_t re2_count_ = 0;
    std::size_t pcre2_count_ = 0;
};

}  // namespace shortener::enrich
