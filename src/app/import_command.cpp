// `shortener import --format FORMAT FILE [--domain HOST] [--user EMAIL] [--dry-run]`: links from another
// shortener's export into the configured database (docs/import.md). The rows go through the flow the API uses
// (import/importer.hpp); this file reads the file, picks the owner and reports.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/protection.hpp"
#include "app/system.hpp"
#include "app/wiring.hpp"
#include "auth/credentials.hpp"
#include "auth/password.hpp"
#include "import/importer.hpp"

namespace shortener::app {
namespace {

constexpr const char* kUsage =
    "usage: shortener import --format csv|bitly|shlink|yourls|kutt FILE [--domain HOST] [--user EMAIL] [--dry-run]";

// A local file, or stdin for "-". Bounded: an import file is a list of links, not a disk image.
std::string ReadInput(const std::string& path) {
    constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;
    std::ostringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot open " + path);
        text << in.rdbuf();
    }
    std::string out = std::move(text).str();
    if (out.size() > kMaxFileBytes) throw std::runtime_error(path + " is larger than 1 GiB");
    return out;
}

// On a terminal a bar redrawn in place; otherwise (a log, CI) one line per tenth of the rows.
std::function<void(std::size_t, std::size_t)> Progress() {
    const bool tty = isatty(STDERR_FILENO) == 1;
    return [tty, next_tenth = std::size_t{1}](std::size_t done, std::size_t total) mutable {
        if (total == 0) return;
        if (tty) {
            constexpr int kWidth = 40;
            const int filled = static_cast<int>(kWidth * done / total);
            std::fprintf(stderr, "\r[%s%s] %zu/%zu rows", std::string(filled, '#').c_str(),
                         std::string(kWidth - filled, ' ').c_str(), done, total);
            if (done == total) std::fputs("\n", stderr);
            return;
        }
        if (done * 10 >= next_tenth * total) {
            std::fprintf(stderr, "import: %zu/%zu rows\n", done, total);
            while (done * 10 >= next_tenth * total) ++next_tenth;
        }
    };
}

void Report(const imports::Summary& s, std::size_t rows) {
    std::printf("%s%zu rows: %zu imported, %zu skipped (already there), %zu failed\n",
                s.dry_run ? "dry run, nothing stored: " : "", rows, s.imported, s.skipped, s.failed);
    for (const auto& f : s.failures) std::printf("line %zu: %s: %s\n", f.line, f.code.c_str(), f.message.c_str());
    if (s.failed > s.failures.size()) std::printf("(%zu more failures not listed)\n", s.failed - s.failures.size());
}

// The owner of the new links: --user's account, or nobody (as links made with SHORTENER_AUTH=none).
std::optional<std::int64_t> Owner(const CommandArgs& a, store::AuthStore& auth) {
    auto user = a.Value("--user");
    if (!user) return std::nullopt;
    auto email = auth::NormalizeEmail(*user);
    if (!email) throw UsageError("--user must be an email address");
    auto found = Run(auth.FindUserByEmail(*email));
    if (!found)
        throw std::runtime_error("no user with the email " + *email + " (create it with: shortener users create)");
    return found->id;
}

boost::asio::awaitable<std::string> HashPassword(std::string password) {
    co_return auth::HashPasswordBlocking(password);
}

int ImportFile(const CommandArgs& a, imports::Format format) {
    Config config = LoadConfig(a.rest);
    core::UrlPolicyOptions policy;
    policy.max_length = config.max_url_length;
    std::unique_ptr<BlocklistFile> blocklist;
    std::string error;
    if (!ApplyUrlRules(config, policy, blocklist, &error))
        throw std::runtime_error("SHORTENER_BLOCKLIST_FILE: " + error);
    const std::string text = ReadInput(a.positional[0]);
    imports::Parsed parsed = imports::ParseFile(format, text);
    if (!parsed.error.empty()) throw std::runtime_error(a.positional[0] + ": " + parsed.error);

    CliStores stores = OpenCliStores(config);
    SodiumRandom random;
    const core::SlugGenerator slugs(random, config.slug_length);
    imports::Options options;
    options.url_policy = &policy;
    options.slugs = &slugs;
    options.domains = policy.own_hosts;  // the hosts this server answers for (ApplyUrlRules: OwnHosts)
    if (auto domain = a.Value("--domain")) options.domains.push_back(HostOf("http://" + *domain));
    options.owner_id = Owner(a, *stores.auth);
    options.dry_run = a.Switch("--dry-run");
    options.now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    options.hash_password = HashPassword;
    options.progress = [bar = Progress()](std::size_t done, std::size_t total) mutable -> boost::asio::awaitable<void> {
        bar(done, total);
        co_return;
    };
    imports::Summary summary = Run(imports::Run(*stores.links, parsed.rows, options));
    Report(summary, parsed.rows.size());
    return summary.failed > 0 ? 1 : 0;
}

}  // namespace

int Import(const std::vector<std::string>& args) {
    return ExitStatusOf([&args] {
        CommandArgs a = SplitArgs(args, {"--format", "--domain", "--user"}, {"--dry-run"});
        if (a.positional.size() != 1) throw UsageError(kUsage);
        auto format_name = a.Value("--format");
        if (!format_name) throw UsageError(kUsage);
        auto format = imports::ParseFormat(*format_name);
        if (!format) throw UsageError("--format must be one of: " + std::string(imports::FormatNames()));
        return ImportFile(a, *format);
    });
}

}  // namespace shortener::app
