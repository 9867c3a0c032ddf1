#include "http/rate_limit/in_process_rate_limiter.hpp"

#include <algorithm>

namespace shortener::http {

struct InProcessRateLimiter::Shard {
    struct Entry {
        std::string key;
        TokenBucket bucket;
    };
    mutable std::mutex mutex;
    std::list<Entry> lru;                                                    // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru's keys
    std::size_t capacity = 1;
};

InProcessRateLimiter::InProcessRateLimiter(InProcessRateLimiterOptions options) : options_(std::move(options)) {
    if (!options_.now) {
        options_.now = [] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
        };
    }
    options_.shards = std::max<std::size_t>(1, options_.shards);
    const std::size_t per_shard = std::max<std::size_t>(1, options_.max_buckets / options_.shards);
    for (std::size_t i = 0; i < options_.shards; ++i) {
        auto shard = std::make_unique<Shard>();
        shard->capacity = per_shard;
        shards_.push_back(std::move(shard));
    }
}

InProcessRateLimiter::~InProcessRateLimiter() = default;

Task<RateDecision> InProcessRateLimiter::Take(std::string_view bucket, const RateLimit& limit) {
    co_return TakeNow(bucket, limit);
}

RateDecision InProcessRateLimiter::TakeNow(std::string_view key, const RateLimit& limit) {
    const double now = options_.now();
    Shard& shard = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.index.find(key); it != shard.index.end()) {
        shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
        return TakeToken(it->second->bucket, now, limit);
    }
    if (shard.index.size() >= shard.capacity) {
        // Forget the least recently used bucket. A flood of new keys only evicts idle buckets: every request
        // of an active client moves its own buckets to the front.
        shard.index.erase(shard.lru.back().key);
        shard.lru.pop_back();
    }
    shard.lru.push_front(Shard::Entry{std::string(key), TokenBucket{limit.burst, now}});
    shard.index.emplace(shard.lru.front().key, shard.lru.begin());
    return TakeToken(shard.lru.front().bucket, now, limit);
}

std::size_t InProcessRateLimiter::Size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        n += shard->index.size();
    }
    return n;
}

}  // namespace shortener::http
