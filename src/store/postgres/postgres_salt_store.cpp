#include "store/postgres/postgres_salt_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <stdexcept>

namespace shortener::store {
namespace {

// Inserts the candidate unless the day has a salt, and returns the day's salt. If another worker inserted
// one after this statement's snapshot was taken, neither part returns a row: the caller runs it again.
constexpr PgStatement kGetOrCreate{
    "salt_get_or_create",
    "WITH ins AS (INSERT INTO visitor_salts (day, salt) VALUES ($1, decode($2, 'hex')) ON CONFLICT (day) DO NOTHING "
    "RETURNING salt) "
    "SELECT encode(salt, 'hex') FROM ins UNION ALL SELECT encode(salt, 'hex') FROM visitor_salts WHERE day = $1"};

constexpr PgStatement kForgetBefore{"salt_forget_before", "DELETE FROM visitor_salts WHERE day < $1"};

// Runs one statement on a private event loop: the pool waits on the caller's executor, here this one.
PgResult RunBlocking(PgPool& pool, const PgStatement& statement, const PgParams& params) {
    boost::asio::io_context context(1);
    std::optional<PgResult> result;
    std::exception_ptr error;
    boost::asio::co_spawn(context, pool.Execute(statement, params), [&](const std::exception_ptr& e, PgResult r) {
        error = e;
        if (!e) result.emplace(std::move(r));
    });
    context.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

std::string ToHex(const enrich::Salt& salt) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (auto b : salt) {
        hex.push_back(kDigits[b >> 4]);
        hex.push_back(kDigits[b & 15]);
    }
    return hex;
}

enrich::Salt FromHex(std::string_view hex) {
    enrich::Salt salt{};
    if (hex.size() != salt.size() * 2) throw std::runtime_error("visitor_salts: malformed salt");
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw std::runtime_error("visitor_salts: malformed salt");
    };
    for (std::size_t i = 0; i < salt.size(); ++i) {
        salt[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return salt;
}

}  // namespace

enrich::Salt PostgresSaltStore::GetOrCreate(std::int64_t utc_day, const enrich::Salt& candidate) {
    PgParams params{std::to_string(utc_day), ToHex(candidate)};
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto r = RunBlocking(*pool_, kGetOrCreate, params);
        if (r.Rows() > 0) return FromHex(r.Text(0, 0));
    }
    throw std::runtime_error("visitor_salts: no salt after three attempts");
}

void PostgresSaltStore::ForgetBefore(std::int64_t utc_day) {
    PgParams params{std::to_string(utc_day)};
    RunBlocking(*pool_, kForgetBefore, params);
}

}  // namespace shortener::store
