#include "core/link.hpp"

#include <algorithm>
#include <set>

namespace shortener::core {

std::optional<RedirectType> RedirectTypeFromInt(std::int64_t code) noexcept {
    switch (code) {
        case 301:
            return RedirectType::k301;
        case 302:
            return RedirectType::k302;
        case 307:
            return RedirectType::k307;
        case 308:
            return RedirectType::k308;
        default:
            return std::nullopt;
    }
}

RedirectTarget ToRedirectTarget(const Link& link) {
    RedirectTarget t;
    t.id = link.id;
    t.long_url = link.long_url;
    t.redirect_type = link.redirect_type;
    t.expires_at = link.expires_at;
    t.max_clicks = link.max_clicks;
    t.deleted = link.deleted_at.has_value();
    t.disabled = link.disabled;
    t.forward_query = link.forward_query;
    t.expired_url = link.expired_url;
    t.password_hash = link.password_hash;
    t.targeting = link.targeting;
    if (!link.preview.Empty()) t.preview = std::make_shared<const SocialPreview>(link.preview);
    t.rules = EffectiveRules(link.rules, link.targeting);
    t.split = link.split;
    return t;
}

Link StoredLink(LinkId id, const NewLink& link) {
    Link stored;
    stored.id = id;
    stored.slug = link.slug;
    stored.long_url = link.long_url;
    stored.created_at = stored.updated_at = link.created_at;
    stored.expires_at = link.expires_at;
    stored.max_clicks = link.max_clicks;
    stored.redirect_type = link.redirect_type;
    stored.tags = link.tags;
    stored.owner_id = link.owner_id;
    stored.stats_token_hash = link.stats_token_hash;
    stored.disabled = link.disabled;
    stored.expired_url = link.expired_url;
    stored.forward_query = link.forward_query;
    stored.password_hash = link.password_hash;
    stored.targeting = link.targeting;
    stored.rules = link.rules;
    stored.split = link.split;
    stored.imported_clicks = link.imported_clicks;
    stored.preview = link.preview;
    return stored;
}

Result<void> CheckExpiresAt(TimePoint expires_at, TimePoint now) {
    if (expires_at <= now) return make_error_code(Errc::kInvalidExpiry);
    return {};
}

Result<void> CheckMaxClicks(std::int64_t max_clicks) {
    if (max_clicks < 1 || max_clicks > kMaxClicksLimit) return make_error_code(Errc::kInvalidMaxClicks);
    return {};
}

Result<void> CheckLinkPassword(std::string_view password) {
    if (password.empty() || password.size() > kMaxLinkPasswordLength) return make_error_code(Errc::kInvalidPassword);
    return {};
}

Result<void> CheckFollowable(const RedirectTarget& target, TimePoint now) {
    if (target.deleted) return make_error_code(Errc::kGone);
    if (target.disabled) return make_error_code(Errc::kLinkDisabled);
    if (target.expires_at && *target.expires_at <= now) return make_error_code(Errc::kGone);
    return {};
}

Result<void> CheckPreviewText(std::string_view text, std::size_t max_length) {
    if (text.size() > max_length) return make_error_code(Errc::kInvalidPreview);
    if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        return make_error_code(Errc::kInvalidPreview);
    }
    return {};
}

Result<void> CheckTags(const std::vector<std::string>& tags) {
    if (tags.size() > kMaxTags) return make_error_code(Errc::kInvalidTags);
    std::set<std::string_view> seen;
    for (const auto& tag : tags) {
        if (tag.empty() || tag.size() > kMaxTagLength) return make_error_code(Errc::kInvalidTags);
        if (std::any_of(tag.begin(), tag.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
            return make_error_code(Errc::kInvalidTags);
        }
        if (!seen.insert(tag).second) return make_error_code(Errc::kInvalidTags);
    }
    return {};
}

}  // namespace shortener::core
