#pragma once
/// @file
/// @brief Structured logs: one JSON object per line on stderr ({"time","level","msg",...fields}).
/// Thread-safe; a line is written with a single write(2) so lines from threads never interleave.
/// Never pass raw client IP addresses or secrets as fields.

#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace shortener::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void SetLevel(Level level) noexcept;
bool Enabled(Level level) noexcept;
std::optional<Level> ParseLevel(std::string_view text) noexcept;

void Write(Level level, std::string_view msg, Fields fields = {}) noexcept;
/// The same, with fields assembled at run time.
void WriteFields(Level level, std::string_view msg,
                 std::span<const std::pair<std::string_view, std::string_view>> fields) noexcept;

inline void Debug(std::string_view msg, Fields fields = {}) noexcept { Write(Level::kDebug, msg, fields); }
inline void Info(std::string_view msg, Fields fields = {}) noexcept { Write(Level::kInfo, msg, fields); }
inline void Warn(std::string_view msg, Fields fields = {}) noexcept { Write(Level::kWarn, msg, fields); }
inline void Error(std::string_view msg, Fields fields = {}) noexcept { Write(Level::kError, msg, fields); }

}  // namespace shortener::log
