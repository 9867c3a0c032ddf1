#include "log/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace shortener::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::string_view LevelName(Level level) {
    switch (level) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}

void AppendJsonString(std::string& out, std::string_view s) {
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

}  // namespace

void SetLevel(Level level) noexcept { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool Enabled(Level level) noexcept { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

std::optional<Level> ParseLevel(std::string_view text) noexcept {
    if (text == "debug") return Level::kDebug;
    if (text == "info") return Level::kInfo;
    if (text == "warn" || text == "warning") return Level::kWarn;
    if (text == "error") return Level::kError;
    return std::nullopt;
}

void Write(Level level, std::string_view msg, Fields fields) noexcept {
    WriteFields(level, msg, std::span(fields.begin(), fields.size()));
}

void WriteFields(Level level, std::string_view msg,
                 std::span<const std::pair<std::string_view, std::string_view>> fields) noexcept {
    if (!Enabled(level)) return;
    try {
        auto now = std::chrono::system_clock::now();
        auto secs = std::chrono::system_clock::to_time_t(now);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char time_buf[80];
        std::snprintf(time_buf, sizeof time_buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
        std::string line;
        line.reserve(128);
        line += "{\"time\":\"";
        line += time_buf;
        line += "\",\"level\":\"";
        line += LevelName(level);
        line += "\",\"msg\":";
        AppendJsonString(line, msg);
        for (const auto& [key, value] : fields) {
            line.push_back(',');
            AppendJsonString(line, key);
            line.push_back(':');
            AppendJsonString(line, value);
        }
        line += "}\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
    } catch (...) {  // logging never throws
    }
}

}  // namespace shortener::log
