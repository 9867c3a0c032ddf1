#pragma once
/// @file
/// @brief Headers every response gets where it is finished (Dispatch and the session's own error answers), so
/// that no handler can forget them (issue #7): security headers on documents, nosniff on every body, and the
/// CORS headers of SHORTENER_CORS_ORIGINS on /api/.

#include <optional>
#include <string_view>

#include "http/request.hpp"
#include "http/router.hpp"

namespace shortener::http {

/// The Content-Security-Policy of a document that brings none of its own: nothing may load or run but inline
/// styles and same-origin images; forms post only to us; no framing.
inline constexpr std::string_view kDefaultDocumentCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/// Adds what is missing: `X-Content-Type-Options: nosniff` on every response with a body; on documents (HTML,
/// SVG, XML: types a browser renders and may run scripts in) also a Content-Security-Policy (kDefaultDocumentCsp
/// unless the response has its own), `Referrer-Policy: strict-origin-when-cross-origin` and
/// `X-Frame-Options: DENY`. A response without body or type (a redirect, 204, 304) is left as it is, so the
/// redirect hot path pays two comparisons and no bytes.
void ApplySecurityHeaders(Response& response);

/// True if `response` has a header of this name (ASCII case-insensitive), among `headers` only.
bool HasHeader(const Response& response, std::string_view name) noexcept;

/// The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) for an /api/ path,
/// when `cors` allows the origin and the path exists; nullopt otherwise (the request is routed as usual).
std::optional<Response> CorsPreflight(const Router& router, const Request& request);

/// Adds the CORS headers to a response to an /api/ request from an allowed origin (and `Vary: Origin` to every
/// /api/ response while CORS is configured). Does nothing when no origins are configured.
void ApplyCors(const CorsPolicy& cors, const Request& request, Response& response);

}  // namespace shortener::http
