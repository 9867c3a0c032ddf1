#include "import/importer.hpp"

#include <algorithm>
#include <span>
#include <unordered_map>
#include <variant>

#include "core/link.hpp"

namespace shortener::imports {
namespace {

using core::Errc;

// As the single create: a generated slug that collides is drawn again, this many times at most.
constexpr int kMaxSlugAttempts = 8;

Failure FailureOf(std::size_t line, Errc e, std::string message = {}) {
    if (message.empty()) message = core::ErrcCategory().message(static_cast<int>(e));
    return {line, std::string(core::ErrcName(e)), std::move(message)};
}

// The row as a new link, checked by the rules of POST /api/v1/links; or why it cannot be one.
std::variant<core::NewLink, Failure> Check(const Row& row, const Options& o) {
    if (row.error) return FailureOf(row.line, *row.error, row.error_message);
    if (!row.domain.empty() && std::find(o.domains.begin(), o.domains.end(), row.domain) == o.domains.end()) {
        return Failure{row.line, "unknown_domain",
                       "The row's short domain is not one this server answers for (links have no domain of their "
                       "own yet; name the source's domain with --domain or ?domain= to import it here)."};
    }
    if (row.url.empty()) return FailureOf(row.line, Errc::kUrlMissing);
    auto url = core::CheckUrl(row.url, *o.url_policy);
    if (!url) return FailureOf(row.line, core::ToErrc(url.error()));
    if (!row.slug.empty()) {
        if (auto r = core::CheckCustomSlug(row.slug); !r) return FailureOf(row.line, core::ToErrc(r.error()));
    }
    if (!core::CheckTags(row.tags)) return FailureOf(row.line, Errc::kInvalidTags);
    if (row.expires_at && !core::CheckExpiresAt(*row.expires_at, o.now)) {
        return FailureOf(row.line, Errc::kInvalidExpiry, "\"expires_at\" is in the past: the link has expired.");
    }
    if (row.max_clicks && !core::CheckMaxClicks(*row.max_clicks)) return FailureOf(row.line, Errc::kInvalidMaxClicks);
    if (!row.password.empty() && !core::CheckLinkPassword(row.password)) {
        return FailureOf(row.line, Errc::kInvalidPassword);
    }
    core::NewLink link;
    link.slug = row.slug;
    link.long_url = std::move(*url);
    link.created_at = row.created_at.value_or(o.now);
    link.expires_at = row.expires_at;
    link.max_clicks = row.max_clicks;
    link.tags = row.tags;
    link.owner_id = o.owner_id;
    link.imported_clicks = row.imported_clicks;
    return link;
}

struct Pending {
    std::size_t line = 0;
    bool generated = false;  // the slug is ours to draw again
    core::NewLink link;
};

class Importer {
  public:
    Importer(store::LinkStore& links, const Options& o) : links_(links), o_(o) { summary_.dry_run = o.dry_run; }

    boost::asio::awaitable<Summary> Run(const std::vector<Row>& rows) {
        std::vector<Pending> batch;
        std::size_t done = 0;
        for (const Row& row : rows) {
            ++done;
            auto checked = Check(row, o_);
            if (auto* f = std::get_if<Failure>(&checked)) {
                Fail(std::move(*f));
            } else if (auto pending = co_await Prepare(row, std::move(std::get<core::NewLink>(checked)))) {
                batch.push_back(std::move(*pending));
            }
            if (batch.size() >= o_.batch_size || done == rows.size()) {
                co_await Flush(batch);
                batch.clear();
                if (o_.progress) co_await o_.progress(done, rows.size());
            }
        }
        std::stable_sort(summary_.failures.begin(), summary_.failures.end(),
                         [](const Failure& a, const Failure& b) { return a.line < b.line; });
        co_return std::move(summary_);
    }

  private:
    void Fail(Failure f) {
        ++summary_.failed;
        if (summary_.failures.size() < kMaxListedFailures) summary_.failures.push_back(std::move(f));
    }

    // Hashes the password (not in a dry run: nothing is stored, and each hash costs tens of milliseconds).
    boost::asio::awaitable<std::optional<Pending>> Prepare(const Row& row, core::NewLink link) {
        if (!row.password.empty() && !o_.dry_run) {
            if (!o_.hash_password) {
                Fail(FailureOf(row.line, Errc::kInvalidPassword, "Password-protected links are not available here."));
                co_return std::nullopt;
            }
            link.password_hash = co_await o_.hash_password(row.password);
        }
        Pending p{row.line, link.slug.empty(), std::move(link)};
        if (p.generated) p.link.slug = o_.slugs->Next();
        co_return p;
    }

    // A slug that is already taken: skipped when it is this owner's live link to the same URL (an earlier run of
    // the same import), a failure otherwise.
    void Taken(const Pending& p, const core::Link& existing) {
        if (!existing.deleted_at && existing.long_url == p.link.long_url && existing.owner_id == o_.owner_id) {
            ++summary_.skipped;
            return;
        }
        Fail(FailureOf(p.line, Errc::kSlugTaken, "The slug is already in use by another link."));
    }

    boost::asio::awaitable<void> Flush(std::vector<Pending>& batch) {
        if (o_.dry_run) co_return co_await Classify(batch);
        for (int attempt = 0; !batch.empty(); ++attempt) {
            std::vector<core::NewLink> links;
            links.reserve(batch.size());
            for (const auto& p : batch) links.push_back(p.link);
            auto results = co_await links_.ImportMany(std::span<const core::NewLink>(links));
            std::vector<Pending> again;
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (results[i].created) {
                    ++summary_.imported;
                } else if (!batch[i].generated) {
                    Taken(batch[i], results[i].link);
                } else if (attempt + 1 < kMaxSlugAttempts) {
                    batch[i].link.slug = o_.slugs->Next();
                    again.push_back(std::move(batch[i]));
                } else {
                    Fail(FailureOf(batch[i].line, Errc::kSlugSpaceExhausted));
                }
            }
            batch = std::move(again);
        }
    }

    // A dry run reads instead of writing: each custom slug is looked up, and remembered so that a later row of the
    // same file with that slug is judged as the import would judge it.
    boost::asio::awaitable<void> Classify(const std::vector<Pending>& batch) {
        for (const auto& p : batch) {
            if (p.generated) {
                ++summary_.imported;
                continue;
            }
            std::optional<core::Link> existing;
            if (auto it = planned_.find(p.link.slug); it != planned_.end()) {
                existing = core::StoredLink(0, it->second);
            } else {
                existing = co_await links_.FindBySlug(p.link.slug);
            }
            if (existing) {
                Taken(p, *existing);
            } else {
                ++summary_.imported;
                planned_.emplace(p.link.slug, p.link);
            }
        }
    }

    store::LinkStore& links_;
    const Options& o_;
    Summary summary_;
    std::unordered_map<std::string, core::NewLink> planned_;  // dry run: slugs this file would create
};

}  // namespace

boost::asio::awaitable<Summary> Run(store::LinkStore& links, const std::vector<Row>& rows, const Options& options) {
    Importer importer(links, options);
    co_return co_await importer.Run(rows);
}

}  // namespace shortener::imports
