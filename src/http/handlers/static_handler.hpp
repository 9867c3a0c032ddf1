#pragma once
/// @file
/// @brief Serves the web UI's static export (frontend/out) from memory: content types, gzip siblings,
/// ETags, long-lived caching for hashed assets, security headers on HTML.

#include <string>

#include "http/router.hpp"

namespace shortener::http {

/// `frontend/out` of the source tree this binary was built from (the default of SHORTENER_WEB_DIR).
std::string BuiltInWebDir();

/// Loads the export in `dir` and adds `/`, its top-level files, `/app...` and `/_next/...`. Returns false
/// (and adds nothing) when `dir` holds no index.html, so the caller can fall back to the built-in page.
/// Add these routes before the catch-all redirect route.
bool AddStaticRoutes(Router& router, const std::string& dir);

}  // namespace shortener::http
