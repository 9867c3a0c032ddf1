#include "http/rate_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace shortener::http {
namespace {

constexpr double kMaxRate = 1e6;  // per second; more is no limit at all
constexpr double kMaxBurst = 1e6;

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A positive decimal number ("10", "0.5"); nullopt when `s` is anything else.
std::optional<double> ParseNumber(std::string_view s) {
    if (s.empty() || !(s.front() >= '0' && s.front() <= '9')) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

[[noreturn]] void Invalid(std::string_view text, std::string_view why) {
    throw std::invalid_argument(
        "rate limit \"" + std::string(text) + "\" " + std::string(why) +
        " (expected e.g. \"10/s burst 30\", \"60/min\", \"1000/h burst 50\", \"30\" or \"off\")");
}

}  // namespace

RateDecision TakeToken(TokenBucket& bucket, double now, const RateLimit& limit) noexcept {
    if (now > bucket.updated) {
        bucket.tokens = std::min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.per_second);
        bucket.updated = now;
    }
    RateDecision d;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        d.allowed = true;
    } else {
        d.allowed = false;
        const double wait = (1 - bucket.tokens) / limit.per_second;
        d.retry_after = std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait))));
    }
    d.remaining = static_cast<std::int64_t>(std::floor(bucket.tokens));
    return d;
}

double SecondsToRefill(const RateLimit& limit) noexcept { return limit.burst / limit.per_second; }

std::optional<RateLimit> ParseRateLimit(std::string_view text) {
    std::string_view s = Trim(text);
    if (s == "off" || s == "0") return std::nullopt;
    std::string_view rate_part = s;
    std::optional<double> burst;
    if (auto b = s.find(" burst "); b != std::string_view::npos) {
        rate_part = Trim(s.substr(0, b));
        burst = ParseNumber(Trim(s.substr(b + 7)));
        if (!burst || *burst < 1 || *burst > kMaxBurst || *burst != std::floor(*burst)) {
            Invalid(text, "has an invalid burst (a whole number from 1 to 1000000)");
        }
    }
    double count = 0;
    double seconds = 60;
    auto slash = rate_part.find('/');
    auto number = ParseNumber(Trim(rate_part.substr(0, slash)));
    if (!number || *number <= 0) Invalid(text, "has no positive request count");
    count = *number;
    if (slash != std::string_view::npos) {
        std::string_view unit = Trim(rate_part.substr(slash + 1));
        if (unit == "s" || unit == "sec" || unit == "second")
            seconds = 1;
        else if (unit == "m" || unit == "min" || unit == "minute")
            seconds = 60;
        else if (unit == "h" || unit == "hour")
            seconds = 3600;
        else
            Invalid(text, "has an unknown unit (s, min or h)");
    }
    RateLimit limit;
    limit.per_second = count / seconds;
    limit.burst = burst ? *burst : std::max(1.0, std::floor(count));
    if (limit.per_second > kMaxRate) Invalid(text, "is too high");
    return limit;
}

std::string FormatRateLimit(const RateLimit& limit) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%g/s burst %g", limit.per_second, limit.burst);
    return buf;
}

}  // namespace shortener::http
