#pragma once
/// @file
/// @brief The files `shortener import` and POST /api/v1/imports read (docs/import.md): our own CSV and the exports
/// of Bitly, Shlink, YOURLS and Kutt, each read into the same rows. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"
#include "core/time.hpp"

namespace shortener::imports {

enum class Format { kCsv, kBitly, kShlink, kYourls, kKutt };

/// "csv", "bitly", "shlink", "yourls", "kutt"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name) noexcept;
/// The names ParseFormat accepts, for usage messages: "csv, bitly, shlink, yourls, kutt".
std::string_view FormatNames() noexcept;

/// One link of an imported file, as the source gave it; the importer validates it as the API validates a new link.
struct Row {
    std::size_t line = 0;  // CSV: the line the record starts on (the header is line 1); JSON: the link's 1-based
                           // position in the file's list of links
    std::string url;
    std::string slug;    // "" = generate one
    std::string domain;  // the source's short domain; "" = the default one
    std::vector<std::string> tags;
    std::optional<core::TimePoint> created_at;
    std::optional<core::TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    std::string password;              // plain text (our CSV only); "" = none
    std::int64_t imported_clicks = 0;  // the source's click total, where it reports one
    /// What the reader could not read in this row (a date that is not one, a count that is not a number); the
    /// importer reports it as the row's failure. The message names the column, never the cell's text.
    std::optional<core::Errc> error;
    std::string error_message;
};

/// A whole file that cannot be read (not JSON, a CSV without its url column, an unknown column). `error` says why
/// without quoting the file; empty when the file was read.
struct Parsed {
    std::vector<Row> rows;
    std::string error;
};

/// Reads `text` as `format`. Rows that break a rule are still returned (with Row::error) so that each failure is
/// reported with its line; only a file that is not the format at all fails as a whole.
Parsed ParseFile(Format format, std::string_view text);

}  // namespace shortener::imports
