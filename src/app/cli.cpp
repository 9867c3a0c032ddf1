#include "app/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "app/adapters.hpp"
#include "store/postgres/postgres_auth_store.hpp"
#include "store/postgres/postgres_domain_store.hpp"
#include "store/postgres/postgres_link_store.hpp"
#include "store/postgres/postgres_stores.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_domain_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace shortener::app {

int ExitStatusOf(const std::function<int()>& command) {
    try {
        return command();
    } catch (const UsageError& e) {
        std::fprintf(stderr, "shortener: %s\n", e.what());
        return 2;
    } catch (const std::invalid_argument& e) {  // LoadConfig
        std::fprintf(stderr, "shortener: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "shortener: %s\n", e.what());
        return 1;
    }
}

std::optional<std::string> CommandArgs::Value(std::string_view flag) const {
    for (const auto& [f, v] : values) {
        if (f == flag) return v;
    }
    return std::nullopt;
}

bool CommandArgs::Switch(std::string_view flag) const {
    return std::find(switches.begin(), switches.end(), flag) != switches.end();
}

CommandArgs SplitArgs(const std::vector<std::string>& args, std::initializer_list<std::string_view> value_flags,
                      std::initializer_list<std::string_view> switch_flags) {
    CommandArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        std::string flag = arg.substr(0, arg.find('='));
        if (std::find(value_flags.begin(), value_flags.end(), flag) != value_flags.end()) {
            if (arg.size() > flag.size()) {
                out.values.emplace_back(flag, arg.substr(flag.size() + 1));
            } else {
                if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
                out.values.emplace_back(flag, args[++i]);
            }
        } else if (std::find(switch_flags.begin(), switch_flags.end(), arg) != switch_flags.end()) {
            out.switches.push_back(arg);
        } else if (arg.rfind("--", 0) == 0) {
            out.rest.push_back(arg);  // a setting: its value may be the next argument
            if (arg.find('=') == std::string::npos && i + 1 < args.size()) out.rest.push_back(args[++i]);
        } else {
            out.positional.push_back(arg);
        }
    }
    return out;
}

CliStores OpenCliStores(const Config& config) {
    CliStores s;
    if (!config.database_url.empty()) {
        store::PostgresOptions options = PostgresOptionsOf(config);
        options.pool_size = 1;
        store::MigratePostgres(options);
        auto pool = std::make_shared<store::PgPool>(options);
        s.auth = std::make_unique<store::PostgresAuthStore>(pool);
        s.links = std::make_unique<store::PostgresLinkStore>(pool);
        s.domains = std::make_unique<store::PostgresDomainStore>(pool);
        s.keep = pool;
        return s;
    }
    std::filesystem::create_directories(config.data_dir);
    auto db = std::make_shared<store::SqliteDb>((std::filesystem::path(config.data_dir) / "shortener.db").string());
    db->Migrate(store::SqliteMigrations());
    s.auth = std::make_unique<store::SqliteAuthStore>(db);
    s.links = std::make_unique<store::SqliteLinkStore>(db);
    s.domains = std::make_unique<store::SqliteDomainStore>(db);
    s.keep = db;
    return s;
}

}  // namespace shortener::app
