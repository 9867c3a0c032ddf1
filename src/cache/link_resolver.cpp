#include "cache/link_resolver.hpp"

#include <exception>
#include <string>

#include "core/errc.hpp"

namespace shortener::cache {
namespace {

metrics::Counter& Lookups(metrics::Registry& r, const char* level, const char* result) {
    return r.AddCounter("shortener_cache_lookups_total", "Slug lookups by the level that answered them.",
                        std::string("level=\"") + level + "\",result=\"" + result + "\"");
}

}  // namespace

CacheProbe::CacheProbe(metrics::Registry& r)
    : l1_hit(Lookups(r, "l1", "hit")),
      l1_negative(Lookups(r, "l1", "negative")),
      l1_miss(Lookups(r, "l1", "miss")),
      l1_stale(Lookups(r, "l1", "stale")),
      stale_served(r.AddCounter("shortener_stale_redirects_total",
                                "Links answered from an L1 entry that could not be revalidated because the "
                                "store was unreachable (stale-if-error).")),
      l2_hit(Lookups(r, "l2", "hit")),
      l2_miss(Lookups(r, "l2", "miss")),
      store_found(Lookups(r, "store", "found")),
      store_not_found(Lookups(r, "store", "not_found")) {}

store::Task<TargetPtr> LinkResolver::Resolve(std::string_view slug) {
    const auto now = now_();
    auto hit = l1_.Get(slug, now);
    if (hit.kind == L1Cache::Kind::kHit) {
        if (probe_) probe_->l1_hit.Inc();
        co_return hit.target;
    }
    if (hit.kind == L1Cache::Kind::kNegative) {
        if (probe_) probe_->l1_negative.Inc();
        co_return nullptr;
    }
    if (probe_) (hit.kind == L1Cache::Kind::kStale ? probe_->l1_stale : probe_->l1_miss).Inc();
    if (hit.kind == L1Cache::Kind::kStale &&
        now.time_since_epoch().count() < retry_stores_at_.load(std::memory_order_relaxed)) {
        if (probe_) probe_->stale_served.Inc();
        co_return hit.target;  // the stores failed less than kRetryStoresAfter ago
    }
    std::string key(slug);  // the view may not outlive the first suspension
    std::exception_ptr error;
    try {
        co_return co_await Fetch(key, now, hit.generation);
    } catch (const core::BackendUnavailable&) {
        error = std::current_exception();
    }
    retry_stores_at_.store((now + kRetryStoresAfter).time_since_epoch().count(), std::memory_order_relaxed);
    if (auto stale = StaleOrNull(key, now)) co_return stale;
    std::rethrow_exception(error);
}

TargetPtr LinkResolver::StaleOrNull(std::string_view slug, SteadyTime now) {
    // Asked again rather than reusing the first lookup: an invalidation that arrived meanwhile has erased
    // the entry, and must win.
    auto again = l1_.Get(slug, now);
    if (again.kind == L1Cache::Kind::kHit) return again.target;  // another request revalidated it
    if (again.kind != L1Cache::Kind::kStale) return nullptr;
    if (probe_) probe_->stale_served.Inc();
    return again.target;
}

store::Task<TargetPtr> LinkResolver::Fetch(std::string key, SteadyTime now, std::uint64_t generation) {
    if (l2_) {
        auto shared = co_await l2_->Get(key);
        if (shared.kind != LinkCache::Kind::kMiss) {
            if (probe_) probe_->l2_hit.Inc();
            l1_.Fill(key, shared.target, now, generation);
            co_return shared.target;
        }
        if (probe_) probe_->l2_miss.Inc();
    }
    auto link = co_await links_.FindBySlug(key);
    if (probe_) (link ? probe_->store_found : probe_->store_not_found).Inc();
    TargetPtr target;
    if (link) target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(*link));
    l1_.Fill(key, target, now, generation);
    if (l2_) l2_->Fill(key, target);
    co_return target;
}

void LinkResolver::Warm(const core::Link& link) {
    auto target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(link));
    l1_.Put(link.slug, target, now_());
    if (l2_) l2_->Put(link.slug, target);
}

void LinkResolver::Invalidate(std::string_view slug) {
    l1_.Erase(slug);
    if (l2_) l2_->Invalidate(slug);
}

}  // namespace shortener::cache
