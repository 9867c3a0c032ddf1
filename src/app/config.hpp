#pragma once
/// @file
/// @brief Configuration: one table of settings, each an environment variable and a `shortener` flag
/// (flags win). Parsed once at startup; invalid values stop the program with one clear line.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http/rate_limiter.hpp"

namespace shortener::app {

enum class AuthMode { kNone, kRequired };

struct Config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::string public_url;  // derived from the listen address when not set
    bool public_url_explicit = false;
    std::string data_dir = "./data";
    std::string database_url;
    std::string redis_url;
    std::string trusted_proxies;
    std::string geoip_db;
    std::string dnt = "anonymize";  // ignore | anonymize: what DNT: 1 / Sec-GPC: 1 changes (docs/enrichment.md)
    std::string enrich_data_dir;    // npm data packages; empty: the source tree's third_party/npm/node_modules
    std::string web_dir;            // the web UI's static export; empty: the source tree's frontend/out
    std::size_t threads = 0;
    AuthMode auth = AuthMode::kNone;
    bool auth_explicit = false;
    bool signup_open = false;           // SHORTENER_SIGNUP=open: anyone may create a web account
    bool anonymous_shortening = false;  // SHORTENER_ANONYMOUS_SHORTENING=on: create links without credentials
    std::size_t slug_length = 6;
    std::size_t max_url_length = 4096;
    std::size_t max_connections = 10'000;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds shutdown_grace{10'000};
    std::size_t cache_size = 1'000'000;
    std::chrono::seconds cache_ttl{600};
    std::chrono::seconds stale_if_error{86'400};  // cached links served while the stores are unreachable; 0 = off
    std::size_t click_queue_capacity = 100'000;
    std::size_t click_batch_size = 1'000;
    std::size_t click_spill_threshold = 10'000;    // distributed: buffered clicks before journaling (Redis down)
    std::chrono::milliseconds claim_idle{30'000};  // distributed: pending clicks idle this long are reclaimed
    std::chrono::seconds redis_cache_ttl{86'400};  // distributed: L2 lifetime of a link; 0 = no L2
    std::string redis_prefix = "shortener:";       // distributed: every Redis key, stream and channel starts with it
    std::string log_level = "info";
    std::string access_log = "errors";   // off | errors (5xx) | all
    std::string pushgateway_url;         // worker pushes its metrics there when set
    std::string metrics_listen = "off";  // the worker's /healthz, /readyz, /metrics (host:port), or off
    // Abuse protection (issue #12: limits per kind of caller). nullopt: off.
    std::optional<http::RateLimit> rate_limit_create = http::RateLimit{1, 20};  // anonymous creates, per address
    std::optional<http::RateLimit> rate_limit_api = http::RateLimit{20, 100};   // other anonymous /api/ calls
    // API keys without their own limit and sessions: every /api/ call, per key / per user. In auth mode none
    // (the local owner, per address) off unless set explicitly.
    std::optional<http::RateLimit> rate_limit_authenticated = http::RateLimit{50, 500};
    bool rate_limit_authenticated_explicit = false;
    std::string blocklist_file;                 // domains refused with url_blocked (reloaded); empty: none
    bool refuse_shorteners = true;              // refuse links to known URL shorteners (url_shortener)
    std::vector<std::string> extra_shorteners;  // more domains treated as shorteners
    std::vector<std::string> cors_origins;      // exact origins allowed to call /api/ from browsers; empty: none
};

/// One setting: its environment variable, flag, default (as text) and help line.
struct Setting {
    const char* env;
    const char* flag;
    const char* default_text;
    const char* help;
};

const std::vector<Setting>& Settings();

/// Reads the environment, then `args` (flags such as `--listen=…` or `--listen …`). Throws
/// std::invalid_argument with a one-line message on an unknown flag or a bad value.
Config LoadConfig(const std::vector<std::string>& args);

/// The text of `shortener --help`.
std::string HelpText();

/// The public URL derived from the listen address (for a port chosen at bind time).
std::string DefaultPublicUrl(const std::string& listen_host, std::uint16_t port);

/// True for loopback listen addresses (127.0.0.0/8, ::1, localhost).
bool IsLoopbackHost(const std::string& host);

}  // namespace shortener::app
