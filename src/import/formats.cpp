// Where each format's columns and fields come from, and what is dropped: docs/import.md.

#include "import/formats.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <functional>

#include "import/csv_reader.hpp"

namespace shortener::imports {
namespace {

namespace json = boost::json;
using core::Errc;

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return out;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

void Fail(Row& row, Errc code, std::string message) {
    if (row.error) return;  // the first problem of a row is the one reported
    row.error = code;
    row.error_message = std::move(message);
}

// RFC 3339, plus the two near misses the sources write: "+0000" without its colon (Bitly's API) and MySQL's
// "2024-05-01 12:00:00" without a zone (YOURLS; the server's zone is unknown, so UTC is assumed).
std::optional<core::TimePoint> ParseDate(std::string_view text) {
    std::string s(Trim(text));
    if (s.size() == 19 && s[10] == ' ') {
        s[10] = 'T';
        s += 'Z';
    }
    if (s.size() > 5 && (s[s.size() - 5] == '+' || s[s.size() - 5] == '-') && s.find('T') != std::string::npos &&
        std::all_of(s.end() - 4, s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        s.insert(s.size() - 2, ":");
    }
    return core::ParseRfc3339(s);
}

void SetDate(Row& row, std::string_view cell, std::optional<core::TimePoint>& out, Errc code, const char* column) {
    if (Trim(cell).empty()) return;
    out = ParseDate(cell);
    if (!out) Fail(row, code, std::string("\"") + column + "\" is not a date-time (RFC 3339).");
}

std::optional<std::int64_t> ParseCount(std::string_view cell) {
    cell = Trim(cell);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), n);
    if (ec != std::errc() || p != cell.data() + cell.size() || n < 0) return std::nullopt;
    return n;
}

void SetClicks(Row& row, std::string_view cell, const char* column) {
    if (Trim(cell).empty()) return;
    auto n = ParseCount(cell);
    if (!n) return Fail(row, Errc::kInvalidRequest, std::string("\"") + column + "\" is not a click count.");
    row.imported_clicks = *n;
}

// Tags split on `separator`, trimmed; empty ones and repeats are dropped (the sources allow both, our rules do not).
void AddTags(Row& row, std::string_view text, char separator) {
    while (!text.empty()) {
        const std::size_t end = std::min(text.find(separator), text.size());
        std::string tag(Trim(text.substr(0, end)));
        text.remove_prefix(std::min(end + 1, text.size()));
        if (!tag.empty() && std::find(row.tags.begin(), row.tags.end(), tag) == row.tags.end()) {
            row.tags.push_back(std::move(tag));
        }
    }
}

// "https://s.example/abc?x" → domain "s.example", slug "abc". Each is set only where still empty.
void FromShortUrl(Row& row, std::string_view url) {
    url = Trim(url);
    const std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return;
    url.remove_prefix(scheme + 3);
    const std::size_t host_end = std::min(url.find_first_of("/?#"), url.size());
    std::string host = Lower(url.substr(0, host_end));
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) {
        host.resize(colon);
    }
    std::string_view path = url.substr(host_end);
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    path = path.substr(0, std::min(path.find_first_of("?#"), path.size()));
    if (row.domain.empty()) row.domain = std::move(host);
    if (row.slug.empty()) row.slug = std::string(path);
}

// A CSV column: its header name (after the format's normalization) and what its cell sets.
struct Column {
    std::string_view name;
    std::function<void(Row&, std::string_view)> set;
};

struct CsvFormat {
    std::vector<Column> columns;
    std::string_view url_column;
    bool strict = false;                         // an unknown column fails the file (our own format only)
    std::string (*normalize)(std::string_view);  // header text → column name
};

// "Unknown column 3." (never the header's own text: it is the client's).
Parsed ReadCsv(std::string_view text, const CsvFormat& format) {
    Parsed out;
    CsvReader reader(text);
    std::vector<std::string> fields;
    std::size_t line = 0;
    if (!reader.Next(fields, line)) {
        out.error = "The file is empty: the first line must name the columns.";
        return out;
    }
    std::vector<const Column*> by_index;
    bool has_url = false;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string name = format.normalize(fields[i]);
        auto it =
            std::find_if(format.columns.begin(), format.columns.end(), [&](const Column& c) { return c.name == name; });
        if (it == format.columns.end() && format.strict) {
            out.error = "Column " + std::to_string(i + 1) + " of the header is not one this format knows.";
            return out;
        }
        by_index.push_back(it == format.columns.end() ? nullptr : &*it);
        has_url = has_url || name == format.url_column;
    }
    if (!has_url) {
        out.error = "The header has no \"" + std::string(format.url_column) + "\" column.";
        return out;
    }
    while (reader.Next(fields, line)) {
        Row& row = out.rows.emplace_back();
        row.line = line;
        for (std::size_t i = 0; i < fields.size() && i < by_index.size(); ++i) {
            if (by_index[i]) by_index[i]->set(row, fields[i]);
        }
        if (fields.size() > by_index.size())
            Fail(row, Errc::kInvalidRequest, "The row has more cells than the header.");
    }
    if (reader.unterminated()) {
        out.error = "A quoted field starting on line " + std::to_string(line) + " is never closed.";
        out.rows.clear();
    }
    return out;
}

