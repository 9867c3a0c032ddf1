#include "enrich/geo_locator.hpp"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <cstring>

namespace shortener::enrich {

struct GeoLocator::Db {
    MMDB_s mmdb{};
};

GeoLocator::GeoLocator(const std::string& path) {
    if (path.empty()) {
        error_ = "no GeoIP database configured";
        return;
    }
    auto db = std::make_unique<Db>();
    int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db->mmdb);
    if (status != MMDB_SUCCESS) {
        error_ = std::string("cannot open GeoIP database ") + path + ": " + MMDB_strerror(status);
        if (status == MMDB_IO_ERROR) error_ += std::string(" (") + std::strerror(errno) + ")";
        return;
    }
    db_ = std::move(db);
}

GeoLocator::~GeoLocator() {
    if (db_) MMDB_close(&db_->mmdb);
}

std::string GeoLocator::database_type() const {
    if (!db_ || !db_->mmdb.metadata.database_type) return {};
    return db_->mmdb.metadata.database_type;
}

namespace {

std::string GetString(MMDB_entry_s* entry, const char* const* path) {
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING) {
        return {};
    }
    return std::string(data.utf8_string, data.data_size);
}

std::optional<double> GetCoordinate(MMDB_entry_s* entry, const char* const* path) {
    MMDB_entry_data_s data{};
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return std::nullopt;
    double v = 0;
    if (data.type == MMDB_DATA_TYPE_DOUBLE)
        v = data.double_value;
    else if (data.type == MMDB_DATA_TYPE_FLOAT)
        v = data.float_value;
    else
        return std::nullopt;
    if (!std::isfinite(v)) return std::nullopt;
    const double scale = std::pow(10.0, GeoLocator::kCoordinateDecimals);
    return std::round(v * scale) / scale;
}

}  // namespace

GeoResult GeoLocator::Lookup(const core::IpAddress& address, bool country_only) const {
    GeoResult r;
    if (!db_ || !address.IsPublic()) return r;

    sockaddr_storage storage{};
    if (address.v4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
        sin->sin_family = AF_INET;
        std::memcpy(&sin->sin_addr, address.bytes.data(), 4);
    } else {
        // An IPv4-only database cannot hold IPv6 addresses; libmaxminddb would report an error.
        if (db_->mmdb.metadata.ip_version == 4) return r;
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
        sin6->sin6_family = AF_INET6;
        std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
    }
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s found =
        MMDB_lookup_sockaddr(&db_->mmdb, reinterpret_cast<const sockaddr*>(&storage), &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS || !found.found_entry) return r;

    static const char* const kCountryCode[] = {"country", "iso_code", nullptr};
    static const char* const kCountryName[] = {"country", "names", "en", nullptr};
    static const char* const kRegion[] = {"subdivisions", "0", "names", "en", nullptr};
    static const char* const kCity[] = {"city", "names", "en", nullptr};
    static const char* const kLatitude[] = {"location", "latitude", nullptr};
    static const char* const kLongitude[] = {"location", "longitude", nullptr};

    r.country_code = GetString(&found.entry, kCountryCode);
    r.country_name = GetString(&found.entry, kCountryName);
    if (country_only) return r;
    r.region = GetString(&found.entry, kRegion);
    r.city = GetString(&found.entry, kCity);
    r.latitude = GetCoordinate(&found.entry, kLatitude);
    r.longitude = GetCoordinate(&found.entry, kLongitude);
    if (!r.latitude || !r.longitude) r.latitude = r.longitude = std::nullopt;
    return r;
}

}  // namespace shortener::enrich
