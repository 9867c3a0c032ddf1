#include "core/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace shortener::core {
namespace {

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct Range {
    const char* cidr;
};

// Ranges no geo database can place (IANA special-purpose registries).
constexpr Range kNonPublic[] = {
    {"0.0.0.0/8"},     {"10.0.0.0/8"},      {"100.64.0.0/10"},  {"127.0.0.0/8"},    {"169.254.0.0/16"},
    {"172.16.0.0/12"}, {"192.0.0.0/24"},    {"192.0.2.0/24"},   {"192.88.99.0/24"}, {"192.168.0.0/16"},
    {"198.18.0.0/15"}, {"198.51.100.0/24"}, {"203.0.113.0/24"}, {"224.0.0.0/4"},    {"240.0.0.0/4"},
    {"::/8"},          {"100::/64"},        {"2001::/23"},      {"2001:db8::/32"},  {"fc00::/7"},
    {"fe80::/10"},     {"fec0::/10"},       {"ff00::/8"},
};

const std::vector<Cidr>& NonPublicNetworks() {
    static const std::vector<Cidr> networks = [] {
        std::vector<Cidr> v;
        for (const auto& r : kNonPublic) v.push_back(*Cidr::Parse(r.cidr));
        return v;
    }();
    return networks;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) noexcept {
    // inet_pton wants a NUL-terminated string; the longest textual IPv6 form is 45 characters.
    char buf[64];
    if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress a;
    if (text.find(':') == std::string_view::npos) {
        if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) return std::nullopt;
        a.v4 = true;
        return a;
    }
    if (text.find('%') != std::string_view::npos) return std::nullopt;  // zone ids are never client addresses
    if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
    if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin())) {
        std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
        std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
        a.v4 = true;
    }
    return a;
}

std::optional<IpAddress> IpAddress::ParseLoose(std::string_view text) noexcept {
    text = Trim(text);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = Trim(text.substr(1, text.size() - 2));
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return std::nullopt;
        return Parse(text.substr(1, close - 1));
    }
    // One colon: IPv4 with a port. More: a bare IPv6 address.
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
        return Parse(text.substr(0, colon));
    }
    return Parse(text);
}

std::string IpAddress::ToString() const {
    if (v4) {
        // Every redirect formats one: std::to_chars, not inet_ntop (which goes through sprintf, a third of the
        // cost of resolving a forwarded address in the redirect's profile).
        char buf[16];
        char* p = buf;
        for (std::size_t i = 0; i < 4; ++i) {
            if (i) *p++ = '.';
            p = std::to_chars(p, buf + sizeof(buf), bytes[i]).ptr;
        }
        return std::string(buf, p);
    }
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf))) return {};
    return buf;
}

bool IpAddress::IsPublic() const noexcept {
    for (const auto& n : NonPublicNetworks()) {
        if (n.Contains(*this)) return false;
    }
    return true;
}

std::optional<Cidr> Cidr::Parse(std::string_view text) noexcept {
    text = Trim(text);
    auto slash = text.find('/');
    auto addr = IpAddress::Parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    const unsigned max = addr->v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        std::string_view p = text.substr(slash + 1);
        if (p.empty() || p.size() > 3) return std::nullopt;
        prefix = 0;
        for (char c : p) {
            if (c < '0' || c > '9') return std::nullopt;
            prefix = prefix * 10 + static_cast<unsigned>(c - '0');
        }
        // "::ffff:10.0.0.0/104" is an IPv4-mapped network: keep the IPv4 part of the prefix.
        if (addr->v4 && text.substr(0, slash).find(':') != std::string_view::npos) {
            if (prefix < 96) return std::nullopt;
            prefix -= 96;
        }
        if (prefix > max) return std::nullopt;
    }
    Cidr c;
    c.base = *addr;
    c.prefix = prefix;
    for (unsigned bit = prefix; bit < 128; ++bit)
        c.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    return c;
}

