#include "core/url_policy.hpp"

#include <idn2.h>

#include <algorithm>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shortener::core {
namespace {

constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxHostLength = 253;
constexpr std::uint32_t kMaxPort = 65535;
constexpr std::uint32_t kHttpDefaultPort = 80;
constexpr std::uint32_t kHttpsDefaultPort = 443;
constexpr char kHexDigits[] = "0123456789ABCDEF";

bool IsAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(unsigned char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLowerAscii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ToLowerAscii(c); });
    return out;
}

bool IsAsciiWhitespace(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsUnicodeWhitespace(char32_t cp) {
    // U+0085 is a C1 control but also White_Space; users see it (and the others) as a blank, so it gets the
    // whitespace error rather than the control-character one.
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

int HexValue(unsigned char c) {
    if (IsDigit(c)) return c - '0';
    return ToLowerAscii(static_cast<char>(c)) - 'a' + 10;
}

/// Validates UTF-8 and refuses blanks and control characters; the first offending character decides the error
/// so that the answer matches what the user sees when reading the URL left to right.
std::optional<Errc> ScanCharacters(std::string_view input) {
    std::size_t i = 0;
    while (i < input.size()) {
        const auto lead = static_cast<unsigned char>(input[i]);
        if (lead < 0x80) {
            if (IsAsciiWhitespace(lead)) return Errc::kUrlWhitespace;
            if (lead < 0x20 || lead == 0x7F) return Errc::kUrlControlCharacters;
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t cp = 0;
        // The lower bounds of the second byte rule out overlong forms and surrogates, the upper ones code points
        // past U+10FFFF (RFC 3629 table in section 4).
        unsigned char min_second = 0x80;
        unsigned char max_second = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            cp = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            cp = lead & 0x0F;
            if (lead == 0xE0) min_second = 0xA0;
            if (lead == 0xED) max_second = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            cp = lead & 0x07;
            if (lead == 0xF0) min_second = 0x90;
            if (lead == 0xF4) max_second = 0x8F;
        } else {
            return Errc::kInvalidUrl;
        }
        if (input.size() - i < length) return Errc::kInvalidUrl;
        for (std::size_t k = 1; k < length; ++k) {
            const auto c = static_cast<unsigned char>(input[i + k]);
            const unsigned char lo = k == 1 ? min_second : 0x80;
            const unsigned char hi = k == 1 ? max_second : 0xBF;
            if (c < lo || c > hi) return Errc::kInvalidUrl;
            cp = (cp << 6) | (c & 0x3F);
        }
        if (IsUnicodeWhitespace(cp)) return Errc::kUrlWhitespace;
        if (cp >= 0x80 && cp <= 0x9F) return Errc::kUrlControlCharacters;
        i += length;
    }
    return std::nullopt;
}

enum class Component { kPath, kQuery, kFragment };

// RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ":" and "@"; plus "/" which every component allows.
constexpr std::string_view kAllowedPunctuation = "-._~!$&'()*+,;=:@/";

bool IsAllowedInComponent(unsigned char c, Component component) {
    if (IsAlpha(c) || IsDigit(c)) return true;
    if (c == '?') return component != Component::kPath;
    return c != '\0' && kAllowedPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

/// Percent-encodes the bytes RFC 3986 forbids but browsers send anyway ("|", "{", "[", non-ASCII, ...), the way
/// browsers put them on the wire. Existing %XX escapes stay untouched so the component is kept byte for byte
/// wherever it was already valid; a stray "%" becomes "%25", as in browsers.
void AppendLenientlyEncoded(std::string_view in, Component component, std::string& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '%' && i + 2 < in.size() && IsHexDigit(static_cast<unsigned char>(in[i + 1])) &&
            IsHexDigit(static_cast<unsigned char>(in[i + 2]))) {
            out.push_back('%');
            continue;
        }
        if (c != '%' && IsAllowedInComponent(c, component)) {
            out.push_back(static_cast<char>(c));
            continue;
        }
        out.push_back('%');
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 0x0F]);
    }
}

/// The RFC 3986 scheme at the start of `input`, or nothing if the input has none (a relative reference).
std::optional<std::string_view> SchemeOf(std::string_view input) {
    if (input.empty() || !IsAlpha(static_cast<unsigned char>(input.front()))) return std::nullopt;
    for (std::size_t i = 1; i < input.size(); ++i) {
        const auto c = static_cast<unsigned char>(input[i]);
        if (c == ':') return input.substr(0, i);
        if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
    }
    return std::nullopt;
}

