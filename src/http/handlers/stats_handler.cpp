// Analytics: GET /api/v1/links/{slug}/stats, GET /api/v1/stats (overview), GET /api/v1/links/{slug}/clicks
// (streamed CSV/NDJSON export), DELETE /api/v1/links/{slug}/clicks (erasure). Stats come from the rollups
// (store::ComputeStats), never raw clicks.

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <variant>

#include "http/authorize.hpp"
#include "http/csv.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "store/stats.hpp"

namespace shortener::http {
namespace {

using core::Errc;
namespace json = boost::json;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kDefaultRangeMs = 7 * kDayMs;
constexpr std::int64_t kMaxRangeMs = 3700 * kDayMs;  // about ten years
constexpr std::size_t kMaxBuckets = 5000;
constexpr std::size_t kExportPage = 1000;

struct RangeParams {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
};

// The times RFC 3339 can write (years 0000 to 9999). Unix milliseconds outside are refused: besides being
// meaningless, they would overflow the range and bucket arithmetic (found by the HTTP fuzzer).
constexpr std::int64_t kMinTimeMs = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
constexpr std::int64_t kMaxTimeMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

std::optional<std::int64_t> ParseTime(const std::string& s) {
    if (auto t = core::ParseRfc3339(s)) {
        const std::int64_t ms = core::ToUnixMillis(*t);
        if (ms >= kMinTimeMs && ms <= kMaxTimeMs) return ms;
        return std::nullopt;
    }
    std::int64_t v = 0;  // also Unix milliseconds
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && v >= kMinTimeMs && v <= kMaxTimeMs) return v;
    return std::nullopt;
}

// from/to: RFC 3339 (or Unix ms); default the last 7 days (to = now).
std::variant<RangeParams, Response> ParseRange(const HandlerContext& ctx, const Request& req) {
    RangeParams r;
    r.to_ms = core::ToUnixMillis(std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now()));
    auto to = req.QueryParam("to");
    auto from = req.QueryParam("from");
    if (to) {
        auto v = ParseTime(*to);
        if (!v) return ErrorResponse(Errc::kInvalidRange, "\"to\" must be an RFC 3339 time (or Unix milliseconds).");
        r.to_ms = *v;
    }
    r.from_ms = std::max(r.to_ms - kDefaultRangeMs, kMinTimeMs);
    if (from) {
        auto v = ParseTime(*from);
        if (!v) return ErrorResponse(Errc::kInvalidRange, "\"from\" must be an RFC 3339 time (or Unix milliseconds).");
        r.from_ms = *v;
    }
    if (r.from_ms >= r.to_ms) return ErrorResponse(Errc::kInvalidRange, "\"from\" must be before \"to\".");
    if (r.to_ms - r.from_ms > kMaxRangeMs) {
        return ErrorResponse(Errc::kRangeTooLarge, "The range may span at most 3700 days.");
    }
    return r;
}

std::variant<bool, Response> ParseBots(const Request& req) {
    auto bots = req.QueryParam("bots");
    if (!bots || *bots == "exclude") return false;
    if (*bots == "include") return true;
    return ErrorResponse(Errc::kInvalidQuery, "\"bots\" must be exclude or include.");
}

std::variant<std::size_t, Response> ParseTop(const Request& req) {
    auto top = req.QueryParam("limit");
    if (!top) return std::size_t{10};
    std::size_t v = 0;
    auto [p, ec] = std::from_chars(top->data(), top->data() + top->size(), v);
    if (ec != std::errc() || p != top->data() + top->size() || v < 1 || v > 100) {
        return ErrorResponse(Errc::kInvalidQuery, "\"limit\" must be an integer from 1 to 100.");
    }
    return v;
}

// The link for an analytics route, authorized (http/authorize.hpp): 404 unknown, 410 deleted.
boost::asio::awaitable<std::variant<core::Link, Response>> FindLink(HandlerContext& ctx, const Request& req,
                                                                    std::string_view slug) {
    return AuthorizeLinkStats(ctx, req, slug);
}

