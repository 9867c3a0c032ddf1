#include "http/dispatcher.hpp"

#include "core/errc.hpp"
#include "http/error_response.hpp"
#include "log/log.hpp"

namespace shortener::http {

boost::asio::awaitable<DispatchResult> Dispatch(const Router& router, const Request& request) {
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
        Response response = co_await (*match.handler)(request, match.params);
        co_return DispatchResult{std::move(response), match.name};
    } catch (const core::BackendUnavailable& e) {
        log::Error("backend_unavailable", {{"route", match.name}, {"error", e.what()}});
        co_return DispatchResult{ErrorResponse(core::Errc::kBackendUnavailable), match.name};
    } catch (const std::exception& e) {
        log::Error("handler_failed", {{"route", match.name}, {"error", e.what()}});
        Response r = Response::Json(500, R"({"error":{"code":"internal","message":"Internal server error."}})");
        co_return DispatchResult{std::move(r), match.name};
    }
}

}  // namespace shortener::http