/// "example.com:8080/x" is syntactically the scheme "example.com", but no registered scheme contains a dot while
/// nearly every host does, and digits right after the colon read as a port: the user forgot "https://". We call it
/// relative when the scheme has a dot and the text after the colon is one or more digits ending the input or
/// followed by "/", "?" or "#". "localhost:8080" (no dot) stays an unsupported scheme.
bool LooksLikeHostAndPort(std::string_view scheme, std::string_view after_colon) {
    if (scheme.find('.') == std::string_view::npos) return false;
    std::size_t digits = 0;
    while (digits < after_colon.size() && IsDigit(static_cast<unsigned char>(after_colon[digits]))) ++digits;
    if (digits == 0) return false;
    return digits == after_colon.size() || after_colon[digits] == '/' || after_colon[digits] == '?' ||
           after_colon[digits] == '#';
}

/// Decodes valid %XX escapes; anything else is copied, so a stray "%" stays and later fails the DNS check.
std::string PercentDecode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() && IsHexDigit(static_cast<unsigned char>(in[i + 1])) &&
            IsHexDigit(static_cast<unsigned char>(in[i + 2]))) {
            out.push_back(static_cast<char>(HexValue(static_cast<unsigned char>(in[i + 1])) * 16 +
                                            HexValue(static_cast<unsigned char>(in[i + 2]))));
            i += 2;
        } else {
            out.push_back(in[i]);
        }
    }
    return out;
}

bool IsLdh(unsigned char c) { return IsAlpha(c) || IsDigit(c) || c == '-'; }

/// WHATWG's "ends in a number": browsers parse such hosts as IPv4 in decimal, octal or hex shorthand
/// (2130706433, 0x7f.1, 127.1), which we refuse as obfuscation unless it was plain dotted-quad.
bool EndsInNumber(std::string_view host_without_trailing_dot) {
    const std::size_t dot = host_without_trailing_dot.rfind('.');
    const std::string_view last =
        dot == std::string_view::npos ? host_without_trailing_dot : host_without_trailing_dot.substr(dot + 1);
    if (last.empty()) return false;
    if (std::all_of(last.begin(), last.end(), [](char c) { return IsDigit(static_cast<unsigned char>(c)); })) {
        return true;
    }
    if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
        return std::all_of(last.begin() + 2, last.end(),
                           [](char c) { return IsHexDigit(static_cast<unsigned char>(c)); });
    }
    return false;
}

/// Checks the DNS shape of an ASCII host (already lower-cased) that may end in a single dot.
bool IsValidDnsName(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.empty() || host.size() > kMaxHostLength) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = host.find('.', start);
        if (end == std::string_view::npos) end = host.size();
        const std::string_view label = host.substr(start, end - start);
        if (label.empty() || label.size() > kMaxLabelLength) return false;
        if (label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return IsLdh(static_cast<unsigned char>(c)); })) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

std::optional<std::string> ToAsciiIdn(const std::string& host) {
    struct Idn2Free {
        void operator()(char* p) const { idn2_free(p); }
    };
    // UTS #46 non-transitional is what current browsers do ("faß.de" stays distinct from "fass.de"); the
    // transitional retry only rescues the few inputs that non-transitional processing refuses outright.
    for (const int flags : {IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT, IDN2_TRANSITIONAL | IDN2_NFC_INPUT}) {
        char* raw = nullptr;
        const int rc = idn2_to_ascii_8z(host.c_str(), &raw, flags);
        std::unique_ptr<char, Idn2Free> output(raw);
        if (rc == IDN2_OK && output) return ToLowerAscii(output.get());
    }
    return std::nullopt;
}

/// Normalizes a registered name or IPv4 host as written between "//" and the port.
Result<std::string> NormalizeNameOrIpv4(std::string_view raw_host) {
    // Only the plain dotted-quad form is an address; percent-encoded or shorthand forms fall through to the name
    // checks below, where EndsInNumber refuses them.
    if (boost::urls::parse_ipv4_address(raw_host)) return std::string(raw_host);

    const std::string decoded = PercentDecode(raw_host);
    // Decoded bytes can be NUL, so reject them before handing a C string to libidn2.
    const bool ascii_ok = std::all_of(decoded.begin(), decoded.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x80 || IsLdh(u) || u == '.';
    });
    if (!ascii_ok) return make_error_code(Errc::kUrlInvalidHost);

    std::string host;
    const bool has_non_ascii =
        std::any_of(decoded.begin(), decoded.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (has_non_ascii) {
        auto ascii = ToAsciiIdn(decoded);
        if (!ascii) return make_error_code(Errc::kUrlInvalidHost);
        host = std::move(*ascii);
    } else {
        // Pure ASCII skips libidn2 on purpose: it would refuse some DNS-valid names (e.g. "ab--cd") and we accept
        // any LDH name, "xn--" labels included, as DNS does.
        host = ToLowerAscii(decoded);
    }
    if (!IsValidDnsName(host)) return make_error_code(Errc::kUrlInvalidHost);
    std::string_view without_dot = host;
    if (without_dot.back() == '.') without_dot.remove_suffix(1);
    // Checked after IDNA because full-width digits ("１２７.０.０.１") map to ASCII ones.
    if (EndsInNumber(without_dot)) return make_error_code(Errc::kUrlInvalidHost);
    return host;
}

