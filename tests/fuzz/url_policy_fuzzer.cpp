// libFuzzer target: the URL policy (core::CheckUrl). The first input byte picks policy options; the rest is
// the URL. Beyond "no crash, no UB, no leak", an accepted URL must be in normal form: http(s), no
// whitespace or control bytes, no credentials, and checking it again gives the same string.

#include <boost/url/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/url_policy.hpp"

namespace {

using shortener::core::CheckUrl;
using shortener::core::UrlPolicyOptions;

void Require(bool condition, const char* what, std::string_view url = {}) {
    if (!condition) {
        const std::string text(url);  // not %.*s: a default string_view's data() is null
        std::fprintf(stderr, "invariant violated: %s\nnormal form: %s\n", what, text.c_str());
        std::abort();
    }
}

UrlPolicyOptions OptionsFor(std::uint8_t selector) {
    UrlPolicyOptions options;
    switch (selector % 4) {
        case 0:
            options.own_hosts = {"sho.rt"};
            break;
        case 1:
            options.own_hosts = {"sho.rt", "xn--bcher-kva.example", "127.0.0.1"};
            break;
        case 2:
            options.own_hosts = {};
            break;
        case 3:
            options.own_hosts = {"localhost", "[::1]"};
            break;
    }
    options.max_length = (selector & 4) ? 64 : 4096;
    return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const UrlPolicyOptions options = OptionsFor(data[0]);
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    auto checked = CheckUrl(input, options);
    if (!checked) return 0;
    const std::string& url = *checked;
    Require(url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0, "accepted URL is http(s)", url);
    for (unsigned char c : url) Require(c > 0x20 && c != 0x7F, "accepted URL has no whitespace or controls", url);
    auto parsed = boost::urls::parse_uri(url);  // not parse_absolute_uri: absolute-URI has no fragment
    Require(parsed.has_value(), "accepted URL parses as a URI", url);
    Require(!parsed->has_userinfo(), "accepted URL has no credentials", url);
    Require(!parsed->encoded_host().empty(), "accepted URL has a host", url);
    // Normal form is a fixed point (the length limit applies to the input as given, and punycode can make
    // the normal form longer, so the second check lifts it).
    UrlPolicyOptions unlimited = options;
    unlimited.max_length = 1 << 20;
    auto again = CheckUrl(url, unlimited);
    Require(again.has_value(), "the normal form is accepted again", url);
    Require(*again == url, "the normal form is a fixed point", url);
    return 0;
}
