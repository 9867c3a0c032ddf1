#include "cache/link_resolver.hpp"

#include <string>

namespace shortener::cache {

store::Task<TargetPtr> LinkResolver::Resolve(std::string_view slug) {
    auto now = std::chrono::steady_clock::now();
    auto hit = l1_.Get(slug, now);
    if (hit.kind == L1Cache::Kind::kHit) co_return hit.target;
    if (hit.kind == L1Cache::Kind::kNegative) co_return nullptr;
    if (l2_) {
        std::string key(slug);  // the view may not outlive the first suspension
        auto shared = co_await l2_->Get(key);
        if (shared.kind != LinkCache::Kind::kMiss) {
            l1_.Fill(key, shared.target, now, hit.generation);
            co_return shared.target;
        }
        auto link = co_await links_.FindBySlug(key);
        TargetPtr target;
        if (link) target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(*link));
        l1_.Fill(key, target, now, hit.generation);
        l2_->Fill(key, target);
        co_return target;
    }
    auto link = co_await links_.FindBySlug(slug);
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
