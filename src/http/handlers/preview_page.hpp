#pragma once
/// @file
/// @brief The social preview page (issue #17): what link-preview fetchers (Slackbot, Twitterbot,
/// facebookexternalhit, …) get instead of the redirect for a link with og_title, og_description or og_image.

#include <string_view>

#include "core/link.hpp"
#include "http/request.hpp"

namespace shortener::http {

/// The page's Content-Security-Policy: nothing may load or run but https images (no script, no style, no form,
/// no frame).
inline constexpr std::string_view kPreviewPageCsp =
    "default-src 'none'; img-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// 200 with a small HTML document carrying the Open Graph tags (og:title, og:description, og:image, og:url =
/// `short_url`, og:type) and the Twitter card tags (twitter:card summary_large_image when there is an image, else
/// summary), every value HTML-escaped. A person who lands on it is sent on by `<meta http-equiv=refresh>` and a
/// link to `destination`; an empty `destination` (a password-protected link, whose destination is not for
/// fetchers) links to `short_url` instead and does not refresh. Carries kPreviewPageCsp; the caller sets
/// Cache-Control.
Response PreviewPage(const core::SocialPreview& preview, std::string_view short_url, std::string_view destination);

/// Appends `text` with & < > " ' escaped as HTML character references (safe in text and quoted attributes).
void AppendHtmlEscaped(std::string& out, std::string_view text);

}  // namespace shortener::http
