#pragma once
/// @file
/// @brief The routes of the public interface (docs/api-spec.md) and what they need.

#include <functional>
#include <string>

#include "auth/authenticator.hpp"
#include "auth/oidc_client.hpp"
#include "auth/password.hpp"
#include "cache/link_resolver.hpp"
#include "core/client_address.hpp"
#include "core/random.hpp"
#include "core/slug.hpp"
#include "core/url_policy.hpp"
#include "http/domain_directory.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "live/broadcaster.hpp"
#include "metrics/registry.hpp"
#include "queue/click_queue.hpp"
#include "store/domain_store.hpp"
#include "store/import_jobs.hpp"
#include "store/link_health_store.hpp"
#include "store/link_store.hpp"
#include "store/retention.hpp"
#include "store/stats_store.hpp"
#include "store/webhook_store.hpp"
#include "webhook/target_policy.hpp"

namespace shortener::http {

/// One named readiness check: returns normally when healthy, throws (with a reason) when not. A failing
/// non-critical check shows as "degraded" without making the instance unready (e.g. Redis: redirects keep
/// working without it, so the load balancer should keep sending traffic).
struct ReadinessCheck {
    std::string name;
    std::function<boost::asio::awaitable<void>()> check;
    bool critical = true;
};

/// Auth settings (issue #7; docs/api-spec.md "Authentication").
struct AuthSettings {
    bool required = false;              // SHORTENER_AUTH=required; false: every request is the trusted admin
    bool signup_open = false;           // SHORTENER_SIGNUP=open
    bool anonymous_shortening = false;  // SHORTENER_ANONYMOUS_SHORTENING=on (required mode only)
    bool secure_cookies = false;        // the public URL is https: cookies get Secure
    bool password_login = true;         // SHORTENER_PASSWORD_LOGIN=off: login and sign-up with a password refused
    /// SHORTENER_RATE_LIMIT_AUTHENTICATED: what a key without its own limit gets, and the most a non-admin
    /// may give one of their keys (nullopt: unlimited).
    std::optional<RateLimit> authenticated_rate_limit;
};

struct HandlerContext {
    store::LinkStore& links;
    cache::LinkResolver& resolver;
    queue::ClickSink& clicks;
    core::Clock& clock;
    core::RandomSource& random;
    core::SlugGenerator slugs;
    core::UrlPolicyOptions url_policy;
    std::string public_url;  // base of short links, no trailing slash
    metrics::Registry& metrics;
    std::vector<ReadinessCheck> readiness;
    core::TrustedProxies trusted_proxies{};        // peers whose X-Forwarded-For/Forwarded are believed
    store::StatsStore* stats = nullptr;            // analytics reads; null: no stats/export/live routes
    store::ClickRetention* retention = nullptr;    // erasing a link's clicks; null: no erase route
    store::ImportJobStore* import_jobs = nullptr;  // background imports; null: every import answers when done
    live::Broadcaster* live = nullptr;             // live updates; null: no live routes
    AuthSettings auth{};
    auth::Authenticator* authenticator = nullptr;  // required mode: resolves credentials (AddAuthRoutes needs it)
    auth::OidcClient* oidc = nullptr;              // single sign-on (docs/sso.md); null: off
    auth::PasswordHasher* passwords = nullptr;     // account passwords (login, sign-up) and link passwords; null:
                                                   // password-protected links refused
    /// ISO 3166-1 alpha-2 country of a client address ("" = unknown), for country targeting. Called only
    /// for links that target countries, so a lazily loaded database costs nothing until one is followed.
    std::function<std::string(std::string_view client_address)> country_of{};
    /// True when a User-Agent is a bot, crawler or link-preview fetcher. Called only for links with a click
    /// limit: such visits are redirected without using up the limit. Null: every GET counts.
    std::function<bool(std::string_view user_agent)> is_bot{};
    /// True when a User-Agent is a link-preview fetcher (enrich::BotDetector::IsPreviewFetcher). Called only for
    /// links with a social preview: those fetchers get the preview page. Null: nobody does.
    std::function<bool(std::string_view user_agent)> is_preview_agent{};
    RateLimiter* rate_limiter = nullptr;             // token buckets (issue #7) for handlers that limit on their own
    std::size_t import_max_body = 32 * 1024 * 1024;  // POST /api/v1/imports' body limit (SHORTENER_IMPORT_MAX_BYTES)
    store::WebhookStore* webhooks = nullptr;         // webhooks (issue #15); null: no webhook routes
    store::LinkHealthStore* health = nullptr;        // destination health (docs/health.md); null: links unchecked
    webhook::TargetPolicy webhook_policy{};          // SHORTENER_WEBHOOK_ALLOW_HTTP / _ALLOW_PRIVATE
    store::DomainStore* domains = nullptr;           // branded domains (issue #14); null: no domain routes
    DomainDirectory* domain_directory = nullptr;     // Host → domain per request; null: every Host is the default
};

void AddLinkRoutes(Router& router, HandlerContext& ctx);
/// POST /api/v1/imports: links from a file of another shortener's export (docs/import.md).
void AddImportRoutes(Router& router, HandlerContext& ctx);
/// /api/v1/auth/session|login|logout|signup and /api/v1/keys (needs ctx.authenticator and ctx.passwords).
void AddAuthRoutes(Router& router, HandlerContext& ctx);
/// GET /api/v1/auth/oidc/login and /api/v1/auth/oidc/callback: single sign-on (needs ctx.oidc, docs/sso.md).
void AddOidcRoutes(Router& router, HandlerContext& ctx);
/// Opens a session for `user` and adds its two cookies to `r`; returns the CSRF token (shared by password login,
/// sign-up and single sign-on).
boost::asio::awaitable<std::string> IssueSession(HandlerContext& ctx, const store::User& user, Response& r);
void AddHealthRoutes(Router& router, HandlerContext& ctx);
void AddUiRoutes(Router& router, HandlerContext& ctx);
/// GET /api/v1/stats, /api/v1/links/{slug}/stats, /api/v1/links/{slug}/clicks (needs ctx.stats); DELETE
/// /api/v1/links/{slug}/clicks (also ctx.retention).
void AddStatsRoutes(Router& router, HandlerContext& ctx);
/// GET /api/v1/live, /api/v1/links/{slug}/live as Server-Sent Events (needs ctx.stats and ctx.live).
void AddLiveRoutes(Router& router, HandlerContext& ctx);
/// GET /api/v1/links/{slug}/qr.svg and /qr.png (public, cacheable; see docs/api-spec.md).
void AddQrRoutes(Router& router, HandlerContext& ctx);
/// /api/v1/webhooks… (docs/webhooks.md; needs ctx.webhooks).
void AddWebhookRoutes(Router& router, HandlerContext& ctx);
/// /api/v1/domains… (docs/domains.md; needs ctx.domains and ctx.domain_directory).
void AddDomainRoutes(Router& router, HandlerContext& ctx);
/// Wraps the handler of `/` (the web UI) so that a configured domain answers with its root_redirect, or a plain 404
/// page on a domain that is not the default one. Call after the UI routes are added.
void WrapDomainRoot(Router& router, HandlerContext& ctx);
/// The catch-all `/{slug}`: add it last.
void AddRedirectRoute(Router& router, HandlerContext& ctx);

}  // namespace shortener::http
