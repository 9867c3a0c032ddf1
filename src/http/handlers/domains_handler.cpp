// /api/v1/domains (issue #14, docs/domains.md): the branded short domains one instance serves. The default domain is
// the public URL's host: always there, listed first, never stored, never changed here. A domain belongs to the user
// who added it (admins see every one); anyone else gets 404. Root and not-found answers per Host are here too.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/pct_string_view.hpp>

#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/link_create.hpp"

namespace shortener::http {
namespace {

using core::Errc;
using links::Fail;
using links::Failure;
using links::ParseJsonValue;
using links::RejectUnknownFields;
namespace json = boost::json;

constexpr std::string_view kCreateFields[] = {"host", "https", "hsts_max_age", "root_redirect", "not_found_redirect"};
constexpr std::string_view kPatchFields[] = {"https", "hsts_max_age", "root_redirect", "not_found_redirect"};
constexpr std::int64_t kMaxHstsAge = 2 * 365 * 86'400;  // two years, the preload list's ceiling

json::value OptionalText(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

json::object DomainJson(const store::Domain& d) {
    json::object o;
    o["host"] = d.host;
    o["default"] = false;
    o["https"] = d.https;
    o["hsts_max_age"] = d.hsts_max_age;
    o["root_redirect"] = OptionalText(d.root_redirect);
    o["not_found_redirect"] = OptionalText(d.not_found_redirect);
    o["created_at"] = core::FormatRfc3339(d.created_at);
    return o;
}

json::object DefaultJson(const HandlerContext& ctx) {
    const DomainSettings& d = ctx.domain_directory->Default();
    json::object o;
    o["host"] = d.host;
    o["default"] = true;
    o["https"] = d.https;
    o["hsts_max_age"] = d.hsts_max_age;
    o["root_redirect"] = nullptr;
    o["not_found_redirect"] = nullptr;
    o["created_at"] = nullptr;
    return o;
}

bool MayManage(const auth::Principal& p, const store::Domain& d) {
    return p.is_admin() || (d.owner_id && p.user_id != 0 && *d.owner_id == p.user_id);
}

// The host of the path (percent-decoded, then normalised as on creation; the default domain's as it is, since it may
// be an IP address); nullopt if it cannot be a domain.
std::optional<std::string> HostParam(const HandlerContext& ctx, std::string_view text) {
    auto pct = boost::urls::make_pct_string_view(text);
    if (!pct) return std::nullopt;
    const std::string decoded = pct->decode();
    if (DomainDirectory::HostKey(decoded) == ctx.domain_directory->Default().host) {
        return ctx.domain_directory->Default().host;
    }
    auto host = core::NormalizeDomainHost(decoded);
    if (!host) return std::nullopt;
    return std::move(*host);
}

// A redirect setting: null clears it; a string must pass the link URL policy and must not point at the domain
// itself (a loop). The answer when it is refused.
std::variant<std::optional<std::string>, Response> CheckRedirect(const HandlerContext& ctx, const json::value& v,
                                                                 const std::string& host, std::string_view field) {
    if (v.is_null()) return std::optional<std::string>();
    if (!v.is_string()) {
        return ErrorResponse(Errc::kInvalidRequest, "\"" + std::string(field) + "\" must be a URL or null.");
    }
    core::UrlPolicyOptions policy = ctx.url_policy;
    policy.own_hosts.push_back(host);
    auto url = core::CheckUrl(v.as_string(), policy);
    if (!url) return ErrorResponse(url.error());
    return std::optional<std::string>(std::move(*url));
}

// The settings shared by create and patch; the answer when one is malformed.
std::optional<Response> ParseSettings(const HandlerContext& ctx, const json::object& o, const std::string& host,
                                      store::DomainPatch& patch) {
    if (auto it = o.find("https"); it != o.end()) {
        if (!it->value().is_bool()) return ErrorResponse(Errc::kInvalidRequest, "\"https\" must be a boolean.");
        patch.https = it->value().as_bool();
    }
    if (auto it = o.find("hsts_max_age"); it != o.end()) {
        const auto* n = it->value().if_int64();
        if (n == nullptr || *n < 0 || *n > kMaxHstsAge) {
            return ErrorResponse(Errc::kInvalidDomain, "\"hsts_max_age\" must be an integer from 0 to 63072000.");
        }
        patch.hsts_max_age = *n;
    }
    for (std::string_view field : {"root_redirect", "not_found_redirect"}) {
        auto it = o.find(field);
        if (it == o.end()) continue;
        auto checked = CheckRedirect(ctx, it->value(), host, field);
        if (auto* r = std::get_if<Response>(&checked)) return std::move(*r);
        auto& target = field == "root_redirect" ? patch.root_redirect : patch.not_found_redirect;
        target = std::move(std::get<std::optional<std::string>>(checked));
    }
    return std::nullopt;
}

// The JSON object of a body; the answer when it is none.
std::variant<json::object, Response> BodyObject(const Request& req, std::span<const std::string_view> fields) {
    auto body = ParseJsonValue(req);
    if (auto* f = std::get_if<Failure>(&body)) return Fail(*f);
    json::value& v = std::get<json::value>(body);
    if (!v.is_object()) return ErrorResponse(Errc::kInvalidRequest, "The request body must be a JSON object.");
    if (auto f = RejectUnknownFields(v.as_object(), fields)) return Fail(*f);
    return std::move(v.as_object());
}

// The normalised host of a create body; the answer when it is missing, invalid or the default domain's.
std::variant<std::string, Response> NewHost(const HandlerContext& ctx, const json::object& o) {
    auto it = o.find("host");
    if (it == o.end() || !it->value().is_string()) return ErrorResponse(Errc::kInvalidDomain);
    auto host = core::NormalizeDomainHost(it->value().as_string());
    if (!host) return ErrorResponse(host.error());
    if (*host == ctx.domain_directory->Default().host) return ErrorResponse(Errc::kDefaultDomain);
    return std::move(*host);
}

boost::asio::awaitable<Response> HandleCreate(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    auto body = BodyObject(req, kCreateFields);
    if (auto* r = std::get_if<Response>(&body)) co_return std::move(*r);
    const json::object& o = std::get<json::object>(body);
    auto host = NewHost(ctx, o);
    if (auto* r = std::get_if<Response>(&host)) co_return std::move(*r);
    store::Domain d;
    d.host = std::move(std::get<std::string>(host));
    store::DomainPatch settings;
    if (auto refused = ParseSettings(ctx, o, d.host, settings)) co_return std::move(*refused);
    if (p.user_id != 0) d.owner_id = p.user_id;
    d.https = settings.https.value_or(ctx.domain_directory->Default().https);
    d.hsts_max_age = settings.hsts_max_age.value_or(0);
    if (settings.root_redirect) d.root_redirect = *settings.root_redirect;
    if (settings.not_found_redirect) d.not_found_redirect = *settings.not_found_redirect;
    d.created_at = links::NowMillis(ctx.clock);
    core::Result<store::Domain> created = co_await ctx.domains->Create(d);
    if (!created) co_return ErrorResponse(created.error());
    co_await ctx.domain_directory->Refresh();
    Response r = Response::Json(201, json::serialize(DomainJson(*created)));
    r.headers.emplace_back("Location", "/api/v1/domains/" + created->host);
    co_return r;
}

boost::asio::awaitable<Response> HandleList(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    std::vector<store::Domain> domains = co_await ctx.domains->List();
    json::array items;
    items.emplace_back(DefaultJson(ctx));
    for (const auto& d : domains) {
        if (MayManage(p, d)) items.emplace_back(DomainJson(d));
    }
    co_return Response::Json(200, json::serialize(json::object{{"items", std::move(items)}}));
}

// What a path's host names: the default domain (nullopt inside), a domain the caller may manage, or the answer.
struct PathDomain {
    bool is_default = false;
    store::Domain domain;
};

boost::asio::awaitable<std::variant<PathDomain, Response>> FindPathDomain(HandlerContext& ctx, const Request& req,
                                                                          std::string_view text, auth::Scope scope) {
    auto authz = co_await Authorize(ctx, req, scope);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    auto host = HostParam(ctx, text);
    if (!host) co_return ErrorResponse(Errc::kNotFound);
    if (*host == ctx.domain_directory->Default().host) co_return PathDomain{true, {}};
    std::optional<store::Domain> found = co_await ctx.domains->Find(*host);
    if (!found || !MayManage(p, *found)) co_return ErrorResponse(Errc::kNotFound);
    co_return PathDomain{false, std::move(*found)};
}

boost::asio::awaitable<Response> HandleGet(HandlerContext& ctx, const Request& req, std::string_view host) {
    auto found = co_await FindPathDomain(ctx, req, host, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    const PathDomain& d = std::get<PathDomain>(found);
    co_return Response::Json(200, json::serialize(d.is_default ? DefaultJson(ctx) : DomainJson(d.domain)));
}

boost::asio::awaitable<Response> HandlePatch(HandlerContext& ctx, const Request& req, std::string_view host) {
    auto found = co_await FindPathDomain(ctx, req, host, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    const PathDomain& d = std::get<PathDomain>(found);
    if (d.is_default) co_return ErrorResponse(Errc::kDefaultDomain);
    auto body = BodyObject(req, kPatchFields);
    if (auto* r = std::get_if<Response>(&body)) co_return std::move(*r);
    store::DomainPatch patch;
    if (auto refused = ParseSettings(ctx, std::get<json::object>(body), d.domain.host, patch)) {
        co_return std::move(*refused);
    }
    core::Result<store::Domain> updated = co_await ctx.domains->Update(d.domain.host, patch);
    if (!updated) co_return ErrorResponse(updated.error());
    co_await ctx.domain_directory->Refresh();
    co_return Response::Json(200, json::serialize(DomainJson(*updated)));
}

boost::asio::awaitable<Response> HandleDelete(HandlerContext& ctx, const Request& req, std::string_view host) {
    auto found = co_await FindPathDomain(ctx, req, host, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    const PathDomain& d = std::get<PathDomain>(found);
    if (d.is_default) co_return ErrorResponse(Errc::kDefaultDomain);
    const auto force = req.QueryParam("force");
    if (force && *force != "true" && *force != "false") {
        co_return ErrorResponse(Errc::kInvalidQuery, "\"force\" must be true or false.");
    }
    const std::int64_t links = co_await ctx.domains->CountLinks(d.domain.id);
    if (links > 0 && !(force && *force == "true")) co_return ErrorResponse(Errc::kDomainHasLinks);
    const bool deleted = co_await ctx.domains->Delete(d.domain.host);
    if (!deleted) co_return ErrorResponse(Errc::kNotFound);
    co_await ctx.domain_directory->Refresh();
    co_return Response::NoContent();
}

Response RedirectTo(const std::string& location) {
    Response r;
    r.status = 302;
    r.location = location;
    r.cache_control = "private, no-store, max-age=0";
    return r;
}

}  // namespace

void AddDomainRoutes(Router& router, HandlerContext& ctx) {
    if (ctx.domains == nullptr || ctx.domain_directory == nullptr) return;
    router.Add({Method::kPost}, "/api/v1/domains", "domains_create",
               [&ctx](const Request& req, const Params&) { return HandleCreate(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/domains", "domains_list",
               [&ctx](const Request& req, const Params&) { return HandleList(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/domains/{host}", "domains_get",
               [&ctx](const Request& req, const Params& p) { return HandleGet(ctx, req, p.Get("host")); });
    router.Add({Method::kPatch}, "/api/v1/domains/{host}", "domains_update",
               [&ctx](const Request& req, const Params& p) { return HandlePatch(ctx, req, p.Get("host")); });
    router.Add({Method::kDelete}, "/api/v1/domains/{host}", "domains_delete",
               [&ctx](const Request& req, const Params& p) { return HandleDelete(ctx, req, p.Get("host")); });
}

void WrapDomainRoot(Router& router, HandlerContext& ctx) {
    if (ctx.domain_directory == nullptr) return;
    router.Wrap("/", [&ctx](Handler inner) -> Handler {
        return [&ctx, inner = std::move(inner)](const Request& req,
                                                const Params& params) -> boost::asio::awaitable<Response> {
            std::shared_ptr<const DomainSettings> domain = co_await ctx.domain_directory->Resolve(req.Header("host"));
            if (domain->root_redirect) co_return RedirectTo(*domain->root_redirect);
            if (!domain->is_default) {
                co_return req.WantsHtml() ? ShortLinkErrorPage(Errc::kNotFound) : ErrorResponse(Errc::kNotFound);
            }
            co_return co_await inner(req, params);
        };
    });
}

}  // namespace shortener::http
