// libFuzzer target: certificate-name matching of the TLS listener (http/tls_names.hpp, issue #14). The input is a
// TLS server name (as a client sends it in SNI), a newline, then a file name as found in SHORTENER_TLS_DIR. Checked
// against the documented rules: a name is served by its exact file, then the wildcard of its parent (one label),
// then the default, and only file names that stand for such stems are ever used.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/tls_names.hpp"

namespace {

namespace http = shortener::http;

void Require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

bool IsHostName(std::string_view s) {
    if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
    std::size_t label = 0;
    for (char c : s) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') || ++label > 63) return false;
    }
    return true;
}

void CheckServerName(std::string_view name) {
    const auto normalized = http::NormalizeServerName(name);
    if (normalized) {
        Require(IsHostName(*normalized), "a normalized name is a lower-case host name");
        Require(http::NormalizeServerName(*normalized) == normalized, "normalizing is idempotent");
    }
    const auto stems = http::CertificateStems(name);
    Require(!stems.empty() && stems.back() == http::kDefaultCertificate, "the default comes last");
    Require(stems.size() <= 3, "at most exact, wildcard, default");
    Require(normalized || stems.size() == 1, "an invalid name gets the default only");
    if (normalized) Require(stems.front() == *normalized, "the exact name comes first");
    for (const auto& stem : stems) {
        Require(http::CertificateStemOf(stem + ".crt") == stem, "every candidate is a file stem");
    }
    if (stems.size() == 3) {
        const std::string& wildcard = stems[1];
        const std::string_view parent = std::string_view(*normalized).substr(normalized->find('.') + 1);
        Require(wildcard == "_." + std::string(parent), "the wildcard is the parent of the exact name");
        Require(parent.find('.') != std::string_view::npos, "no wildcard for a top-level domain");
    }
}

void CheckFileName(std::string_view file) {
    const auto stem = http::CertificateStemOf(file);
    if (!stem) return;
    Require(file.ends_with(".crt") || file.ends_with(".key"), "only .crt and .key files");
    Require(http::CertificateStemOf(*stem + ".key") == stem, "a stem is a fixed point");
    if (*stem == http::kDefaultCertificate) return;
    if (stem->starts_with("_.")) {
        const std::string domain = stem->substr(2);
        Require(IsHostName(domain) && domain.find('.') != std::string::npos, "a wildcard covers a domain");
        const std::string child = "x." + domain;
        if (child.size() <= 253) {
            const auto stems = http::CertificateStems(child);
            Require(stems.size() == 3 && stems[1] == *stem, "a wildcard file serves its children");
        }
        return;
    }
    Require(IsHostName(*stem), "a host file names a host");
    Require(http::CertificateStems(*stem).front() == *stem, "a host file serves its host");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    CheckServerName(input.substr(0, nl));
    if (nl != std::string_view::npos) CheckFileName(input.substr(nl + 1));
    return 0;
}
