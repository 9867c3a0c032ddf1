#include "http/dispatcher.hpp"

#include "core/errc.hpp"
#include "http/error_response.hpp"
#include "http/https_policy.hpp"
#include "http/response_policy.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace {

Response InternalError() {
    return Response::Json(500, R"({"error":{"code":"internal","message":"Internal server error."}})");
}

// Headers every response gets, whichever handler answered, so a new handler cannot forget them.
DispatchResult Finish(const Router& router, const Request& request, DispatchResult result,
                      std::uint32_t hsts_max_age = 0) {
    ApplySecurityHeaders(result.response);
    ApplyHsts(hsts_max_age, result.response);
    ApplyCors(router.cors(), request, result.response);
    return result;
}

}  // namespace

// One coroutine frame per request (the redirect hot path): routing, guard, handler and finishing all happen
// here rather than in nested coroutines. Exceptions never carry their text to the client: it goes to the log.
boost::asio::awaitable<DispatchResult> Dispatch(const Router& router, const Request& request) {
    std::uint32_t hsts = 0;
    if (const HttpsGate* gate = router.https()) {
        HttpsVerdict verdict = gate->Check(request);
        if (verdict.redirect) co_return Finish(router, request, DispatchResult{std::move(*verdict.redirect), "https"});
        hsts = verdict.hsts_max_age;
    }
    if (auto preflight = CorsPreflight(router, request)) {
        co_return Finish(router, request, DispatchResult{std::move(*preflight), "cors_preflight"}, hsts);
    }
    auto match = router.Find(request.method(), request.path());
    if (!match.handler) {
        if (!match.allowed.empty()) {
            Response r = ErrorResponse(core::Errc::kMethodNotAllowed);
            std::string allow;
            for (Method m : match.allowed) {
                if (!allow.empty()) allow += ", ";
                allow += MethodName(m);
            }
            r.headers.emplace_back("Allow", std::move(allow));
            co_return Finish(router, request, DispatchResult{std::move(r), "none"}, hsts);
        }
        co_return Finish(router, request,
                         DispatchResult{ErrorResponse(core::Errc::kNotFound, "No such resource."), "none"}, hsts);
    }
    DispatchResult result;
    result.route = match.name;
    // Awaited values are bound to variables first: GCC 12 miscompiles co_await inside a braced initializer
    // (the temporary is destroyed twice).
    try {
        std::optional<Response> refused;
        if (match.route_class != RouteClass::kNone && router.guard()) {
            refused = co_await router.guard()(request, match.route_class);
        }
        if (refused) {
            result.response = std::move(*refused);
        } else {
            result.response = co_await (*match.handler)(request, match.params);
        }
    } catch (const core::BackendUnavailable& e) {
        log::Error("backend_unavailable", {{"route", match.name}, {"error", e.what()}});
        result.response = ErrorResponse(core::Errc::kBackendUnavailable);
    } catch (const core::Overloaded& e) {
        log::Warn("overloaded", {{"route", match.name}, {"error", e.what()}});
        result.response = ErrorResponse(core::Errc::kOverloaded);
        result.response.headers.emplace_back("Retry-After", "1");
    } catch (const std::exception& e) {
        log::Error("handler_failed", {{"route", match.name}, {"error", e.what()}});
        result.response = InternalError();
    } catch (...) {
        log::Error("handler_failed", {{"route", match.name}, {"error", "non-standard exception"}});
        result.response = InternalError();
    }
    co_return Finish(router, request, std::move(result), hsts);
}

}  // namespace shortener::http
