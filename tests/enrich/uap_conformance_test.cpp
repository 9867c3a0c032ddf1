// Conformance with uap-core 0.18.0: every case of tests/test_ua.yaml, test_os.yaml and test_device.yaml
// (../shared/testdata/uap-core) against the npm uap-core@0.18.0 regexes.yaml. At least 99.5% of each file must
// pass; the exact counts and every failure are printed.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iostream>

#include "enrich/user_agent_parser.hpp"

namespace shortener::enrich {
namespace {

const std::string kTestData = SHORTENER_TESTDATA_DIR "/uap-core/tests/";

const UserAgentParser& Parser() {
    static const auto parser = UserAgentParser::FromFile(SHORTENER_NPM_DIR "/uap-core/regexes.yaml");
    return *parser;
}

std::string Value(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull()) return {};
    return v.as<std::string>();
}

struct Tally {
    std::size_t passed = 0, total = 0;
    std::vector<std::string> failures;
};

void Report(const char* file, const Tally& t) {
    const double rate = t.total ? 100.0 * static_cast<double>(t.passed) / static_cast<double>(t.total) : 0;
    std::cout << "[uap-core conformance] " << file << ": " << t.passed << " / " << t.total << " passed (" << rate
              << "%), " << t.failures.size() << " failed\n";
    for (const auto& f : t.failures) std::cout << "  FAIL " << f << "\n";
    EXPECT_GT(t.total, 0u);
    EXPECT_GE(rate, 99.5) << file;
}

template <class Check>
Tally RunFile(const std::string& name, Check check) {
    Tally t;
    const YAML::Node root = YAML::LoadFile(kTestData + name);
    for (const auto& c : root["test_cases"]) {
        ++t.total;
        std::string why = check(c);
        if (why.empty())
            ++t.passed;
        else
            t.failures.push_back(why);
    }
    return t;
}

std::string Diff(const char* field, const std::string& want, const std::string& got) {
    return want == got ? std::string() : std::string(field) + " want \"" + want + "\" got \"" + got + "\"; ";
}

TEST(UapConformance, TestUa) {
    auto t = RunFile("test_ua.yaml", [](const YAML::Node& c) {
        const std::string ua = Value(c, "user_agent_string");
        const UaFamily r = Parser().ParseBrowser(ua);
        std::string d = Diff("family", Value(c, "family"), r.family) + Diff("major", Value(c, "major"), r.major) +
                        Diff("minor", Value(c, "minor"), r.minor) + Diff("patch", Value(c, "patch"), r.patch);
        return d.empty() ? d : d + "UA: " + ua;
    });
    Report("test_ua.yaml", t);
}

TEST(UapConformance, TestOs) {
    auto t = RunFile("test_os.yaml", [](const YAML::Node& c) {
        const std::string ua = Value(c, "user_agent_string");
        const UaFamily r = Parser().ParseOs(ua);
        std::string d = Diff("family", Value(c, "family"), r.family) + Diff("major", Value(c, "major"), r.major) +
                        Diff("minor", Value(c, "minor"), r.minor) + Diff("patch", Value(c, "patch"), r.patch) +
                        Diff("patch_minor", Value(c, "patch_minor"), r.patch_minor);
        return d.empty() ? d : d + "UA: " + ua;
    });
    Report("test_os.yaml", t);
}

TEST(UapConformance, TestDevice) {
    auto t = RunFile("test_device.yaml", [](const YAML::Node& c) {
        const std::string ua = Value(c, "user_agent_string");
        const DeviceInfo r = Parser().ParseDevice(ua);
        std::string d = Diff("family", Value(c, "family"), r.family) + Diff("brand", Value(c, "brand"), r.brand) +
                        Diff("model", Value(c, "model"), r.model);
        return d.empty() ? d : d + "UA: " + ua;
    });
    Report("test_device.yaml", t);
}

TEST(UapConformance, EngineCounts) {
    const auto& counts = Parser().engine_counts();
    std::cout << "[uap-core regexes] RE2: " << counts.re2 << ", PCRE2 fallback: " << counts.pcre2 << "\n";
    for (const auto& p : counts.pcre2_patterns) std::cout << "  PCRE2: " << p << "\n";
    EXPECT_EQ(counts.re2 + counts.pcre2, 1175u);
}

}  // namespace
}  // namespace shortener::enrich
