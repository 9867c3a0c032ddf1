#pragma once
/// @file
/// @brief The import flow shared by `shortener import` and POST /api/v1/imports: each row is checked by the rules a
/// new link of the API gets (URL policy, slug, tags, expiry, click limit, password), then stored in batches.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/slug.hpp"
#include "core/url_policy.hpp"
#include "import/formats.hpp"
#include "store/link_store.hpp"

namespace shortener::imports {

struct Options {
    const core::UrlPolicyOptions* url_policy = nullptr;  // required
    const core::SlugGenerator* slugs = nullptr;          // required: slugs of rows without one
    /// Short domains this server answers for (lower case): a row's domain must be empty or one of them, since
    /// links have no domain of their own yet; other rows fail with "unknown_domain".
    std::vector<std::string> domains;
    std::optional<std::int64_t> owner_id;  // owner of every new link
    bool dry_run = false;                  // check and classify every row, store nothing
    std::size_t batch_size = 1000;         // rows per LinkStore::ImportMany call (one transaction in SQLite)
    core::TimePoint now{};                 // created_at of rows without one; expiry must be after it
    /// Hashes a link password (argon2id); null: rows with a password fail.
    std::function<boost::asio::awaitable<std::string>(std::string)> hash_password;
    /// Awaited after each batch with the rows handled so far and the total (a progress bar, a job's progress row).
    std::function<boost::asio::awaitable<void>(std::size_t done, std::size_t total)> progress;
};

struct Failure {
    std::size_t line = 0;  // Row::line
    std::string code;      // an API error code (core::ErrcName), or "unknown_domain"
    std::string message;   // never quotes the row's text
};

/// A file of bad rows must not make a report as large as itself: failures past this many are counted, not listed.
inline constexpr std::size_t kMaxListedFailures = 1000;

struct Summary {
    std::size_t imported = 0;  // new links (in a dry run: would be)
    std::size_t skipped = 0;   // the same slug already leads to the same URL: an earlier run imported it
    std::size_t failed = 0;
    std::vector<Failure> failures;  // the first kMaxListedFailures of them, in file order
    bool dry_run = false;
};

/// The first slug tried for a row without one: derived from the owner and the URL (BLAKE2b, the generator's alphabet
/// and length, never a reserved word), so that importing the same file again finds its links and skips them instead
/// of creating them twice. A derived slug taken by another link gives way to random slugs.
std::string DerivedSlug(const std::optional<std::int64_t>& owner, std::string_view url, std::size_t length);

/// Imports `rows` into `links`. Backend errors propagate (core::BackendUnavailable); the batches stored before
/// stay, and running the import again skips them.
boost::asio::awaitable<Summary> Run(store::LinkStore& links, const std::vector<Row>& rows, const Options& options);

}  // namespace shortener::imports
