#include "core/targeting.hpp"

namespace shortener::core {
namespace {

// ISO 3166-1 alpha-2, from Debian's iso-codes 4.15 (/usr/share/iso-codes/json/iso_3166-1.json), plus XK.
constexpr std::string_view kCountryCodes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW ";

bool Contains(std::string_view haystack, std::string_view needle) noexcept {
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

DeviceClass DetectDevice(std::string_view user_agent, std::string_view ch_ua_platform) noexcept {
    // Sec-CH-UA-Platform is a quoted structured-field string: "Android", "iOS", "macOS", ...
    std::string_view platform = ch_ua_platform;
    if (platform.size() >= 2 && platform.front() == '"' && platform.back() == '"') {
        platform = platform.substr(1, platform.size() - 2);
    }
    if (platform == "Android") return DeviceClass::kAndroid;
    if (platform == "iOS") return DeviceClass::kIos;
    if (!platform.empty()) return DeviceClass::kOther;
    // Windows Phone User-Agents claim both Android and iPhone: they are neither.
    if (Contains(user_agent, "Windows Phone")) return DeviceClass::kOther;
    if (Contains(user_agent, "iPhone") || Contains(user_agent, "iPad") || Contains(user_agent, "iPod")) {
        return DeviceClass::kIos;
    }
    if (Contains(user_agent, "Android")) return DeviceClass::kAndroid;
    return DeviceClass::kOther;
}

bool IsCountryCode(std::string_view code) noexcept {
    if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return false;
    for (std::size_t i = 0; i + 1 < kCountryCodes.size(); i += 3) {
        if (kCountryCodes.substr(i, 2) == code) return true;
    }
    return false;
}

namespace {

// Calls `fn` with each `&`-separated parameter of a raw query string (empty ones included).
template <class Fn>
void ForEachParam(std::string_view query, Fn&& fn) {
    for (;;) {
        const auto amp = query.find('&');
        fn(query.substr(0, amp));
        if (amp == std::string_view::npos) return;
        query.remove_prefix(amp + 1);
    }
}

}  // namespace

bool HasQrScanMarker(std::string_view query) noexcept {
    bool found = false;
    ForEachParam(query, [&](std::string_view p) { found = found || p == kQrScanParam; });
    return found;
}

std::string WithoutQrScanMarker(std::string_view query) {
    std::string out;
    out.reserve(query.size());
    ForEachParam(query, [&](std::string_view p) {
        if (p == kQrScanParam || p.empty()) return;
        if (!out.empty()) out.push_back('&');
        out.append(p);
    });
    return out;
}

std::string AppendQuery(std::string_view url, std::string_view query) {
    if (query.empty()) return std::string(url);
    auto hash = url.find('#');
    std::string_view base = url.substr(0, hash);
    std::string_view fragment = hash == std::string_view::npos ? std::string_view{} : url.substr(hash);
    std::string out;
    out.reserve(url.size() + query.size() + 8);
    out.append(base);
    auto q = base.find('?');
    if (q == std::string_view::npos) {
        out.push_back('?');
    } else if (q + 1 < base.size() && base.back() != '&') {
        out.push_back('&');
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : query) {
        auto c = static_cast<unsigned char>(ch);
        const bool safe = c > 0x20 && c < 0x7f && c != '"' && c != '#' && c != '<' && c != '>' && c != '\\' &&
                          c != '^' && c != '`' && c != '{' && c != '|' && c != '}';
        if (safe) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    out.append(fragment);
    return out;
}

}  // namespace shortener::core