std::string_view BreakdownName(std::string_view dimension) {
    if (dimension == "country") return "countries";
    if (dimension == "region") return "regions";
    if (dimension == "city") return "cities";
    if (dimension == "referrer") return "referrers";
    if (dimension == "referrer_class") return "sources";
    if (dimension == "browser") return "browsers";
    if (dimension == "device") return "devices";
    if (dimension == "language") return "languages";
    if (dimension == "destination") return "destinations";
    return dimension;  // os
}

json::object TotalsJson(std::int64_t clicks, std::int64_t human, std::int64_t bots, std::int64_t uniques) {
    return json::object{
        {"clicks", clicks}, {"human_clicks", human}, {"bot_clicks", bots}, {"unique_visitors", uniques}};
}

// The query of GET /api/v1/links/{slug}/stats (range, interval, tz, bots, top), or the error answer.
std::variant<store::StatsRequest, Response> ParseStatsRequest(const HandlerContext& ctx, const Request& req) {
    auto range = ParseRange(ctx, req);
    if (auto* r = std::get_if<Response>(&range)) return std::move(*r);
    auto bots = ParseBots(req);
    if (auto* r = std::get_if<Response>(&bots)) return std::move(*r);
    auto top = ParseTop(req);
    if (auto* r = std::get_if<Response>(&top)) return std::move(*r);
    store::StatsRequest sr;
    sr.from_ms = std::get<RangeParams>(range).from_ms;
    sr.to_ms = std::get<RangeParams>(range).to_ms;
    if (auto interval = req.QueryParam("interval")) {
        auto i = store::ParseStatsInterval(*interval);
        if (!i) return ErrorResponse(Errc::kInvalidInterval);
        sr.interval = *i;
    }
    if (auto tz = req.QueryParam("tz")) {
        if (!store::IsKnownTimeZone(*tz)) return ErrorResponse(Errc::kInvalidTimeZone);
        sr.tz = *tz;
    }
    sr.include_bots = std::get<bool>(bots);
    sr.top = std::get<std::size_t>(top);
    sr.max_buckets = kMaxBuckets;
    return sr;
}

json::array TimeseriesJson(const store::StatsRequest& sr, const store::StatsResult& s) {
    json::array series;
    series.reserve(s.timeseries.size());
    for (const auto& p : s.timeseries) {
        json::object point{{"t", store::FormatLocal(sr.tz, p.t_ms)}, {"clicks", p.clicks}};
        point["unique_visitors"] = p.unique_visitors ? json::value(*p.unique_visitors) : json::value(nullptr);
        series.push_back(std::move(point));
    }
    return series;
}

// Destinations of a routed link (issue #17): "route URL" values as {key: URL, route, clicks…, unique_visitors}.
json::array DestinationsJson(const store::StatsResult& s, const std::vector<store::DimensionCount>& values,
                             bool include_bots) {
    json::array a;
    for (const auto& v : values) {
        const auto space = v.value.find(' ');
        json::object o;
        o["key"] = space == std::string::npos ? std::string() : v.value.substr(space + 1);
        o["route"] = v.value.substr(0, space);
        o["clicks"] = include_bots ? v.clicks : v.human_clicks;
        o["human_clicks"] = v.human_clicks;
        o["bot_clicks"] = v.bot_clicks;
        std::int64_t visitors = 0;
        for (const auto& u : s.destination_visitors) {
            if (u.value == v.value) visitors = u.clicks;
        }
        o["unique_visitors"] = visitors;
        a.push_back(std::move(o));
    }
    return a;
}

