#pragma once
/// @file
/// @brief A click as captured on the redirect path: raw request facts only, bounded in size. Enrichment
/// (geo, device, visitor id) happens later, in the worker.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/link.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

namespace shortener::core {

/// A 128-bit UUIDv7 (time-ordered, so database indexes on it stay append-mostly). Unique per click;
/// storing a click is idempotent on it.
struct EventId {
    std::array<std::uint8_t, 16> bytes{};

    std::string ToString() const;  // canonical 8-4-4-4-12 lower-case hex
    static std::optional<EventId> Parse(std::string_view text) noexcept;
    friend bool operator==(const EventId&, const EventId&) = default;
};

/// Makes UUIDv7 event ids. Seeded once from a RandomSource; then a fast non-cryptographic generator, since
/// event ids must be unique, not secret. Not thread-safe: use one per thread.
class EventIdGenerator {
  public:
    explicit EventIdGenerator(RandomSource& seed_source) noexcept;
    EventId Next(TimePoint now) noexcept;

  private:
    std::uint64_t state_[4];
};

/// The raw facts of one click. Strings are cropped to their limits by Make(), so a hostile client cannot
/// make the queue hold large events.
struct ClickEvent {
    static constexpr std::size_t kMaxUserAgentLength = 512;
    static constexpr std::size_t kMaxRefererLength = 1024;
    static constexpr std::size_t kMaxLanguageLength = 128;
    static constexpr std::size_t kMaxQueryLength = 512;
    static constexpr std::size_t kMaxClientHintLength = 64;
    static constexpr std::size_t kMaxAddressLength = 45;  // longest textual IPv6 form
    static constexpr std::size_t kMaxRouteLength = 16;
    static constexpr std::size_t kMaxDestinationLength = 4096;  // the URL policy's default maximum

    EventId id;
    LinkId link_id = 0;
    TimePoint at{};
    std::string client_address;  // kept in memory only; never stored or logged
    std::string user_agent;
    std::string referer;
    std::string accept_language;
    std::string query;           // the short link's query string, for UTM parameters
    std::string ch_ua_mobile;    // Sec-CH-UA-Mobile
    std::string ch_ua_platform;  // Sec-CH-UA-Platform
    bool head_request = false;   // HEAD: link checkers and previews, never a person
    bool do_not_track = false;   // DNT: 1 or Sec-GPC: 1 (SHORTENER_DNT decides what it changes)
    std::string link_query;      // the served destination's query when it has utm_* (the visit's query wins)
    bool preview = false;        // answered with the social preview page: a bot click, bot_reason "preview"
    // Links with rules, targeting or a split (issue #17): what chose the destination (core::RouteLabel: "rule:N",
    // "variant:N", "targeting", "url") and the URL served (before any forwarded query). Empty for plain links.
    std::string route;
    std::string destination;

    struct Fields {
        std::string_view client_address = {};
        std::string_view user_agent = {};
        std::string_view referer = {};
        std::string_view accept_language = {};
        std::string_view query = {};
        std::string_view ch_ua_mobile = {};
        std::string_view ch_ua_platform = {};
        bool head_request = false;
        bool do_not_track = false;
        std::string_view link_query = {};
        bool preview = false;
        std::string_view route = {};
        std::string_view destination = {};
    };
    static ClickEvent Make(EventId id, LinkId link_id, TimePoint at, const Fields& fields);
};

/// The query of a destination URL (between '?' and '#') when it holds a utm_ parameter, else "": what a click
/// carries as `link_query`. Costs a search of the URL; no allocation.
std::string_view UtmQueryOf(std::string_view url) noexcept;

}  // namespace shortener::core
