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

// "CC/part", or "" when the part is unknown (as the per-dimension rows stored it).
std::string Qualified(std::string_view value, int i) {
    const std::string_view part = Part(value, kFacetSeparator, i);
    if (part.empty()) return {};
    return std::string(Part(value, kFacetSeparator, 0)) + "/" + std::string(part);
}

// The value of `dimension` in a row of its facet.
std::string Derive(std::string_view dimension, std::string_view value) {
    if (dimension == "country" || dimension == "browser") return std::string(Part(value, kFacetSeparator, 0));
    if (dimension == "os") return std::string(Part(value, kFacetSeparator, 1));
    if (dimension == "device") return std::string(Part(value, kFacetSeparator, 2));
    if (dimension == "region") return Qualified(value, 1);
    if (dimension == "city") return Qualified(value, 2);
    if (dimension == "referrer_host") return std::string(Part(value, ' ', 0));
    if (dimension == "referrer_class") {
        const auto at = value.find(' ');
        return at == std::string_view::npos ? std::string() : std::string(value.substr(at + 1));
    }
    return std::string(value);  // referrer, language: stored as they are shown
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
    return {{{kFacets[0], Join3(d.country_code, d.region, d.city)},
             {kFacets[1], Join3(d.browser, d.os, d.device)},
             {kFacets[2], d.referrer_host + " " + d.referrer_class},
             {kFacets[3], d.language}}};
}

std::string_view FacetOf(std::string_view dimension) {
    if (dimension == "country" || dimension == "region" || dimension == "city") return kFacets[0];
    if (dimension == "browser" || dimension == "os" || dimension == "device") return kFacets[1];
    if (dimension == "referrer" || dimension == "referrer_host" || dimension == "referrer_class") return kFacets[2];
    if (dimension == "language") return kFacets[3];
    return {};
}

std::vector<std::pair<std::string, std::vector<DimensionCount>>> TopFromFacets(
    std::span<const FacetCount> rows, std::span<const std::string_view> dimensions, bool include_bots,
    std::size_t limit) {
    std::vector<std::pair<std::string, std::vector<DimensionCount>>> out;
    out.reserve(dimensions.size());
    for (std::string_view dimension : dimensions) {
        const std::string_view facet = FacetOf(dimension);
        std::map<std::string, DimensionCount> sums;
        for (const FacetCount& row : rows) {
            if (row.facet != facet) continue;
            std::string value = Derive(dimension, row.value);
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
