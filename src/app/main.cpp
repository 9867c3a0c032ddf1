#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "log/log.hpp"

#ifndef SHORTENER_VERSION
#define SHORTENER_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
    using namespace shortener;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(app::HelpText().c_str(), args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "version" || command == "--version") {
        std::printf("shortener %s\n", SHORTENER_VERSION);
        return 0;
    }
    for (const auto& a : args) {
        if (a == "--help" || a == "-h") {
            std::fputs(app::HelpText().c_str(), stdout);
            return 0;
        }
    }
    // Their own flags (--name, --email, --format, …) are not settings: they parse their arguments themselves.
    if (command == "keys" || command == "users") {
        const char* level = std::getenv("SHORTENER_LOG_LEVEL");
        log::SetLevel(log::ParseLevel(level ? level : "warn").value_or(log::Level::kWarn));
        return app::Accounts(command, args);
    }
    if (command == "domains") {
        const char* level = std::getenv("SHORTENER_LOG_LEVEL");
        log::SetLevel(log::ParseLevel(level ? level : "warn").value_or(log::Level::kWarn));
        return app::Domains(args);
    }
    if (command == "import") {
        const char* level = std::getenv("SHORTENER_LOG_LEVEL");
        log::SetLevel(log::ParseLevel(level ? level : "warn").value_or(log::Level::kWarn));
        return app::Import(args);
    }
    app::Config config;
    try {
        config = app::LoadConfig(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "shortener: %s\n", e.what());
        return 2;
    }
    log::SetLevel(log::ParseLevel(config.log_level).value_or(log::Level::kInfo));
    try {
        if (command == "serve") return app::Serve(config);
        if (command == "migrate") return app::Migrate(config);
        if (command == "worker") return app::Worker(config);
    } catch (const std::exception& e) {
        log::Error("fatal", {{"error", e.what()}});
        return 1;
    }
    std::fprintf(stderr, "shortener: unknown command \"%s\" (see shortener --help)\n", command.c_str());
    return 2;
}
