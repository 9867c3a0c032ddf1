#pragma once
/// @file
/// @brief Which certificate file a TLS server name (SNI) is served with (issue #14). Pure: no OpenSSL, no I/O,
/// so it is unit tested and fuzzed (tests/fuzz/tls_names_fuzzer.cpp). Files in SHORTENER_TLS_DIR are named by
/// their stem: `go.acme.com.crt|.key` for one host, `_.acme.com.crt|.key` for `*.acme.com` (one label, as in
/// RFC 6125 §6.4.3: not `acme.com` itself, not `a.b.acme.com`), and `default.crt|.key` for clients that send no
/// name or an unknown one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::http {

/// The stem of the fallback certificate.
inline constexpr std::string_view kDefaultCertificate = "default";

/// A server name as a lookup key: lower-case, without a trailing dot; nullopt unless it is a DNS host name
/// (dot-separated labels of letters, digits and '-', each 1-63 bytes, 253 at most in all).
std::optional<std::string> NormalizeServerName(std::string_view name);

/// The stems that may serve `server_name`, best first: the exact name, the wildcard of its parent ("_.parent",
/// when it has one with at least two labels), then "default". Only "default" for no name or an invalid one.
std::vector<std::string> CertificateStems(std::string_view server_name);

/// The stem a certificate or key file name stands for ("go.acme.com.crt" -> "go.acme.com", "_.acme.com.key" ->
/// "_.acme.com", "default.crt" -> "default"), lower-cased; nullopt for other files (wrong extension, "_" not
/// followed by a domain of two labels or more, not a host name).
std::optional<std::string> CertificateStemOf(std::string_view file_name);

}  // namespace shortener::http
