#include "http/framing.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "http/error_response.hpp"

namespace shortener::http {
namespace {

bool IsAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) noexcept { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsUnreserved(char c) noexcept { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool IsSubDelim(char c) noexcept { return std::strchr("!$&'()*+,;=", c) != nullptr && c != '\0'; }

// RFC 9110 §5.6.2.
bool IsTchar(char c) noexcept {
    return IsAlpha(c) || IsDigit(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4address is a subset.
bool IsRegName(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !IsHexDigit(s[i + 1]) || !IsHexDigit(s[i + 2])) return false;
            i += 2;
        } else if (!IsUnreserved(s[i]) && !IsSubDelim(s[i])) {
            return false;
        }
    }
    return true;
}

// RFC 3986 §3.2.3: port = *DIGIT; a TCP port besides, so at most 65535.
bool IsPort(std::string_view s) noexcept {
    unsigned value = 0;
    for (char c : s) {
        if (!IsDigit(c)) return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 65535) return false;
    }
    return true;
}

// RFC 3986 §3.2.2: the inside of IP-literal = "[" ( IPv6address / IPvFuture ) "]". inet_pton accepts exactly
// RFC 4291's text forms (no zone id), which is IPv6address.
bool IsIpLiteral(std::string_view s) noexcept {
    if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) {
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        std::size_t i = 1;
        while (i < s.size() && IsHexDigit(s[i])) ++i;
        if (i == 1 || i + 1 >= s.size() || s[i] != '.') return false;
        for (++i; i < s.size(); ++i) {
            if (!IsUnreserved(s[i]) && !IsSubDelim(s[i]) && s[i] != ':') return false;
        }
        return true;
    }
    char text[INET6_ADDRSTRLEN + 1];
    if (s.empty() || s.size() >= sizeof text) return false;
    std::memcpy(text, s.data(), s.size());
    text[s.size()] = '\0';
    in6_addr address;
    return ::inet_pton(AF_INET6, text, &address) == 1;
}

// Moves `i` past the quoted-string starting at v[i] (RFC 9110 §5.6.4); false if it is malformed.
bool SkipQuotedString(std::string_view v, std::size_t& i) noexcept {
    for (++i; i < v.size(); ++i) {
        const auto c = static_cast<unsigned char>(v[i]);
        if (c == '"') {
            ++i;
            return true;
        }
        if (c == '\\') {
            if (++i == v.size()) return false;
            const auto e = static_cast<unsigned char>(v[i]);
            if (e != '\t' && (e < 0x20 || e == 0x7f)) return false;
        } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
            return false;
        }
    }
    return false;
}

}  // namespace

bool IsValidHost(std::string_view value) noexcept {
    std::string_view rest;
    if (!value.empty() && value[0] == '[') {
        const auto close = value.find(']');
        if (close == std::string_view::npos || !IsIpLiteral(value.substr(1, close - 1))) return false;
        rest = value.substr(close + 1);
    } else {
        const auto colon = value.find(':');
        if (!IsRegName(value.substr(0, colon))) return false;
        if (colon == std::string_view::npos) return true;
        rest = value.substr(colon);
    }
    return rest.empty() || (rest[0] == ':' && IsPort(rest.substr(1)));
}

void HeadFraming::OnHost(std::string_view value) noexcept {
    if (++host_count_ > 1) return Fail(FramingError::kHostRepeated);
    if (!IsValidHost(value)) Fail(FramingError::kHostInvalid);
}

