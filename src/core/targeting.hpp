#pragma once
/// @file
/// @brief What the redirect needs to pick a link's destination for one visitor: the device class from the
/// User-Agent and client hints, ISO 3166-1 country codes, and the query string forwarding.

#include <string>
#include <string_view>

namespace shortener::core {

enum class DeviceClass { kOther, kIos, kAndroid };

/// iOS (iPhone, iPad, iPod) or Android from `Sec-CH-UA-Platform` when the browser sends it, else from the
/// User-Agent. iPads that present a desktop Safari User-Agent count as "other": nothing tells them apart.
DeviceClass DetectDevice(std::string_view user_agent, std::string_view ch_ua_platform) noexcept;

/// True for an assigned ISO 3166-1 alpha-2 code (upper case), plus XK (Kosovo), which geolocation
/// databases use.
bool IsCountryCode(std::string_view code) noexcept;

/// `url` with `query` (a raw query string, without '?') appended to its own query, before any #fragment.
/// Bytes that may not appear in a URL (controls, space, non-ASCII, quotes, '#', ...) are percent-encoded
/// so the Location header stays a valid URL. An empty `query` leaves `url` as it is.
std::string AppendQuery(std::string_view url, std::string_view query);

/// A link's QR code encodes its short URL with this query parameter, so a scan can be told from a click (issue #17).
inline constexpr std::string_view kQrScanParam = "qr=1";

/// True when the raw query string (without '?') has `qr=1` as one of its `&`-separated parameters.
bool HasQrScanMarker(std::string_view query) noexcept;

/// The raw query string without its `qr=1` parameters: what a forwarded query carries on to the destination.
std::string WithoutQrScanMarker(std::string_view query);

}  // namespace shortener::core