json::array BreakdownJson(std::string_view dimension, const std::vector<store::DimensionCount>& values,
                          bool include_bots) {
    json::array a;
    const bool referrer = dimension == "referrer";
    for (const auto& v : values) {
        json::object o;
        if (referrer) {
            // "host class": the host (empty: no referrer) and its source class.
            auto space = v.value.find(' ');
            o["key"] = v.value.substr(0, space);
            o["class"] = space == std::string::npos ? std::string() : v.value.substr(space + 1);
        } else {
            o["key"] = v.value;
        }
        o["clicks"] = include_bots ? v.clicks : v.human_clicks;
        o["human_clicks"] = v.human_clicks;
        o["bot_clicks"] = v.bot_clicks;
        a.push_back(std::move(o));
    }
    return a;
}

// Scans of the link's QR code in the range: its "qr" source (the worker classes a click whose query carries the QR
// code's marker so; the breakdowns are whole UTC days, like every breakdown).
std::int64_t QrScans(const store::StatsRequest& sr, const store::StatsResult& s) {
    for (const auto& [dimension, values] : s.breakdowns) {
        if (dimension != "referrer_class") continue;
        for (const auto& v : values) {
            if (v.value == "qr") return sr.include_bots ? v.clicks : v.human_clicks;
        }
    }
    return 0;
}

// The utm_* breakdowns as "utm": {"source": […], "medium": […], …}.
json::object UtmJson(const std::vector<std::pair<std::string, std::vector<store::DimensionCount>>>& breakdowns,
                     bool include_bots) {
    json::object utm;
    for (const auto& [dimension, values] : breakdowns) {
        if (dimension.starts_with("utm_")) utm[dimension.substr(4)] = BreakdownJson(dimension, values, include_bots);
    }
    return utm;
}

json::object StatsJson(const core::Link& link, const store::StatsRequest& sr, const store::StatsResult& s) {
    json::object o;
    o["slug"] = link.slug;
    o["from"] = store::FormatLocal(sr.tz, s.from_ms);
    o["to"] = store::FormatLocal(sr.tz, s.to_ms);
    o["interval"] = store::StatsIntervalName(sr.interval);
    o["tz"] = sr.tz;
    o["bots"] = sr.include_bots ? "include" : "exclude";
    json::object totals = TotalsJson(s.clicks, s.human_clicks, s.bot_clicks, s.unique_visitors);
    totals["qr_scans"] = QrScans(sr, s);
    // What another shortener counted before the link was imported (docs/import.md): its all-time total, beside the
    // range's clicks and never added to them, since those clicks have no time, country or referrer.
    totals["imported_clicks"] = link.imported_clicks;
    o["totals"] = std::move(totals);
    o["timeseries"] = TimeseriesJson(sr, s);
    for (const auto& [dimension, values] : s.breakdowns) {
        if (dimension.starts_with("utm_")) continue;  // shown together under "utm"
        o[BreakdownName(dimension)] = dimension == "destination" ? DestinationsJson(s, values, sr.include_bots)
                                                                 : BreakdownJson(dimension, values, sr.include_bots);
    }
    o["utm"] = UtmJson(s.breakdowns, sr.include_bots);
    return o;
}

boost::asio::awaitable<Response> HandleStats(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto found = co_await FindLink(ctx, req, slug);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    auto parsed = ParseStatsRequest(ctx, req);
    if (auto* r = std::get_if<Response>(&parsed)) co_return std::move(*r);
    store::StatsRequest& sr = std::get<store::StatsRequest>(parsed);
    const core::Link& link = std::get<core::Link>(found);
    sr.link = link.id;
    core::Result<store::StatsResult> computed = co_await store::ComputeStats(*ctx.stats, sr);
    if (!computed) {
        if (core::ToErrc(computed.error()) == Errc::kTooManyBuckets) {
            co_return ErrorResponse(Errc::kTooManyBuckets, "The range holds more than " + std::to_string(kMaxBuckets) +
                                                               " buckets of this interval; use a longer interval.");
        }
        co_return ErrorResponse(computed.error());
    }
    Response r = Response::Json(200, json::serialize(StatsJson(link, sr, *computed)));
    r.cache_control = kNoStore;
    co_return r;
}

