#pragma once
/// @file
/// @brief CSV cells (RFC 4180) that spreadsheets open as text, never as formulas.

#include <string>
#include <string_view>

namespace shortener::http {

/// Appends one cell. A cell with a comma, quote, CR or LF is quoted, quotes doubled (RFC 4180). A text cell
/// that starts with '=', '+', '-', '@', tab or CR (a User-Agent or Referer of "=HYPERLINK(…)" would otherwise
/// be a formula in Excel, LibreOffice or Google Sheets) is neutralised as OWASP recommends ("CSV Injection"):
/// prefixed with a single quote and quoted. `numeric` cells (our own numbers, such as a negative latitude)
/// are written as they are.
void AppendCsvCell(std::string& out, std::string_view value, bool numeric = false);

}  // namespace shortener::http
