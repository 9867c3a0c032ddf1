#pragma once
/// @file
/// @brief Click facets: how the per-dimension day counts are stored (issue #18), shared by both click stores
/// (writing) and both stats stores (reading).
///
/// A click used to add one row per dimension (ten upserts per click). Dimensions that come from one source
/// are now stored together, one row per distinct combination, so a click adds four rows:
///
///   facet      value                                      breakdowns derived from it
///   geo        country \x1f region \x1f city              country, region ("CC/region"), city ("CC/city")
///   agent      browser \x1f os \x1f device                browser, os, device
///   referrer   host ' ' class  (" direct": no referrer)   referrer, referrer_host, referrer_class
///   language   language                                   language
///   utm        source \x1f medium \x1f campaign \x1f        utm_source, utm_medium, utm_campaign, utm_term,
///              term \x1f content (lower-case)                utm_content (issue #17; only clicks with a UTM
///                                                           parameter add a row: UtmFacetValue)
///   destination  route ' ' URL  (only links with rules, targeting or a split; issue #17)    destination
///
/// Unknown parts are "". The stats stores fetch a link's facet rows for a day range, summed per value, and
/// TopFromFacets derives every breakdown (kDimensions) from them.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/enriched_click.hpp"
#include "store/stats_store.hpp"

namespace shortener::store {

inline constexpr char kFacetSeparator = '\x1f';

/// The facets, in the order FacetValues returns them.
inline constexpr std::array<std::string_view, 4> kFacets = {"geo", "agent", "referrer", "language"};

/// The four (facet, value) rows one click adds.
std::array<std::pair<std::string_view, std::string>, 4> FacetValues(const core::ClickDimensions& d);

/// The facet of the UTM breakdowns (not in kFacets: a click without UTM parameters adds no row of it).
inline constexpr std::string_view kUtmFacet = "utm";

/// The utm facet's value of a click; "" when the click has no UTM parameter (then it adds no utm row).
std::string UtmFacetValue(const core::ClickDimensions& d);

/// The facet of the destination a routed link served (issue #17): written beside the four above only for clicks
/// that carry a route (core::ClickEvent::route), so plain links write no more rows.
inline constexpr std::string_view kDestinationFacet = "destination";

/// Its value: "route URL" (routes have no space: core::RouteLabel).
std::string DestinationFacetValue(std::string_view route, std::string_view destination);

/// One facet row summed over a day range.
struct FacetCount {
    std::string facet;
    std::string value;
    std::int64_t clicks = 0;
    std::int64_t human_clicks = 0;
    std::int64_t bot_clicks = 0;
};

/// The facet a breakdown (an element of kDimensions) is derived from; "" for an unknown dimension.
std::string_view FacetOf(std::string_view dimension);

/// For each of `dimensions` (in order): its values summed over `rows`, the `limit` largest by clicks (human
/// clicks when !include_bots, values without human clicks left out then), ties by value.
std::vector<std::pair<std::string, std::vector<DimensionCount>>> TopFromFacets(
    std::span<const FacetCount> rows, std::span<const std::string_view> dimensions, bool include_bots,
    std::size_t limit);

}  // namespace shortener::store
