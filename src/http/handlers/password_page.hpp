#pragma once
/// @file
/// @brief The interstitial page of a password-protected link, and reading the password its form posts.

#include <string>
#include <string_view>

#include "http/request.hpp"

namespace shortener::http {

enum class PasswordError { kNone, kWrong, kTooManyAttempts };

/// The form for a password-protected link: 200, or 401 after a wrong password, or 429 after too many
/// attempts. It posts to the same path (and query, so that forwarding still works); the password travels
/// only in the POST body. The action is built from the slug, never from the raw request target: an
/// absolute-form target ("http://elsewhere/slug") must not send the password to another host. Carries its
/// own Content-Security-Policy; the caller sets Cache-Control.
Response PasswordPage(const Request& req, std::string_view slug, PasswordError error = PasswordError::kNone);

/// True when the request body is application/x-www-form-urlencoded.
bool IsFormBody(const Request& req);

/// The `password` field of an application/x-www-form-urlencoded body; "" when absent.
std::string FormPassword(std::string_view body);

}  // namespace shortener::http
