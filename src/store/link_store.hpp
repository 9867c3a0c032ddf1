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
