#pragma once
/// @file
/// @brief Client addresses: IP parsing (IPv4, IPv6, IPv4-mapped IPv6), CIDR lists, and the client address
/// of a request seen through trusted reverse proxies (X-Forwarded-For, RFC 7239 Forwarded). Pure: no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::core {

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalized to IPv4, so one rule covers both.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in bytes[0..4)
    bool v4 = false;

    /// Parses a bare address ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"); no port, no brackets.
    static std::optional<IpAddress> Parse(std::string_view text) noexcept;
    /// Parses what proxies and sockets write: also "[v6]", "[v6]:port", "v4:port", surrounding spaces and quotes.
    static std::optional<IpAddress> ParseLoose(std::string_view text) noexcept;
    std::string ToString() const;
    /// Loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, documentation, multicast, unspecified and
    /// other reserved ranges: addresses no geo database can place.
    bool IsPublic() const noexcept;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// A network such as 10.0.0.0/8 or 2001:db8::/32.
struct Cidr {
    IpAddress base;  // masked to the prefix
    unsigned prefix = 0;

    /// Parses "a.b.c.d/n", "v6/n", or a bare address (a /32 or /128).
    static std::optional<Cidr> Parse(std::string_view text) noexcept;
    bool Contains(const IpAddress& a) const noexcept;
};

/// The reverse proxies whose forwarding headers are believed (SHORTENER_TRUSTED_PROXIES).
class TrustedProxies {
  public:
    TrustedProxies() = default;
    /// Parses a comma-separated CIDR list (spaces allowed, empty = none). nullopt and `*error` set when an entry
    /// is not a network.
    static std::optional<TrustedProxies> Parse(std::string_view list, std::string* error = nullptr);

    bool Contains(const IpAddress& a) const noexcept;
    bool empty() const noexcept { return networks_.empty(); }
    const std::vector<Cidr>& networks() const noexcept { return networks_; }

  private:
    std::vector<Cidr> networks_;
};

/// The request facts the resolution needs. `x_forwarded_for` and `forwarded` hold every line of that header
/// (several lines are read as one comma-separated list, in order).
struct ForwardingHeaders {
    std::vector<std::string_view> x_forwarded_for;
    std::vector<std::string_view> forwarded;
};

/// The client address of a request, as text (IPv4-mapped shown as IPv4), or "" when the peer is not an address.
///
/// The socket peer, unless the peer is a trusted proxy: then the hops of X-Forwarded-For (or, when the request
/// has no X-Forwarded-For, of Forwarded's `for=` parameters) are walked from the right, skipping trusted
/// proxies, and the first untrusted one is the client. A hop that is not an address (garbage, "unknown", an
/// obfuscated identifier) stops the walk: the last trusted hop is then the best known address. A client
/// outside the trusted networks therefore gains nothing by sending these headers.
std::string ResolveClientAddress(std::string_view peer, const ForwardingHeaders& headers,
                                 const TrustedProxies& trusted);

/// The `for=` values of RFC 7239 Forwarded header lines, left to right, unquoted (ports and brackets kept).
std::vector<std::string> ParseForwardedFor(const std::vector<std::string_view>& lines);

}  // namespace shortener::core
