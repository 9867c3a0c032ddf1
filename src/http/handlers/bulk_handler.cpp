// Many links at once (issue #15): POST /api/v1/links/bulk and GET /api/v1/links/export. Each bulk item is
// validated as POST /api/v1/links validates its body (link_create.hpp) and succeeds or fails on its own; the good
// ones are stored with LinkStore::CreateMany (one transaction or statement, not one round trip per link).

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "http/authorize.hpp"
#include "http/csv.hpp"
#include "http/error_response.hpp"
#include "http/handlers/link_create.hpp"

namespace shortener::http {
namespace links {
namespace {

using core::Errc;
namespace json = boost::json;

constexpr std::size_t kMaxBulkItems = 1000;
// The bulk route's body limit: 1,000 links of up to 4 KiB of URL each (the server's own limit is 64 KiB).
constexpr std::size_t kBulkBodyLimit = 4 * 1024 * 1024;
constexpr std::size_t kExportPage = 500;

// A bulk item that passed validation and waits for a slug that is free.
struct Pending {
    std::size_t index;
    PreparedLink prepared;
};

json::object ItemFailure(std::size_t index, const Failure& f) {
    return json::object{{"index", index}, {"status", StatusFor(f.code)}, {"error", ErrorJson(f)}};
}

// Validates every item; fills `results` for the bad ones and returns the good ones.
boost::asio::awaitable<std::vector<Pending>> Validate(HandlerContext& ctx, const json::array& items, const Creator& c,
                                                      std::vector<json::object>& results) {
    std::vector<Pending> pending;
    const std::string token_hash = TokenHash(c);
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_object()) {
            results[i] = ItemFailure(i, {Errc::kInvalidRequest, "Each item must be a JSON object."});
            continue;
        }
        const json::object& o = items[i].as_object();
        if (auto f = RejectUnknownFields(o, kCreateFields)) {
            results[i] = ItemFailure(i, *f);
            continue;
        }
        auto parsed = co_await PrepareLink(ctx, o, true, c.principal, token_hash);
        if (auto* f = std::get_if<Failure>(&parsed)) {
            results[i] = ItemFailure(i, *f);
            continue;
        }
        pending.push_back({i, std::move(std::get<PreparedLink>(parsed))});
    }
    co_return pending;
}

// Stores the pending links, a round per draw of generated slugs: a taken custom slug (or one an earlier item of
// the request has) is the item's 409; a taken generated slug is drawn again in the next round.
boost::asio::awaitable<void> Store(HandlerContext& ctx, std::vector<Pending> pending,
                                   std::vector<json::object>& results) {
    std::set<std::string, std::less<>> custom;
    for (const auto& p : pending) {
        if (!p.prepared.custom.empty()) custom.insert(p.prepared.custom);
    }
    for (int round = 0; round < kMaxSlugAttempts && !pending.empty(); ++round) {
        std::vector<core::NewLink> batch;
        batch.reserve(pending.size());
        for (auto& p : pending) {
            std::string slug = p.prepared.custom;
            // A generated slug must not take a custom slug that a later item of the same request asks for.
            while (slug.empty() || (p.prepared.custom.empty() && custom.contains(slug))) slug = ctx.slugs.Next();
            p.prepared.link.slug = std::move(slug);
            batch.push_back(p.prepared.link);
        }
        std::vector<core::Result<core::Link>> stored = co_await ctx.links.CreateMany(batch);
        std::vector<Pending> again;
        for (std::size_t k = 0; k < pending.size(); ++k) {
            const std::size_t i = pending[k].index;
            if (stored[k]) {
                ctx.resolver.Warm(*stored[k]);
                results[i] = json::object{{"index", i}, {"status", 201}, {"link", LinkJson(ctx, *stored[k])}};
            } else if (core::ToErrc(stored[k].error()) != Errc::kSlugTaken) {
                results[i] = ItemFailure(i, {core::ToErrc(stored[k].error()), {}});
            } else if (!pending[k].prepared.custom.empty()) {
                results[i] = ItemFailure(i, {Errc::kSlugTaken, SlugTakenMessage(pending[k].prepared.custom)});
            } else {
                again.push_back(std::move(pending[k]));
            }
        }
        pending = std::move(again);
    }
    for (const auto& p : pending) results[p.index] = ItemFailure(p.index, {Errc::kSlugSpaceExhausted, {}});
}

boost::asio::awaitable<Response> BulkResponse(HandlerContext& ctx, const Request& req, const Creator& c) {
    auto body = ParseJsonValue(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    const json::value& v = std::get<json::value>(body);
    if (!v.is_array()) {
        co_return ErrorResponse(Errc::kInvalidRequest, "The request body must be a JSON array of link objects.");
    }
    const json::array& items = v.as_array();
    if (items.size() > kMaxBulkItems) {
        co_return ErrorResponse(Errc::kInvalidRequest, "At most 1000 links can be created in one request.");
    }
    std::vector<json::object> results(items.size());
    std::vector<Pending> pending = co_await Validate(ctx, items, c, results);
    co_await Store(ctx, std::move(pending), results);
    json::array out;
    out.reserve(results.size());
    for (auto& r : results) out.emplace_back(std::move(r));
    co_return Response::Json(200, json::serialize(json::object{{"results", std::move(out)}}));
}

// Bulk creation needs a credential (links:write) even where anonymous shortening is on: the anonymous create
// limit is one link per request, and a bulk request would multiply it a thousandfold.
boost::asio::awaitable<Response> HandleBulk(HandlerContext& ctx, const Request& req) {
    auto creator = co_await AuthorizeCreate(ctx, req, false);
    if (auto* r = std::get_if<Response>(&creator)) co_return std::move(*r);
    const Creator& c = std::get<Creator>(creator);
    co_return co_await Idempotent(ctx, req, c, [&ctx, &req, &c] { return BulkResponse(ctx, req, c); });
}

// The import format of `shortener import --format csv`: keep these columns and their order.
constexpr std::string_view kExportCsvHeader =
    "url,slug,domain,title,tags,created_at,expires_at,max_clicks,password\r\n";

void AppendCsvRow(std::string& out, const core::Link& link) {
    std::string tags;
    for (const auto& t : link.tags) {
        if (!tags.empty()) tags += '|';
        tags += t;
    }
    AppendCsvCell(out, link.long_url);
    out += ',';
    AppendCsvCell(out, link.slug);
    out += ",,,";  // domain and title: links have neither yet
    AppendCsvCell(out, tags);
    out += ',';
    AppendCsvCell(out, core::FormatRfc3339(link.created_at), true);
    out += ',';
    if (link.expires_at) AppendCsvCell(out, core::FormatRfc3339(*link.expires_at), true);
    out += ',';
    if (link.max_clicks) AppendCsvCell(out, std::to_string(*link.max_clicks), true);
    out += ",\r\n";  // password: only its hash is stored, and hashes are never exported
}

// Pages through the caller's links by id (newest first), one chunk per page: memory stays bounded however many
// links there are. Parameters by value: the coroutine outlives the handler that starts it.
boost::asio::awaitable<void> ExportBody(ResponseStream& out, HandlerContext* ctx, std::optional<std::int64_t> owner,
                                        bool csv) {
    if (csv && !co_await out.Write(kExportCsvHeader)) co_return;
    store::ListQuery query;
    query.limit = kExportPage;
    query.owner_id = owner;
    std::string chunk;
    for (;;) {
        store::LinkPage page = co_await ctx->links.List(query);
        chunk.clear();
        if (csv) {
            for (const auto& link : page.items) AppendCsvRow(chunk, link);
        } else {
            // As GET /api/v1/links/{slug} answers each (health included).
            const json::array objects = co_await LinksWithHealth(*ctx, page.items);
            for (const auto& o : objects) {
                chunk += json::serialize(o);
                chunk += '\n';
            }
        }
        if (!co_await out.Write(chunk) || !page.next_before) co_return;
        query.before_id = page.next_before;
    }
}

boost::asio::awaitable<Response> HandleExport(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    std::string format = req.QueryParam("format").value_or("csv");
    if (format != "csv" && format != "ndjson") {
        co_return ErrorResponse(Errc::kInvalidQuery, "\"format\" must be csv or ndjson.");
    }
    // Whose links: as GET /api/v1/links (an admin's export holds every owner's links).
    store::ListQuery scope;
    ScopeListQuery(std::get<auth::Principal>(authz), scope);
    const bool csv = format == "csv";
    Response r;
    r.status = 200;
    r.content_type = csv ? std::string_view("text/csv; charset=utf-8") : std::string_view("application/x-ndjson");
    r.cache_control = kNoStore;
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"links." + format + "\"");
    r.stream = [ctx = &ctx, owner = scope.owner_id, csv](ResponseStream& out) {
        return ExportBody(out, ctx, owner, csv);
    };
    co_return r;
}

}  // namespace

void AddBulkRoutes(Router& router, HandlerContext& ctx) {
    router.Add(
        {Method::kPost}, "/api/v1/links/bulk", "links_bulk_create",
        [&ctx](const Request& req, const Params&) { return HandleBulk(ctx, req); }, RouteClass::kCreate,
        kBulkBodyLimit);
    router.Add({Method::kGet}, "/api/v1/links/export", "links_export",
               [&ctx](const Request& req, const Params&) { return HandleExport(ctx, req); });
}

}  // namespace links
}  // namespace shortener::http
