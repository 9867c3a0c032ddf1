// `shortener keys …` and `shortener users …`: API keys and accounts from the command line, against the same
// database the server uses (SQLite in the data dir, or DATABASE_URL). Secrets never come from flag values:
// passwords are read from stdin, and a new key is printed once on stdout.

#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/commands.hpp"
#include "auth/credentials.hpp"
#include "auth/password.hpp"
#include "http/rate_limiter.hpp"

namespace shortener::app {
namespace {

core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string Time(const std::optional<core::TimePoint>& t) { return t ? core::FormatRfc3339(*t) : "-"; }

// One line from stdin, without its line end. On a terminal the input is not echoed.
std::string ReadPassword() {
    const bool tty = isatty(STDIN_FILENO) == 1;
    termios saved{};
    if (tty) {
        std::fputs("Password: ", stderr);
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputs("\n", stderr);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

int Fail(const std::string& message) {
    std::fprintf(stderr, "shortener: %s\n", message.c_str());
    return 1;
}

// --rate-limit: a limit of the key's own ("100/s burst 1000", "off"), validated as the server parses it;
// "default" (or no flag): nullopt, the server's SHORTENER_RATE_LIMIT_AUTHENTICATED.
std::optional<std::string> RateLimitFlag(const CommandArgs& a) {
    auto text = a.Value("--rate-limit");
    if (!text || *text == "default") return std::nullopt;
    try {
        http::ParseRateLimit(*text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--rate-limit: ") + e.what() + " or \"default\"");
    }
    return text;
}

std::int64_t KeyIdArg(const CommandArgs& a, const char* usage) {
    if (a.positional.size() != 2) throw UsageError(usage);
    const std::string& text = a.positional[1];
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || p != text.data() + text.size() || id < 1)
        throw UsageError("ID must be a key id (see keys list)");
    return id;
}

int KeysCreate(const CommandArgs& a, store::AuthStore& auth) {
    auto name = a.Value("--name");
    if (!name) throw UsageError("keys create needs --name");
    if (!auth::IsAcceptableKeyName(*name))
        throw UsageError("--name must be 1 to 100 characters without control characters");
    auto scopes = auth::ParseScopeList(a.Value("--scopes").value_or("links:write,links:read,stats:read"));
    if (!scopes) throw UsageError("--scopes must list links:write, links:read, stats:read or admin, comma-separated");
    std::string email(store::kServiceUserEmail);
    if (auto user = a.Value("--user")) {
        auto normalized = auth::NormalizeEmail(*user);
        if (!normalized) throw UsageError("--user must be an email address");
        email = *normalized;
    }
    auto owner = Run(auth.FindUserByEmail(email));
    if (!owner) return Fail("no user with the email " + email + " (create it with: shortener users create)");
    if ((*scopes & auth::kAdmin) && !owner->is_admin) {
        return Fail("the admin scope needs an admin user (" + email + " is not one)");
    }
    const std::optional<std::string> rate_limit = RateLimitFlag(a);
    const std::string key = auth::GenerateApiKey();
    store::NewApiKey row{
        owner->id, *name,     auth::DisplayPrefix(key), auth::Sha256Hex(key), auth::ScopeString(*scopes),
        Now(),     rate_limit};
    store::ApiKey created = Run(auth.CreateApiKey(row));
    std::fprintf(stderr, "Created key %lld \"%s\" for %s with scopes %s. It is shown only now: store it safely.\n",
                 static_cast<long long>(created.id), created.name.c_str(), email.c_str(), created.scopes.c_str());
    std::printf("%s\n", key.c_str());
    return 0;
}

int KeysList(store::AuthStore& auth) {
    auto users = Run(auth.ListUsers());
    auto keys = Run(auth.ListApiKeys(std::nullopt));
    std::printf("ID\tPREFIX\tNAME\tOWNER\tSCOPES\tCREATED\tLAST_USED\tREVOKED\tRATE_LIMIT\n");
    for (const auto& k : keys) {
        std::string owner = "?";
        for (const auto& u : users) {
            if (u.id == k.user_id) owner = u.email;
        }
        std::printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(k.id), k.prefix.c_str(),
                    k.name.c_str(), owner.c_str(), k.scopes.c_str(), core::FormatRfc3339(k.created_at).c_str(),
                    Time(k.last_used_at).c_str(), Time(k.revoked_at).c_str(), k.rate_limit.value_or("default").c_str());
    }
    return 0;
}

int KeysRevoke(const CommandArgs& a, store::AuthStore& auth) {
    const std::int64_t id = KeyIdArg(a, "usage: shortener keys revoke ID");
    if (!Run(auth.RevokeApiKey(id, std::nullopt, Now()))) return Fail("no key with id " + a.positional[1]);
    std::fprintf(stderr, "Revoked key %lld (running servers stop accepting it within 5 seconds).\n",
                 static_cast<long long>(id));
    return 0;
}

int KeysUpdate(const CommandArgs& a, store::AuthStore& auth) {
    const std::int64_t id = KeyIdArg(a, "usage: shortener keys update ID --rate-limit LIMIT|default");
    if (!a.Value("--rate-limit")) throw UsageError("keys update needs --rate-limit (a limit, off or default)");
    auto updated = Run(auth.SetApiKeyRateLimit(id, std::nullopt, RateLimitFlag(a)));
    if (!updated) return Fail("no key with id " + a.positional[1]);
    std::fprintf(stderr, "Key %lld now has the rate limit %s (running servers apply it within 5 seconds).\n",
                 static_cast<long long>(id), updated->rate_limit.value_or("default").c_str());
    return 0;
}

int UsersCreate(const CommandArgs& a, store::AuthStore& auth) {
    auto email_arg = a.Value("--email");
    if (!email_arg) throw UsageError("users create needs --email");
    auto email = auth::NormalizeEmail(*email_arg);
    if (!email) throw UsageError("--email must be an email address");
    const std::string password = ReadPassword();
    if (!auth::IsAcceptablePassword(password)) {
        return Fail("the password (read from stdin) must be 8 to 1024 characters long");
    }
    store::NewUser user{*email, auth::HashPasswordBlocking(password), a.Switch("--admin"), Now()};
    auto created = Run(auth.CreateUser(user));
    if (!created) return Fail("a user with the email " + *email + " exists");
    std::printf("%lld\t%s\t%s\n", static_cast<long long>(created->id), created->email.c_str(),
                created->is_admin ? "admin" : "user");
    return 0;
}

int UsersList(store::AuthStore& auth) {
    auto users = Run(auth.ListUsers());
    std::printf("ID\tEMAIL\tROLE\tCREATED\n");
    for (const auto& u : users) {
        const char* role = u.email == store::kServiceUserEmail ? "service" : u.is_admin ? "admin" : "user";
        std::printf("%lld\t%s\t%s\t%s\n", static_cast<long long>(u.id), u.email.c_str(), role,
                    core::FormatRfc3339(u.created_at).c_str());
    }
    return 0;
}

}  // namespace

int Accounts(const std::string& command, const std::vector<std::string>& args) {
    return ExitStatusOf([&] {
        CommandArgs a = SplitArgs(args, {"--name", "--scopes", "--user", "--email", "--rate-limit"},
                                  {"--admin", "--password-stdin"});
        if (a.positional.empty())
            throw UsageError("usage: shortener " + command + " create|list" +
                             (command == "keys" ? "|update|revoke" : "") + " [options]");
        const std::string& sub = a.positional[0];
        const bool known = command == "keys" ? (sub == "create" || sub == "list" || sub == "update" || sub == "revoke")
                                             : (sub == "create" || sub == "list");
        if (!known) throw UsageError("unknown command \"" + command + " " + sub + "\" (see shortener --help)");
        if (sub != "revoke" && sub != "update" && a.positional.size() > 1)
            throw UsageError("unexpected argument \"" + a.positional[1] + "\"");
        Config config = LoadConfig(a.rest);
        CliStores opened = OpenCliStores(config);
        store::AuthStore& auth = *opened.auth;
        if (command == "keys") {
            if (sub == "create") return KeysCreate(a, auth);
            if (sub == "list") return KeysList(auth);
            if (sub == "update") return KeysUpdate(a, auth);
            return KeysRevoke(a, auth);
        }
        if (sub == "create") return UsersCreate(a, auth);
        return UsersList(auth);
    });
}

}  // namespace shortener::app
