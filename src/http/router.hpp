#pragma once
/// @file
/// @brief Maps method and path to a handler. Patterns are literal segments and `{name}` parameters that
/// match one non-empty segment, and a last segment `*` that matches the rest of the path (any depth, even
/// empty); routes are tried in the order added. A path that matches a route but not
/// its method yields the allowed methods (for 405).

#include <array>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/request.hpp"

namespace shortener::http {

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

class Router {
public:
    /// `name` labels metrics and logs (bounded: one per route). GET routes also answer HEAD.
    void Add(std::initializer_list<Method> methods, std::string_view pattern, std::string name, Handler handler);

    struct Match {
        const Handler* handler = nullptr;  // null: no route for this method
        std::string_view name;
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
    };
    static bool MatchPath(const Route& route, std::string_view path, Params& params);

    std::vector<Route> routes_;
};

}  // namespace shortener::http
