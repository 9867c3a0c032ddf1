#pragma once
/// @file
/// @brief Secrets and their checks: API keys, stats tokens, session and CSRF tokens (random from libsodium,
/// base62), their SHA-256 digests (only digests are stored), constant-time comparison, scopes, and the
/// rules for account emails, passwords and key names. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::auth {

/// Random characters in every token: 43 base62 characters carry 256 bits (62^43 > 2^256).
inline constexpr std::size_t kTokenChars = 43;
/// An API key: "sk_" + 43 base62 characters.
inline constexpr std::string_view kApiKeyPrefix = "sk_";
/// A stats token of an anonymous link: "st_" + 43 base62 characters.
inline constexpr std::string_view kStatsTokenPrefix = "st_";
/// Characters of a key kept for display ("sk_" + 8).
inline constexpr std::size_t kDisplayPrefixLength = 11;

/// A new API key ("sk_…"), uniformly random (libsodium's randombytes_uniform).
std::string GenerateApiKey();
/// A new stats token ("st_…").
std::string GenerateStatsToken();
/// A new session or CSRF token: 43 base62 characters, no prefix.
std::string GenerateToken();

/// The lower-case hex SHA-256 of `secret` (libsodium crypto_hash_sha256): what the stores keep.
std::string Sha256Hex(std::string_view secret);

/// Equal contents, compared in time independent of where they differ (sodium_memcmp). Different lengths
/// are unequal (the length of our tokens is public).
bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// True if `s` has the shape of an API key (prefix, length, alphabet). Cheap pre-check before a lookup.
bool LooksLikeApiKey(std::string_view s) noexcept;
/// The same for stats tokens.
bool LooksLikeStatsToken(std::string_view s) noexcept;
/// The same for session tokens (cookie values).
bool LooksLikeToken(std::string_view s) noexcept;

/// The display prefix of a key (its first kDisplayPrefixLength characters).
std::string DisplayPrefix(std::string_view key);

// ---- scopes ----

/// A set of scopes, as bits. kAdmin implies every other scope (and sight of every owner's links).
enum Scope : std::uint8_t {
    kLinksWrite = 1,
    kLinksRead = 2,
    kStatsRead = 4,
    kAdmin = 8,
};
using Scopes = std::uint8_t;

inline constexpr Scopes kUserScopes = kLinksWrite | kLinksRead | kStatsRead;  // web sessions, default keys
inline constexpr Scopes kAllScopes = kUserScopes | kAdmin;

/// True if `have` grants `need` (admin grants everything).
constexpr bool HasScope(Scopes have, Scope need) noexcept { return (have & kAdmin) != 0 || (have & need) != 0; }

/// Parses scope names ("links:write", …); nullopt on an unknown or empty name. Duplicates are fine.
std::optional<Scopes> ParseScopes(const std::vector<std::string>& names);
/// Parses a list separated by commas and/or spaces ("links:read,stats:read"); nullopt as above, or if empty.
std::optional<Scopes> ParseScopeList(std::string_view list);
/// The names of the scopes in `s`, in the canonical order links:write links:read stats:read admin.
std::vector<std::string> ScopeNames(Scopes s);
/// ScopeNames joined by single spaces (the stored form).
std::string ScopeString(Scopes s);

// ---- account and key input ----

/// Longest email accepted (RFC 5321 path limit).
inline constexpr std::size_t kMaxEmailLength = 254;
/// Shortest account password.
inline constexpr std::size_t kMinPasswordLength = 8;
/// Longest key name.
inline constexpr std::size_t kMaxKeyNameLength = 100;

/// The email trimmed of surrounding spaces and lower-cased, or nullopt if it is not an address we accept:
/// printable ASCII, one '@', a non-empty local part, a domain of dot-separated labels (at least two),
/// at most kMaxEmailLength characters.
std::optional<std::string> NormalizeEmail(std::string_view email);

/// True for an account password of kMinPasswordLength to kMaxPasswordLength (password.hpp) bytes.
bool IsAcceptablePassword(std::string_view password) noexcept;

/// True for a key name of 1 to kMaxKeyNameLength bytes of valid UTF-8 without control characters.
bool IsAcceptableKeyName(std::string_view name) noexcept;

}  // namespace shortener::auth
