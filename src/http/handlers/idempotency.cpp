// Idempotency-Key on the create endpoints (issue #15; docs/api-spec.md "Idempotency"). The key is claimed in the
// database before the request runs, so that concurrent retries, on any replica, create once; the answer is kept
// with it for 24 hours.

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "auth/credentials.hpp"
#include "http/error_response.hpp"
#include "http/handlers/link_create.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"

namespace shortener::http::links {
namespace {

using core::Errc;
using State = store::IdempotencyRecord::State;

constexpr std::size_t kMaxKeyLength = 255;
constexpr auto kKeyLifetime = std::chrono::hours(24);
// A claim this old without an answer belongs to a request that died (a crashed replica): a retry may take it over.
// Longer than any create can take (request timeout 10 s, bulk of 1,000 with passwords included).
constexpr auto kAbandonedAfter = std::chrono::minutes(2);
// How long a retry waits for the first request with its key to finish, and how often it looks.
constexpr auto kWaitForFirst = std::chrono::seconds(5);
constexpr auto kPollEvery = std::chrono::milliseconds(50);
// Expired keys go at most this often per process, piggybacking on a claim: no timer of its own.
constexpr std::int64_t kPurgeEveryMs = 60'000;

bool ValidKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxKeyLength) return false;
    return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Whose key it is: a user's keys are shared by their API keys and sessions (the same account retrying); anonymous
// callers are told apart by address, as their rate limits are.
std::string OwnerOf(const HandlerContext& ctx, const Request& req, const auth::Principal& p) {
    if (p.kind == auth::Principal::Kind::kTrusted) return "admin";
    if (p.authenticated()) return "u:" + std::to_string(p.user_id);
    return "a:" + ClientBucketKey(ResolvedClientAddress(req, ctx.trusted_proxies));
}

std::string RequestHash(const Request& req) {
    std::string text(req.path());
    text += '\n';
    text += req.body();
    return auth::Sha256Hex(text);
}

Response Replay(const store::IdempotencyRecord& record) {
    Response r = Response::Json(static_cast<unsigned>(record.status), record.body);
    if (!record.location.empty()) r.headers.emplace_back("Location", record.location);
    r.headers.emplace_back("Idempotent-Replayed", "true");
    return r;
}

std::string_view LocationOf(const Response& r) {
    for (const auto& [name, value] : r.headers) {
        if (IEquals(name, "location")) return value;
    }
    return {};
}

boost::asio::awaitable<void> PurgeNowAndThen(HandlerContext& ctx, core::TimePoint now) {
    static std::atomic<std::int64_t> next_purge_ms{0};
    const std::int64_t now_ms = core::ToUnixMillis(now);
    std::int64_t due = next_purge_ms.load();
    if (now_ms < due || !next_purge_ms.compare_exchange_strong(due, now_ms + kPurgeEveryMs)) co_return;
    co_await ctx.links.PurgeIdempotencyKeys(now);
}

// Claims the key, waiting while another request holds it. Returns the claim or the answer to give instead.
boost::asio::awaitable<std::optional<Response>> Claim(HandlerContext& ctx, const store::IdempotencyKey& key) {
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer(executor);
    const auto give_up = std::chrono::steady_clock::now() + kWaitForFirst;
    for (;;) {
        const core::TimePoint now = NowMillis(ctx.clock);
        const core::TimePoint stale_before = now - kAbandonedAfter;
        const core::TimePoint expires_at = now + kKeyLifetime;
        store::IdempotencyRecord record = co_await ctx.links.ClaimIdempotencyKey(key, now, stale_before, expires_at);
        if (record.state == State::kClaimed) {
            co_await PurgeNowAndThen(ctx, now);
            co_return std::nullopt;
        }
        if (record.request_hash != key.request_hash) co_return ErrorResponse(Errc::kIdempotencyKeyReused);
        if (record.state == State::kDone) co_return Replay(record);
        if (std::chrono::steady_clock::now() >= give_up) {
            Response r = ErrorResponse(Errc::kIdempotencyKeyInProgress);
            r.headers.emplace_back("Retry-After", "1");
            co_return r;
        }
        timer.expires_after(kPollEvery);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

}  // namespace

boost::asio::awaitable<Response> Idempotent(HandlerContext& ctx, const Request& req, const Creator& creator,
                                            std::function<boost::asio::awaitable<Response>()> create) {
    const std::vector<std::string_view> headers = req.Headers("idempotency-key");
    if (headers.empty()) co_return co_await create();
    if (headers.size() != 1 || !ValidKey(headers[0])) co_return ErrorResponse(Errc::kInvalidIdempotencyKey);
    const store::IdempotencyKey key{OwnerOf(ctx, req, creator.principal), std::string(headers[0]), RequestHash(req)};
    if (auto answer = co_await Claim(ctx, key)) co_return std::move(*answer);

    std::exception_ptr failed;
    Response response;
    try {
        response = co_await create();
    } catch (...) {
        failed = std::current_exception();
    }
    // A failure a retry may fix (a store down: 503) is not kept; anything else is the answer for good.
    if (failed || response.status >= 500) {
        co_await ctx.links.ReleaseIdempotencyKey(key);
        if (failed) std::rethrow_exception(failed);
        co_return response;
    }
    co_await ctx.links.FinishIdempotencyKey(key, static_cast<int>(response.status), response.body,
                                            LocationOf(response));
    co_return response;
}

}  // namespace shortener::http::links
