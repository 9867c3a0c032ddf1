#pragma once
/// @file
/// @brief Maps method and path to a handler. Patterns are literal segments and `{name}` parameters that
/// match one non-empty segment, and a last segment `*` that matches the rest of the path (any depth, even
/// empty); routes are tried in the order added. A path that matches a route but not
/// its method yields the allowed methods (for 405).

#include <array>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace shortener::http {

class HttpsGate;

struct Params {
    std::array<std::pair<std::string_view, std::string_view>, 4> items{};
    std::size_t size = 0;
    std::string_view Get(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < size; ++i) {
            if (items[i].first == name) return items[i].second;
        }
        return {};
    }
};

using Handler = std::function<boost::asio::awaitable<Response>(const Request&, const Params&)>;

/// Which rate limit a route falls under (issue #7). kAuto: kApi for patterns under /api/, else kNone.
enum class RouteClass : std::uint8_t { kAuto, kNone, kApi, kCreate };

/// Runs before the handler of every route of class kApi or kCreate; a response it returns is sent instead of
/// calling the handler (e.g. 429). Never runs for other routes (redirects, UI, health).
using Guard = std::function<boost::asio::awaitable<std::optional<Response>>(const Request&, RouteClass)>;

/// Cross-origin access to /api/ (SHORTENER_CORS_ORIGINS): exact origins ("https://app.example.com") that may
/// call the API from a browser, with credentials. Empty: no CORS headers at all (the browser default: same
/// origin only).
struct CorsPolicy {
    std::vector<std::string> origins;
    bool Allows(std::string_view origin) const noexcept;
};

class Router {
  public:
    /// `name` labels metrics and logs (bounded: one per route). GET routes also answer HEAD. `max_body`: the
    /// largest request body this route takes when that is more than the server's limit (0: the server's).
    void Add(std::initializer_list<Method> methods, std::string_view pattern, std::string name, Handler handler,
             RouteClass route_class = RouteClass::kAuto, std::size_t max_body = 0);

    /// Replaces the handler of every route added with exactly `pattern` by `wrap(handler)`, e.g. to answer "/" per
    /// Host (issue #14) before the web UI does. Call after adding the routes, before serving.
    void Wrap(std::string_view pattern, const std::function<Handler(Handler)>& wrap);

    /// The body limit of the route a request goes to: its own `max_body` or `fallback`, whichever is larger. The
    /// server asks once the request line is read (before Content-Length is checked), for methods with a body.
    std::size_t BodyLimit(Method method, std::string_view path, std::size_t fallback) const;

    /// Installs the guard run before kApi and kCreate routes (see Guard). Set before serving.
    void SetGuard(Guard guard) { guard_ = std::move(guard); }
    const Guard& guard() const noexcept { return guard_; }
    /// Installs the CORS policy applied by Dispatch to /api/. Set before serving.
    void SetCors(CorsPolicy cors) { cors_ = std::move(cors); }
    const CorsPolicy& cors() const noexcept { return cors_; }
    /// Installs the HTTPS policy (308 to https, HSTS; http/https_policy.hpp) applied by Dispatch to every route
    /// but the probes. Unset: neither. Set before serving.
    void SetHttps(std::shared_ptr<const HttpsGate> gate) { https_ = std::move(gate); }
    const HttpsGate* https() const noexcept { return https_.get(); }

    struct Match {
        const Handler* handler = nullptr;  // null: no route for this method
        std::string_view name;
        RouteClass route_class = RouteClass::kNone;
        std::size_t max_body = 0;  // 0: the server's limit
        Params params;
        std::vector<Method> allowed;  // when the path matched other methods only
    };
    Match Find(Method method, std::string_view path) const;

  private:
    struct Route {
        std::vector<Method> methods;
        std::vector<std::string> segments;  // "{x}" for parameters
        std::string name;
        Handler handler;
        RouteClass route_class = RouteClass::kNone;
        std::size_t max_body = 0;
    };
    static bool MatchPath(const Route& route, std::string_view path, Params& params);

    std::vector<Route> routes_;
    // Which routes can match a path, by the path's first segment: the routes whose pattern starts with that
    // literal, and those starting with a parameter or `*`. Find looks only at these (in order), so a redirect
    // (`/{slug}`, added last) does not walk every API route first.
    std::map<std::string, std::vector<std::uint32_t>, std::less<>> by_first_literal_;
    std::vector<std::uint32_t> first_is_parameter_;
    Guard guard_;
    CorsPolicy cors_;
    std::shared_ptr<const HttpsGate> https_;
};

}  // namespace shortener::http
