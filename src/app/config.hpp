#pragma once
/// @file
/// @brief Configuration: one table of settings, each an environment variable and a `shortener` flag
/// (flags win). Parsed once at startup; invalid values stop the program with one clear line.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/rate_limiter.hpp"

namespace shortener::app {

enum class AuthMode { kNone, kRequired };

/// Every setting of the process. Defaults come from the settings table in config.cpp (LoadConfig applies
/// them), so a default-constructed Config is empty: use LoadConfig.
struct Config {
    std::string listen_host;
    std::uint16_t listen_port = 0;
    std::string public_url;  // derived from the listen address when not set
    bool public_url_explicit = false;
    std::string data_dir;
    std::string database_url;
    std::string database_read_url;    // a streaming replica for lists and stats (PostgreSQL only)
    std::string database_statements;  // prepared | unnamed (behind PgBouncer in transaction mode; docs/capacity.md)
    std::string redis_url;
    std::string trusted_proxies;
    std::string geoip_db;
    std::string dnt;              // ignore | anonymize: what DNT: 1 / Sec-GPC: 1 changes (docs/enrichment.md)
    std::string enrich_data_dir;  // npm data packages; empty: the source tree's third_party/npm/node_modules
    std::string web_dir;          // the web UI's static export; empty: the source tree's frontend/out
    std::size_t threads = 0;
    AuthMode auth = AuthMode::kNone;  // derived from the listen address when not set
    bool auth_explicit = false;
    bool signup_open = false;           // SHORTENER_SIGNUP=open: anyone may create a web account
    bool anonymous_shortening = false;  // SHORTENER_ANONYMOUS_SHORTENING=on: create links without credentials
    bool password_login = true;         // SHORTENER_PASSWORD_LOGIN=off: only single sign-on logs people in
    // Single sign-on with OpenID Connect (issue #16, docs/sso.md); issuer empty: off.
    std::string oidc_issuer;
    std::string oidc_client_id;
    std::string oidc_client_secret;
    std::string oidc_scopes;
    std::string oidc_name;                          // "Sign in with <name>"
    std::string oidc_admin_group;                   // `groups` claim value that makes instance admins; empty: off
    std::vector<std::string> oidc_allowed_domains;  // email domains that get an account at first sign-in
    std::size_t slug_length = 0;
    std::size_t max_url_length = 0;
    std::size_t max_connections = 0;
    std::size_t max_body_bytes = 0;
    std::size_t import_max_bytes = 0;  // POST /api/v1/imports' body (a whole export file)
    std::size_t max_header_bytes = 0;
    std::chrono::milliseconds request_timeout{0};
    std::chrono::milliseconds idle_timeout{0};
    std::chrono::milliseconds shutdown_grace{0};
    std::size_t cache_size = 0;
    std::chrono::seconds cache_ttl{0};
    std::chrono::seconds stale_if_error{0};  // cached links served while the stores are unreachable; 0 = off
    std::size_t click_queue_capacity = 0;
    std::size_t click_batch_size = 0;
    std::size_t click_spill_threshold = 0;    // distributed: buffered clicks before journaling (Redis down)
    std::chrono::milliseconds claim_idle{0};  // distributed: pending clicks idle this long are reclaimed
    std::chrono::seconds redis_cache_ttl{0};  // distributed: L2 lifetime of a link; 0 = no L2
    std::string redis_prefix;                 // distributed: every Redis key, stream and channel starts with it
    std::string log_level;
    std::string access_log;       // off | errors (5xx) | all
    std::string pushgateway_url;  // worker pushes its metrics there when set
    std::string metrics_listen;   // the worker's /healthz, /readyz, /metrics (host:port), or off
    // Abuse protection (issue #12: limits per kind of caller). nullopt: off.
    std::optional<http::RateLimit> rate_limit_create;  // anonymous creates, per address
    std::optional<http::RateLimit> rate_limit_api;     // other anonymous /api/ calls
    // API keys without their own limit and sessions: every /api/ call, per key / per user. In auth mode none
    // (the local owner, per address) off unless set explicitly.
    std::optional<http::RateLimit> rate_limit_authenticated;
    bool rate_limit_authenticated_explicit = false;
    std::chrono::milliseconds rate_limit_timeout{0};  // distributed: wait this long for Redis, then fail open
    std::chrono::milliseconds overview_cache{0};      // overview answers served as they are; 0: no cache
    int click_retention_days = 0;                     // raw clicks older than this are deleted; 0: kept forever
    std::string blocklist_file;                       // domains refused with url_blocked (reloaded); empty: none
    bool refuse_shorteners = false;                   // refuse links to known URL shorteners (url_shortener)
    std::vector<std::string> extra_shorteners;        // more domains treated as shorteners
    std::vector<std::string> cors_origins;            // exact origins allowed to call /api/ from browsers; empty: none
    // Webhooks (issue #15, docs/webhooks.md)
    bool webhook_allow_http = false;                  // http:// targets accepted (else https only)
    bool webhook_allow_private = false;               // loopback/private targets accepted (never metadata addresses)
    std::chrono::milliseconds webhook_retry_base{0};  // nominal wait before the first retry (doubles per attempt)
    std::chrono::seconds webhook_retry_for{0};        // a delivery is retried until this old, then marked failed
    std::chrono::seconds webhook_lease{0};            // a claimed delivery's hold; claimed again after it runs out
    std::chrono::milliseconds webhook_poll{0};        // the delivery loop's wait when nothing is due
    std::chrono::milliseconds domains_refresh{0};     // how often the domain directory re-reads the domains
    std::chrono::seconds webhook_disable_after{0};    // a webhook whose deliveries all failed this long is disabled
    // HTTPS (issue #14, docs/tls.md)
    std::string tls_listen_host;  // the TLS listener; empty: none (SHORTENER_TLS_LISTEN=off)
    std::uint16_t tls_listen_port = 0;
    std::string tls_dir;  // <host>.crt/.key, _.<domain>.crt/.key, default.crt/.key
    std::chrono::milliseconds tls_handshake_timeout{0};
    std::uint32_t hsts_max_age = 0;  // seconds; 0: no Strict-Transport-Security
    // Destination health (issue #15, docs/health.md)
    std::chrono::seconds health_interval{0};      // each active link's destination is checked this often; 0 = off
    std::chrono::milliseconds health_timeout{0};  // one check request (each redirect hop)
    std::size_t health_fail_threshold = 3;        // failed checks in a row that mark a link broken
    bool health_allow_private = false;            // destinations on loopback/private addresses checked (tests)
};

/// One setting, declared once: its environment variable, flag, default, help line and parser.
struct Setting {
    const char* env;
    const char* flag;
    /// Applied before the environment and the flags (nullptr: none, or derived by LoadConfig).
    const char* default_value;
    /// The default as `--help` shows it (nullptr: `default_value`).
    const char* default_text;
    const char* help;
    /// Checks `value` and stores it in the Config; throws std::invalid_argument with a one-line message.
    std::function<void(const std::string& env, const std::string& value, Config& config)> apply;
};

/// Every setting, in `--help` order.
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
