#pragma once
/// @file
/// @brief Branded short domains (issue #14, docs/domains.md). Adapters: store/sqlite and store/postgres; one contract
/// suite (tests/store/domain_contract.hpp) runs over both. The default domain (the public URL's host, id 0) is not
/// stored: it follows the configuration, so it can never disagree with it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/time.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// The id of the default domain: links.domain_id = 0.
inline constexpr std::int64_t kDefaultDomainId = 0;

struct Domain {
    std::int64_t id = 0;                   // > 0 for stored domains
    std::string host;                      // normal form (core::NormalizeDomainHost)
    std::optional<std::int64_t> owner_id;  // nullopt: added by an admin key or in auth mode none
    bool https = false;
    std::int64_t hsts_max_age = 0;  // seconds; 0: none
    std::optional<std::string> root_redirect;
    std::optional<std::string> not_found_redirect;
    core::TimePoint created_at{};
};

/// Absent members keep the stored value; a present empty optional-string clears the setting.
struct DomainPatch {
    std::optional<bool> https;
    std::optional<std::int64_t> hsts_max_age;
    std::optional<std::optional<std::string>> root_redirect;
    std::optional<std::optional<std::string>> not_found_redirect;
};

/// Thread-safe; every method throws core::BackendUnavailable when the store cannot be reached.
class DomainStore {
  public:
    virtual ~DomainStore() = default;

    /// Stores a new domain (the id is assigned). kDomainExists when the host is taken.
    virtual Task<core::Result<Domain>> Create(const Domain& domain) = 0;
    /// The domain with this host (normal form); nullopt if none.
    virtual Task<std::optional<Domain>> Find(std::string_view host) = 0;
    /// Every stored domain, by host.
    virtual Task<std::vector<Domain>> List() = 0;
    /// kNotFound if there is no such domain.
    virtual Task<core::Result<Domain>> Update(std::string_view host, const DomainPatch& patch) = 0;
    /// Deletes the domain row; false if there was none. Its links are the caller's business (see CountLinks).
    virtual Task<bool> Delete(std::string_view host) = 0;
    /// How many links that are not deleted sit on domain `id`.
    virtual Task<std::int64_t> CountLinks(std::int64_t id) = 0;
};

}  // namespace shortener::store
