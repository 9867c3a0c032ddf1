// The web UI. Until the Next.js dashboard is built into SHORTENER_WEB_DIR (issue #6), a small built-in
// page shortens links through the public API.

#include "http/handlers/handlers.hpp"

namespace shortener::http {
namespace {

constexpr std::string_view kSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

constexpr std::string_view kHomePage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>url-shortener</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--accent:#0969da;--err:#cf222e;--line:#d1d9e0}
@media(prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--accent:#4493f8;--err:#f85149;--line:#3d444d}}
body{font-family:system-ui,sans-serif;color:var(--fg);background:var(--bg);max-width:40rem;margin:12vh auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem;margin:0 0 1rem}
form{display:flex;gap:.5rem;flex-wrap:wrap}
input{flex:1 1 20rem;font:inherit;padding:.6rem .75rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:.6rem 1rem;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer}
#error{color:var(--err);min-height:1.5em;margin:.5rem 0}
#result a{color:var(--accent);font-size:1.2rem}
#result{margin:.5rem 0 1rem}
</style>
</head>
<body>
<main>
<h1>Shorten a link</h1>
<form id="shorten">
<label for="url" hidden>Long URL</label>
<input id="url" name="url" type="url" placeholder="https://example.com/a/very/long/link" required autofocus>
<button type="submit">Shorten</button>
</form>
<p id="error" role="alert"></p>
<p id="result" aria-live="polite"></p>
</main>
<script src="/assets/home.js"></script>
</body>
</html>
)html";

constexpr std::string_view kHomeScript = R"js(
document.getElementById('shorten').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('error');
  const result = document.getElementById('result');
  error.textContent = '';
  result.textContent = '';
  try {
    const response = await fetch('/api/v1/links', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({url: document.getElementById('url').value}),
    });
    const body = await response.json();
    if (!response.ok) { error.textContent = body.error ? body.error.message : 'Something went wrong.'; return; }
    const a = document.createElement('a');
    a.href = body.short_url;
    a.textContent = body.short_url;
    result.append(a);
  } catch (e) {
    error.textContent = 'The server could not be reached.';
  }
});
)js";

}  // namespace

void AddUiRoutes(Router& router, HandlerContext&) {
    router.Add({Method::kGet}, "/", "ui", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        Response r = Response::Html(200, std::string(kHomePage));
        r.headers.emplace_back("Content-Security-Policy", std::string(kSecurityPolicy));
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
        co_return r;
    });
    router.Add({Method::kGet}, "/assets/home.js", "ui_asset",
               [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
                   Response r = Response::Text(200, std::string(kHomeScript));
                   r.content_type = "text/javascript; charset=utf-8";
                   r.cache_control = "public, max-age=300";
                   r.headers.emplace_back("X-Content-Type-Options", "nosniff");
                   co_return r;
               });
}

}  // namespace shortener::http
