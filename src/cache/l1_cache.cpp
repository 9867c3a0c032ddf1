#include "cache/l1_cache.hpp"

#include <algorithm>
#include <functional>

namespace shortener::cache {

template <class V>
typename L1Cache::Lru<V>::Entry* L1Cache::Lru<V>::Find(std::string_view key) {
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    order.splice(order.begin(), order, it->second);
    return &*it->second;
}

template <class V>
void L1Cache::Lru<V>::Insert(std::string_view key, V value, SteadyTime expires) {
    if (capacity == 0) return;
    if (auto it = index.find(key); it != index.end()) {
        it->second->value = std::move(value);
        it->second->expires = expires;
        order.splice(order.begin(), order, it->second);
        return;
    }
    if (index.size() >= capacity) {
        index.erase(order.back().key);
        order.pop_back();
    }
    order.push_front(Entry{std::string(key), std::move(value), expires});
    index.emplace(order.front().key, order.begin());
}

template <class V>
void L1Cache::Lru<V>::Erase(std::string_view key) {
    if (auto it = index.find(key); it != index.end()) {
        order.erase(it->second);
        index.erase(it);
    }
}

template <class V>
void L1Cache::Lru<V>::Clear() {
    index.clear();
    order.clear();
}

L1Cache::L1Cache(const L1Options& options) : options_(options), shards_(std::max<std::size_t>(1, options.shards)) {
    const std::size_t n = shards_.size();
    for (auto& shard : shards_) {
        // Round up, so that a small capacity still caches something in every shard.
        shard.positive.capacity = (options_.capacity + n - 1) / n;
        shard.negative.capacity = (options_.negative_capacity + n - 1) / n;
    }
}

L1Cache::Shard& L1Cache::ShardFor(std::string_view slug) {
    return shards_[std::hash<std::string_view>{}(slug) % shards_.size()];
}

L1Cache::Lookup L1Cache::Get(std::string_view slug, SteadyTime now) {
    Shard& shard = ShardFor(slug);
    std::lock_guard lock(shard.mutex);
    if (auto* e = shard.positive.Find(slug)) {
        const Cached& c = e->value;
        if (e->expires > now && c.epoch == shard.epoch) return {Kind::kHit, c.target};
        // Needs revalidation: kept for stale-if-error while recently confirmed, else forgotten.
        if (now - c.confirmed < options_.stale_if_error) return {Kind::kStale, c.target, shard.generation};
        shard.positive.Erase(slug);
    } else if (auto* n = shard.negative.Find(slug)) {
        if (n->expires > now) return {Kind::kNegative, nullptr};
        shard.negative.Erase(slug);
    }
    return {Kind::kMiss, nullptr, shard.generation};
}

void L1Cache::StorePositive(Shard& shard, std::string_view slug, TargetPtr target, SteadyTime now) {
    shard.negative.Erase(slug);
    shard.positive.Insert(slug, Cached{std::move(target), now, shard.epoch}, now + options_.ttl);
}

void L1Cache::Fill(std::string_view slug, TargetPtr target, SteadyTime now, std::uint64_t generation) {
    Shard& shard = ShardFor(slug);
    std::lock_guard lock(shard.mutex);
    if (shard.generation != generation) return;
    if (target) {
        StorePositive(shard, slug, std::move(target), now);
    } else {
        shard.positive.Erase(slug);
        shard.negative.Insert(slug, Empty{}, now + options_.negative_ttl);
    }
}

void L1Cache::Put(std::string_view slug, TargetPtr target, SteadyTime now) {
    Shard& shard = ShardFor(slug);
    std::lock_guard lock(shard.mutex);
    ++shard.generation;
    StorePositive(shard, slug, std::move(target), now);
}

void L1Cache::PutNegative(std::string_view slug, SteadyTime now) {
    Shard& shard = ShardFor(slug);
    std::lock_guard lock(shard.mutex);
    shard.positive.Erase(slug);
    shard.negative.Insert(slug, Empty{}, now + options_.negative_ttl);
}

void L1Cache::Erase(std::string_view slug) {
    Shard& shard = ShardFor(slug);
    std::lock_guard lock(shard.mutex);
    ++shard.generation;
    shard.positive.Erase(slug);
    shard.negative.Erase(slug);
}

void L1Cache::Clear() {
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        ++shard.generation;
        shard.positive.Clear();
        shard.negative.Clear();
    }
}

void L1Cache::MarkAllStale() {
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        ++shard.generation;
        ++shard.epoch;
        // Unknown slugs may have been created meanwhile; these entries are cheap to lose.
        shard.negative.Clear();
    }
}

std::size_t L1Cache::Size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        n += shard.positive.index.size();
    }
    return n;
}

std::size_t L1Cache::NegativeSize() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        n += shard.negative.index.size();
    }
    return n;
}

}  // namespace shortener::cache