Result<std::string> NormalizeIpLiteral(std::string_view literal) {
    if (!literal.empty() && (literal.front() == 'v' || literal.front() == 'V')) {
        return make_error_code(Errc::kUrlInvalidHost);  // IPvFuture: nothing can route it
    }
    // Zone identifiers ("fe80::1%25eth0") fail here too; they mean nothing off the local machine.
    if (!boost::urls::parse_ipv6_address(literal)) return make_error_code(Errc::kUrlInvalidHost);
    return "[" + ToLowerAscii(literal) + "]";
}

/// Parses the port text after the colon; nothing means no port (empty or absent).
Result<std::optional<std::uint32_t>> ParsePort(std::string_view text) {
    if (text.empty()) return std::optional<std::uint32_t>();
    std::uint32_t value = 0;
    for (const char c : text) {
        if (!IsDigit(static_cast<unsigned char>(c))) return make_error_code(Errc::kInvalidUrl);
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > kMaxPort) return make_error_code(Errc::kInvalidUrl);
    }
    if (value == 0) return make_error_code(Errc::kInvalidUrl);
    return std::optional<std::uint32_t>(value);
}

/// Strips what does not change which machine a host names: one trailing dot and IPv6 brackets.
std::string_view HostIdentity(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return host;
}

bool IsOwnHost(std::string_view host, const UrlPolicyOptions& options) {
    const std::string_view identity = HostIdentity(host);
    return std::any_of(options.own_hosts.begin(), options.own_hosts.end(),
                       [identity](const std::string& own) { return ToLowerAscii(HostIdentity(own)) == identity; });
}

}  // namespace

bool DomainSet::Add(std::string_view domain) {
    while (!domain.empty() && (domain.front() == ' ' || domain.front() == '\t')) domain.remove_prefix(1);
    while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t' || domain.back() == '\r')) {
        domain.remove_suffix(1);
    }
    if (domain.starts_with("*."))
        domain.remove_prefix(2);
    else if (domain.starts_with("."))
        domain.remove_prefix(1);
    if (domain.empty()) return false;
    std::string host;
    if (domain.front() == '[' || domain.find(':') != std::string_view::npos) {
        std::string_view literal = domain;
        if (literal.front() == '[') {
            if (literal.size() < 2 || literal.back() != ']') return false;
            literal = literal.substr(1, literal.size() - 2);
        }
        auto normalized = NormalizeIpLiteral(literal);
        if (!normalized) return false;
        host = std::string(HostIdentity(*normalized));
    } else {
        if (domain.find_first_of("/?#@%") != std::string_view::npos) return false;
        auto normalized = NormalizeNameOrIpv4(domain);
        if (!normalized) return false;
        host = std::string(HostIdentity(*normalized));
    }
    if (host.empty()) return false;
    domains_.insert(std::move(host));
    return true;
}

bool DomainSet::Matches(std::string_view host) const {
    if (domains_.empty()) return false;
    host = HostIdentity(host);
    if (domains_.find(host) != domains_.end()) return true;
    if (host.find(':') != std::string_view::npos) return false;  // IPv6: exact only
    if (boost::urls::parse_ipv4_address(host)) return false;     // IPv4: exact only
    // Walk the parent domains: a.b.example.com → b.example.com → example.com → com.
    for (auto dot = host.find('.'); dot != std::string_view::npos; dot = host.find('.')) {
        host.remove_prefix(dot + 1);
        if (boost::urls::parse_ipv4_address(host)) return false;  // an address entry is no parent domain
        if (domains_.find(host) != domains_.end()) return true;
    }
    return false;
}

