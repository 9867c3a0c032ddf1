#include "store/sqlite/sqlite_salt_store.hpp"

#include <stdexcept>

namespace shortener::store {
namespace {

constexpr const char* kInsertSalt = "INSERT INTO visitor_salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING";
constexpr const char* kSelectSalt = "SELECT salt FROM visitor_salts WHERE day = ?";
constexpr const char* kDeleteOldSalts = "DELETE FROM visitor_salts WHERE day < ?";

std::string ToHex(const enrich::Salt& salt) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (auto b : salt) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

enrich::Salt FromHex(const std::string& hex) {
    enrich::Salt salt{};
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw std::runtime_error("visitor_salts: malformed salt");
    };
    if (hex.size() != salt.size() * 2) throw std::runtime_error("visitor_salts: malformed salt");
    for (std::size_t i = 0; i < salt.size(); ++i) {
        salt[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
    }
    return salt;
}

}  // namespace

enrich::Salt SqliteSaltStore::GetOrCreate(std::int64_t day, const enrich::Salt& candidate) {
    auto c = db_.AcquireWriter();
    return WriteTransaction(*c, [&] {
        c->Prepare(kInsertSalt).Bind(1, day).Bind(2, std::string_view(ToHex(candidate))).Run();
        auto select = c->Prepare(kSelectSalt);
        select.Bind(1, day);
        if (!select.Step()) throw std::runtime_error("visitor_salts: salt vanished");
        return FromHex(select.Text(0));
    });
}

void SqliteSaltStore::ForgetBefore(std::int64_t day) {
    auto c = db_.AcquireWriter();
    c->Prepare(kDeleteOldSalts).Bind(1, day).Run();
}

}  // namespace shortener::store
