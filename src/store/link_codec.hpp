#pragma once
/// @file
/// @brief The one encoding of a link's tags and targeting as JSON text, shared by every place that stores
/// them: the SQLite and PostgreSQL stores and the Redis link cache. Keeps JSON out of `core`.

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/link.hpp"

namespace shortener::store {

/// Tags as a JSON array of strings (`["a","b"]`).
std::string TagsToJson(const std::vector<std::string>& tags);
/// The strings of a JSON array; anything else (bad JSON, not an array) gives no tags, and non-string
/// elements are skipped.
std::vector<std::string> TagsFromJson(std::string_view text);

/// Targeting as stored (JSON object `{"ios":…,"android":…,"countries":{…}}`); "" for none.
std::string TargetingToJson(const core::Targeting& targeting);
/// The inverse of TargetingToJson; nullopt when the text is not such an object. "" gives an empty one.
std::optional<core::Targeting> TargetingFromJson(std::string_view text);

/// A social preview as the Redis link cache holds it (JSON object `{"t":…,"d":…,"i":…}`, members left out when
/// empty); "" for none. Control characters are escaped, so the text never holds a tab or a newline.
std::string PreviewToJson(const core::SocialPreview& preview);
/// The inverse of PreviewToJson; nullopt when the text is not such an object. "" gives an empty preview.
std::optional<core::SocialPreview> PreviewFromJson(std::string_view text);
/// Redirect rules (issue #17) as the API shows them and the stores keep them: `[{"if": {"country": [...],
/// "device": [...], "language": [...], "query": {...}, "after": RFC 3339, "before": RFC 3339}, "url": …}, …]`
/// (absent conditions left out). Rules converted from targeting are left out.
boost::json::value RulesValue(const std::vector<core::Rule>& rules);
/// The rules of such a value, checked: at most core::kMaxRules, known keys only, valid countries, devices,
/// language tags, query parameters and times. The URLs are strings here; the caller applies the URL policy. On
/// failure, nullopt and `error` names the bad rule ("rules[3]: …") without copying the value's text.
std::optional<std::vector<core::Rule>> RulesFromValue(const boost::json::value& v, std::string& error);
/// As text for the stores ("" for none) and back (unreadable text gives none).
std::string RulesToJson(const std::vector<core::Rule>& rules);
std::vector<core::Rule> RulesFromJson(std::string_view text);

/// A split: `[{"url": …, "weight": n}, …]`; at most core::kMaxSplitVariants, weights 1..core::kMaxSplitWeight.
boost::json::value SplitValue(const std::vector<core::SplitVariant>& split);
std::optional<std::vector<core::SplitVariant>> SplitFromValue(const boost::json::value& v, std::string& error);
std::string SplitToJson(const std::vector<core::SplitVariant>& split);
std::vector<core::SplitVariant> SplitFromJson(std::string_view text);

}  // namespace shortener::store
