#include "core/click_event.hpp"

namespace shortener::core {
namespace {

std::string Crop(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) return std::string(s);
    // Do not cut a UTF-8 sequence in half: back up to the start of a code point.
    std::size_t n = limit;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n));
}

std::uint64_t Rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

int HexValue(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string EventId::ToString() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 15]);
    }
    return out;
}

std::optional<EventId> EventId::Parse(std::string_view text) noexcept {
    if (text.size() != 36) return std::nullopt;
    EventId id;
    std::size_t b = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id.bytes[b++] = static_cast<std::uint8_t>(hi << 4 | lo);
        i += 2;
    }
    return id;
}

EventIdGenerator::EventIdGenerator(RandomSource& seed_source) noexcept {
    do {
        seed_source.Fill(std::span(reinterpret_cast<std::uint8_t*>(state_), sizeof state_));
    } while ((state_[0] | state_[1] | state_[2] | state_[3]) == 0);
}

EventId EventIdGenerator::Next(TimePoint now) noexcept {
    // xoshiro256** step, twice for 128 random bits.
    auto next = [this] {
        const std::uint64_t result = Rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = Rotl(state_[3], 45);
        return result;
    };
    std::uint64_t a = next(), b = next();
    EventId id;
    auto ms = static_cast<std::uint64_t>(ToUnixMillis(now));
    for (int i = 0; i < 6; ++i) id.bytes[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    for (int i = 0; i < 8; ++i) id.bytes[8 + i] = static_cast<std::uint8_t>(b >> (56 - 8 * i));
    id.bytes[6] = static_cast<std::uint8_t>(0x70 | (a & 0x0F));  // version 7
    id.bytes[7] = static_cast<std::uint8_t>(a >> 8);
    id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3F));  // RFC 4122 variant
    return id;
}

ClickEvent ClickEvent::Make(EventId id, LinkId link_id, TimePoint at, const Fields& f) {
    ClickEvent e;
    e.id = id;
    e.link_id = link_id;
    e.at = at;
    e.client_address = Crop(f.client_address, kMaxAddressLength);
    e.user_agent = Crop(f.user_agent, kMaxUserAgentLength);
    e.referer = Crop(f.referer, kMaxRefererLength);
    e.accept_language = Crop(f.accept_language, kMaxLanguageLength);
    e.query = Crop(f.query, kMaxQueryLength);
    e.ch_ua_mobile = Crop(f.ch_ua_mobile, kMaxClientHintLength);
    e.ch_ua_platform = Crop(f.ch_ua_platform, kMaxClientHintLength);
    e.head_request = f.head_request;
    e.do_not_track = f.do_not_track;
    e.link_query = Crop(f.link_query, kMaxQueryLength);
    e.preview = f.preview;
    e.route = Crop(f.route, kMaxRouteLength);
    e.destination = Crop(f.destination, kMaxDestinationLength);
    return e;
}

std::string_view UtmQueryOf(std::string_view url) noexcept {
    const auto question = url.find('?');
    if (question == std::string_view::npos) return {};
    std::string_view query = url.substr(question + 1);
    query = query.substr(0, query.find('#'));
    if (query.find("utm_") == std::string_view::npos) return {};
    return query;
}

}  // namespace shortener::core