std::optional<DomainSet> DomainSet::ParseList(std::string_view text, std::string* error) {
    DomainSet set;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
            line.remove_suffix(1);
        }
        if (line.empty()) continue;
        // Hosts-file format, as many published blocklists come: "0.0.0.0 example.com".
        if (auto space = line.find_first_of(" \t"); space != std::string_view::npos) {
            const std::string_view address = line.substr(0, space);
            std::string_view name = line.substr(space + 1);
            while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
            const bool sink = address == "0.0.0.0" || address == "127.0.0.1" || address == "::" || address == "::1";
            if (!sink || name.find_first_of(" \t") != std::string_view::npos) {
                if (error) *error = "line " + std::to_string(line_number) + ": expected one domain per line";
                return std::nullopt;
            }
            line = name;
        }
        if (!set.Add(line)) {
            if (error)
                *error = "line " + std::to_string(line_number) + ": \"" + std::string(line.substr(0, 100)) +
                         "\" is not a domain";
            return std::nullopt;
        }
    }
    return set;
}

const std::vector<std::string_view>& KnownShortenerDomains() {
    // Public link shorteners and the short-link domains of big services. Deliberately absent: content hosts with
    // short names (youtu.be, redd.it, t.me, linktr.ee), and our own host, which gets kUrlSelfReference instead.
    static const std::vector<std::string_view> domains = {
        "bit.ly",    "bitly.com", "bit.do",  "j.mp",       "tinyurl.com",   "t.co",    "goo.gl",      "ow.ly",
        "is.gd",     "v.gd",      "buff.ly", "rebrand.ly", "rebrandly.com", "cutt.ly", "shorturl.at", "tiny.cc",
        "tiny.one",  "rb.gy",     "bl.ink",  "dub.sh",     "t.ly",          "s.id",    "lnkd.in",     "short.io",
        "shorte.st", "sh.st",     "adf.ly",  "bc.vc",      "clck.ru",       "qrco.de", "soo.gd",      "trib.al",
        "tr.im",     "x.co",      "2.gp",    "u.to",       "mcaf.ee",       "snip.ly", "kutt.it",     "zpr.io",
        "surl.li",   "shor.by",   "gg.gg",   "amzn.to",    "fb.me",         "wp.me",   "ift.tt",      "ouo.io",
        "urlz.fr",   "chilp.it",  "po.st",   "cli.gs",
    };
    return domains;
}

namespace {

// An absolute http(s) URL cut into its components; the views point into the input.
struct UrlParts {
    std::string scheme;  // lower case
    std::string_view authority;
    std::string_view path;
    std::optional<std::string_view> query;
    std::optional<std::string_view> fragment;
};

// The host (normalized) and the port, if one was given.
struct HostPort {
    std::string host;
    std::optional<std::uint32_t> port;
};

Result<void> CheckShape(std::string_view input, const UrlPolicyOptions& options) {
    if (input.empty()) return make_error_code(Errc::kUrlMissing);
    if (input.size() > options.max_length) return make_error_code(Errc::kUrlTooLong);
    if (const auto bad = ScanCharacters(input)) return make_error_code(*bad);
    return {};
}

// We split the components ourselves by RFC 3986 appendix B instead of trusting Boost.URL 1.81's split: its
// host rule commits to an IPv4 prefix, so it reads "http://1.2.3.4.evil.example/" as host 1.2.3.4 with path
// ".evil.example/" (boostorg/url#770). A backslash therefore stays inside the authority and is refused there,
// whereas browsers would treat it as a path separator.
void SplitComponents(std::string_view rest, UrlParts& parts) {
    const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    parts.authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority_end);
    const std::size_t path_end = std::min(rest.find_first_of("?#"), rest.size());
    parts.path = rest.substr(0, path_end);
    rest.remove_prefix(path_end);
    if (!rest.empty() && rest.front() == '?') {
        const std::size_t query_end = std::min(rest.find('#'), rest.size());
        parts.query = rest.substr(1, query_end - 1);
        rest.remove_prefix(query_end);
    }
    if (!rest.empty()) parts.fragment = rest.substr(1);  // rest starts with '#' here
}

Result<UrlParts> SplitUrl(std::string_view input) {
    const auto scheme_text = SchemeOf(input);
    if (!scheme_text) return make_error_code(Errc::kUrlRelative);
    std::string_view rest = input.substr(scheme_text->size() + 1);
    if (LooksLikeHostAndPort(*scheme_text, rest)) return make_error_code(Errc::kUrlRelative);
    UrlParts parts;
    parts.scheme = ToLowerAscii(*scheme_text);
    if (parts.scheme != "http" && parts.scheme != "https") return make_error_code(Errc::kUrlSchemeNotAllowed);
    if (rest.substr(0, 2) != "//") return make_error_code(Errc::kUrlMissingHost);
    rest.remove_prefix(2);
    SplitComponents(rest, parts);
    return parts;
}

