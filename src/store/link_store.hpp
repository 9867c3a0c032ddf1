#pragma once
/// @file
/// @brief Storage interfaces for links and clicks. Adapters: store/sqlite (embedded mode) and store/postgres
/// (distributed mode). One contract test suite runs over every adapter.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/click_event.hpp"
#include "core/enriched_click.hpp"
#include "core/errc.hpp"
#include "core/link.hpp"

namespace shortener::store {

template <class T>
using Task = boost::asio::awaitable<T>;

struct ListQuery {
    std::size_t limit = 50;
    std::optional<core::LinkId> before_id;  // cursor: only links with a smaller id
    std::string q;                          // substring of slug or long URL, case-insensitive; empty = all
    std::string tag;                        // exact tag; empty = any
    std::optional<std::int64_t> owner_id;   // set: only that owner's links; nullopt = every owner's
    std::optional<bool> broken;             // set: only links whose destination is (not) broken (docs/health.md)
};

/// One row of LinkStore::ImportMany: the new link, or (created = false) the link that already held its slug.
struct ImportedLink {
    bool created = false;
    core::Link link;
};

struct LinkPage {
    std::vector<core::Link> items;  // newest first
    std::optional<core::LinkId> next_before;
};

/// An Idempotency-Key of a create request (docs/api-spec.md "Idempotency"): whose it is, the key itself and
/// a digest of the request it was first used with.
struct IdempotencyKey {
    std::string owner;         // the caller ("u:42", "admin", "a:192.0.2.1"): keys of different callers never meet
    std::string key;           // the header value, validated by the caller (at most 255 printable bytes)
    std::string request_hash;  // hex SHA-256 of the method, path and body
};

/// What claiming a key found.
struct IdempotencyRecord {
    enum class State : std::uint8_t {
        kClaimed,     // the key is new (or expired, or abandoned): the caller runs the request and Finishes it
        kInProgress,  // another request holds the key and has not finished yet
        kDone,        // answered before: status, body and location are that answer
    };
    State state = State::kClaimed;
    std::string request_hash;  // kInProgress, kDone: the digest of the request that claimed the key
    int status = 0;
    std::string body;
    std::string location;  // the Location header of the answer; "" for none
};

/// Links. Implementations are thread-safe. Every method throws core::BackendUnavailable when the store
/// cannot be reached; domain outcomes come back as values. Callers must co_await each call at once
/// (string_view arguments are not copied).
class LinkStore {
  public:
    virtual ~LinkStore() = default;

    /// Inserts a link with the given slug (which must be set). kSlugTaken when the slug exists, deleted or not.
    virtual Task<core::Result<core::Link>> Create(const core::NewLink& link) = 0;

    /// Inserts each link (slug set) whose slug is free; for a slug that is taken (deleted or not) returns the link
    /// holding it, so that the caller can tell a re-import from a conflict. One result per input, in order. Meant
    /// for imports: adapters may batch the rows in one transaction (the default inserts them one by one). Rows
    /// before a thrown BackendUnavailable may or may not be stored.
    virtual Task<std::vector<ImportedLink>> ImportMany(std::span<const core::NewLink> links) {
        std::vector<ImportedLink> out;
        out.reserve(links.size());
        // One co_await per statement: GCC 12 miscompiles temporaries around a co_await inside a larger expression.
        for (const auto& link : links) {
            core::Result<core::Link> created = co_await Create(link);
            ImportedLink row;
            if (created) {
                row = {true, std::move(*created)};
            } else {
                std::optional<core::Link> holder = co_await FindBySlug(link.slug);
                if (holder) row.link = std::move(*holder);
            }
            out.push_back(std::move(row));
        }
        co_return out;
    }
    /// Inserts many links (each with its slug set) with as few round trips as the store allows: one transaction
    /// on SQLite, one statement on PostgreSQL. One result per link, in input order: the stored link, or
    /// kSlugTaken when the slug exists or an earlier link of `links` has it. Links do not fail one another;
    /// a backend failure throws and stores none of them.
    virtual Task<std::vector<core::Result<core::Link>>> CreateMany(std::span<const core::NewLink> links) = 0;

    /// The link with this slug (case-sensitive), deleted ones included; nullopt if there is none.
    virtual Task<std::optional<core::Link>> FindBySlug(std::string_view slug) = 0;

    /// Links that are not deleted, newest first.
    virtual Task<LinkPage> List(const ListQuery& query) = 0;

    /// Applies the patch. kNotFound if no such slug, kGone if deleted.
    virtual Task<core::Result<core::Link>> Update(std::string_view slug, const core::LinkPatch& patch) = 0;

    /// Marks the link deleted (its slug is never reused). kNotFound / kGone as for Update.
    virtual Task<core::Result<void>> Delete(std::string_view slug, core::TimePoint at) = 0;

    /// For links with a click limit: counts one use and returns true while uses < the link's stored
    /// max_clicks, in one atomic statement, so the limit holds exactly however many replicas redirect at once.
    /// The stored limit is the authority (a replica's cached copy may be a moment old after an edit): true
    /// when the limit was removed, false once it is reached or the link is deleted.
    virtual Task<bool> TryConsumeUse(core::LinkId id) = 0;

    /// For visits that do not count against a click limit (HEAD, bots, link previews): true while uses < the
    /// link's stored max_clicks (or it has none), without counting a use; false once spent or deleted.
    virtual Task<bool> HasUsesLeft(core::LinkId id) = 0;

    /// Succeeds when the store answers; throws core::BackendUnavailable otherwise.
    virtual Task<void> Ping() = 0;

    /// Claims `key` for a request, atomically (one statement on a unique (owner, key)), so that of concurrent
    /// requests with the same key exactly one gets kClaimed. A stored key whose expires_at has passed, or one
    /// still in progress that was claimed before `stale_before` (its request died), is claimed anew.
    virtual Task<IdempotencyRecord> ClaimIdempotencyKey(const IdempotencyKey& key, core::TimePoint now,
                                                        core::TimePoint stale_before, core::TimePoint expires_at) = 0;
    /// Stores the answer of the request that claimed `key` (same owner, key and request hash).
    virtual Task<void> FinishIdempotencyKey(const IdempotencyKey& key, int status, std::string_view body,
                                            std::string_view location) = 0;
    /// Gives up an unfinished claim (the request failed in a way a retry may fix), so that a retry runs again.
    virtual Task<void> ReleaseIdempotencyKey(const IdempotencyKey& key) = 0;
    /// Deletes keys expired at `now`; returns how many.
    virtual Task<std::size_t> PurgeIdempotencyKeys(core::TimePoint now) = 0;
};

/// Raw clicks and their per-link counts. Thread-safe; throws core::BackendUnavailable when unreachable.
class ClickStore {
  public:
    virtual ~ClickStore() = default;

    /// Stores the clicks and adds them to their links' counts in one transaction. Idempotent on the event
    /// id: an event already stored is skipped and not counted again. Returns how many were new.
    virtual Task<std::size_t> Record(std::span<const core::EnrichedClick> clicks) = 0;
};

}  // namespace shortener::store
