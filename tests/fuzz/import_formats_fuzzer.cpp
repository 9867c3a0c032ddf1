// libFuzzer target: the import formats (imports::ParseFile), which read whole files from POST /api/v1/imports. The
// first byte picks the format; the rest is the file. Invariants: rows come with their lines in file order, and no
// message (file-level or per row) quotes the input: every one is our own printable ASCII text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "import/formats.hpp"

namespace {

namespace imports = shortener::imports;

void Require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

bool PrintableAscii(std::string_view s) {
    for (char c : s) {
        if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    constexpr imports::Format kFormats[] = {imports::Format::kCsv, imports::Format::kBitly, imports::Format::kShlink,
                                            imports::Format::kYourls, imports::Format::kKutt};
    const imports::Format format = kFormats[data[0] % std::size(kFormats)];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const imports::Parsed parsed = imports::ParseFile(format, text);
    Require(PrintableAscii(parsed.error), "file errors are our own ASCII text");
    Require(parsed.error.empty() || parsed.rows.empty() || format != imports::Format::kCsv,
            "a CSV file that fails as a whole returns no rows");
    std::size_t last = 0;
    for (const auto& row : parsed.rows) {
        Require(row.line > last, "rows come in file order, each on a later line");
        last = row.line;
        Require(PrintableAscii(row.error_message), "row messages are our own ASCII text");
        Require(row.error.has_value() == !row.error_message.empty(), "a row error comes with its message");
        Require(row.imported_clicks >= 0, "imported totals are never negative");
    }
    return 0;
}
