#include "http/dispatcher.hpp"

#include "core/errc.hpp"
#include "http/error_response.hpp"
#include "http/response_policy.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace {

// Routes, guards and runs the handler. Exceptions never carry their text to the client: it goes to the log.
boost::asio::awaitable<DispatchResult> Route(const Router& router, const Request& request) {
    if (auto preflight = CorsPreflight(router, request)) co_return DispatchResult{std::move(*preflight), "cors_preflight"};
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
            co_return DispatchResult{std::move(r), "none"};
        }
        co_return DispatchResult{ErrorResponse(core::Errc::kNotFound, "No such resource."), "none"};
    }
    // The awaited response is bound to a variable first: GCC 12 miscompiles co_await inside a braced
    // initializer (the temporary is destroyed twice).
    try {
        if (match.route_class != RouteClass::kNone && router.guard()) {
            std::optional<Response> refused = co_await router.guard()(request, match.route_class);
            if (refused) co_return DispatchResult{std::move(*refused), match.name};
        }
        Response response = co_await (*match.handler)(request, match.params);
        co_return DispatchResult{std::move(response), match.name};
    } catch (const core::BackendUnavailable& e) {
        log::Error("backend_unavailable", {{"route", match.name}, {"error", e.what()}});
        co_return DispatchResult{ErrorResponse(core::Errc::kBackendUnavailable), match.name};
    } catch (const std::exception& e) {
        log::Error("handler_failed", {{"route", match.name}, {"error", e.what()}});
        Response r = Response::Json(500, R"({"error":{"code":"internal","message":"Internal server error."}})");
        co_return DispatchResult{std::move(r), match.name};
    } catch (...) {
        log::Error("handler_failed", {{"route", match.name}, {"error", "non-standard exception"}});
        Response r = Response::Json(500, R"({"error":{"code":"internal","message":"Internal server error."}})");
        co_return DispatchResult{std::move(r), match.name};
    }
}

}  // namespace

boost::asio::awaitable<DispatchResult> Dispatch(const Router& router, const Request& request) {
    DispatchResult result = co_await Route(router, request);
    // Finished here, whichever handler answered, so a new handler cannot forget these headers.
    ApplySecurityHeaders(result.response);
    ApplyCors(router.cors(), request, result.response);
    co_return result;
}

}  // namespace shortener::http
