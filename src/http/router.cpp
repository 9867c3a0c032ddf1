#include "http/router.hpp"

#include <algorithm>

namespace shortener::http {
namespace {

std::vector<std::string> Split(std::string_view pattern) {
    std::vector<std::string> out;
    std::size_t pos = 1;  // patterns start with '/'
    while (pos <= pattern.size()) {
        auto slash = pattern.find('/', pos);
        if (slash == std::string_view::npos) slash = pattern.size();
        out.emplace_back(pattern.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return out;
}

}  // namespace

bool CorsPolicy::Allows(std::string_view origin) const noexcept {
    return !origin.empty() && std::find(origins.begin(), origins.end(), origin) != origins.end();
}

void Router::Add(std::initializer_list<Method> methods, std::string_view pattern, std::string name, Handler handler,
                 RouteClass route_class, std::size_t max_body) {
    if (route_class == RouteClass::kAuto) {
        route_class = pattern.starts_with("/api/") ? RouteClass::kApi : RouteClass::kNone;
    }
    Route r{std::vector<Method>(methods), Split(pattern), std::move(name), std::move(handler), route_class, max_body};
    if (std::find(r.methods.begin(), r.methods.end(), Method::kGet) != r.methods.end() &&
        std::find(r.methods.begin(), r.methods.end(), Method::kHead) == r.methods.end()) {
        r.methods.push_back(Method::kHead);
    }
    const auto index = static_cast<std::uint32_t>(routes_.size());
    const std::string& first = r.segments.front();
    if (first == "*" || (first.size() > 2 && first.front() == '{' && first.back() == '}')) {
        first_is_parameter_.push_back(index);
    } else {
        by_first_literal_[first].push_back(index);
    }
    routes_.push_back(std::move(r));
}

void Router::Wrap(std::string_view pattern, const std::function<Handler(Handler)>& wrap) {
    const std::vector<std::string> segments = Split(pattern);
    for (auto& route : routes_) {
        if (route.segments == segments) route.handler = wrap(std::move(route.handler));
    }
}

bool Router::MatchPath(const Route& route, std::string_view path, Params& params) {
    if (path.empty() || path[0] != '/') return false;
    params.size = 0;
    std::size_t pos = 1;
    for (std::size_t i = 0; i < route.segments.size(); ++i) {
        if (pos > path.size()) return false;
        if (i + 1 == route.segments.size() && route.segments[i] == "*") return true;  // any rest
        auto slash = path.find('/', pos);
        bool last = i + 1 == route.segments.size();
        if (last != (slash == std::string_view::npos)) return false;
        if (slash == std::string_view::npos) slash = path.size();
        std::string_view seg = path.substr(pos, slash - pos);
        const std::string& want = route.segments[i];
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            if (seg.empty() || params.size == params.items.size()) return false;
            params.items[params.size++] = {std::string_view(want).substr(1, want.size() - 2), seg};
        } else if (seg != want) {
            return false;
        }
        pos = slash + 1;
    }
    return true;
}

// The first pattern that matches a path owns it: later routes count only if they have the same pattern
// (one path, several methods). So `POST /healthz` is a 405 for /healthz, not a visit to a slug "healthz"
// through the catch-all `POST /{slug}`.
Router::Match Router::Find(Method method, std::string_view path) const {
    Match match;
    if (path.empty() || path[0] != '/') return match;
    const auto slash = path.find('/', 1);
    const std::string_view first_segment = path.substr(1, slash == std::string_view::npos ? slash : slash - 1);
    static const std::vector<std::uint32_t> kNone;
    auto literal = by_first_literal_.find(first_segment);
    const std::vector<std::uint32_t>& a = literal == by_first_literal_.end() ? kNone : literal->second;
    const std::vector<std::uint32_t>& b = first_is_parameter_;
    const std::vector<std::string>* owner = nullptr;
    // The candidates of both lists, merged in the order the routes were added.
    for (std::size_t i = 0, j = 0; i < a.size() || j < b.size();) {
        const std::uint32_t index = j == b.size() || (i < a.size() && a[i] < b[j]) ? a[i++] : b[j++];
        const Route& route = routes_[index];
        Params params;
        if (owner && route.segments != *owner) continue;
        if (!MatchPath(route, path, params)) continue;
        owner = &route.segments;
        if (std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end()) {
            match.handler = &route.handler;
            match.name = route.name;
            match.route_class = route.route_class;
            match.max_body = route.max_body;
            match.params = params;
            match.allowed.clear();
            return match;
        }
        for (Method m : route.methods) {
            if (std::find(match.allowed.begin(), match.allowed.end(), m) == match.allowed.end()) {
                match.allowed.push_back(m);
            }
        }
    }
    return match;
}

std::size_t Router::BodyLimit(Method method, std::string_view path, std::size_t fallback) const {
    const Match match = Find(method, path.substr(0, path.find('?')));
    return match.handler != nullptr ? std::max(match.max_body, fallback) : fallback;
}

}  // namespace shortener::http