std::string ExactName(std::string_view header) { return std::string(Trim(header)); }

// Our links export neutralises cells that a spreadsheet would run as a formula (http/csv.hpp: a leading '=', '+',
// '-', '@', tab or CR gets a single quote in front); a slug such as "-sale" must import back as itself.
std::string_view Unneutralized(std::string_view cell) {
    if (cell.size() >= 2 && cell[0] == '\'' && std::string_view("=+-@\t\r").find(cell[1]) != std::string_view::npos) {
        cell.remove_prefix(1);
    }
    return cell;
}

// Shlink's importer compares headers lower-cased with spaces removed.
std::string ShlinkName(std::string_view header) {
    std::string out;
    for (char c : Lower(header)) {
        if (c != ' ') out.push_back(c);
    }
    return out;
}

std::string LowerName(std::string_view header) { return Lower(Trim(header)); }

const CsvFormat& OwnCsv() {
    static const CsvFormat format{
        {
            {"url", [](Row& r, std::string_view v) { r.url = Trim(v); }},
            {"slug", [](Row& r, std::string_view v) { r.slug = Trim(Unneutralized(v)); }},
            {"domain", [](Row& r, std::string_view v) { r.domain = Lower(Trim(v)); }},
            {"title", [](Row&, std::string_view) {}},
            {"tags", [](Row& r, std::string_view v) { AddTags(r, Unneutralized(v), '|'); }},
            {"created_at",
             [](Row& r, std::string_view v) { SetDate(r, v, r.created_at, Errc::kInvalidRequest, "created_at"); }},
            {"expires_at",
             [](Row& r, std::string_view v) { SetDate(r, v, r.expires_at, Errc::kInvalidExpiry, "expires_at"); }},
            {"max_clicks",
             [](Row& r, std::string_view v) {
                 if (Trim(v).empty()) return;
                 auto n = ParseCount(v);
                 if (!n) return Fail(r, Errc::kInvalidMaxClicks, "\"max_clicks\" is not a number.");
                 r.max_clicks = *n;
             }},
            {"password", [](Row& r, std::string_view v) { r.password = v; }},
        },
        "url",
        true,
        ExactName};
    return format;
}

// shlink-web-client's "Export" button: createdAt, domain, shortCode, shortUrl, longUrl, title, tags (|), visits;
// shlink-importer's own CSV source also accepts tags separated by commas.
const CsvFormat& ShlinkCsv() {
    static const CsvFormat format{
        {
            {"longurl", [](Row& r, std::string_view v) { r.url = Trim(v); }},
            {"shortcode", [](Row& r, std::string_view v) { r.slug = Trim(v); }},
            {"domain", [](Row& r, std::string_view v) { r.domain = Lower(Trim(v)); }},
            {"shorturl", FromShortUrl},
            {"tags",
             [](Row& r, std::string_view v) { AddTags(r, v, v.find(',') != std::string_view::npos ? ',' : '|'); }},
            {"createdat",
             [](Row& r, std::string_view v) { SetDate(r, v, r.created_at, Errc::kInvalidRequest, "createdAt"); }},
            {"visits", [](Row& r, std::string_view v) { SetClicks(r, v, "visits"); }},
        },
        "longurl",
        false,
        ShlinkName};
    return format;
}

// The yourls_url table as exported with its header (phpMyAdmin, mysqldump --tab, YOURLS export plugins):
// keyword, url, title, timestamp, ip, clicks.
const CsvFormat& YourlsCsv() {
    static const CsvFormat format{
        {
            {"url", [](Row& r, std::string_view v) { r.url = Trim(v); }},
            {"keyword", [](Row& r, std::string_view v) { r.slug = Trim(v); }},
            {"timestamp",
             [](Row& r, std::string_view v) { SetDate(r, v, r.created_at, Errc::kInvalidRequest, "timestamp"); }},
            {"clicks", [](Row& r, std::string_view v) { SetClicks(r, v, "clicks"); }},
        },
        "url",
        false,
        LowerName};
    return format;
}

std::string_view Str(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string_view(it->value().as_string()) : std::string_view();
}

void JsonDate(Row& row, const json::object& o, std::string_view key, std::optional<core::TimePoint>& out, Errc code) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return;
    if (!it->value().is_string()) return Fail(row, code, "\"" + std::string(key) + "\" is not a date-time.");
    SetDate(row, std::string_view(it->value().as_string()), out, code, key.data());
}

