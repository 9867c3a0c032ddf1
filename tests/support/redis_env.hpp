#pragma once
// The Redis server of the *_redistest suites: SHORTENER_TEST_REDIS_URL (scripts/test.sh starts one). Without it
// the tests skip, except under CI (CI set), where they fail so that a missing server is never mistaken for green.

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>

namespace shortener::testing {

inline std::optional<std::string> TestRedisUrl() {
    const char* url = std::getenv("SHORTENER_TEST_REDIS_URL");
    if (url && *url) return std::string(url);
    return std::nullopt;
}

inline std::string UniqueName(const std::string& prefix) {
    std::random_device rd;
    return prefix + std::to_string(rd()) + std::to_string(rd());
}

}  // namespace shortener::testing

#define SHORTENER_REQUIRE_REDIS(url_var)                                                              \
    auto url_var##_opt = ::shortener::testing::TestRedisUrl();                                        \
    if (!url_var##_opt) {                                                                             \
        if (std::getenv("CI")) FAIL() << "SHORTENER_TEST_REDIS_URL is not set (run scripts/test.sh)"; \
        GTEST_SKIP() << "SHORTENER_TEST_REDIS_URL is not set";                                        \
    }                                                                                                 \
    const std::string url_var = *url_var##_opt