bool Cidr::Contains(const IpAddress& a) const noexcept {
    if (a.v4 != base.v4) return false;
    unsigned full = prefix / 8;
    if (std::memcmp(a.bytes.data(), base.bytes.data(), full) != 0) return false;
    if (unsigned rest = prefix % 8; rest) {
        auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
        if ((a.bytes[full] & mask) != base.bytes[full]) return false;
    }
    return true;
}

std::optional<TrustedProxies> TrustedProxies::Parse(std::string_view list, std::string* error) {
    TrustedProxies t;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = Trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (item.empty()) continue;
        auto c = Cidr::Parse(item);
        if (!c) {
            if (error) *error = "not an IP network: \"" + std::string(item) + "\"";
            return std::nullopt;
        }
        t.networks_.push_back(*c);
    }
    return t;
}

bool TrustedProxies::Contains(const IpAddress& a) const noexcept {
    return std::any_of(networks_.begin(), networks_.end(), [&](const Cidr& c) { return c.Contains(a); });
}

std::vector<std::string> ParseForwardedFor(const std::vector<std::string_view>& lines) {
    std::vector<std::string> out;
    for (std::string_view line : lines) {
        // Elements are separated by ',' and pairs by ';', except inside quoted strings.
        std::string value;
        std::string key;
        bool in_key = true;
        bool quoted = false;
        bool is_for = false;
        auto finish_pair = [&] {
            std::string_view k = Trim(key);
            if (k.size() == 3 && (k[0] | 0x20) == 'f' && (k[1] | 0x20) == 'o' && (k[2] | 0x20) == 'r') {
                // A second for= in one element is malformed: keep the first.
                if (!is_for) out.emplace_back(Trim(value));
                is_for = true;
            }
            key.clear();
            value.clear();
            in_key = true;
        };
        for (std::size_t i = 0; i < line.size(); ++i) {
            char c = line[i];
            if (quoted) {
                if (c == '\\' && i + 1 < line.size()) {
                    value += line[++i];
                } else if (c == '"') {
                    quoted = false;
                } else {
                    value += c;
                }
            } else if (c == '"' && !in_key) {
                quoted = true;
            } else if (c == ';') {
                finish_pair();
            } else if (c == ',') {
                finish_pair();
                is_for = false;
            } else if (c == '=' && in_key) {
                in_key = false;
            } else if (in_key) {
                key += c;
            } else {
                value += c;
            }
        }
        finish_pair();
    }
    return out;
}

namespace {

// The X-Forwarded-For hops from the nearest (the last one of the last line) outwards, as views of the header lines.
template <typename Visit>
void EachHopFromTheRight(const std::vector<std::string_view>& lines, Visit&& visit) {
    for (std::size_t i = lines.size(); i-- > 0;) {
        std::string_view rest = lines[i];
        while (!rest.empty()) {
            const auto comma = rest.rfind(',');
            const std::string_view hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
            if (!hop.empty() && !visit(hop)) return;
        }
    }
}

}  // namespace

std::string ResolveClientAddress(std::string_view peer, const ForwardingHeaders& headers,
                                 const TrustedProxies& trusted) {
    auto peer_addr = IpAddress::ParseLoose(peer);
    if (!peer_addr) return {};
    if (trusted.empty() || !trusted.Contains(*peer_addr)) return peer_addr->ToString();

    // Walk away from us: the nearest hop is the last one listed.
    IpAddress best = *peer_addr;  // the nearest address known so far
    auto visit = [&](std::string_view text) {
        auto hop = IpAddress::ParseLoose(text);
        if (!hop) return false;  // unparseable: we cannot trust anything to its left
        best = *hop;
        return trusted.Contains(*hop);
    };
    if (!headers.x_forwarded_for.empty()) {
        EachHopFromTheRight(headers.x_forwarded_for, visit);
    } else {
        const std::vector<std::string> hops = ParseForwardedFor(headers.forwarded);
        for (std::size_t i = hops.size(); i-- > 0 && visit(hops[i]);) {
        }
    }
    return best.ToString();
}

}  // namespace shortener::core
