#include "queue/redis_streams/click_codec.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace shortener::queue {
namespace {

void Put32(std::string& out, std::uint32_t v) {
    char b[4] = {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff), static_cast<char>((v >> 16) & 0xff),
                 static_cast<char>((v >> 24) & 0xff)};
    out.append(b, 4);
}

bool Get32(std::string_view data, std::size_t& pos, std::uint32_t& v) {
    if (data.size() - pos < 4) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + pos);
    v = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
    pos += 4;
    return true;
}

void Add(std::vector<std::string>& f, const char* name, const std::string& value) {
    if (value.empty()) return;
    f.emplace_back(name);
    f.push_back(value);
}

}  // namespace

std::vector<std::string> EncodeClick(const core::ClickEvent& c) {
    std::vector<std::string> f;
    f.reserve(24);
    f.emplace_back("v");
    f.emplace_back("1");
    f.emplace_back("id");
    f.push_back(c.id.ToString());
    f.emplace_back("l");
    f.push_back(std::to_string(c.link_id));
    f.emplace_back("t");
    f.push_back(std::to_string(core::ToUnixMillis(c.at)));
    Add(f, "a", c.client_address);
    Add(f, "ua", c.user_agent);
    Add(f, "r", c.referer);
    Add(f, "al", c.accept_language);
    Add(f, "q", c.query);
    Add(f, "m", c.ch_ua_mobile);
    Add(f, "p", c.ch_ua_platform);
    Add(f, "ro", c.route);
    Add(f, "de", c.destination);
    if (c.head_request) {
        f.emplace_back("h");
        f.emplace_back("1");
    }
    if (c.do_not_track) {
        f.emplace_back("d");
        f.emplace_back("1");
    }
    Add(f, "lq", c.link_query);
    if (c.preview) {
        f.emplace_back("pv");
        f.emplace_back("1");
    }
    return f;
}

std::variant<core::ClickEvent, std::string> DecodeClick(const std::vector<std::string>& fields) {
    if (fields.size() % 2 != 0) return std::string("odd number of fields");
    std::string_view version, id, link, at;
    core::ClickEvent::Fields rest;
    for (std::size_t i = 0; i < fields.size(); i += 2) {
        std::string_view k = fields[i], v = fields[i + 1];
        if (k == "v")
            version = v;
        else if (k == "id")
            id = v;
        else if (k == "l")
            link = v;
        else if (k == "t")
            at = v;
        else if (k == "a")
            rest.client_address = v;
        else if (k == "ua")
            rest.user_agent = v;
        else if (k == "r")
            rest.referer = v;
        else if (k == "al")
            rest.accept_language = v;
        else if (k == "q")
            rest.query = v;
        else if (k == "m")
            rest.ch_ua_mobile = v;
        else if (k == "p")
            rest.ch_ua_platform = v;
        else if (k == "ro")
            rest.route = v;
        else if (k == "de")
            rest.destination = v;
        else if (k == "h")
            rest.head_request = v == "1";
        else if (k == "d")
            rest.do_not_track = v == "1";
        else if (k == "lq")
            rest.link_query = v;
        else if (k == "pv")
            rest.preview = v == "1";
    }
    if (version != "1") return "unknown version \"" + std::string(version.substr(0, 16)) + "\"";
    auto event_id = core::EventId::Parse(id);
    if (!event_id) return std::string("bad or missing event id");
    core::LinkId link_id = 0;
    auto [p1, e1] = std::from_chars(link.data(), link.data() + link.size(), link_id);
    if (link.empty() || e1 != std::errc() || p1 != link.data() + link.size() || link_id <= 0)
        return std::string("bad or missing link id");
    std::int64_t ms = 0;
    auto [p2, e2] = std::from_chars(at.data(), at.data() + at.size(), ms);
    if (at.empty() || e2 != std::errc() || p2 != at.data() + at.size() || ms < 0)
        return std::string("bad or missing time");
    return core::ClickEvent::Make(*event_id, link_id, core::FromUnixMillis(ms), rest);
}

std::vector<std::string> EncodeEntry(const std::vector<std::vector<std::string>>& clicks) {
    std::string payload;
    for (const auto& c : clicks) AppendRecord(payload, c);
    return {"v", "2", "n", std::to_string(clicks.size()), "c", std::move(payload)};
}

DecodedEntry DecodeEntry(const std::vector<std::string>& fields) {
    DecodedEntry out;
    auto add = [&out](const std::vector<std::string>& click_fields) {
        auto decoded = DecodeClick(click_fields);
        if (auto* c = std::get_if<core::ClickEvent>(&decoded))
            out.clicks.push_back(std::move(*c));
        else
            out.malformed.emplace_back(std::get<std::string>(decoded), click_fields);
    };
    if (fields.size() >= 2 && fields[0] == "v" && fields[1] == "2") {
        const std::string* payload = nullptr;
        std::size_t declared = 0;
        for (std::size_t i = 2; i + 1 < fields.size(); i += 2) {
            if (fields[i] == "c") payload = &fields[i + 1];
            if (fields[i] == "n") declared = std::strtoull(fields[i + 1].c_str(), nullptr, 10);
        }
        if (!payload) {
            out.malformed.emplace_back("v2 entry without clicks", fields);
            return out;
        }
        std::size_t pos = 0, count = 0;
        std::vector<std::string> click_fields;
        while (ReadRecord(*payload, pos, click_fields)) {
            add(click_fields);
            ++count;
        }
        if (pos != payload->size() || count != declared)
            out.malformed.emplace_back("v2 entry truncated after " + std::to_string(count) + " clicks", fields);
        return out;
    }
    add(fields);
    return out;
}

void AppendRecord(std::string& out, const std::vector<std::string>& fields) {
    std::size_t size = 4;
    for (const auto& f : fields) size += 4 + f.size();
    Put32(out, static_cast<std::uint32_t>(size));
    Put32(out, static_cast<std::uint32_t>(fields.size()));
    for (const auto& f : fields) {
        Put32(out, static_cast<std::uint32_t>(f.size()));
        out += f;
    }
}

bool ReadRecord(std::string_view data, std::size_t& pos, std::vector<std::string>& fields) {
    std::size_t p = pos;
    std::uint32_t size = 0, count = 0;
    if (!Get32(data, p, size) || data.size() - p < size) return false;
    std::string_view record = data.substr(p, size);
    std::size_t q = 0;
    if (!Get32(record, q, count)) return false;
    fields.clear();
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint32_t len = 0;
        if (!Get32(record, q, len) || record.size() - q < len) return false;
        fields.emplace_back(record.substr(q, len));
        q += len;
    }
    pos = p + size;
    return true;
}

}  // namespace shortener::queue
