// POST /api/v1/imports?format=FORMAT: links from another shortener's export (docs/import.md). The flow is the
// CLI's (import/importer.hpp); this handler authorizes, reads the query and writes the summary.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/time.hpp"
#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "import/importer.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace {

using core::Errc;
namespace json = boost::json;

// Rows per store batch: one SQLite transaction each, small enough that redirects waiting on the writer wait briefly.
constexpr std::size_t kBatchSize = 500;
// Files of more rows than this are imported in the background: the answer is 202 with a job to follow (about a
// second of work here; docs/benchmarks.md). `?background=true|false` decides instead, whatever the size.
constexpr std::size_t kBackgroundRows = 5'000;
// Finished jobs are forgotten after a week (when the next job starts).
constexpr auto kForgetJobsAfter = std::chrono::days(7);
// A running job writes its progress at least this often; one silent for kStalledAfter lost its process (a restart,
// kill -9) and is shown as "interrupted": importing the file again skips the rows already stored.
constexpr auto kProgressEvery = std::chrono::seconds(1);
constexpr auto kStalledAfter = std::chrono::minutes(2);

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

core::TimePoint Now(HandlerContext& ctx) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
}

std::string NewJobId(core::RandomSource& random) {
    std::array<std::uint8_t, 16> bytes{};
    random.Fill(bytes);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (std::uint8_t b : bytes) id += {kHex[b >> 4], kHex[b & 15]};
    return id;
}

json::object JobJson(const store::ImportJob& job, core::TimePoint now) {
    const bool stalled = job.status == "running" && now - job.updated_at > kStalledAfter;
    json::object o{{"id", job.id},
                   {"status", stalled ? "interrupted" : job.status},
                   {"format", job.format},
                   {"total", job.total},
                   {"processed", job.processed},
                   {"created_at", core::FormatRfc3339(job.created_at)},
                   {"updated_at", core::FormatRfc3339(job.updated_at)}};
    if (!job.summary.empty()) o["summary"] = json::parse(job.summary);
    if (!job.error.empty()) o["failure"] = job.error;
    return o;
}

// The background half of a job: imports the rows, writing progress now and then and the summary at the end.
boost::asio::awaitable<void> RunJob(HandlerContext& ctx, store::ImportJob job, std::vector<imports::Row> rows,
                                    imports::Options options) {
    auto last = Now(ctx);
    options.progress = [&](std::size_t done, std::size_t total) -> boost::asio::awaitable<void> {
        const auto now = Now(ctx);
        if (done == total || now - last < kProgressEvery) co_return;
        last = now;
        co_await ctx.import_jobs->Progress(job.id, static_cast<std::int64_t>(done), now);
    };
    try {
        imports::Summary summary = co_await imports::Run(ctx.links, rows, options);
        job.status = "done";
        job.summary = json::serialize(SummaryJson(summary));
    } catch (const std::exception& e) {
        log::Error("import_job_failed", {{"job", job.id}, {"error", e.what()}});
        job.status = "failed";
        job.error =
            "The database could not be reached. The rows before the failure are stored; import the file again "
            "to add the rest (rows already imported are skipped).";
    }
    job.processed = static_cast<std::int64_t>(rows.size());
    job.updated_at = Now(ctx);
    try {
        co_await ctx.import_jobs->Finish(job);
    } catch (const std::exception& e) {
        log::Error("import_job_unrecorded", {{"job", job.id}, {"error", e.what()}});
    }
}

// Stores a new job, starts it on this event loop and answers 202 with where to follow it.
boost::asio::awaitable<Response> StartJob(HandlerContext& ctx, std::string format, std::vector<imports::Row> rows,
                                          imports::Options options) {
    store::ImportJob job;
    job.id = NewJobId(ctx.random);
    job.owner_id = options.owner_id;
    job.format = std::move(format);
    job.total = static_cast<std::int64_t>(rows.size());
    job.created_at = job.updated_at = Now(ctx);
    co_await ctx.import_jobs->Create(job, job.created_at - kForgetJobsAfter);
    Response r = Response::Json(202, json::serialize(JobJson(job, job.created_at)));
    r.headers.emplace_back("Location", "/api/v1/imports/" + job.id);
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::co_spawn(executor, RunJob(ctx, std::move(job), std::move(rows), std::move(options)),
                          boost::asio::detached);
    co_return r;
}

// ?NAME=true|false|1|0 ("" is true); `absent` when the parameter is missing, nullopt when it is something else.
std::optional<bool> BoolParam(const Request& req, std::string_view name, bool absent = false) {
    auto v = req.QueryParam(name);
    if (!v) return absent;
    if (*v == "false" || *v == "0") return false;
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
    auto dry_run = BoolParam(req, "dry_run");
    if (!dry_run) co_return ErrorResponse(Errc::kInvalidQuery, "\"dry_run\" must be true or false.");
    // Absent: by the file's size; given: as asked.
    const bool by_size = !req.QueryParam("background").has_value();
    auto background = BoolParam(req, "background");
    if (!background) co_return ErrorResponse(Errc::kInvalidQuery, "\"background\" must be true or false.");
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
    if (ctx.import_jobs && (by_size ? parsed.rows.size() > kBackgroundRows : *background)) {
        co_return co_await StartJob(ctx, std::string(*req.QueryParam("format")), std::move(parsed.rows),
                                    std::move(options));
    }
    imports::Summary summary = co_await imports::Run(ctx.links, parsed.rows, options);
    co_return Response::Json(200, json::serialize(SummaryJson(summary)));
}

// GET /api/v1/imports/{id}: a background import's progress, and its summary once done. Its owner's (or an admin's);
// a job without an owner (auth mode none, anonymous imports) is anyone's who has its id (128 random bits).
boost::asio::awaitable<Response> HandleJob(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& principal = std::get<auth::Principal>(authz);
    std::optional<store::ImportJob> job;
    if (ctx.import_jobs && id.size() == 32) job = co_await ctx.import_jobs->Get(std::string(id));
    const bool mine = job && (principal.is_admin() || !job->owner_id ||
                              (principal.user_id != 0 && *job->owner_id == principal.user_id));
    if (!mine) co_return ErrorResponse(Errc::kNotFound, "No such import.");
    co_return Response::Json(200, json::serialize(JobJson(*job, Now(ctx))));
}

}  // namespace

void AddImportRoutes(Router& router, HandlerContext& ctx) {
    router.Add({Method::kGet}, "/api/v1/imports/{id}", "imports_get",
               [&ctx](const Request& req, const Params& p) { return HandleJob(ctx, req, p.Get("id")); });
    router.Add(
        {Method::kPost}, "/api/v1/imports", "imports_create",
        [&ctx](const Request& req, const Params&) { return HandleImport(ctx, req); }, RouteClass::kCreate,
        ctx.import_max_body);
}

}  // namespace shortener::http
