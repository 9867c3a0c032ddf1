#pragma once
/// @file
/// @brief ClickEvent ⇄ the field list of a Redis stream entry (and of a journal record). Version 1:
/// `v=1 id=<uuid> l=<link id> t=<unix ms>` then, only when not empty, `a` address, `ua` user agent,
/// `r` referer, `al` Accept-Language, `q` query, `m` Sec-CH-UA-Mobile, `p` Sec-CH-UA-Platform, `h=1` HEAD,
/// `d=1` DNT / Sec-GPC. Unknown fields are ignored (a newer producer may add some); a new meaning of an old
/// field needs v=2.

#include <string>
#include <variant>
#include <vector>

#include "core/click_event.hpp"

namespace shortener::queue {

/// Flat list: name, value, name, value, …
std::vector<std::string> EncodeClick(const core::ClickEvent& click);

/// The click, or why the fields are not a click (for the dead-letter stream).
std::variant<core::ClickEvent, std::string> DecodeClick(const std::vector<std::string>& fields);

/// Version 2, what the producer writes: one stream entry per flush of up to kClicksPerEntry clicks,
/// `v=2 n=<count> c=<records>`, the records being each click's v1 field list as a journal record (below).
/// One XADD (and one XACK) per many clicks keeps Redis's share of the CPU small.
inline constexpr std::size_t kClicksPerEntry = 256;
std::vector<std::string> EncodeEntry(const std::vector<std::vector<std::string>>& clicks);

/// The clicks of a stream entry of either version, and the ones that are not clicks (reason, fields).
struct DecodedEntry {
    std::vector<core::ClickEvent> clicks;
    std::vector<std::pair<std::string, std::vector<std::string>>> malformed;
};
DecodedEntry DecodeEntry(const std::vector<std::string>& fields);

/// Journal records: a 4-byte little-endian length, then the fields each as a 4-byte length and bytes.
void AppendRecord(std::string& out, const std::vector<std::string>& fields);
/// Reads the record at `pos` and advances it; false at the end or at a torn (incomplete) record.
bool ReadRecord(std::string_view data, std::size_t& pos, std::vector<std::string>& fields);

}  // namespace shortener::queue