boost::asio::awaitable<Response> HandleOverview(HandlerContext& ctx, const Request& req) {
    auto scope = co_await AuthorizeOverview(ctx, req);
    if (auto* r = std::get_if<Response>(&scope)) co_return std::move(*r);
    const std::optional<std::int64_t> owner = std::get<OverviewScope>(scope).owner;
    auto range = ParseRange(ctx, req);
    if (auto* r = std::get_if<Response>(&range)) co_return std::move(*r);
    auto bots = ParseBots(req);
    if (auto* r = std::get_if<Response>(&bots)) co_return std::move(*r);
    auto top = ParseTop(req);
    if (auto* r = std::get_if<Response>(&top)) co_return std::move(*r);
    const bool include = std::get<bool>(bots);
    // Day rollups: the range widens to whole UTC days.
    auto rp = std::get<RangeParams>(range);
    store::MsRange days{rp.from_ms - rp.from_ms % kDayMs, (rp.to_ms + kDayMs - 1) / kDayMs * kDayMs};
    const std::size_t limit = std::get<std::size_t>(top);
    std::vector<store::LinkTotals> rows = co_await ctx.stats->TopLinks(days, include, limit, owner);
    json::object o;
    o["from"] = core::FormatRfc3339(core::FromUnixMillis(days.from_ms));
    o["to"] = core::FormatRfc3339(core::FromUnixMillis(days.to_ms));
    o["bots"] = include ? "include" : "exclude";
    const auto& all = rows.front();
    o["totals"] = TotalsJson(include ? all.clicks : all.human_clicks, all.human_clicks, all.bot_clicks,
                             include ? all.unique_visitors : all.human_unique_visitors);
    json::array links;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& l = rows[i];
        links.push_back(json::object{{"slug", l.slug},
                                     {"short_url", ctx.public_url + "/" + l.slug},
                                     {"clicks", include ? l.clicks : l.human_clicks},
                                     {"human_clicks", l.human_clicks},
                                     {"bot_clicks", l.bot_clicks},
                                     {"unique_visitors", include ? l.unique_visitors : l.human_unique_visitors}});
    }
    o["top_links"] = std::move(links);
    const auto utm = co_await ctx.stats->UtmOverview(days, include, limit, owner);
    o["utm"] = UtmJson(utm, include);
    Response r = Response::Json(200, json::serialize(o));
    r.cache_control = kNoStore;
    co_return r;
}

constexpr std::string_view kCsvHeader =
    "event_id,timestamp,is_bot,head_request,country,country_name,region,city,latitude,longitude,browser,os,device,"
    "referer,referrer_host,referrer_class,language,accept_language,user_agent,visitor_id,utm_source,utm_medium,"
    "utm_campaign,query,utm_term,utm_content,bot_reason\r\n";

std::string Coordinate(const std::optional<double>& v) {
    if (!v) return {};
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, *v);
    return std::string(buf, p);
}

void AppendCsv(std::string& out, const core::EnrichedClick& c) {
    const auto& e = c.event;
    const auto& d = c.dimensions;
    std::string fields[] = {e.id.ToString(),
                            core::FormatRfc3339(e.at),
                            d.is_bot ? "true" : "false",
                            e.head_request ? "true" : "false",
                            d.country_code,
                            d.country_name,
                            d.region,
                            d.city,
                            Coordinate(d.latitude),
                            Coordinate(d.longitude),
                            d.browser,
                            d.os,
                            d.device,
                            e.referer,
                            d.referrer_host,
                            d.referrer_class,
                            d.language,
                            e.accept_language,
                            e.user_agent,
                            d.visitor_id,
                            d.utm_source,
                            d.utm_medium,
                            d.utm_campaign,
                            e.query,
                            d.utm_term,
                            d.utm_content,
                            d.bot_reason};
    constexpr std::size_t kLatitude = 8, kLongitude = 9;  // our own numbers: "-33.86" stays a number
    for (std::size_t i = 0; i < std::size(fields); ++i) {
        if (i > 0) out += ',';
        AppendCsvCell(out, fields[i], i == kLatitude || i == kLongitude);
    }
    out += "\r\n";
}

