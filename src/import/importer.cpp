#include "import/importer.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <unordered_map>
#include <variant>

#include "core/link.hpp"
#include "core/slug.hpp"

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

// Bytes derived from a key: BLAKE2b-256 of (draw number, block number, key), one 32-byte block after another.
// Deterministic, so that SlugGenerator over it draws the same slugs for the same key on every run.
class DerivedBytes final : public core::RandomSource {
  public:
    explicit DerivedBytes(std::string key) : key_(std::move(key)) {
        static const bool ok = sodium_init() >= 0;  // idempotent; BLAKE2b needs no more than that
        (void)ok;
    }
    void Fill(std::span<std::uint8_t> out) noexcept override {
        for (std::uint32_t block = 0; block * 32 < out.size(); ++block) {
            std::array<std::uint8_t, 32> hash{};
            crypto_generichash_state state;
            crypto_generichash_init(&state, nullptr, 0, hash.size());
            const std::array<std::uint32_t, 2> counters{draws_, block};
            crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(counters.data()),
                                      sizeof(counters));
            crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
            crypto_generichash_final(&state, hash.data(), hash.size());
            const std::size_t n = std::min<std::size_t>(32, out.size() - block * 32);
            std::memcpy(out.data() + block * 32, hash.data(), n);
        }
        ++draws_;  // a reserved word drawn makes SlugGenerator draw again: the next draw differs
    }

  private:
    std::string key_;
    std::uint32_t draws_ = 0;
};

}  // namespace

std::string DerivedSlug(const std::optional<std::int64_t>& owner, std::string_view url, std::size_t length) {
    DerivedBytes bytes((owner ? std::to_string(*owner) : std::string("-")) + "\n" + std::string(url));
    return core::SlugGenerator(bytes, length).Next();
}

namespace {

struct Pending {
    std::size_t line = 0;
    bool generated = false;  // the slug is ours to draw again
    bool derived = false;    // generated, and still the slug derived from owner and URL (see DerivedSlug)
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
        const bool generated = link.slug.empty();
        Pending p{row.line, generated, generated, std::move(link)};
        if (p.generated) p.link.slug = DerivedSlug(o_.owner_id, p.link.long_url, o_.slugs->length());
        co_return p;
    }

    // A slug that is already taken: skipped when it is this owner's live link to the same URL (an earlier run of
    // the same import), a failure otherwise.
    void Taken(const Pending& p, const core::Link& existing) {
        if (IsSameLink(p, existing)) {
            ++summary_.skipped;
            return;
        }
        Fail(FailureOf(p.line, Errc::kSlugTaken, "The slug is already in use by another link."));
    }
    bool IsSameLink(const Pending& p, const core::Link& existing) const {
        return !existing.deleted_at && existing.long_url == p.link.long_url && existing.owner_id == o_.owner_id;
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
                } else if (batch[i].derived && IsSameLink(batch[i], results[i].link)) {
                    ++summary_.skipped;  // an earlier run (or an earlier row of this file) made it
                } else if (attempt + 1 < kMaxSlugAttempts) {
                    batch[i].derived = false;
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
            std::optional<core::Link> existing;
            if (auto it = planned_.find(p.link.slug); it != planned_.end()) {
                existing = core::StoredLink(0, it->second);
            } else {
                existing = co_await links_.FindBySlug(p.link.slug);
            }
            if (existing && !p.generated) {
                Taken(p, *existing);
            } else if (existing && IsSameLink(p, *existing)) {
                ++summary_.skipped;
            } else if (existing) {
                ++summary_.imported;  // a random slug instead of the derived one
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