// Transfer-Encoding = #transfer-coding; transfer-coding = token *( OWS ";" OWS transfer-parameter );
// transfer-parameter = token BWS "=" BWS ( token / quoted-string ) (RFC 9110 §5.6.1, §10.1.4; RFC 9112 §7).
// Empty list elements are ignored, as §5.6.1 asks of recipients.
void HeadFraming::OnTransferEncoding(std::string_view v) noexcept {
    transfer_encoding_ = true;
    std::size_t i = 0;
    auto skip_ows = [&] {
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    };
    auto token = [&] {
        const std::size_t start = i;
        while (i < v.size() && IsTchar(v[i])) ++i;
        return v.substr(start, i - start);
    };
    for (;;) {
        skip_ows();
        const std::string_view coding = token();
        bool parameters = false;
        skip_ows();
        while (!coding.empty() && i < v.size() && v[i] == ';') {
            parameters = true;
            ++i;
            skip_ows();
            const bool named = !token().empty();
            skip_ows();
            if (!named || i == v.size() || v[i] != '=') return void(codings_malformed_ = true);
            ++i;
            skip_ows();
            const bool valued = i < v.size() && v[i] == '"' ? SkipQuotedString(v, i) : !token().empty();
            if (!valued) return void(codings_malformed_ = true);
            skip_ows();
        }
        if (i < v.size() && v[i] != ',') return void(codings_malformed_ = true);
        if (!coding.empty()) {
            ++codings_;
            last_is_chunked_ = !parameters && IEquals(coding, "chunked");
        }
        if (i == v.size()) return;
        ++i;  // ','
    }
}

// The order of the checks decides which answer a head with several faults gets. RFC 9112 makes every 400 below
// a MUST and the 501 a SHOULD, so the 400s come first:
// - Host (§3.2): an HTTP/1.1 request without Host, or any request with two Host lines or an invalid one, MUST
//   get 400.
// - §6.1: Transfer-Encoding in an HTTP/1.0 request MUST be treated as faulty framing → 400 and close.
// - §6.1/§6.3 item 3: Transfer-Encoding with Content-Length "ought to be handled as an error" (a server MAY
//   reject it): they disagree about where the body ends, the classic smuggling vector → 400 and close.
// - §6.3 item 4: a request whose Transfer-Encoding does not end in chunked has no determinable length → MUST
//   400 and close. That covers identity, gzip, xchunked, "chunked, identity", an empty or malformed list, and
//   chunked with parameters (chunked defines none).
// - §6.1: a coding the server does not understand SHOULD get 501. With chunked last, any other coding before
//   it (e.g. "gzip, chunked") is one we do not implement, and so is chunked applied twice (a sender MUST NOT
//   do that): 501 and close, since the body's bytes cannot be read as we would have to.
// - Finally Beast's own reading must agree that the body is chunked; if it does not, the framing is faulty.
FramingError HeadFraming::Check(int version, bool parser_chunked) const noexcept {
    if (early_ != FramingError::kNone) return early_;
    if (version >= 11 && host_count_ == 0) return FramingError::kHostMissing;
    if (!transfer_encoding_) return FramingError::kNone;
    if (version < 11) return FramingError::kTransferEncodingInHttp10;
    if (content_length_) return FramingError::kTransferEncodingWithContentLength;
    if (codings_malformed_ || !last_is_chunked_) return FramingError::kChunkedNotFinal;
    if (codings_ > 1) return FramingError::kUnimplementedCoding;
    if (!parser_chunked) return FramingError::kChunkedNotFinal;
    return FramingError::kNone;
}

Response FramingErrorResponse(FramingError e) {
    using core::Errc;
    switch (e) {
        case FramingError::kNone:
            break;
        case FramingError::kObsFold:
            return ErrorResponse(Errc::kInvalidRequest, "Obsolete line folding in a header field is not allowed.");
        case FramingError::kHostMissing:
            return ErrorResponse(Errc::kInvalidRequest, "An HTTP/1.1 request needs a Host header.");
        case FramingError::kHostRepeated:
            return ErrorResponse(Errc::kInvalidRequest, "A request may have only one Host header.");
        case FramingError::kHostInvalid:
            return ErrorResponse(Errc::kInvalidRequest, "The Host header is not a valid host and optional port.");
        case FramingError::kTransferEncodingInHttp10:
            return ErrorResponse(Errc::kInvalidRequest, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
        case FramingError::kTransferEncodingWithContentLength:
            return ErrorResponse(Errc::kInvalidRequest,
                                 "A request may not have both Transfer-Encoding and Content-Length.");
        case FramingError::kChunkedNotFinal:
            return ErrorResponse(Errc::kInvalidRequest, "The final transfer coding of a request must be chunked.");
        case FramingError::kUnimplementedCoding:
            return ErrorResponse(Errc::kNotImplemented, "Only the chunked transfer coding is supported.");
    }
    return ErrorResponse(Errc::kInvalidRequest, "Malformed HTTP request.");
}

}  // namespace shortener::http
