#include "cache/link_resolver.hpp"

namespace shortener::cache {

store::Task<TargetPtr> LinkResolver::Resolve(std::string_view slug) {
    auto now = std::chrono::steady_clock::now();
    auto hit = l1_.Get(slug, now);
    if (hit.kind == L1Cache::Kind::kHit) co_return hit.target;
    if (hit.kind == L1Cache::Kind::kNegative) co_return nullptr;
    auto link = co_await links_.FindBySlug(slug);
    TargetPtr target;
    if (link) target = std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(*link));
    l1_.Fill(slug, target, now, hit.generation);
    co_return target;
}

void LinkResolver::Warm(const core::Link& link) {
    l1_.Put(link.slug, std::make_shared<const core::RedirectTarget>(core::ToRedirectTarget(link)),
            std::chrono::steady_clock::now());
}

void LinkResolver::Invalidate(std::string_view slug) { l1_.Erase(slug); }

}  // namespace shortener::cache
