// GET /healthz (the process answers), GET /readyz (its backing stores answer), GET /metrics.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/health.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace {

boost::asio::awaitable<Response> HandleReady(const std::vector<ReadinessCheck>& readiness) {
    boost::json::object checks;
    bool ready = true;
    for (const auto& c : readiness) {
        try {
            co_await c.check();
            checks[c.name] = "ok";
        } catch (const std::exception& e) {
            if (c.critical) ready = false;
            // The reason (driver messages with host names, ports, user names) goes to the log only: /readyz is
            // reachable by anyone who can reach the API.
            checks[c.name] = c.critical ? "failing" : "degraded";
            log::Warn("not_ready", {{"check", c.name}, {"error", e.what()}});
        }
    }
    boost::json::object body;
    body["status"] = ready ? "ready" : "unavailable";
    body["checks"] = std::move(checks);
    Response r = Response::Json(ready ? 200 : 503, boost::json::serialize(body));
    if (!ready) r.headers.emplace_back("Retry-After", "5");
    co_return r;
}

Response Metrics(metrics::Registry& metrics) {
    Response r = Response::Text(200, metrics.Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
}

bool IsLoopbackPeer(std::string_view address) { return address.rfind("127.", 0) == 0 || address == "::1"; }

// In required mode the metrics (route names, volumes, cache figures) are for operators: a scraper on the
// same host (the connection's own peer address, never X-Forwarded-For) or an admin key.
boost::asio::awaitable<Response> HandleGuardedMetrics(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required || IsLoopbackPeer(req.remote_address())) co_return Metrics(ctx.metrics);
    auto authz = co_await Authorize(ctx, req, auth::kAdmin);
    if (auto* r = std::get_if<Response>(&authz)) {
        // Any non-admin gets a plain 403: the scope vocabulary is for API clients.
        if (r->status == 403)
            co_return ErrorResponse(core::Errc::kForbidden, "Metrics need an admin key, or a loopback peer.");
        co_return std::move(*r);
    }
    co_return Metrics(ctx.metrics);
}

void AddProbes(Router& router, const std::vector<ReadinessCheck>& checks) {
    router.Add({Method::kGet}, "/healthz", "healthz",
               [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
                   co_return Response::Json(200, R"({"status":"ok"})");
               });
    router.Add({Method::kGet}, "/readyz", "readyz",
               [&checks](const Request&, const Params&) { return HandleReady(checks); });
}

}  // namespace

void AddHealthRoutes(Router& router, metrics::Registry& metrics, const std::vector<ReadinessCheck>& checks) {
    AddProbes(router, checks);
    router.Add(
        {Method::kGet}, "/metrics", "metrics",
        [&metrics](const Request&, const Params&) -> boost::asio::awaitable<Response> { co_return Metrics(metrics); });
}

void AddHealthRoutes(Router& router, HandlerContext& ctx) {
    AddProbes(router, ctx.readiness);
    router.Add({Method::kGet}, "/metrics", "metrics",
               [&ctx](const Request& req, const Params&) { return HandleGuardedMetrics(ctx, req); });
}

}  // namespace shortener::http
