#pragma once
/// @file
/// @brief The link: a slug that redirects to a long URL, with its optional limits.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/time.hpp"

namespace shortener::core {

using LinkId = std::int64_t;

/// HTTP status used for the redirect. 302 is the default so that every visit reaches the server.
enum class RedirectType : std::uint16_t { k301 = 301, k302 = 302, k307 = 307, k308 = 308 };

std::optional<RedirectType> RedirectTypeFromInt(std::int64_t code) noexcept;

inline constexpr std::size_t kMaxTags = 20;
inline constexpr std::size_t kMaxTagLength = 64;

/// A stored link as the API shows it.
struct Link {
    LinkId id = 0;
    std::string slug;
    std::string long_url;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    RedirectType redirect_type = RedirectType::k302;
    std::vector<std::string> tags;
    std::optional<TimePoint> deleted_at;
    std::int64_t clicks = 0;  // recorded clicks (the click queue may hold a few more not yet written)
};

/// What a new link needs; `slug` empty means "generate one".
struct NewLink {
    std::string slug;
    std::string long_url;
    TimePoint created_at{};
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    RedirectType redirect_type = RedirectType::k302;
    std::vector<std::string> tags;
};

/// A partial update; absent members stay as they are. `clear_*` removes an optional value.
struct LinkPatch {
    std::optional<std::string> long_url;
    std::optional<TimePoint> expires_at;
    bool clear_expires_at = false;
    std::optional<std::int64_t> max_clicks;
    bool clear_max_clicks = false;
    std::optional<RedirectType> redirect_type;
    std::optional<std::vector<std::string>> tags;
    TimePoint updated_at{};
};

/// Everything the redirect path needs, small and immutable so caches can share it between threads.
struct RedirectTarget {
    LinkId id = 0;
    std::string long_url;
    RedirectType redirect_type = RedirectType::k302;
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    bool deleted = false;
};

RedirectTarget ToRedirectTarget(const Link& link);

/// The link a store holds right after inserting `link` under `id` (no clicks, not updated yet).
Link StoredLink(LinkId id, const NewLink& link);

/// Whether the link may be followed at `now`: kGone once deleted or expired. The click limit is checked by
/// the store, which counts exactly.
Result<void> CheckFollowable(const RedirectTarget& target, TimePoint now);

/// Tag rules: at most kMaxTags, each 1..kMaxTagLength bytes of printable UTF-8, no duplicates.
Result<void> CheckTags(const std::vector<std::string>& tags);

}  // namespace shortener::core
