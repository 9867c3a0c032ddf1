#include "webhook/target_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <string>

namespace shortener::webhook {
namespace {

using core::Errc;

constexpr std::size_t kMaxUrlLength = 2000;

struct Range4 {
    std::uint32_t base;
    int bits;
};

constexpr std::uint32_t V4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return a << 24 | b << 16 | c << 8 | d;
}

// Everything that is not a public unicast address (IANA IPv4 Special-Purpose Address Registry).
constexpr Range4 kNonPublic4[] = {
    {V4(0, 0, 0, 0), 8},      {V4(10, 0, 0, 0), 8},     {V4(100, 64, 0, 0), 10}, {V4(127, 0, 0, 0), 8},
    {V4(169, 254, 0, 0), 16}, {V4(172, 16, 0, 0), 12},  {V4(192, 0, 0, 0), 24},  {V4(192, 0, 2, 0), 24},
    {V4(192, 88, 99, 0), 24}, {V4(192, 168, 0, 0), 16}, {V4(198, 18, 0, 0), 15}, {V4(198, 51, 100, 0), 24},
    {V4(203, 0, 113, 0), 24}, {V4(224, 0, 0, 0), 4},    {V4(240, 0, 0, 0), 4},
};

AddressClass Classify4(std::uint32_t a) {
    if (a == V4(169, 254, 169, 254)) return AddressClass::kMetadata;
    for (const auto& r : kNonPublic4) {
        const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
        if ((a & mask) == r.base) return AddressClass::kPrivate;
    }
    return AddressClass::kPublic;
}

std::uint32_t Read4(const std::uint8_t* p) { return V4(p[0], p[1], p[2], p[3]); }

AddressClass Classify6(const std::array<std::uint8_t, 16>& a) {
    // fd00:ec2::254, the AWS metadata endpoint over IPv6.
    constexpr std::array<std::uint8_t, 16> kAwsMetadata = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                                           0,    0,    0,    0,    0, 0, 0x02, 0x54};
    if (a == kAwsMetadata) return AddressClass::kMetadata;
    const bool first80_zero = std::all_of(a.begin(), a.begin() + 10, [](std::uint8_t b) { return b == 0; });
    if (first80_zero && a[10] == 0xff && a[11] == 0xff) return Classify4(Read4(&a[12]));  // ::ffff:a.b.c.d
    if (first80_zero && a[10] == 0 && a[11] == 0) return AddressClass::kPrivate;  // ::, ::1, ::a.b.c.d (deprecated)
    // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) reach the IPv4 address they embed.
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) return Classify4(Read4(&a[12]));
    if (a[0] == 0x20 && a[1] == 0x02) return Classify4(Read4(&a[2]));
    if ((a[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                                   // fc00::/7 unique local
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressClass::kPrivate;                   // fe80::/10 link-local
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;                   // fec0::/10 site-local
    if (a[0] == 0xff) return AddressClass::kPrivate;                                            // multicast
    if (a[0] == 0x01 && a[1] == 0x00 && a[2] == 0 && a[3] == 0) return AddressClass::kPrivate;  // 100::/64 discard
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return AddressClass::kPrivate;  // documentation
    if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xfe) == 0) return AddressClass::kPrivate;  // 2001::/23 (Teredo…)
    return AddressClass::kPublic;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

}  // namespace

AddressClass ClassifyAddress(std::string_view address) {
    const std::string text(address);
    std::array<std::uint8_t, 4> v4{};
    if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return Classify4(Read4(v4.data()));
    std::array<std::uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return Classify6(v6);
    return AddressClass::kInvalid;
}

Errc CheckAddress(std::string_view address, const TargetPolicy& policy) {
    switch (ClassifyAddress(address)) {
        case AddressClass::kPublic:
            return Errc::kOk;
        case AddressClass::kPrivate:
            return policy.allow_private ? Errc::kOk : Errc::kWebhookTargetForbidden;
        case AddressClass::kMetadata:
        case AddressClass::kInvalid:
            break;
    }
    return Errc::kWebhookTargetForbidden;
}

core::Result<Target> ParseTarget(std::string_view url, const TargetPolicy& policy) {
    if (url.size() > kMaxUrlLength) return make_error_code(Errc::kUrlTooLong);
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return make_error_code(Errc::kInvalidUrl);
    const std::string scheme = Lower(parsed->scheme());
    if (scheme != "https" && scheme != "http") return make_error_code(Errc::kInvalidUrl);
    if (scheme == "http" && !policy.allow_http) return make_error_code(Errc::kWebhookUrlInsecure);
    if (parsed->has_userinfo() || parsed->has_fragment()) return make_error_code(Errc::kInvalidUrl);
    Target t;
    t.https = scheme == "https";
    switch (parsed->host_type()) {
        case boost::urls::host_type::ipv4:
        case boost::urls::host_type::ipv6: {
            t.host = parsed->host_address();
            if (CheckAddress(t.host, policy) != Errc::kOk) return make_error_code(Errc::kWebhookTargetForbidden);
            break;
        }
        case boost::urls::host_type::name:
            t.host = Lower(parsed->encoded_host().decode());
            break;
        default:
            return make_error_code(Errc::kInvalidUrl);
    }
    if (t.host.empty() || t.host.find_first_of(" /\\\r\n") != std::string::npos)
        return make_error_code(Errc::kInvalidUrl);
    if (parsed->has_port()) {
        if (parsed->port_number() == 0) return make_error_code(Errc::kInvalidUrl);
        t.port = std::to_string(parsed->port_number());
    } else {
        t.port = t.https ? "443" : "80";
    }
    t.path = std::string(parsed->encoded_target());
    if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
    return t;
}

}  // namespace shortener::webhook
