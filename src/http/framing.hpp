#pragma once
/// @file
/// @brief The request framing rules of RFC 9112 that Beast's parser leaves to us: Transfer-Encoding (§6.1,
/// §6.3), Host (§3.2) and obsolete line folding (§5.2). No Beast here, so the rules are tested without sockets;
/// session.cpp feeds them one field at a time while Beast parses the head.

#include <cstdint>
#include <string_view>

#include "http/request.hpp"

namespace shortener::http {

/// Why a request head is refused. Every one of them ends the connection: after a framing error the server
/// cannot know where the next request would start, so nothing after it on the connection is read as one.
enum class FramingError : std::uint8_t {
    kNone,
    kObsFold,                            // 400: a field line continued by obsolete line folding (§5.2)
    kHostMissing,                        // 400: an HTTP/1.1 request without Host (§3.2)
    kHostRepeated,                       // 400: more than one Host field line (§3.2)
    kHostInvalid,                        // 400: Host is not uri-host [ ":" port ] (§3.2)
    kTransferEncodingInHttp10,           // 400: faulty framing by definition (§6.1)
    kTransferEncodingWithContentLength,  // 400: a smuggling attempt (§6.1, §6.3 item 3)
    kChunkedNotFinal,                    // 400: the body length cannot be determined (§6.3 item 4)
    kUnimplementedCoding,                // 501: a transfer coding besides one final chunked (§6.1)
};

/// True if `value` is a valid Host field value: uri-host [ ":" port ] (RFC 9112 §3.2), where uri-host is
/// RFC 3986's host (reg-name, IPv4address, or an IP-literal in brackets: IPv6address or IPvFuture) and port
/// is *DIGIT, here also at most 65535. The empty value is valid (RFC 9112 §3.2 sends it for a target URI
/// without authority). Allocates nothing.
bool IsValidHost(std::string_view value) noexcept;

/// The framing facts of one request head, collected field by field as the parser reports them; allocates
/// nothing and looks at each field value once.
class HeadFraming {
  public:
    /// A Host field line.
    void OnHost(std::string_view value) noexcept;
    /// A Transfer-Encoding field line; several lines form one list, in order (RFC 9110 §5.3).
    void OnTransferEncoding(std::string_view value) noexcept;
    /// A Content-Length field line (its value is Beast's to check).
    void OnContentLength() noexcept { content_length_ = true; }
    /// A field line continued by obsolete line folding.
    void OnObsFold() noexcept { Fail(FramingError::kObsFold); }

    /// An error already certain before the head ends (obs-fold, a second or an invalid Host): the parser
    /// should stop at once.
    FramingError early() const noexcept { return early_; }
    /// The verdict on the whole head: `version` as 10 or 11, `parser_chunked` whether Beast will read the
    /// body as chunked. kNone means the body is framed as Beast will read it.
    FramingError Check(int version, bool parser_chunked) const noexcept;

  private:
    void Fail(FramingError e) noexcept {
        if (early_ == FramingError::kNone) early_ = e;
    }

    FramingError early_ = FramingError::kNone;
    unsigned host_count_ = 0;
    bool content_length_ = false;
    bool transfer_encoding_ = false;
    bool codings_malformed_ = false;  // a list element that is not token *( OWS ";" OWS parameter )
    unsigned codings_ = 0;            // non-empty list elements over all Transfer-Encoding lines
    bool last_is_chunked_ = false;    // the last of them is exactly "chunked" (no parameters)
};

/// The error response for a framing error: 400 invalid_request, or 501 not_implemented for
/// kUnimplementedCoding. The message names the rule, never the request's own header values.
Response FramingErrorResponse(FramingError e);

}  // namespace shortener::http
