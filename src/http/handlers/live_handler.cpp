// Live updates over Server-Sent Events: GET /api/v1/links/{slug}/live and GET /api/v1/live (every link).
// A `snapshot` event with the current totals first (or, with Last-Event-ID, the missed events from the
// hub's ring), then one `clicks` event per committed batch, a heartbeat comment every 15 s. The event id
// of a link's events is its total clicks (live/broadcaster.hpp).

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <unordered_map>

#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"

namespace shortener::http {
namespace {

using core::Errc;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr auto kHeartbeat = std::chrono::seconds(15);
// A producer must notice a closed stream within about a second (request.hpp).
constexpr auto kPoll = std::chrono::milliseconds(1000);

std::string SseEvent(std::string_view event, std::string_view id, std::string_view data) {
    std::string out;
    out.reserve(data.size() + 48);
    out += "id: ";
    out += id;
    out += "\nevent: ";
    out += event;
    out += "\ndata: ";
    out += data;  // JSON has no raw newlines
    out += "\n\n";
    return out;
}

std::string SnapshotJson(const store::LinkTotals& t) {
    json::object o{{"slug", t.slug}, {"link_id", t.link_id}};
    o["totals"] = json::object{{"clicks", t.clicks},
                               {"human_clicks", t.human_clicks},
                               {"bot_clicks", t.bot_clicks},
                               {"unique_visitors", t.unique_visitors}};
    return json::serialize(o);
}

std::optional<std::int64_t> ParseId(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

// The links of one owner, for a non-admin's overview stream: which link ids are theirs, looked up once per
// link seen (by the slug in the event) and remembered for the stream's life.
class OwnedLinks {
  public:
    OwnedLinks(HandlerContext& ctx, std::int64_t owner) : ctx_(ctx), owner_(owner) {}

    boost::asio::awaitable<bool> Owns(const live::LiveEvent& e) {
        if (auto it = known_.find(e.link_id); it != known_.end()) co_return it->second;
        std::string slug;
        boost::system::error_code ec;
        json::value v = json::parse(e.data, ec);
        if (!ec && v.is_object()) {
            if (auto* s = v.as_object().if_contains("slug"); s && s->is_string()) slug = std::string(s->as_string());
        }
        bool owned = false;
        if (!slug.empty()) {
            std::optional<core::Link> link = co_await ctx_.links.FindBySlug(slug);
            owned = link && link->id == e.link_id && link->owner_id && *link->owner_id == owner_;
        }
        if (known_.size() >= kMaxKnown) known_.clear();  // bounded: a busy server has many links
        known_.emplace(e.link_id, owned);
        co_return owned;
    }

  private:
    static constexpr std::size_t kMaxKnown = 10'000;
    HandlerContext& ctx_;
    std::int64_t owner_;
    std::unordered_map<core::LinkId, bool> known_;
};

// Sends events until the client leaves, the server stops, or the subscriber is dropped as too slow. With
// `only`, overview events of other owners' links are left out.
boost::asio::awaitable<void> Pump(ResponseStream& out, live::Subscription& sub, std::int64_t last_id, bool per_link,
                                  std::uint64_t seq, OwnedLinks* only = nullptr) {
    auto last_write = Clock::now();
    while (out.open()) {
        std::optional<std::vector<live::LiveEvent>> events = co_await sub.Next(kPoll);
        if (!events) {
            co_await out.Write("event: dropped\ndata: {\"reason\":\"too slow\"}\n\n");
            co_return;
        }
        std::string chunk;
        for (const auto& e : *events) {
            if (per_link) {
                if (e.id <= last_id) continue;  // already in the snapshot or the replay
                last_id = e.id;
                chunk += SseEvent("clicks", std::to_string(e.id), e.data);
            } else {
                if (only != nullptr) {
                    const bool mine = co_await only->Owns(e);
                    if (!mine) continue;
                }
                chunk += SseEvent("clicks", std::to_string(++seq), e.data);
            }
        }
        if (chunk.empty() && Clock::now() - last_write >= kHeartbeat) chunk = ": heartbeat\n\n";
        if (chunk.empty()) continue;
        if (!co_await out.Write(chunk)) co_return;
        last_write = Clock::now();
    }
}

boost::asio::awaitable<void> LinkStream(ResponseStream& out, HandlerContext* ctx, core::LinkId link,
                                        std::optional<std::int64_t> last_event_id) {
    auto executor = co_await boost::asio::this_coro::executor;
    // Subscribe before reading the totals: nothing committed after the read can be missed.
    auto sub = ctx->live->hub().Subscribe(link, executor);
    store::LinkTotals totals = co_await ctx->stats->Totals(link);
    std::string first = "retry: 2000\n\n";
    std::int64_t last_id = totals.clicks;
    bool snapshot = true;
    if (last_event_id) {
        auto missed = ctx->live->hub().Since(link, *last_event_id);
        if (missed && (!missed->empty() || *last_event_id == totals.clicks)) {
            snapshot = false;
            last_id = *last_event_id;
            for (const auto& e : *missed) {
                first += SseEvent("clicks", std::to_string(e.id), e.data);
                last_id = e.id;
            }
        }
    }
    if (snapshot) first += SseEvent("snapshot", std::to_string(totals.clicks), SnapshotJson(totals));
    if (!co_await out.Write(first)) co_return;
    co_await Pump(out, *sub, last_id, true, 0);
}

boost::asio::awaitable<void> OverviewStream(ResponseStream& out, HandlerContext* ctx,
                                            std::optional<std::int64_t> owner) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto sub = ctx->live->hub().Subscribe(0, executor);
    const store::MsRange all_time{0, std::int64_t{1} << 50};
    std::vector<store::LinkTotals> rows = co_await ctx->stats->TopLinks(all_time, true, 10, owner);
    json::array top;
    for (std::size_t i = 1; i < rows.size(); ++i) top.push_back(json::parse(SnapshotJson(rows[i])));
    json::object o{{"top_links", std::move(top)}};
    o["totals"] = json::object{{"clicks", rows[0].clicks},
                               {"human_clicks", rows[0].human_clicks},
                               {"bot_clicks", rows[0].bot_clicks},
                               {"unique_visitors", rows[0].unique_visitors}};
    // Overview ids count events on this connection only: a reconnect gets a fresh snapshot.
    if (!co_await out.Write("retry: 2000\n\n" + SseEvent("snapshot", "0", json::serialize(o)))) co_return;
    std::optional<OwnedLinks> only;
    if (owner) only.emplace(*ctx, *owner);
    co_await Pump(out, *sub, 0, false, 0, only ? &*only : nullptr);
}

Response SseResponse() {
    Response r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.cache_control = "no-cache, no-store";
    r.headers.emplace_back("X-Accel-Buffering", "no");
    return r;
}

boost::asio::awaitable<Response> HandleLinkLive(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto found = co_await AuthorizeLinkStats(ctx, req, slug);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    const core::Link* link = &std::get<core::Link>(found);
    std::optional<std::int64_t> last = ParseId(req.Header("last-event-id"));
    if (!last) {
        if (auto q = req.QueryParam("last_event_id")) last = ParseId(*q);  // for clients that cannot set headers
    }
    Response r = SseResponse();
    HandlerContext* c = &ctx;
    r.stream = [c, id = link->id, last](ResponseStream& out) { return LinkStream(out, c, id, last); };
    co_return r;
}

boost::asio::awaitable<Response> HandleOverviewLive(HandlerContext& ctx, const Request& req) {
    auto scope = co_await AuthorizeOverview(ctx, req);
    if (auto* denied = std::get_if<Response>(&scope)) co_return std::move(*denied);
    Response r = SseResponse();
    HandlerContext* c = &ctx;
    r.stream = [c, owner = std::get<OverviewScope>(scope).owner](ResponseStream& out) {
        return OverviewStream(out, c, owner);
    };
    co_return r;
}

}  // namespace

void AddLiveRoutes(Router& router, HandlerContext& ctx) {
    if (ctx.stats == nullptr || ctx.live == nullptr) return;
    router.Add({Method::kGet}, "/api/v1/live", "live_overview",
               [&ctx](const Request& req, const Params&) { return HandleOverviewLive(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/links/{slug}/live", "links_live",
               [&ctx](const Request& req, const Params& p) { return HandleLinkLive(ctx, req, p.Get("slug")); });
}

}  // namespace shortener::http
