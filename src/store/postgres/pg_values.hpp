#pragma once
/// @file
/// @brief Parameter values in PostgreSQL's text form, shared by the PostgreSQL stores (internal to
/// store/postgres).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace shortener::store::pg_value {

std::string Str(std::int64_t v);
std::optional<std::string> OptMillis(const std::optional<core::TimePoint>& t);
/// "t" or "f".
std::string Bool(bool v);
/// "" is stored as NULL.
std::optional<std::string> OptText(std::string s);
std::optional<std::string> OptInt(const std::optional<std::int64_t>& v);

/// Appends `s` with bytes that are not valid UTF-8 replaced by U+FFFD and NULs dropped: PostgreSQL rejects
/// both, and one bad header must not make a whole batch fail forever.
void AppendUtf8(std::string& out, std::string_view s);
/// `s` made valid UTF-8 as AppendUtf8 does.
std::string Sanitized(std::string_view s);

}  // namespace shortener::store::pg_value
