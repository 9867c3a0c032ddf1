#pragma once
/// @file
/// @brief The one table from domain error to HTTP status, and the error body
/// {"error": {"code": "...", "message": "..."}}.

#include <string>
#include <string_view>

#include "core/errc.hpp"
#include "http/request.hpp"

namespace shortener::http {

unsigned StatusFor(core::Errc e) noexcept;

/// JSON error response; `message` overrides the default human text of the code.
Response ErrorResponse(core::Errc e, std::string_view message = {});
Response ErrorResponse(const boost::system::error_code& ec, std::string_view message = {});

/// "Unknown <what> \"name\"." when the client's field name is a plain name ([a-z_]{1,40}), otherwise
/// "Unknown <what>." without the name: error messages never echo arbitrary client text (an unknown field named
/// "<script>…" would be reflected into whatever shows the message).
std::string UnknownFieldMessage(std::string_view what, std::string_view name);

/// The small HTML page browsers get for an unknown (404) or gone (410) short link.
Response ShortLinkErrorPage(core::Errc e);

}  // namespace shortener::http
