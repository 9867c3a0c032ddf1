#pragma once
/// @file
/// @brief Which long URLs may be shortened, and their normal form. Pure: no I/O.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"

namespace shortener::core {

struct UrlPolicyOptions {
    /// Longest accepted URL in bytes, measured on the input as given.
    std::size_t max_length = 4096;
    /// Hosts of the shortener itself (lower-case ASCII, punycode for IDNs, no port). A URL whose host
    /// equals one of them (ignoring a trailing dot and letter case) is a redirect loop.
    std::vector<std::string> own_hosts;
};

/// Checks `input` against the policy and returns its normal form: scheme and host lower-cased, IDN host
/// converted to punycode (IDNA 2008, UTS #46 non-transitional), default port removed, an empty path
/// written as "/". Path, query and fragment are kept byte for byte.
/// Each refusal has its own Errc (kUrlTooLong, kUrlWhitespace, kUrlControlCharacters, kUrlRelative,
/// kUrlSchemeNotAllowed, kUrlMissingHost, kUrlHasCredentials, kUrlInvalidHost, kUrlSelfReference,
/// kInvalidUrl, kUrlMissing for an empty input). Thread-safe.
Result<std::string> CheckUrl(std::string_view input, const UrlPolicyOptions& options);

}  // namespace shortener::core
