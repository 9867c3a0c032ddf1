#pragma once
/// @file
/// @brief Where webhooks may be delivered (docs/webhooks.md "SSRF rules"): https (http only when allowed), and never
/// to loopback, private, link-local, CGNAT, unique-local or cloud metadata addresses unless private targets are
/// allowed (the metadata addresses never). Pure: no I/O; the resolver checks every address it finds with
/// CheckAddress.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/errc.hpp"

namespace shortener::webhook {

struct TargetPolicy {
    bool allow_http = false;     // SHORTENER_WEBHOOK_ALLOW_HTTP
    bool allow_private = false;  // SHORTENER_WEBHOOK_ALLOW_PRIVATE
};

/// A webhook URL taken apart for sending.
struct Target {
    bool https = true;
    std::string host;  // without brackets for IPv6 literals
    std::string port;  // "443", "80" or the URL's
    std::string path;  // path and query, at least "/"
};

/// What an address is, for the policy.
enum class AddressClass : std::uint8_t {
    kPublic,
    kPrivate,   // loopback, RFC 1918, link-local, CGNAT, unique-local, unspecified, multicast, reserved…
    kMetadata,  // cloud metadata endpoints: 169.254.169.254, fd00:ec2::254 (refused even when private is allowed)
    kInvalid,   // not an IP address
};

/// Classifies an IPv4 or IPv6 address in text form (IPv4-mapped IPv6 counts as its IPv4 address).
AddressClass ClassifyAddress(std::string_view address);

/// kOk when the policy allows delivering to `address`; kWebhookTargetForbidden otherwise.
core::Errc CheckAddress(std::string_view address, const TargetPolicy& policy);

/// Parses and checks a webhook URL: absolute http(s) with a host, no credentials, no fragment, at most 2,000 bytes;
/// https unless allow_http. An IP-literal host is checked with CheckAddress here; a name is checked when resolved.
/// Errors: kInvalidUrl, kUrlTooLong, kWebhookUrlInsecure, kWebhookTargetForbidden.
core::Result<Target> ParseTarget(std::string_view url, const TargetPolicy& policy);

}  // namespace shortener::webhook
