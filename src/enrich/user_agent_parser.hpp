#pragma once
/// @file
/// @brief User-Agent parsing with uap-core's regexes.yaml (browser, OS and device families), the device
/// class rules, and a bounded thread-safe LRU cache in front of the parser.

#include <re2/re2.h>
#include <re2/set.h>

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "enrich/regex.hpp"

namespace shortener::enrich {

/// A family with its version parts; an empty string means "not defined" (uap-core's null).
struct UaFamily {
    std::string family = "Other";
    std::string major, minor, patch, patch_minor;
};

struct DeviceInfo {
    std::string family = "Other";
    std::string brand, model;
};

struct ParsedUserAgent {
    UaFamily browser;
    UaFamily os;
    DeviceInfo device;
};

/// How many patterns each engine compiled (RE2 for all it accepts, PCRE2 for the rest).
struct RegexEngineCounts {
    std::size_t re2 = 0;
    std::size_t pcre2 = 0;
    std::vector<std::string> pcre2_patterns;  // the patterns RE2 rejected
};

/// uap-core's reference semantics: each section's rules are tried in order and the first match wins;
/// `*_replacement` templates take $1..$9. Immutable after construction, so Parse is thread-safe.
class UserAgentParser {
  public:
    /// Parses regexes.yaml text. Throws std::runtime_error when the YAML or a pattern is unusable.
    static std::unique_ptr<UserAgentParser> FromYaml(std::string_view yaml_text);
    /// Reads and parses a regexes.yaml file. Throws std::runtime_error when it cannot.
    static std::unique_ptr<UserAgentParser> FromFile(const std::string& path);

    ~UserAgentParser();
    ParsedUserAgent Parse(std::string_view user_agent) const;
    UaFamily ParseBrowser(std::string_view user_agent) const;
    UaFamily ParseOs(std::string_view user_agent) const;
    DeviceInfo ParseDevice(std::string_view user_agent) const;

    const RegexEngineCounts& engine_counts() const noexcept { return counts_; }

    struct Rule {
        Regex regex;
        // Replacement templates; `has[i]` says whether the YAML set template i.
        std::array<std::string, 5> replacement;
        std::array<bool, 5> has{};
    };

    /// One section's rules, with an RE2::Set over them that finds the candidate rules in one pass (the
    /// full regex with captures then runs only on the first candidate). Without the set (it failed to compile
    /// or ran out of memory on an input) every rule is tried in order.
    struct Section {
        std::vector<Rule> rules;
        std::unique_ptr<re2::RE2::Set> set;
        std::vector<std::size_t> set_to_rule;  // set index → rule index
        std::vector<std::size_t> outside_set;  // rules not in the set (PCRE2), in order
        const Rule* FirstMatch(std::string_view ua, Regex::Match& m) const;
        void BuildSet(const std::vector<std::pair<std::string, bool>>& patterns);
    };

  private:
    UserAgentParser() = default;
    Section browser_, os_, device_;
    RegexEngineCounts counts_;
};

/// The User-Agent facts the enricher derives from the UA string alone: cached per UA string.
struct UserAgentFacts {
    ParsedUserAgent parsed;
    bool bot_by_pattern = false;  // the bot list or a link-preview fetcher matched
    std::string device_class;     // before client hints; see ClassifyDevice
};

/// A bounded, thread-safe LRU map from User-Agent string to facts, sharded to keep lock hold times short.
class UserAgentCache {
  public:
    explicit UserAgentCache(std::size_t capacity, std::size_t shards = 16);

    /// The cached facts, or null.
    std::shared_ptr<const UserAgentFacts> Find(std::string_view user_agent);
    void Insert(std::string_view user_agent, std::shared_ptr<const UserAgentFacts> facts);
    std::size_t Size() const;

  private:
    struct Shard {
        mutable std::mutex mutex;
        std::list<std::pair<std::string, std::shared_ptr<const UserAgentFacts>>> order;  // most recent first
        std::unordered_map<std::string_view, decltype(order)::iterator> index;
        std::size_t capacity = 0;
    };
    Shard& ShardOf(std::string_view key);
    std::vector<std::unique_ptr<Shard>> shards_;
};

/// Device class from the parse, the User-Agent text and client hints (docs/enrichment.md has the rules).
/// `ch_ua_mobile` is Sec-CH-UA-Mobile ("?1"/"?0", or empty when not sent).
std::string ClassifyDevice(const ParsedUserAgent& parsed, std::string_view user_agent, std::string_view ch_ua_mobile,
                           bool is_bot);

/// The OS family for a Sec-CH-UA-Platform value ("\"Windows\"", quotes optional), in uap-core's vocabulary
/// ("macOS" → "Mac OS X"); "" when absent or unknown.
std::string OsFromPlatformHint(std::string_view ch_ua_platform);

}  // namespace shortener::enrich
