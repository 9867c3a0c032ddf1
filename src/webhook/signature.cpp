#include "webhook/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

namespace shortener::webhook {
namespace {

std::string Base64(std::span<const std::uint8_t> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::vector<std::uint8_t>> FromBase64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::vector<std::uint8_t> out(text.size() / 4 * 3);
    const int n =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t size = static_cast<std::size_t>(n);
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
    out.resize(size);
    return out;
}

}  // namespace

std::string SecretFromKey(std::span<const std::uint8_t> key) { return std::string(kSecretPrefix) + Base64(key); }

std::optional<std::string> Sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                                std::string_view body) {
    if (!secret.starts_with(kSecretPrefix)) return std::nullopt;
    auto key = FromBase64(secret.substr(kSecretPrefix.size()));
    if (!key || key->empty()) return std::nullopt;
    std::string message;
    message.reserve(id.size() + body.size() + 24);
    message.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size) == nullptr) {
        return std::nullopt;
    }
    return "v1," + Base64({mac, mac_size});
}

}  // namespace shortener::webhook