// The list of links in a JSON file: the array under `key` of the root object (one page of the source's API), or
// the root array itself, whose items may also be such pages (several pages saved into one file).
std::optional<std::vector<const json::object*>> JsonLinks(const json::value& root, std::string_view key) {
    std::vector<const json::object*> out;
    auto add_page = [&](const json::value& page) {
        const json::object* o = page.if_object();
        auto it = o ? o->find(key) : nullptr;
        if (!o || it == o->end() || !it->value().is_array()) return false;
        for (const auto& item : it->value().as_array()) out.push_back(item.if_object());
        return true;
    };
    if (root.is_object()) return add_page(root) ? std::optional(out) : std::nullopt;
    if (!root.is_array()) return std::nullopt;
    for (const auto& item : root.as_array()) {
        if (item.is_object() && item.as_object().contains(key)) {
            add_page(item);
        } else {
            out.push_back(item.if_object());
        }
    }
    return out;
}

// Bitly API v4, GET /v4/groups/{group_guid}/bitlinks: {"links": [{"id": "bit.ly/abc", "link", "custom_bitlinks",
// "long_url", "title", "tags", "created_at", "archived", …}], "pagination": {…}}. It reports no click totals.
void BitlyRow(Row& row, const json::object& o) {
    row.url = Str(o, "long_url");
    std::string short_url(Str(o, "link"));
    if (auto it = o.find("custom_bitlinks"); it != o.end() && it->value().is_array() &&
                                             !it->value().as_array().empty() && it->value().as_array()[0].is_string()) {
        short_url = std::string(it->value().as_array()[0].as_string());  // the back-half its owner chose
    }
    if (short_url.empty() && !Str(o, "id").empty()) short_url = "https://" + std::string(Str(o, "id"));
    FromShortUrl(row, short_url);
    if (auto it = o.find("tags"); it != o.end() && it->value().is_array()) {
        for (const auto& t : it->value().as_array()) {
            if (t.is_string()) AddTags(row, std::string_view(t.as_string()), '\0');
        }
    }
    JsonDate(row, o, "created_at", row.created_at, Errc::kInvalidRequest);
}

// Kutt API v2, GET /api/v2/links: {"limit", "skip", "total", "data": [{"id", "address", "domain", "target",
// "description", "password" (true when set; the secret is not exported), "visit_count", "created_at",
// "expire_in", …}]}.
void KuttRow(Row& row, const json::object& o) {
    row.url = Str(o, "target");
    row.slug = Str(o, "address");
    row.domain = Lower(Str(o, "domain"));
    if (auto it = o.find("visit_count"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_int64() || it->value().as_int64() < 0) {
            Fail(row, Errc::kInvalidRequest, "\"visit_count\" is not a click count.");
        } else {
            row.imported_clicks = it->value().as_int64();
        }
    }
    JsonDate(row, o, "created_at", row.created_at, Errc::kInvalidRequest);
    JsonDate(row, o, "expire_in", row.expires_at, Errc::kInvalidExpiry);
    if (auto it = o.find("password"); it != o.end() && it->value().is_bool() && it->value().as_bool()) {
        // Importing it open would publish a link its owner protected; the owner sets a password here instead.
        Fail(row, Errc::kInvalidPassword,
             "Kutt does not export link passwords: create this link here and give it a password.");
    }
}

Parsed ReadJson(std::string_view text, std::string_view key, void (*read)(Row&, const json::object&)) {
    Parsed out;
    boost::system::error_code ec;
    json::value root = json::parse(text, ec);
    if (ec) {
        out.error = "The file is not valid JSON: " + ec.message() + ".";
        return out;
    }
    auto links = JsonLinks(root, key);
    if (!links) {
        out.error = "The file has no \"" + std::string(key) + "\" list of links.";
        return out;
    }
    for (std::size_t i = 0; i < links->size(); ++i) {
        Row& row = out.rows.emplace_back();
        row.line = i + 1;
        if (!(*links)[i]) {
            Fail(row, Errc::kInvalidRequest, "This item is not a JSON object.");
            continue;
        }
        read(row, *(*links)[i]);
    }
    return out;
}

}  // namespace

std::optional<Format> ParseFormat(std::string_view name) noexcept {
    if (name == "csv") return Format::kCsv;
    if (name == "bitly") return Format::kBitly;
    if (name == "shlink") return Format::kShlink;
    if (name == "yourls") return Format::kYourls;
    if (name == "kutt") return Format::kKutt;
    return std::nullopt;
}

std::string_view FormatNames() noexcept { return "csv, bitly, shlink, yourls, kutt"; }

Parsed ParseFile(Format format, std::string_view text) {
    switch (format) {
        case Format::kCsv:
            return ReadCsv(text, OwnCsv());
        case Format::kShlink:
            return ReadCsv(text, ShlinkCsv());
        case Format::kYourls:
            return ReadCsv(text, YourlsCsv());
        case Format::kBitly:
            return ReadJson(text, "links", BitlyRow);
        case Format::kKutt:
            return ReadJson(text, "data", KuttRow);
    }
    return {};
}

}  // namespace shortener::imports
