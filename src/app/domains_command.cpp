// `shortener domains add|list|remove` (issue #14, docs/domains.md): branded short domains from the command line,
// against the same database the server uses. Running servers see a change within SHORTENER_DOMAINS_REFRESH_MS.

#include <cstdio>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/wiring.hpp"
#include "core/url_policy.hpp"

namespace shortener::app {
namespace {

core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// A redirect flag's URL through the link URL policy (and not at the domain itself).
std::optional<std::string> RedirectFlag(const CommandArgs& a, std::string_view flag, const Config& config,
                                        const std::string& host) {
    auto value = a.Value(flag);
    if (!value) return std::nullopt;
    core::UrlPolicyOptions policy;
    policy.max_length = config.max_url_length;
    policy.own_hosts = {HostOf(config.public_url), host};
    auto url = core::CheckUrl(*value, policy);
    if (!url) throw UsageError(std::string(flag) + ": " + url.error().message());
    return std::move(*url);
}

std::string HostArg(const CommandArgs& a, const Config& config) {
    if (a.positional.size() != 2) throw UsageError("usage: shortener domains add|remove HOST [options]");
    auto host = core::NormalizeDomainHost(a.positional[1]);
    if (!host) throw UsageError("\"" + a.positional[1] + "\" is not a host name");
    if (*host == HostOf(config.public_url))
        throw UsageError("the default domain (the public URL's host) always exists");
    return std::move(*host);
}

int Add(const CommandArgs& a, const Config& config, CliStores& s) {
    store::Domain d;
    d.host = HostArg(a, config);
    const std::string https = a.Value("--https").value_or(config.public_url.rfind("https://", 0) == 0 ? "on" : "off");
    if (https != "on" && https != "off") throw UsageError("--https must be on or off");
    d.https = https == "on";
    d.root_redirect = RedirectFlag(a, "--root-redirect", config, d.host);
    d.not_found_redirect = RedirectFlag(a, "--not-found-redirect", config, d.host);
    if (auto email = a.Value("--user")) {
        auto user = Run(s.auth->FindUserByEmail(*email));
        if (!user) throw UsageError("no user with that email");
        d.owner_id = user->id;
    }
    d.created_at = Now();
    auto created = Run(s.domains->Create(d));
    if (!created) throw std::runtime_error(d.host + ": " + created.error().message());
    std::printf("%s\n", created->host.c_str());
    return 0;
}

int List(const Config& config, CliStores& s) {
    std::printf("%s\tdefault\t%s\n", HostOf(config.public_url).c_str(),
                config.public_url.rfind("https://", 0) == 0 ? "https" : "http");
    for (const auto& d : Run(s.domains->List())) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", d.host.c_str(), d.owner_id ? std::to_string(*d.owner_id).c_str() : "-",
                    d.https ? "https" : "http", d.root_redirect.value_or("-").c_str(),
                    d.not_found_redirect.value_or("-").c_str());
    }
    return 0;
}

int Remove(const CommandArgs& a, const Config& config, CliStores& s) {
    const std::string host = HostArg(a, config);
    auto found = Run(s.domains->Find(host));
    if (!found) throw std::runtime_error(host + ": no such domain");
    if (Run(s.domains->CountLinks(found->id)) > 0 && !a.Switch("--force")) {
        throw std::runtime_error(host + " still has links; pass --force to remove it anyway");
    }
    Run(s.domains->Delete(host));
    return 0;
}

}  // namespace

int Domains(const std::vector<std::string>& args) {
    return ExitStatusOf([&] {
        CommandArgs a = SplitArgs(args, {"--https", "--root-redirect", "--not-found-redirect", "--user"}, {"--force"});
        if (a.positional.empty()) throw UsageError("usage: shortener domains add|list|remove [HOST] [options]");
        const std::string& sub = a.positional[0];
        if (sub != "add" && sub != "list" && sub != "remove")
            throw UsageError("unknown command \"domains " + sub + "\" (see shortener --help)");
        Config config = LoadConfig(a.rest);
        CliStores opened = OpenCliStores(config);
        if (sub == "add") return Add(a, config, opened);
        if (sub == "list") return List(config, opened);
        return Remove(a, config, opened);
    });
}

}  // namespace shortener::app
