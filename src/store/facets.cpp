#include "store/facets.hpp"

#include <algorithm>
#include <map>

namespace shortener::store {
namespace {

std::string Join3(const std::string& a, const std::string& b, const std::string& c) {
    std::string out;
    out.reserve(a.size() + b.size() + c.size() + 2);
    out.append(a).push_back(kFacetSeparator);
    out.append(b).push_back(kFacetSeparator);
    out.append(c);
    return out;
}

// Part `i` (0-based) of a value split at `sep`; "" past the last part.
std::string_view Part(std::string_view value, char sep, int i) {
    for (; i > 0; --i) {
        const auto at = value.find(sep);
        if (at == std::string_view::npos) return {};
        value.remove_prefix(at + 1);
    }
    return value.substr(0, value.find(sep));
}

// Where each breakdown comes from: its facet, and which part of the facet's value (-1: all of it). One table for
// FacetOf and Derive, so the two cannot disagree.
struct Source {
    std::string_view dimension;
    std::string_view facet;
    char separator;
    int part;
    bool qualified;  // "CC/part", as regions and cities were always shown ("" when the part is unknown)
};
constexpr char kUs = kFacetSeparator;
constexpr Source kSources[] = {
    {"country", "geo", kUs, 0, false},
    {"region", "geo", kUs, 1, true},
    {"city", "geo", kUs, 2, true},
    {"browser", "agent", kUs, 0, false},
    {"os", "agent", kUs, 1, false},
    {"device", "agent", kUs, 2, false},
    {"referrer", "referrer", ' ', -1, false},
    {"referrer_host", "referrer", ' ', 0, false},
    {"referrer_class", "referrer", ' ', 1, false},
    {"language", "language", ' ', -1, false},
    {"utm_source", "utm", kUs, 0, false},
    {"utm_medium", "utm", kUs, 1, false},
    {"utm_campaign", "utm", kUs, 2, false},
    {"utm_term", "utm", kUs, 3, false},
    {"utm_content", "utm", kUs, 4, false},
    {"destination", kDestinationFacet, ' ', -1, false},
};

const Source* SourceOf(std::string_view dimension) {
    for (const Source& s : kSources) {
        if (s.dimension == dimension) return &s;
    }
    return nullptr;
}

// The value of a breakdown in a row of its facet.
std::string Derive(const Source& source, std::string_view value) {
    if (source.part < 0) return std::string(value);
    const std::string_view part = Part(value, source.separator, source.part);
    if (!source.qualified) return std::string(part);
    if (part.empty()) return {};
    return std::string(Part(value, source.separator, 0)) + "/" + std::string(part);
}

std::vector<DimensionCount> Top(std::map<std::string, DimensionCount>& sums, bool include_bots, std::size_t limit) {
    std::vector<DimensionCount> out;
    out.reserve(sums.size());
    for (auto& [value, c] : sums) {
        if (include_bots || c.human_clicks > 0) out.push_back(std::move(c));
    }
    auto key = [&](const DimensionCount& c) { return include_bots ? c.clicks : c.human_clicks; };
    const std::size_t n = std::min(limit, out.size());
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                      [&](const DimensionCount& x, const DimensionCount& y) {
                          return key(x) != key(y) ? key(x) > key(y) : x.value < y.value;
                      });
    out.resize(n);
    return out;
}

}  // namespace

std::array<std::pair<std::string_view, std::string>, 4> FacetValues(const core::ClickDimensions& d) {
    static_assert(kFacets[0] == "geo" && kFacets[1] == "agent" && kFacets[2] == "referrer" && kFacets[3] == "language");
    return {{{kFacets[0], Join3(d.country_code, d.region, d.city)},
             {kFacets[1], Join3(d.browser, d.os, d.device)},
             {kFacets[2], d.referrer_host + " " + d.referrer_class},
             {kFacets[3], d.language}}};
}

std::string UtmFacetValue(const core::ClickDimensions& d) {
    if (d.utm_source.empty() && d.utm_medium.empty() && d.utm_campaign.empty() && d.utm_term.empty() &&
        d.utm_content.empty()) {
        return {};
    }
    std::string out = Join3(d.utm_source, d.utm_medium, d.utm_campaign);
    out.push_back(kFacetSeparator);
    out += d.utm_term;
    out.push_back(kFacetSeparator);
    out += d.utm_content;
    return out;
}

std::string DestinationFacetValue(std::string_view route, std::string_view destination) {
    std::string out;
    out.reserve(route.size() + destination.size() + 1);
    out.append(route).push_back(' ');
    out.append(destination);
    return out;
}

std::string_view FacetOf(std::string_view dimension) {
    const Source* source = SourceOf(dimension);
    return source ? source->facet : std::string_view();
}

std::vector<std::pair<std::string, std::vector<DimensionCount>>> TopFromFacets(
    std::span<const FacetCount> rows, std::span<const std::string_view> dimensions, bool include_bots,
    std::size_t limit) {
    std::vector<std::pair<std::string, std::vector<DimensionCount>>> out;
    out.reserve(dimensions.size());
    for (std::string_view dimension : dimensions) {
        const Source* source = SourceOf(dimension);
        std::map<std::string, DimensionCount> sums;
        for (const FacetCount& row : rows) {
            if (source == nullptr || row.facet != source->facet) continue;
            std::string value = Derive(*source, row.value);
            DimensionCount& c = sums[value];
            if (c.value.empty()) c.value = std::move(value);
            c.clicks += row.clicks;
            c.human_clicks += row.human_clicks;
            c.bot_clicks += row.bot_clicks;
        }
        out.emplace_back(std::string(dimension), Top(sums, include_bots, limit));
    }
    return out;
}

}  // namespace shortener::store
