#pragma once
/// @file
/// @brief Standard Webhooks signatures (https://www.standardwebhooks.com, docs/webhooks.md): secrets are "whsec_" +
/// base64 of the key; a delivery carries `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shortener::webhook {

inline constexpr std::string_view kSecretPrefix = "whsec_";

/// A new secret: "whsec_" + base64 of `key` (24 to 64 random bytes).
std::string SecretFromKey(std::span<const std::uint8_t> key);

/// The "v1,<base64>" signature of a delivery; nullopt when `secret` is not "whsec_" + valid base64 of a key.
std::optional<std::string> Sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                                std::string_view body);

}  // namespace shortener::webhook
