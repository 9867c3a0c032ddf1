#pragma once
/// @file
/// @brief Which long URLs may be shortened, and their normal form. Pure: no I/O.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/errc.hpp"

namespace shortener::core {

/// A set of domains, each matching itself and every subdomain ("example.com" matches "example.com" and
/// "a.b.example.com", not "notexample.com"). IP addresses match exactly. Immutable once built; thread-safe.
class DomainSet {
  public:
    /// Normalizes and adds one domain: lower-cased, IDN to punycode, one leading "*." or "." and a trailing dot
    /// dropped. Returns false (and adds nothing) when it is not a host name or IP address.
    bool Add(std::string_view domain);
    /// True if `host` (as CheckUrl writes it: lower-case ASCII, IPv6 in brackets, maybe a trailing dot) is in the
    /// set or below a domain in it.
    bool Matches(std::string_view host) const;
    std::size_t size() const noexcept { return domains_.size(); }
    bool empty() const noexcept { return domains_.empty(); }

    /// Parses a blocklist file: one domain per line; `#` starts a comment; blank lines are skipped; a hosts-file
    /// line ("0.0.0.0 example.com") counts as its name. nullopt, with `*error` naming the first bad line, when a
    /// line is neither.
    static std::optional<DomainSet> ParseList(std::string_view text, std::string* error = nullptr);

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_set<std::string, Hash, std::equal_to<>> domains_;
};

/// Domains of well-known public URL shorteners (bit.ly, tinyurl.com, t.co, ...): a short link to another short
/// link hides the destination from both services' abuse checks. Content domains that merely look short
/// (youtu.be, redd.it, ...) are not on it.
const std::vector<std::string_view>& KnownShortenerDomains();

/// Where CheckUrl finds the current blocklist; implementations may swap it at any time (a reloaded file).
class DomainListSource {
  public:
    virtual ~DomainListSource() = default;
    /// The list in force now; null: none. Thread-safe.
    virtual std::shared_ptr<const DomainSet> Current() const = 0;
};

struct UrlPolicyOptions {
    /// Longest accepted URL in bytes, measured on the input as given.
    std::size_t max_length = 4096;
    /// Hosts of the shortener itself (lower-case ASCII, punycode for IDNs, no port). A URL whose host
    /// equals one of them (ignoring a trailing dot and letter case) is a redirect loop.
    std::vector<std::string> own_hosts;
    /// The operator's blocklist (SHORTENER_BLOCKLIST_FILE): a matching host is refused with kUrlBlocked. Null:
    /// none. Not owned.
    const DomainListSource* blocklist = nullptr;
    /// Other URL shorteners: a matching host is refused with kUrlShortener. Null: allowed.
    std::shared_ptr<const DomainSet> shorteners;
};

/// Checks `input` against the policy and returns its normal form: scheme and host lower-cased, IDN host
/// converted to punycode (IDNA 2008, UTS #46 non-transitional), default port removed, an empty path
/// written as "/". Path, query and fragment are kept byte for byte.
/// Each refusal has its own Errc (kUrlTooLong, kUrlWhitespace, kUrlControlCharacters, kUrlRelative,
/// kUrlSchemeNotAllowed, kUrlMissingHost, kUrlHasCredentials, kUrlInvalidHost, kUrlSelfReference,
/// kUrlBlocked, kUrlShortener, kInvalidUrl, kUrlMissing for an empty input). Host rules are checked in that
/// order: own host, blocklist, shorteners. Thread-safe.
Result<std::string> CheckUrl(std::string_view input, const UrlPolicyOptions& options);

/// The normal form of a short domain's host name (issue #14): IDN to punycode (as CheckUrl), lower-case, one trailing
/// dot dropped. kInvalidDomain for anything else: IP addresses, a port, a path or scheme, a single label, a bad
/// label. Thread-safe.
Result<std::string> NormalizeDomainHost(std::string_view input);

}  // namespace shortener::core
