#pragma once
/// @file
/// @brief Accounts, API keys and sessions in PostgreSQL (migration 0006), distributed mode.

#include <memory>

#include "store/auth_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

class PostgresAuthStore final : public AuthStore {
  public:
    explicit PostgresAuthStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<core::Result<User>> CreateUser(const NewUser& user) override;
    Task<std::optional<User>> FindUserByEmail(std::string_view email) override;
    Task<std::vector<User>> ListUsers() override;
    Task<ApiKey> CreateApiKey(const NewApiKey& key) override;
    Task<std::optional<ApiKeyWithUser>> FindApiKey(std::string_view key_hash) override;
    Task<std::vector<ApiKey>> ListApiKeys(std::optional<std::int64_t> user_id) override;
    Task<bool> RevokeApiKey(std::int64_t id, std::optional<std::int64_t> user_id, core::TimePoint at) override;
    Task<std::optional<ApiKey>> SetApiKeyRateLimit(std::int64_t id, std::optional<std::int64_t> user_id,
                                                   std::optional<std::string> rate_limit) override;
    Task<void> TouchApiKey(std::int64_t id, core::TimePoint at) override;
    Task<std::optional<User>> FindUserByIdentity(std::string_view issuer, std::string_view subject) override;
    Task<bool> LinkIdentity(std::int64_t user_id, std::string_view issuer, std::string_view subject,
                            core::TimePoint at) override;
    Task<core::Result<User>> CreateUserWithIdentity(const NewUser& user, std::string_view issuer,
                                                    std::string_view subject) override;
    Task<bool> SetUserAdmin(std::int64_t user_id, bool is_admin) override;
    Task<void> CreateSession(const NewSession& session) override;
    Task<std::optional<SessionWithUser>> FindSession(std::string_view token_hash, core::TimePoint now) override;
    Task<void> DeleteSession(std::string_view token_hash) override;
    Task<std::size_t> PurgeExpiredSessions(core::TimePoint now) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