Result<HostPort> ParseAuthority(std::string_view authority) {
    // Any "@" counts, even an empty user-info: "https://bank.com@evil.example" reads as bank.com to people.
    if (authority.find('@') != std::string_view::npos) return make_error_code(Errc::kUrlHasCredentials);

    std::string_view port_text;
    Result<std::string> host = make_error_code(Errc::kUrlMissingHost);
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return make_error_code(Errc::kInvalidUrl);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') return make_error_code(Errc::kInvalidUrl);
        if (!after.empty()) port_text = after.substr(1);
        host = NormalizeIpLiteral(authority.substr(1, close - 1));
    } else {
        const std::size_t colon = authority.find(':');
        const std::string_view host_text = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        if (host_text.empty()) return make_error_code(Errc::kUrlMissingHost);
        host = NormalizeNameOrIpv4(host_text);
    }
    if (!host) return host.error();
    const auto port = ParsePort(port_text);
    if (!port) return port.error();
    return HostPort{std::move(*host), *port};
}

Result<void> CheckHostAllowed(const std::string& host, const UrlPolicyOptions& options) {
    if (IsOwnHost(host, options)) return make_error_code(Errc::kUrlSelfReference);
    if (options.blocklist) {
        if (auto list = options.blocklist->Current(); list && list->Matches(host)) {
            return make_error_code(Errc::kUrlBlocked);
        }
    }
    if (options.shorteners && options.shorteners->Matches(host)) return make_error_code(Errc::kUrlShortener);
    return {};
}

// The normalized URL: lower-case scheme, normalized host, the port unless it is the scheme's default, and the
// path, query and fragment leniently percent-encoded.
Result<std::string> Rebuild(const UrlParts& parts, const HostPort& host, std::size_t size_hint) {
    std::string out;
    out.reserve(size_hint + 16);
    out += parts.scheme;
    out += "://";
    out += host.host;
    const std::uint32_t default_port = parts.scheme == "https" ? kHttpsDefaultPort : kHttpDefaultPort;
    if (host.port && *host.port != default_port) {
        out += ':';
        out += std::to_string(*host.port);
    }
    const std::size_t tail_start = out.size();
    if (parts.path.empty()) {
        out += '/';
    } else {
        AppendLenientlyEncoded(parts.path, Component::kPath, out);
    }
    if (parts.query) {
        out += '?';
        AppendLenientlyEncoded(*parts.query, Component::kQuery, out);
    }
    if (parts.fragment) {
        out += '#';
        AppendLenientlyEncoded(*parts.fragment, Component::kFragment, out);
    }
    // By construction this always passes; it guards the encoder against drifting from RFC 3986. The tail goes
    // behind a neutral host so Boost's IPv4-prefix split cannot swallow our host into the checked path, and
    // parse_uri rather than parse_absolute_uri because the latter refuses every fragment.
    if (!boost::urls::parse_uri("http://h" + out.substr(tail_start))) return make_error_code(Errc::kInvalidUrl);
    return out;
}

}  // namespace

Result<std::string> NormalizeDomainHost(std::string_view input) {
    if (input.empty() || input.size() > kMaxHostLength + 1) return make_error_code(Errc::kInvalidDomain);
    // Only a name: no scheme, user-info, port, path, IP literal or percent-encoding.
    if (input.find_first_of("/?#@%:[] \t\r\n") != std::string_view::npos) return make_error_code(Errc::kInvalidDomain);
    if (boost::urls::parse_ipv4_address(input)) return make_error_code(Errc::kInvalidDomain);
    auto normalized = NormalizeNameOrIpv4(input);
    if (!normalized) return make_error_code(Errc::kInvalidDomain);
    std::string host(HostIdentity(*normalized));
    if (host.empty() || host.find('.') == std::string::npos) return make_error_code(Errc::kInvalidDomain);
    return host;
}

Result<std::string> CheckUrl(std::string_view input, const UrlPolicyOptions& options) {
    if (auto shape = CheckShape(input, options); !shape) return shape.error();
    auto parts = SplitUrl(input);
    if (!parts) return parts.error();
    auto host = ParseAuthority(parts->authority);
    if (!host) return host.error();
    if (auto allowed = CheckHostAllowed(host->host, options); !allowed) return allowed.error();
    return Rebuild(*parts, *host, input.size());
}

}  // namespace shortener::core