void AppendNdjson(std::string& out, const core::EnrichedClick& c) {
    const auto& e = c.event;
    const auto& d = c.dimensions;
    auto opt = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
    json::object o{{"event_id", e.id.ToString()},
                   {"timestamp", core::FormatRfc3339(e.at)},
                   {"is_bot", d.is_bot},
                   {"head_request", e.head_request},
                   {"country", opt(d.country_code)},
                   {"country_name", opt(d.country_name)},
                   {"region", opt(d.region)},
                   {"city", opt(d.city)},
                   {"browser", opt(d.browser)},
                   {"os", opt(d.os)},
                   {"device", opt(d.device)},
                   {"referer", opt(e.referer)},
                   {"referrer_host", opt(d.referrer_host)},
                   {"referrer_class", opt(d.referrer_class)},
                   {"language", opt(d.language)},
                   {"accept_language", opt(e.accept_language)},
                   {"user_agent", opt(e.user_agent)},
                   {"visitor_id", opt(d.visitor_id)},
                   {"utm_source", opt(d.utm_source)},
                   {"utm_medium", opt(d.utm_medium)},
                   {"utm_campaign", opt(d.utm_campaign)},
                   {"query", opt(e.query)},
                   {"utm_term", opt(d.utm_term)},
                   {"utm_content", opt(d.utm_content)},
                   {"bot_reason", opt(d.bot_reason)}};
    o["latitude"] = d.latitude ? json::value(*d.latitude) : json::value(nullptr);
    o["longitude"] = d.longitude ? json::value(*d.longitude) : json::value(nullptr);
    out += json::serialize(o);
    out += '\n';
}

// Keyset pages by (ts, event id): constant memory for any number of clicks. Parameters by value: the
// coroutine outlives the lambda that starts it.
boost::asio::awaitable<void> ExportBody(ResponseStream& out, store::StatsStore* stats, core::LinkId id, RangeParams rp,
                                        bool csv) {
    if (csv && !co_await out.Write(kCsvHeader)) co_return;
    std::optional<store::ClickCursor> after;
    std::string chunk;
    for (;;) {
        std::vector<core::EnrichedClick> page =
            co_await stats->ClicksPage(id, store::MsRange{rp.from_ms, rp.to_ms}, after, kExportPage);
        if (page.empty()) co_return;
        chunk.clear();
        for (const auto& c : page) {
            if (csv) {
                AppendCsv(chunk, c);
            } else {
                AppendNdjson(chunk, c);
            }
        }
        after = store::ClickCursor{core::ToUnixMillis(page.back().event.at), page.back().event.id};
        bool ok = co_await out.Write(chunk);
        if (!ok || page.size() < kExportPage) co_return;
    }
}

