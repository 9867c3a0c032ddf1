// The settings table: every default parses, LoadConfig without input gives the documented defaults, flags beat the
// environment, and bad values name their setting.

#include "app/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>

namespace shortener::app {
namespace {

// Runs with none of the table's environment variables set (restored afterwards).
class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const auto& s : Settings()) {
            if (const char* v = std::getenv(s.env)) saved_.emplace_back(s.env, v);
            unsetenv(s.env);
        }
    }
    void TearDown() override {
        for (const auto& s : Settings()) unsetenv(s.env);
        for (const auto& [env, value] : saved_) setenv(env.c_str(), value.c_str(), 1);
    }
    std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(ConfigTest, EveryRowIsUniqueAndItsDefaultParses) {
    std::set<std::string> envs, flags;
    for (const auto& s : Settings()) {
        EXPECT_TRUE(envs.insert(s.env).second) << s.env;
        EXPECT_TRUE(flags.insert(s.flag).second) << s.flag;
        EXPECT_TRUE(s.default_value || s.default_text) << s.env << " shows a default in --help";
        ASSERT_TRUE(s.apply) << s.env;
        Config c;
        if (s.default_value) {
            EXPECT_NO_THROW(s.apply(s.env, s.default_value, c)) << s.env;
        }
    }
}

TEST_F(ConfigTest, DefaultsWithoutEnvironmentOrFlags) {
    Config c = LoadConfig({});
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.public_url, "http://localhost:8080");
    EXPECT_FALSE(c.public_url_explicit);
    EXPECT_EQ(c.data_dir, "./data");
    EXPECT_EQ(c.dnt, "anonymize");
    EXPECT_EQ(c.threads, 0u);
    EXPECT_EQ(c.auth, AuthMode::kNone);  // loopback
    EXPECT_FALSE(c.signup_open);
    EXPECT_FALSE(c.anonymous_shortening);
    EXPECT_EQ(c.slug_length, 6u);
    EXPECT_EQ(c.max_url_length, 4096u);
    EXPECT_EQ(c.max_connections, 10'000u);
    EXPECT_EQ(c.max_body_bytes, 64u * 1024);
    EXPECT_EQ(c.max_header_bytes, 16u * 1024);
    EXPECT_EQ(c.request_timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(c.idle_timeout, std::chrono::milliseconds(60'000));
    EXPECT_EQ(c.shutdown_grace, std::chrono::milliseconds(10'000));
    EXPECT_EQ(c.cache_size, 1'000'000u);
    EXPECT_EQ(c.cache_ttl, std::chrono::seconds(600));
    EXPECT_EQ(c.stale_if_error, std::chrono::seconds(86'400));
    EXPECT_EQ(c.click_queue_capacity, 100'000u);
    EXPECT_EQ(c.click_batch_size, 1'000u);
    EXPECT_EQ(c.click_spill_threshold, 10'000u);
    EXPECT_EQ(c.claim_idle, std::chrono::milliseconds(30'000));
    EXPECT_EQ(c.redis_cache_ttl, std::chrono::seconds(86'400));
    EXPECT_EQ(c.redis_prefix, "shortener:");
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.access_log, "errors");
    EXPECT_EQ(c.metrics_listen, "off");
    ASSERT_TRUE(c.rate_limit_create);
    EXPECT_EQ(c.rate_limit_create->per_second, 1);
    EXPECT_EQ(c.rate_limit_create->burst, 20);
    ASSERT_TRUE(c.rate_limit_api);
    EXPECT_EQ(c.rate_limit_api->per_second, 20);
    EXPECT_EQ(c.rate_limit_api->burst, 100);
    EXPECT_FALSE(c.rate_limit_authenticated) << "the local owner is not throttled unless asked for";
    EXPECT_TRUE(c.refuse_shorteners);
}

TEST_F(ConfigTest, RequiredModeOffLoopbackKeepsTheAuthenticatedLimit) {
    Config c = LoadConfig({"--listen=0.0.0.0:9000"});
    EXPECT_EQ(c.auth, AuthMode::kRequired);
    ASSERT_TRUE(c.rate_limit_authenticated);
    EXPECT_EQ(c.rate_limit_authenticated->per_second, 50);
    EXPECT_EQ(c.rate_limit_authenticated->burst, 500);
}

TEST_F(ConfigTest, FlagsBeatTheEnvironmentAndMarkExplicitSettings) {
    setenv("SHORTENER_SLUG_LENGTH", "8", 1);
    setenv("SHORTENER_PUBLIC_URL", "https://sho.rt/", 1);
    Config c = LoadConfig({"--slug-length", "10", "--auth=required"});
    EXPECT_EQ(c.slug_length, 10u);
    EXPECT_EQ(c.public_url, "https://sho.rt");
    EXPECT_TRUE(c.public_url_explicit);
    EXPECT_TRUE(c.auth_explicit);
    EXPECT_EQ(c.auth, AuthMode::kRequired);
}

TEST_F(ConfigTest, BadValuesNameTheirSetting) {
    auto message = [](std::vector<std::string> args) {
        try {
            LoadConfig(args);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message({"--threads=abc"}), "SHORTENER_THREADS must be an integer from 0 to 256 (got \"abc\")");
    EXPECT_EQ(message({"--log-level=loud"}), "SHORTENER_LOG_LEVEL must be debug, info, warn or error (got \"loud\")");
    EXPECT_EQ(message({"--signup=maybe"}), "SHORTENER_SIGNUP must be closed or open (got \"maybe\")");
    EXPECT_EQ(message({"--nope"}), "unknown option \"--nope\" (see shortener --help)");
    EXPECT_EQ(message({"--listen"}), "--listen needs a value");
}

}  // namespace
}  // namespace shortener::app
