#pragma once
/// @file
/// @brief The one encoding of a link's tags and targeting as JSON text, shared by every place that stores
/// them: the SQLite and PostgreSQL stores and the Redis link cache. Keeps JSON out of `core`.

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

}  // namespace shortener::store
