#pragma once
/// @file
/// @brief Time points in the domain (UTC, millisecond precision) and their RFC 3339 text form.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shortener::core {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

inline std::int64_t ToUnixMillis(TimePoint t) noexcept { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(std::int64_t ms) noexcept { return TimePoint(std::chrono::milliseconds(ms)); }

/// "2024-05-01T12:00:00.000Z".
std::string FormatRfc3339(TimePoint t);

/// Parses RFC 3339 date-times ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.5+02:00"); nullopt if malformed.
std::optional<TimePoint> ParseRfc3339(std::string_view s) noexcept;

}  // namespace shortener::core
