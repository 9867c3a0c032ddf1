#pragma once
/// @file
/// @brief Geolocation from a MaxMind-format City database (GeoIP2, GeoLite2, DB-IP) with libmaxminddb.

#include <memory>
#include <optional>
#include <string>

#include "core/client_address.hpp"

namespace shortener::enrich {

struct GeoResult {
    std::string country_code;        // ISO 3166-1 alpha-2
    std::string country_name;        // English
    std::string region;              // first subdivision, English
    std::string city;                // English
    std::optional<double> latitude;  // rounded to kCoordinateDecimals
    std::optional<double> longitude;
};

/// Looks addresses up in one .mmdb file, memory-mapped. Thread-safe (lookups only read the map).
class GeoLocator {
  public:
    /// Coordinates are rounded to one decimal (about 11 km): enough for a map, too coarse to find a house.
    static constexpr int kCoordinateDecimals = 1;

    /// Opens `path`. When it cannot be opened the locator is disabled (every lookup unknown) and error()
    /// says why; it never throws for a missing or corrupt file.
    explicit GeoLocator(const std::string& path);
    ~GeoLocator();
    GeoLocator(const GeoLocator&) = delete;
    GeoLocator& operator=(const GeoLocator&) = delete;

    bool enabled() const noexcept { return db_ != nullptr; }
    const std::string& error() const noexcept { return error_; }
    /// The database type from its metadata (e.g. "GeoLite2-City"), or "".
    std::string database_type() const;

    /// Private, loopback and reserved addresses, addresses not in the database and lookup errors all give
    /// an empty result. `country_only` keeps just the country (used for Do-Not-Track clicks).
    GeoResult Lookup(const core::IpAddress& address, bool country_only = false) const;

  private:
    struct Db;
    std::unique_ptr<Db> db_;
    std::string error_;
};

}  // namespace shortener::enrich
