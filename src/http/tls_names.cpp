#include "http/tls_names.hpp"

namespace shortener::http {
namespace {

bool IsLabelChar(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

std::optional<std::string> NormalizeServerName(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return std::nullopt;
    std::string out(name);
    std::size_t label = 0;
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0) return std::nullopt;
            label = 0;
        } else if (!IsLabelChar(c) || ++label > 63) {
            return std::nullopt;
        }
    }
    if (label == 0) return std::nullopt;
    return out;
}

std::vector<std::string> CertificateStems(std::string_view server_name) {
    std::vector<std::string> stems;
    if (auto name = NormalizeServerName(server_name)) {
        const auto dot = name->find('.');
        // "_.acme.com" covers "go.acme.com"; a parent with one label ("com") is never wildcarded.
        if (dot != std::string::npos && name->find('.', dot + 1) != std::string::npos) {
            stems.push_back("_" + name->substr(dot));
        }
        stems.insert(stems.begin(), std::move(*name));
    }
    stems.emplace_back(kDefaultCertificate);
    return stems;
}

std::optional<std::string> CertificateStemOf(std::string_view file_name) {
    std::string_view stem;
    for (std::string_view ext : {".crt", ".key"}) {
        if (file_name.size() > ext.size() && file_name.substr(file_name.size() - ext.size()) == ext) {
            stem = file_name.substr(0, file_name.size() - ext.size());
        }
    }
    if (stem.empty()) return std::nullopt;
    if (stem == kDefaultCertificate) return std::string(stem);
    const bool wildcard = stem.size() > 2 && stem[0] == '_' && stem[1] == '.';
    auto name = NormalizeServerName(wildcard ? stem.substr(2) : stem);
    if (!name || (stem.back() == '.')) return std::nullopt;
    if (wildcard) {
        if (name->find('.') == std::string::npos) return std::nullopt;  // "_.com" would cover a whole TLD
        return "_." + *name;
    }
    return name;
}

}  // namespace shortener::http
