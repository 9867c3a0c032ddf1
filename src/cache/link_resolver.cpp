#include "cache/link_resolver.hpp"

#include <string>

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
      l2_hit(Lookups(r, "l2", "hit")),
      l2_miss(Lookups(r, "l2", "miss")),
      store_found(Lookups(r, "store", "found")),
      store_not_found(Lookups(r, "store", "not_found")) {}

store::Task<TargetPtr> LinkResolver::Resolve(std::string_view slug) {
    auto now = std::chrono::steady_clock::now();
    auto hit = l1_.Get(slug, now);
    if (hit.kind == L1Cache::Kind::kHit) {
        if (probe_) probe_->l1_hit.Inc();
        co_return hit.target;
    }
    if (hit.kind == L1Cache::Kind::kNegative) {
        if (probe_) probe_->l1_negative.Inc();
        co_return nullptr;
    }
    if (probe_) probe_->l1_miss.Inc();
    if (l2_) {
        std::string key(slug);  // the view may not outlive the first suspension
        auto shared = co_await l2_->Get(key);
        if (shared.kind != LinkCache::Kind::kMiss) {
            if (probe_) probe_->l2_hit.Inc();
            l1_.Fill(key, shared.target, now, hit.generation);
            co_return shared.target;
        }
        if (probe_) probe_->l2_miss.Inc();
        auto link = co_await links_.FindBySlug(key);
        if (probe_) (link ? probe_->store_found : probe_->store_not_found).Inc();
        TargetPtr target;
        if (link) target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(*link));
        l1_.Fill(key, target, now, hit.generation);
        l2_->Fill(key, target);
        co_return target;
    }
    auto link = co_await links_.FindBySlug(slug);
    if (probe_) (link ? probe_->store_found : probe_->store_not_found).Inc();
    TargetPtr target;
    if (link) target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(*link));
    l1_.Fill(slug, target, now, hit.generation);
    co_return target;
}

void LinkResolver::Warm(const core::Link& link) {
    auto target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(link));
    l1_.Put(link.slug, target, std::chrono::steady_clock::now());
    if (l2_) l2_->Put(link.slug, target);
}

void LinkResolver::Invalidate(std::string_view slug) {
    l1_.Erase(slug);
    if (l2_) l2_->Invalidate(slug);
}

}  // namespace shortener::cache
