// POST /api/v1/imports?format=FORMAT: links from another shortener's export (docs/import.md). The flow is the
// CLI's (import/importer.hpp); this handler authorizes, reads the query and writes the summary.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "import/importer.hpp"

namespace shortener::http {
namespace {

using core::Errc;
namespace json = boost::json;

// Rows per store batch: one SQLite transaction each, small enough that redirects waiting on the writer wait briefly.
constexpr std::size_t kBatchSize = 500;

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

json::object SummaryJson(const imports::Summary& s) {
    json::array failures;
    for (const auto& f : s.failures) {
        failures.push_back(json::object{{"line", f.line}, {"code", f.code}, {"message", f.message}});
    }
    return json::object{{"imported", s.imported},
                        {"skipped", s.skipped},
                        {"failed", s.failed},
                        {"dry_run", s.dry_run},
                        {"failures", std::move(failures)},
                        {"failures_truncated", s.failed > s.failures.size()}};
}

// ?dry_run=true|false|1|0; nullopt when it is something else.
std::optional<bool> DryRunParam(const Request& req) {
    auto v = req.QueryParam("dry_run");
    if (!v || *v == "false" || *v == "0") return false;
    if (*v == "true" || *v == "1" || v->empty()) return true;
    return std::nullopt;
}

boost::asio::awaitable<Response> HandleImport(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& principal = std::get<auth::Principal>(authz);
    auto format = imports::ParseFormat(req.QueryParam("format").value_or(""));
    if (!format) {
        co_return ErrorResponse(Errc::kInvalidQuery,
                                "\"format\" must be one of: " + std::string(imports::FormatNames()) + ".");
    }
    auto dry_run = DryRunParam(req);
    if (!dry_run) co_return ErrorResponse(Errc::kInvalidQuery, "\"dry_run\" must be true or false.");
    imports::Options options;
    options.url_policy = &ctx.url_policy;
    options.slugs = &ctx.slugs;
    // The hosts this server answers for (the public URL's, the listen address, loopback names: see OwnHosts), and
    // the source's domain the caller names.
    options.domains = ctx.url_policy.own_hosts;
    if (auto domain = req.QueryParam("domain"); domain && !domain->empty()) {
        if (domain->size() > 253) co_return ErrorResponse(Errc::kInvalidQuery, "\"domain\" is too long.");
        options.domains.push_back(Lower(*domain));
    }
    core::NewLink owned;
    SetOwnership(owned, principal, {});
    options.owner_id = owned.owner_id;
    options.dry_run = *dry_run;
    options.batch_size = kBatchSize;
    options.now = std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
    if (ctx.passwords) {
        options.hash_password = [&ctx](std::string password) { return ctx.passwords->Hash(std::move(password)); };
    }
    imports::Parsed parsed = imports::ParseFile(*format, req.body());
    if (!parsed.error.empty()) co_return ErrorResponse(Errc::kInvalidRequest, parsed.error);
    imports::Summary summary = co_await imports::Run(ctx.links, parsed.rows, options);
    co_return Response::Json(200, json::serialize(SummaryJson(summary)));
}

}  // namespace

void AddImportRoutes(Router& router, HandlerContext& ctx) {
    router.Add(
        {Method::kPost}, "/api/v1/imports", "imports_create",
        [&ctx](const Request& req, const Params&) { return HandleImport(ctx, req); }, RouteClass::kCreate,
        ctx.import_max_body);
}

}  // namespace shortener::http
