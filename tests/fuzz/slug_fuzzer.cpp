// libFuzzer target: slug parsing (core::IsSlugShaped, core::CheckCustomSlug, core::IsReservedSlug), checked
// against a plain restatement of the documented rules.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/slug.hpp"

namespace {

namespace core = shortener::core;

void Require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

bool InAlphabet(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view s(reinterpret_cast<const char*>(data), size);
    const bool shaped = core::IsSlugShaped(s);
    const bool alphabet = std::all_of(s.begin(), s.end(), InAlphabet);
    Require(shaped == (alphabet && !s.empty() && s.size() <= core::kMaxCustomSlugLength),
            "IsSlugShaped matches the alphabet and length rule");
    const bool reserved = core::IsReservedSlug(s);
    auto custom = core::CheckCustomSlug(s);
    if (custom) {
        Require(shaped && s.size() >= core::kMinCustomSlugLength, "an accepted custom slug is slug-shaped");
        Require(!reserved, "an accepted custom slug is not reserved");
    } else {
        const auto e = core::ToErrc(custom.error());
        Require(e == core::Errc::kInvalidSlug || e == core::Errc::kSlugReserved, "refusals are invalid or reserved");
        if (e == core::Errc::kSlugReserved) Require(reserved, "kSlugReserved only for reserved words");
        if (e == core::Errc::kInvalidSlug) {
            Require(!shaped || s.size() < core::kMinCustomSlugLength, "kInvalidSlug only for bad shape");
        }
    }
    return 0;
}
