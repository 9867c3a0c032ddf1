// GET /healthz (the process answers), GET /readyz (its backing stores answer), GET /metrics.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

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

}  // namespace

void AddHealthRoutes(Router& router, metrics::Registry& metrics, const std::vector<ReadinessCheck>& checks) {
    router.Add({Method::kGet}, "/healthz", "healthz", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        co_return Response::Json(200, R"({"status":"ok"})");
    });
    router.Add({Method::kGet}, "/readyz", "readyz",
               [&checks](const Request&, const Params&) { return HandleReady(checks); });
    router.Add({Method::kGet}, "/metrics", "metrics",
               [&metrics](const Request&, const Params&) -> boost::asio::awaitable<Response> {
                   Response r = Response::Text(200, metrics.Render());
                   r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                   co_return r;
               });
}

void AddHealthRoutes(Router& router, HandlerContext& ctx) { AddHealthRoutes(router, ctx.metrics, ctx.readiness); }

}  // namespace shortener::http
