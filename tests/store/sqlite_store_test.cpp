// The store contract (store_contract.hpp) over the SQLite adapter, plus SQLite-only checks.

#include <filesystem>
#include <random>

#include "auth_contract.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "store_contract.hpp"

namespace shortener::store {
namespace {

using contract::RawClick;

class TempDir {
  public:
    TempDir() {
        std::random_device rd;
        path_ =
            std::filesystem::temp_directory_path() / ("shortener-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

class SqliteBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        links_ = std::make_unique<SqliteLinkStore>(db_);
        clicks_ = std::make_unique<SqliteClickStore>(db_);
    }
    void Close() {
        links_.reset();
        clicks_.reset();
        db_.reset();
    }
    LinkStore& links() { return *links_; }
    ClickStore& clicks() { return *clicks_; }
    RawClick FirstRawClick(core::LinkId link) {
        auto c = db_->Acquire();
        auto row = c->Prepare("SELECT country, device, city, user_agent FROM clicks WHERE link_id = ? LIMIT 1");
        row.Bind(1, link);
        if (!row.Step()) throw std::runtime_error("no click stored");
        RawClick r{row.Text(0), row.Text(1), std::nullopt, row.Text(3)};
        if (!row.IsNull(2)) r.city = row.Text(2);
        return r;
    }

  private:
    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteLinkStore> links_;
    std::unique_ptr<SqliteClickStore> clicks_;
};

class SqliteAuthBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        auth_ = std::make_unique<SqliteAuthStore>(db_);
    }
    void Close() {
        auth_.reset();
        db_.reset();
    }
    AuthStore& auth() { return *auth_; }

  private:
    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteAuthStore> auth_;
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Types<SqliteBackend>);
}  // namespace contract
namespace auth_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, AuthStoreContract, ::testing::Types<SqliteAuthBackend>);
}  // namespace auth_contract

namespace {

TEST(SqliteStore, UnopenableDatabaseThrows) { EXPECT_THROW(SqliteDb("/proc/definitely/not/here.db"), SqliteError); }

}  // namespace
}  // namespace shortener::store