boost::asio::awaitable<Response> HandleExport(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto found = co_await FindLink(ctx, req, slug);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    std::string format = req.QueryParam("format").value_or("csv");
    if (format != "csv" && format != "ndjson") {
        co_return ErrorResponse(Errc::kInvalidQuery, "\"format\" must be csv or ndjson.");
    }
    // Default: every click (from the epoch to now).
    RangeParams rp;
    {
        auto to = req.QueryParam("to");
        auto from = req.QueryParam("from");
        rp.to_ms = core::ToUnixMillis(std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now())) + 1;
        if (to) {
            auto v = ParseTime(*to);
            if (!v) co_return ErrorResponse(Errc::kInvalidRange, "\"to\" must be an RFC 3339 time.");
            rp.to_ms = *v;
        }
        if (from) {
            auto v = ParseTime(*from);
            if (!v) co_return ErrorResponse(Errc::kInvalidRange, "\"from\" must be an RFC 3339 time.");
            rp.from_ms = *v;
        }
        if (rp.from_ms >= rp.to_ms) co_return ErrorResponse(Errc::kInvalidRange, "\"from\" must be before \"to\".");
    }
    const core::Link link = std::get<core::Link>(found);
    const bool csv = format == "csv";
    Response r;
    r.status = 200;
    r.content_type = csv ? std::string_view("text/csv; charset=utf-8") : std::string_view("application/x-ndjson");
    r.cache_control = kNoStore;
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + link.slug + "-clicks." + format + "\"");
    store::StatsStore* stats = ctx.stats;
    r.stream = [stats, id = link.id, rp, csv](ResponseStream& out) { return ExportBody(out, stats, id, rp, csv); };
    co_return r;
}

// `before` of an erasure: the start of a UTC day, as YYYY-MM-DD or an RFC 3339 time (or Unix ms) at midnight UTC.
// Rollups are per UTC day, so an erasure covers whole days (docs/api-spec.md "Erasing clicks").
std::variant<std::int64_t, Response> ParseEraseBefore(const Request& req) {
    auto before = req.QueryParam("before");
    if (!before) return ErrorResponse(Errc::kInvalidQuery, "\"before\" is required (YYYY-MM-DD, a UTC day).");
    std::string text = *before;
    if (text.size() == 10) text += "T00:00:00Z";
    auto ms = ParseTime(text);
    if (!ms) return ErrorResponse(Errc::kInvalidQuery, "\"before\" must be a date (YYYY-MM-DD) or an RFC 3339 time.");
    if (*ms % kDayMs != 0) {
        return ErrorResponse(Errc::kInvalidQuery,
                             "\"before\" must be the start of a UTC day: counts are kept per day.");
    }
    return *ms;
}

// DELETE /api/v1/links/{slug}/clicks?before=: links:write and ownership, as for editing the link (a deleted link's
// clicks can be erased too).
boost::asio::awaitable<Response> HandleEraseClicks(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    auto found = co_await AccessibleLink(ctx, std::get<auth::Principal>(authz), slug, false);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    auto before = ParseEraseBefore(req);
    if (auto* r = std::get_if<Response>(&before)) co_return std::move(*r);
    const core::Link& link = std::get<core::Link>(found);
    const std::int64_t before_ms = std::get<std::int64_t>(before);
    const std::size_t erased = co_await ctx.retention->EraseClicks(link.id, core::FromUnixMillis(before_ms));
    json::object o{{"slug", link.slug},
                   {"before", core::FormatRfc3339(core::FromUnixMillis(before_ms))},
                   {"erased_clicks", erased}};
    Response r = Response::Json(200, json::serialize(o));
    r.cache_control = kNoStore;
    co_return r;
}

}  // namespace

void AddStatsRoutes(Router& router, HandlerContext& ctx) {
    if (ctx.stats == nullptr) return;
    router.Add({Method::kGet}, "/api/v1/stats", "stats_overview",
               [&ctx](const Request& req, const Params&) { return HandleOverview(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/links/{slug}/stats", "links_stats",
               [&ctx](const Request& req, const Params& p) { return HandleStats(ctx, req, p.Get("slug")); });
    router.Add({Method::kGet}, "/api/v1/links/{slug}/clicks", "links_clicks_export",
               [&ctx](const Request& req, const Params& p) { return HandleExport(ctx, req, p.Get("slug")); });
    if (ctx.retention == nullptr) return;
    router.Add({Method::kDelete}, "/api/v1/links/{slug}/clicks", "links_clicks_erase",
               [&ctx](const Request& req, const Params& p) { return HandleEraseClicks(ctx, req, p.Get("slug")); });
}

}  // namespace shortener::http
