#pragma once
/// @file
/// @brief Live updates: the worker publishes one event per link per committed batch; every API instance
/// fans events out to its own subscribers (SSE). Adapters: InProcessBroadcaster (embedded mode) and
/// RedisBroadcaster (distributed mode: Redis pub/sub, live/redis_pubsub/).
///
/// Event ids: a link's event id is the link's total clicks after the batch, and `prev` its total before,
/// so ids are the same on every replica and a gap is visible (prev of the next event != last id seen).
/// Each instance keeps a bounded ring of recent events per link (LiveHub), from which a reconnecting
/// client resumes after `Last-Event-ID`; an id older than the ring (or a gap) gets a fresh snapshot
/// instead, which carries the current totals: no count is ever lost, though the per-click dimensions of
/// the missed batches are.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/enriched_click.hpp"
#include "core/link.hpp"

namespace shortener::live {

struct LiveEvent {
    core::LinkId link_id = 0;
    std::int64_t id = 0;    // the link's total clicks after the batch
    std::int64_t prev = 0;  // the link's total clicks before it
    std::string data;       // JSON
};

/// Encodes/decodes an event for transport (one line of text per field; data last).
std::string EncodeEvent(const LiveEvent& e);
std::optional<LiveEvent> DecodeEvent(std::string_view text);

/// The JSON body of a batch event: new totals and the dimensions of the batch's clicks of this link.
std::string BatchEventJson(core::LinkId link, std::string_view slug, std::int64_t total_clicks,
                           std::int64_t human_clicks, std::int64_t bot_clicks, std::int64_t unique_visitors,
                           std::span<const core::EnrichedClick* const> clicks);

class LiveHub;

/// One subscriber's bounded queue. Created by LiveHub::Subscribe; unsubscribes when destroyed.
class Subscription {
  public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    /// Waits up to `timeout` for events (on the executor given to Subscribe); returns those queued,
    /// possibly none. nullopt once the subscriber was dropped because its queue overflowed.
    boost::asio::awaitable<std::optional<std::vector<LiveEvent>>> Next(std::chrono::milliseconds timeout);

    struct State;

  private:
    friend class LiveHub;
    Subscription(LiveHub& hub, std::shared_ptr<State> state) : hub_(&hub), state_(std::move(state)) {}
    LiveHub* hub_;
    std::shared_ptr<State> state_;
};

struct HubOptions {
    std::size_t queue_capacity = 256;  // events a subscriber may have pending before it is dropped
    std::size_t ring_size = 128;       // recent events kept per link, for Last-Event-ID resume
    std::size_t max_rings = 10'000;    // links with a ring; the oldest ring is forgotten beyond this
    // How long a link stays watched after its last subscriber left: a client that reconnects within it
    // resumes from the ring (Last-Event-ID); later, it gets a snapshot.
    std::chrono::milliseconds resume_window = std::chrono::minutes(10);
};

/// Fan-out to this instance's subscribers. Thread-safe: Deliver from any thread; a subscriber's waits
/// run on its own executor. Never blocks on a subscriber.
class LiveHub {
  public:
    explicit LiveHub(HubOptions options = {}) : options_(options) {}

    /// Subscribes to one link's events, or with link 0 to every link's (the overview stream).
    std::unique_ptr<Subscription> Subscribe(core::LinkId link, boost::asio::any_io_executor executor);

    /// Hands an event to the link's subscribers and the overview subscribers, and keeps it in the ring.
    void Deliver(const LiveEvent& event);

    /// Events of `link` after `last_id` from the ring, if the ring covers everything after it (nullopt:
    /// too old or a gap; re-snapshot).
    std::optional<std::vector<LiveEvent>> Since(core::LinkId link, std::int64_t last_id) const;

    std::size_t Subscribers() const;
    std::uint64_t Dropped() const;
    /// Whether an event of `link` can reach anybody: an overview subscriber, a subscriber of the link, or one
    /// that left it less than `resume_window` ago (its resume needs the ring).
    bool Watched(core::LinkId link) const;

  private:
    friend class Subscription;
    void Remove(const std::shared_ptr<Subscription::State>& s);

    HubOptions options_;
    mutable std::mutex mutex_;
    std::unordered_map<core::LinkId, std::vector<std::shared_ptr<Subscription::State>>> subscribers_;
    std::unordered_map<core::LinkId, std::deque<LiveEvent>> rings_;
    std::deque<core::LinkId> ring_order_;
    std::unordered_map<core::LinkId, std::chrono::steady_clock::time_point> left_;  // last subscriber left then
    std::size_t subscriber_count_ = 0;
    std::uint64_t dropped_ = 0;
};

/// Where the worker publishes and API instances subscribe. Thread-safe.
class Broadcaster {
  public:
    virtual ~Broadcaster() = default;
    /// Publishes without waiting (best effort: a lost event is repaired by the next snapshot).
    virtual void Publish(LiveEvent event) = 0;
    /// This instance's subscribers.
    virtual LiveHub& hub() = 0;
    /// Whether an event of `link` may reach anybody (LiveHub::Watched). False lets the worker skip building
    /// events nobody watches. Distributed: always true, the subscribers are in other processes.
    virtual bool Watched(core::LinkId /*link*/) { return true; }
};

/// Embedded mode: Publish delivers straight to the hub.
class InProcessBroadcaster final : public Broadcaster {
  public:
    explicit InProcessBroadcaster(HubOptions options = {}) : hub_(options) {}
    void Publish(LiveEvent event) override { hub_.Deliver(event); }
    LiveHub& hub() override { return hub_; }
    bool Watched(core::LinkId link) override { return hub_.Watched(link); }

  private:
    LiveHub hub_;
};

}  // namespace shortener::live
