#pragma once
/// @file
/// @brief What the CLI commands that work on the database share (`keys`, `users`, `import`): their argument split,
/// the stores of the configured database, and running one coroutine to completion.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "store/auth_store.hpp"
#include "store/domain_store.hpp"
#include "store/link_store.hpp"

namespace shortener::app {

/// A usage error: exit status 2 with this message.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Runs a command and turns what it throws into its exit status, with the message on stderr: 2 for a UsageError
/// or a bad setting (LoadConfig's std::invalid_argument), 1 for any other failure.
int ExitStatusOf(const std::function<int()>& command);

/// The command's own flags, taken out of `args`; what is left goes to LoadConfig (--data-dir, --database-url).
struct CommandArgs {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> values;  // --name N
    std::vector<std::string> switches;                        // --admin
    std::vector<std::string> rest;

    std::optional<std::string> Value(std::string_view flag) const;
    bool Switch(std::string_view flag) const;
};

/// Splits `args` into the command's value flags, switches, positional arguments and settings. Throws UsageError
/// when a value flag has no value.
CommandArgs SplitArgs(const std::vector<std::string>& args, std::initializer_list<std::string_view> value_flags,
                      std::initializer_list<std::string_view> switch_flags);

/// The stores of the configured database (SQLite in the data dir, or DATABASE_URL), migrated. Coroutines on them
/// run on the caller's io_context (see Run); `keep` owns the connection.
struct CliStores {
    std::shared_ptr<void> keep;
    std::unique_ptr<store::AuthStore> auth;
    std::unique_ptr<store::LinkStore> links;
    std::unique_ptr<store::DomainStore> domains;
};
CliStores OpenCliStores(const Config& config);

/// Runs `task` on a fresh io_context to completion; rethrows what it threw.
template <class T>
T Run(boost::asio::awaitable<T> task) {
    boost::asio::io_context io;
    std::optional<T> result;
    std::exception_ptr error;
    boost::asio::co_spawn(io, std::move(task), [&](const std::exception_ptr& e, T v) {
        error = e;
        if (!e) result.emplace(std::move(v));
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

}  // namespace shortener::app
