#include "live/broadcaster.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <map>

namespace shortener::live {

struct Subscription::State {
    State(core::LinkId l, boost::asio::any_io_executor ex) : link(l), executor(std::move(ex)), timer(executor) {}
    core::LinkId link;
    boost::asio::any_io_executor executor;
    boost::asio::steady_timer timer;  // touched on `executor` only
    std::mutex mutex;
    std::deque<LiveEvent> queue;
    bool dropped = false;
    bool wake_pending = false;
};

Subscription::~Subscription() { hub_->Remove(state_); }

boost::asio::awaitable<std::optional<std::vector<LiveEvent>>> Subscription::Next(std::chrono::milliseconds timeout) {
    auto take = [&]() -> std::optional<std::optional<std::vector<LiveEvent>>> {
        std::lock_guard lock(state_->mutex);
        if (state_->dropped) return std::optional<std::vector<LiveEvent>>{};
        if (state_->queue.empty()) return std::nullopt;
        std::vector<LiveEvent> out(std::make_move_iterator(state_->queue.begin()),
                                   std::make_move_iterator(state_->queue.end()));
        state_->queue.clear();
        return std::optional<std::vector<LiveEvent>>(std::move(out));
    };
    if (auto r = take()) co_return *r;
    // Deliver posts a cancel of this timer to our executor; it cannot run between the check above and
    // the wait below (same executor), and a wake that ran earlier left its event in the queue.
    state_->timer.expires_after(timeout);
    co_await state_->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (auto r = take()) co_return *r;
    co_return std::vector<LiveEvent>{};
}

std::unique_ptr<Subscription> LiveHub::Subscribe(core::LinkId link, boost::asio::any_io_executor executor) {
    auto state = std::make_shared<Subscription::State>(link, std::move(executor));
    std::lock_guard lock(mutex_);
    subscribers_[link].push_back(state);
    ++subscriber_count_;
    return std::unique_ptr<Subscription>(new Subscription(*this, std::move(state)));
}

void LiveHub::Remove(const std::shared_ptr<Subscription::State>& s) {
    std::lock_guard lock(mutex_);
    auto it = subscribers_.find(s->link);
    if (it == subscribers_.end()) return;
    auto& v = it->second;
    auto pos = std::find(v.begin(), v.end(), s);
    if (pos == v.end()) return;
    *pos = std::move(v.back());
    v.pop_back();
    --subscriber_count_;
    if (!v.empty()) return;
    subscribers_.erase(it);
    const auto now = std::chrono::steady_clock::now();
    left_[s->link] = now;
    if (left_.size() > options_.max_rings) {
        std::erase_if(left_, [&](const auto& kv) { return now - kv.second >= options_.resume_window; });
    }
}

bool LiveHub::Watched(core::LinkId link) const {
    std::lock_guard lock(mutex_);
    if (subscribers_.contains(0) || subscribers_.contains(link)) return true;
    const auto it = left_.find(link);
    return it != left_.end() && std::chrono::steady_clock::now() - it->second < options_.resume_window;
}

void LiveHub::Deliver(const LiveEvent& event) {
    std::vector<std::shared_ptr<Subscription::State>> wake;
    {
        std::lock_guard lock(mutex_);
        if (event.link_id != 0) {
            auto [it, inserted] = rings_.try_emplace(event.link_id);
            if (inserted) {
                ring_order_.push_back(event.link_id);
                if (ring_order_.size() > options_.max_rings) {
                    rings_.erase(ring_order_.front());
                    ring_order_.pop_front();
                }
            }
            auto r = rings_.find(event.link_id);
            if (r != rings_.end()) {
                r->second.push_back(event);
                if (r->second.size() > options_.ring_size) r->second.pop_front();
            }
        }
        for (core::LinkId key : {event.link_id, core::LinkId{0}}) {
            auto it = subscribers_.find(key);
            if (it == subscribers_.end()) continue;
            for (const auto& s : it->second) {
                std::lock_guard slock(s->mutex);
                if (s->dropped) continue;
                if (s->queue.size() >= options_.queue_capacity) {
                    // A slow subscriber is dropped, never buffered without bound.
                    s->dropped = true;
                    s->queue.clear();
                    ++dropped_;
                } else {
                    s->queue.push_back(event);
                }
                if (!s->wake_pending) {
                    s->wake_pending = true;
                    wake.push_back(s);
                }
            }
            if (event.link_id == 0) break;
        }
    }
    for (auto& s : wake) {
        boost::asio::post(s->executor, [s] {
            {
                std::lock_guard slock(s->mutex);
                s->wake_pending = false;
            }
            s->timer.cancel();
        });
    }
}

std::optional<std::vector<LiveEvent>> LiveHub::Since(core::LinkId link, std::int64_t last_id) const {
    std::lock_guard lock(mutex_);
    std::vector<LiveEvent> out;
    auto it = rings_.find(link);
    if (it == rings_.end()) return out;  // nothing recent; the caller compares with the current total
    for (const auto& e : it->second) {
        if (e.id <= last_id) continue;
        if (out.empty() && e.prev > last_id) return std::nullopt;         // older than the ring
        if (!out.empty() && e.prev > out.back().id) return std::nullopt;  // a gap
        out.push_back(e);
    }
    return out;
}

std::size_t LiveHub::Subscribers() const {
    std::lock_guard lock(mutex_);
    return subscriber_count_;
}

std::uint64_t LiveHub::Dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::string EncodeEvent(const LiveEvent& e) {
    return std::to_string(e.link_id) + "\n" + std::to_string(e.id) + "\n" + std::to_string(e.prev) + "\n" + e.data;
}

std::optional<LiveEvent> DecodeEvent(std::string_view text) {
    LiveEvent e;
    std::int64_t* fields[] = {&e.link_id, &e.id, &e.prev};
    for (auto* f : fields) {
        auto nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;
        auto [p, ec] = std::from_chars(text.data(), text.data() + nl, *f);
        if (ec != std::errc() || p != text.data() + nl) return std::nullopt;
        text.remove_prefix(nl + 1);
    }
    e.data = std::string(text);
    return e;
}

std::string BatchEventJson(core::LinkId link, std::string_view slug, std::int64_t total_clicks,
                           std::int64_t human_clicks, std::int64_t bot_clicks, std::int64_t unique_visitors,
                           std::span<const core::EnrichedClick* const> clicks) {
    namespace json = boost::json;
    json::object o;
    o["slug"] = slug;
    o["link_id"] = link;
    json::object totals;
    totals["clicks"] = total_clicks;
    totals["human_clicks"] = human_clicks;
    totals["bot_clicks"] = bot_clicks;
    totals["unique_visitors"] = unique_visitors;
    o["totals"] = std::move(totals);
    std::int64_t bots = 0;
    std::int64_t last_ms = 0;
    std::int64_t first_ms = INT64_MAX;
    std::map<std::string, std::map<std::string, std::int64_t>> dims;
    for (const core::EnrichedClick* c : clicks) {
        const auto& d = c->dimensions;
        bots += d.is_bot ? 1 : 0;
        last_ms = std::max(last_ms, core::ToUnixMillis(c->event.at));
        first_ms = std::min(first_ms, core::ToUnixMillis(c->event.at));
        ++dims["countries"][d.country_code];
        ++dims["cities"][d.city.empty() ? std::string() : d.country_code + "/" + d.city];
        ++dims["referrers"][d.referrer_host];
        ++dims["browsers"][d.browser];
        ++dims["os"][d.os];
        ++dims["devices"][d.device];
        ++dims["languages"][d.language];
    }
    json::object batch;
    batch["clicks"] = static_cast<std::int64_t>(clicks.size());
    batch["human_clicks"] = static_cast<std::int64_t>(clicks.size()) - bots;
    batch["bot_clicks"] = bots;
    batch["first_click_at"] = clicks.empty() ? 0 : first_ms;  // Unix ms: click-to-event latency at the subscriber
    batch["last_click_at"] = last_ms;
    for (auto& [name, values] : dims) {
        json::array a;
        for (auto& [k, n] : values) a.push_back(json::object{{"key", k}, {"clicks", n}});
        batch[name] = std::move(a);
    }
    o["batch"] = std::move(batch);
    return json::serialize(o);
}

}  // namespace shortener::live
