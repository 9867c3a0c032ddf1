#pragma once
/// @file
/// @brief The embedded-mode adapters: links and clicks in one SQLite file. Calls run synchronously on the
/// calling thread (SQLite is in-process and answers in microseconds); WAL mode lets readers run beside
/// the single writer.

#include <memory>

#include "store/link_store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

/// The schema migrations of the SQLite backend, compiled into the binary.
const std::vector<EmbeddedFile>& SqliteMigrations();

class SqliteLinkStore final : public LinkStore {
  public:
    explicit SqliteLinkStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<core::Result<core::Link>> Create(const core::NewLink& link) override;
    Task<std::vector<ImportedLink>> ImportMany(std::span<const core::NewLink> links) override;
    Task<std::vector<core::Result<core::Link>>> CreateMany(std::span<const core::NewLink> links) override;
    Task<std::optional<core::Link>> FindBySlug(std::string_view slug) override;
    Task<LinkPage> List(const ListQuery& query) override;
    Task<core::Result<core::Link>> Update(std::string_view slug, const core::LinkPatch& patch) override;
    Task<core::Result<void>> Delete(std::string_view slug, core::TimePoint at) override;
    Task<bool> TryConsumeUse(core::LinkId id) override;
    Task<bool> HasUsesLeft(core::LinkId id) override;
    Task<void> Ping() override;
    Task<IdempotencyRecord> ClaimIdempotencyKey(const IdempotencyKey& key, core::TimePoint now,
                                                core::TimePoint stale_before, core::TimePoint expires_at) override;
    Task<void> FinishIdempotencyKey(const IdempotencyKey& key, int status, std::string_view body,
                                    std::string_view location) override;
    Task<void> ReleaseIdempotencyKey(const IdempotencyKey& key) override;
    Task<std::size_t> PurgeIdempotencyKeys(core::TimePoint now) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

class SqliteClickStore final : public ClickStore {
  public:
    explicit SqliteClickStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<std::size_t> Record(std::span<const core::EnrichedClick> clicks) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
