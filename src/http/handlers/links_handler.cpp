// The shorten flow and link management: POST /api/v1/links, POST /api/shorten, GET /api/v1/links,
// GET/PATCH/DELETE /api/v1/links/{slug}.

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <span>
#include <variant>

#include "auth/credentials.hpp"
#include "core/targeting.hpp"
#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/link_create.hpp"
#include "store/link_codec.hpp"

namespace shortener::http {
namespace links {

using core::Errc;
namespace json = boost::json;

core::TimePoint NowMillis(core::Clock& clock) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now());
}

std::string ShortUrl(const HandlerContext& ctx, std::string_view slug) {
    std::string url = ctx.public_url;
    url += '/';
    url += slug;
    return url;
}

// "broken" and "health" of a link (docs/health.md); `h` null: never checked.
void AddHealthJson(json::object& o, const store::LinkHealth* h) {
    o["broken"] = h != nullptr && h->status == "broken";
    json::object health;
    health["status"] = h ? h->status : "unknown";
    health["checked_at"] =
        h && h->last_checked_at ? json::value(core::FormatRfc3339(*h->last_checked_at)) : json::value(nullptr);
    health["status_code"] = h && h->last_status_code ? json::value(*h->last_status_code) : json::value(nullptr);
    health["final_url"] = h && !h->last_final_url.empty() ? json::value(h->last_final_url) : json::value(nullptr);
    health["error"] = h && !h->last_error.empty() ? json::value(h->last_error) : json::value(nullptr);
    o["health"] = std::move(health);
}

// The links' JSON with their health (one store read for all of them).
boost::asio::awaitable<json::array> LinksWithHealth(const HandlerContext& ctx, std::span<const core::Link> links) {
    std::vector<store::LinkHealth> rows;
    if (ctx.health && !links.empty()) {
        std::vector<core::LinkId> ids;
        ids.reserve(links.size());
        for (const auto& l : links) ids.push_back(l.id);
        rows = co_await ctx.health->Find(ids);
    }
    json::array out;
    for (const auto& link : links) {
        json::object o = LinkJson(ctx, link);
        auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& h) { return h.link_id == link.id; });
        AddHealthJson(o, it == rows.end() ? nullptr : &*it);
        out.emplace_back(std::move(o));
    }
    co_return out;
}

// One link's JSON with its health.
boost::asio::awaitable<std::string> LinkWithHealth(const HandlerContext& ctx, const core::Link& link) {
    const std::span<const core::Link> links(&link, 1);
    json::array one = co_await LinksWithHealth(ctx, links);
    co_return json::serialize(one.at(0));
}

json::object LinkJson(const HandlerContext& ctx, const core::Link& link) {
    json::object o;
    o["slug"] = link.slug;
    o["short_url"] = ShortUrl(ctx, link.slug);
    o["long_url"] = link.long_url;
    o["created_at"] = core::FormatRfc3339(link.created_at);
    o["updated_at"] = core::FormatRfc3339(link.updated_at);
    o["expires_at"] = link.expires_at ? json::value(core::FormatRfc3339(*link.expires_at)) : json::value(nullptr);
    o["max_clicks"] = link.max_clicks ? json::value(*link.max_clicks) : json::value(nullptr);
    o["redirect_type"] = static_cast<int>(link.redirect_type);
    json::array tags;
    for (const auto& t : link.tags) tags.emplace_back(t);
    o["tags"] = std::move(tags);
    o["clicks"] = link.clicks;
    o["human_clicks"] = link.human_clicks;
    o["imported_clicks"] = link.imported_clicks;
    o["disabled"] = link.disabled;
    o["expired_url"] = link.expired_url.empty() ? json::value(nullptr) : json::value(link.expired_url);
    o["forward_query"] = link.forward_query;
    o["password_protected"] = !link.password_hash.empty();
    if (link.targeting.Empty()) {
        o["targeting"] = nullptr;
    } else {
        json::object t;
        t["ios"] = link.targeting.ios.empty() ? json::value(nullptr) : json::value(link.targeting.ios);
        t["android"] = link.targeting.android.empty() ? json::value(nullptr) : json::value(link.targeting.android);
        json::object countries;
        for (const auto& [code, url] : link.targeting.countries) countries[code] = url;
        t["countries"] = std::move(countries);
        o["targeting"] = std::move(t);
    }
    o["rules"] = store::RulesValue(link.rules);
    o["split"] = link.split.empty() ? json::value(nullptr) : store::SplitValue(link.split);
    auto text_or_null = [](const std::string& v) { return v.empty() ? json::value(nullptr) : json::value(v); };
    o["og_title"] = text_or_null(link.preview.title);
    o["og_description"] = text_or_null(link.preview.description);
    o["og_image"] = text_or_null(link.preview.image);
    return o;
}

Response Fail(const Failure& f) { return ErrorResponse(f.code, f.message); }

json::object ErrorJson(const Failure& f) {
    std::string message = f.message.empty() ? core::ErrcCategory().message(static_cast<int>(f.code)) : f.message;
    return json::object{{"code", core::ErrcName(f.code)}, {"message", std::move(message)}};
}

std::optional<Failure> RejectUnknownFields(const json::object& o, std::span<const std::string_view> known) {
    for (const auto& kv : o) {
        if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
            return Failure{Errc::kInvalidRequest, UnknownFieldMessage("field", kv.key())};
        }
    }
    return std::nullopt;
}

Parsed<json::value> ParseJsonValue(const Request& req) {
    std::string_view type = req.Header("content-type");
    std::string_view media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!IEquals(media, "application/json")) {
        return Failure{Errc::kUnsupportedMediaType, "Send the request body as application/json."};
    }
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    if (ec) return Failure{Errc::kInvalidJson, "The request body is not valid JSON: " + ec.message() + "."};
    return v;
}

namespace {

constexpr std::size_t kDefaultPageSize = 20;
constexpr std::size_t kMaxPageSize = 100;
constexpr std::size_t kMaxQueryLength = 200;

// Checks Content-Type and parses the body as a JSON object.
Parsed<json::object> ParseJsonBody(const Request& req) {
    auto v = ParseJsonValue(req);
    if (auto* f = std::get_if<Failure>(&v)) return std::move(*f);
    auto& value = std::get<json::value>(v);
    if (!value.is_object()) return Failure{Errc::kInvalidRequest, "The request body must be a JSON object."};
    return std::move(value.as_object());
}

// The fields shared by create and update. `present` tells which were given (null counts as given).
struct LinkFields {
    std::optional<std::string> url;
    std::optional<std::optional<core::TimePoint>> expires_at;
    std::optional<std::optional<std::int64_t>> max_clicks;
    std::optional<core::RedirectType> redirect_type;
    std::optional<std::vector<std::string>> tags;
    std::optional<bool> disabled;
    std::optional<std::string> expired_url;  // "" = clear
    std::optional<bool> forward_query;
    std::optional<std::optional<std::string>> password;    // the plain text; inner nullopt = clear
    std::optional<core::Targeting> targeting;              // empty = clear
    std::optional<std::vector<core::Rule>> rules;          // empty = clear
    std::optional<std::vector<core::SplitVariant>> split;  // empty = clear
    std::optional<std::string> og_title;                   // "" = clear (og_description, og_image too)
    std::optional<std::string> og_description;
    std::optional<std::string> og_image;
};

// A URL in a field other than "url": the URL policy's error, with the field named in the message.
std::optional<Failure> CheckFieldUrl(const HandlerContext& ctx, std::string_view field, const json::value& v,
                                     std::string& out) {
    if (!v.is_string()) return Failure{Errc::kInvalidRequest, "\"" + std::string(field) + "\" must be a URL string."};
    auto checked = core::CheckUrl(std::string_view(v.as_string()), ctx.url_policy);
    if (!checked) {
        Errc e = core::ToErrc(checked.error());
        return Failure{e, "\"" + std::string(field) + "\": " + core::ErrcCategory().message(static_cast<int>(e))};
    }
    out = std::move(*checked);
    return std::nullopt;
}

std::optional<Failure> ParseTargeting(const HandlerContext& ctx, const json::value& v, core::Targeting& out) {
    out = {};
    if (v.is_null()) return std::nullopt;
    if (!v.is_object()) return Failure{Errc::kInvalidTargeting, {}};
    const json::object& o = v.as_object();
    for (const auto& kv : o) {
        if (kv.key() != "ios" && kv.key() != "android" && kv.key() != "countries") {
            return Failure{Errc::kInvalidTargeting, UnknownFieldMessage("targeting field", kv.key())};
        }
    }
    for (auto [key, dest] : {std::pair<std::string_view, std::string*>{"ios", &out.ios}, {"android", &out.android}}) {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) continue;
        if (auto f = CheckFieldUrl(ctx, "targeting." + std::string(key), it->value(), *dest)) return f;
    }
    auto it = o.find("countries");
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) {
        return Failure{Errc::kInvalidTargeting, "\"targeting.countries\" must map country codes to URLs."};
    }
    const json::object& countries = it->value().as_object();
    if (countries.size() > core::kMaxTargetedCountries) {
        return Failure{Errc::kInvalidTargeting, "At most 50 countries can be targeted."};
    }
    for (const auto& kv : countries) {
        std::string code(kv.key());
        for (char& c : code) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        if (!core::IsCountryCode(code)) {  // named without echoing the key
            return Failure{Errc::kInvalidTargeting,
                           "Every key of \"targeting.countries\" must be an ISO 3166-1 alpha-2 country code (such as "
                           "DE, US, JP)."};
        }
        std::string url;
        if (auto f = CheckFieldUrl(ctx, "targeting.countries." + code, kv.value(), url)) return f;
        if (!out.countries.emplace(code, std::move(url)).second) {
            return Failure{Errc::kInvalidTargeting, "The country " + code + " is listed twice."};
        }
    }
    return std::nullopt;
}

// One parser per field of a link's JSON body; each sees the field's value only when the field is present.
using FieldParser = std::optional<Failure> (*)(const HandlerContext& ctx, const json::value& v, core::TimePoint now,
                                               LinkFields& out);

std::optional<Failure> ParseUrlField(const HandlerContext& ctx, const json::value& v, core::TimePoint,
                                     LinkFields& out) {
    if (!v.is_string()) return Failure{Errc::kInvalidRequest, "\"url\" must be a string."};
    auto checked = core::CheckUrl(std::string_view(v.as_string()), ctx.url_policy);
    if (!checked) return Failure{core::ToErrc(checked.error()), {}};
    out.url = std::move(*checked);
    return std::nullopt;
}

std::optional<Failure> ParseExpiresAt(const HandlerContext&, const json::value& v, core::TimePoint now,
                                      LinkFields& out) {
    if (v.is_null()) {
        out.expires_at.emplace(std::nullopt);
        return std::nullopt;
    }
    auto t = v.is_string() ? core::ParseRfc3339(std::string_view(v.as_string())) : std::nullopt;
    if (!t) return Failure{Errc::kInvalidExpiry, "\"expires_at\" must be an RFC 3339 date-time."};
    if (!core::CheckExpiresAt(*t, now)) return Failure{Errc::kInvalidExpiry, "\"expires_at\" must be in the future."};
    out.expires_at.emplace(*t);
    return std::nullopt;
}

std::optional<Failure> ParseMaxClicks(const HandlerContext&, const json::value& v, core::TimePoint, LinkFields& out) {
    if (v.is_null()) {
        out.max_clicks.emplace(std::nullopt);
        return std::nullopt;
    }
    std::int64_t n = v.is_int64() ? v.as_int64() : v.is_uint64() ? -1 : 0;
    if (!core::CheckMaxClicks(n)) return Failure{Errc::kInvalidMaxClicks, {}};
    out.max_clicks.emplace(n);
    return std::nullopt;
}

std::optional<Failure> ParseRedirectType(const HandlerContext&, const json::value& v, core::TimePoint,
                                         LinkFields& out) {
    auto type = v.is_int64() ? core::RedirectTypeFromInt(v.as_int64()) : std::nullopt;
    if (!type) return Failure{Errc::kInvalidRedirectType, {}};
    out.redirect_type = *type;
    return std::nullopt;
}

std::optional<Failure> ParseTags(const HandlerContext&, const json::value& v, core::TimePoint, LinkFields& out) {
    if (!v.is_array()) return Failure{Errc::kInvalidTags, {}};
    std::vector<std::string> tags;
    for (const auto& t : v.as_array()) {
        if (!t.is_string()) return Failure{Errc::kInvalidTags, {}};
        tags.emplace_back(t.as_string());
    }
    if (auto r = core::CheckTags(tags); !r) return Failure{Errc::kInvalidTags, {}};
    out.tags = std::move(tags);
    return std::nullopt;
}

std::optional<Failure> ParseFlag(std::string_view key, const json::value& v, std::optional<bool>& dest) {
    if (!v.is_bool()) return Failure{Errc::kInvalidRequest, "\"" + std::string(key) + "\" must be true or false."};
    dest = v.as_bool();
    return std::nullopt;
}

std::optional<Failure> ParseExpiredUrl(const HandlerContext& ctx, const json::value& v, core::TimePoint,
                                       LinkFields& out) {
    std::string url;
    const bool clear = v.is_null() || (v.is_string() && v.as_string().empty());
    if (!clear) {
        if (auto f = CheckFieldUrl(ctx, "expired_url", v, url)) return f;
    }
    out.expired_url = std::move(url);
    return std::nullopt;
}

std::optional<Failure> ParsePassword(const HandlerContext&, const json::value& v, core::TimePoint, LinkFields& out) {
    if (v.is_null()) {
        out.password.emplace(std::nullopt);
        return std::nullopt;
    }
    if (!v.is_string() || !core::CheckLinkPassword(std::string_view(v.as_string()))) {
        return Failure{Errc::kInvalidPassword, {}};
    }
    out.password.emplace(std::string(v.as_string()));
    return std::nullopt;
}

std::optional<Failure> ParseTargetingField(const HandlerContext& ctx, const json::value& v, core::TimePoint,
                                           LinkFields& out) {
    core::Targeting targeting;
    if (auto f = ParseTargeting(ctx, v, targeting)) return f;
    out.targeting = std::move(targeting);
    return std::nullopt;
}

// og_title and og_description: text within its length (null or "" clears).
std::optional<Failure> ParsePreviewText(std::string_view key, std::size_t max_length, const json::value& v,
                                        std::optional<std::string>& dest) {
    if (v.is_null()) {
        dest.emplace();
        return std::nullopt;
    }
    const std::string name = "\"" + std::string(key) + "\"";
    if (!v.is_string()) return Failure{Errc::kInvalidPreview, name + " must be a string or null."};
    const std::string_view text = v.as_string();
    if (!core::CheckPreviewText(text, max_length)) {
        return Failure{Errc::kInvalidPreview, name + " must be at most " + std::to_string(max_length) +
                                                  " bytes of text without control characters."};
    }
    dest.emplace(text);
    return std::nullopt;
}

// og_image: an https URL that passes the URL policy (null or "" clears). Preview fetchers load it from their own
// servers, and mixed content is refused by the apps that show the cards.
std::optional<Failure> ParseOgImage(const HandlerContext& ctx, const json::value& v, core::TimePoint, LinkFields& out) {
    std::string url;
    if (!(v.is_null() || (v.is_string() && v.as_string().empty()))) {
        if (auto f = CheckFieldUrl(ctx, "og_image", v, url)) return f;
        if (url.rfind("https://", 0) != 0) return Failure{Errc::kInvalidPreview, "\"og_image\" must be an https URL."};
    }
    out.og_image = std::move(url);
    return std::nullopt;
}

// Each URL of rules or split variants through the URL policy, the failure naming its place ("rules[3].url").
template <class T>
std::optional<Failure> CheckListUrls(const HandlerContext& ctx, std::string_view name, std::vector<T>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string field = std::string(name) + "[" + std::to_string(i) + "].url";
        if (auto f = CheckFieldUrl(ctx, field, json::value(items[i].url), items[i].url)) return f;
    }
    return std::nullopt;
}

std::optional<Failure> ParseRulesField(const HandlerContext& ctx, const json::value& v, core::TimePoint,
                                       LinkFields& out) {
    std::string error;
    auto rules = store::RulesFromValue(v, error);
    if (!rules) return Failure{Errc::kInvalidRules, std::move(error)};
    if (auto f = CheckListUrls(ctx, "rules", *rules)) return f;
    out.rules = std::move(*rules);
    return std::nullopt;
}

std::optional<Failure> ParseSplitField(const HandlerContext& ctx, const json::value& v, core::TimePoint,
                                       LinkFields& out) {
    std::string error;
    auto split = store::SplitFromValue(v, error);
    if (!split) return Failure{Errc::kInvalidSplit, std::move(error)};
    if (auto f = CheckListUrls(ctx, "split", *split)) return f;
    out.split = std::move(*split);
    return std::nullopt;
}

// Checked in this order: the first bad field is the one reported.
constexpr std::pair<std::string_view, FieldParser> kLinkFieldParsers[] = {
    {"url", ParseUrlField},
    {"expires_at", ParseExpiresAt},
    {"max_clicks", ParseMaxClicks},
    {"redirect_type", ParseRedirectType},
    {"tags", ParseTags},
    {"disabled", [](const HandlerContext&, const json::value& v, core::TimePoint,
                    LinkFields& out) { return ParseFlag("disabled", v, out.disabled); }},
    {"forward_query", [](const HandlerContext&, const json::value& v, core::TimePoint,
                         LinkFields& out) { return ParseFlag("forward_query", v, out.forward_query); }},
    {"expired_url", ParseExpiredUrl},
    {"password", ParsePassword},
    {"targeting", ParseTargetingField},
    {"rules", ParseRulesField},
    {"split", ParseSplitField},
    {"og_title",
     [](const HandlerContext&, const json::value& v, core::TimePoint, LinkFields& out) {
         return ParsePreviewText("og_title", core::kMaxOgTitleLength, v, out.og_title);
     }},
    {"og_description",
     [](const HandlerContext&, const json::value& v, core::TimePoint, LinkFields& out) {
         return ParsePreviewText("og_description", core::kMaxOgDescriptionLength, v, out.og_description);
     }},
    {"og_image", ParseOgImage},
};

std::optional<Failure> ParseLinkFields(const HandlerContext& ctx, const json::object& o, core::TimePoint now,
                                       LinkFields& out) {
    for (const auto& [name, parse] : kLinkFieldParsers) {
        auto it = o.find(name);
        if (it == o.end()) continue;
        if (auto f = parse(ctx, it->value(), now, out)) return f;
    }
    return std::nullopt;
}

// The argon2id hash of a new link password; "" for none. Hashing runs on the hasher's own threads.
boost::asio::awaitable<Parsed<std::string>> HashLinkPassword(HandlerContext& ctx,
                                                             const std::optional<std::string>& password) {
    if (!password) co_return std::string();
    if (!ctx.passwords) co_return Failure{Errc::kInvalidPassword, "Password-protected links are not available here."};
    std::string hash = co_await ctx.passwords->Hash(*password);
    co_return hash;
}

}  // namespace

boost::asio::awaitable<Parsed<PreparedLink>> PrepareLink(HandlerContext& ctx, const json::object& o, bool allow_options,
                                                         const auth::Principal& principal,
                                                         std::string_view stats_token_hash) {
    auto now = NowMillis(ctx.clock);
    auto url_it = o.find("url");
    if (url_it == o.end() || url_it->value().is_null() ||
        (url_it->value().is_string() && url_it->value().as_string().empty())) {
        co_return Failure{Errc::kUrlMissing, {}};
    }
    LinkFields fields;
    if (auto f = ParseLinkFields(ctx, o, now, fields)) co_return *f;

    PreparedLink prepared;
    core::NewLink& link = prepared.link;
    link.long_url = std::move(*fields.url);
    link.created_at = now;
    if (allow_options) {
        if (fields.expires_at) link.expires_at = *fields.expires_at;
        if (fields.max_clicks) link.max_clicks = *fields.max_clicks;
        if (fields.redirect_type) link.redirect_type = *fields.redirect_type;
        if (fields.tags) link.tags = std::move(*fields.tags);
        if (fields.disabled) link.disabled = *fields.disabled;
        if (fields.expired_url) link.expired_url = std::move(*fields.expired_url);
        if (fields.forward_query) link.forward_query = *fields.forward_query;
        if (fields.targeting) link.targeting = std::move(*fields.targeting);
        if (fields.rules) link.rules = std::move(*fields.rules);
        if (fields.split) link.split = std::move(*fields.split);
        if (fields.og_title) link.preview.title = std::move(*fields.og_title);
        if (fields.og_description) link.preview.description = std::move(*fields.og_description);
        if (fields.og_image) link.preview.image = std::move(*fields.og_image);
        if (fields.password && *fields.password) {
            auto hashed = co_await HashLinkPassword(ctx, *fields.password);
            if (auto* f = std::get_if<Failure>(&hashed)) co_return *f;
            link.password_hash = std::move(std::get<std::string>(hashed));
        }
    }
    SetOwnership(link, principal, stats_token_hash);

    if (auto it = o.find("slug"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_string()) co_return Failure{Errc::kInvalidSlug, {}};
        prepared.custom = std::string(it->value().as_string());
        if (auto r = core::CheckCustomSlug(prepared.custom); !r) co_return Failure{core::ToErrc(r.error()), {}};
    }
    co_return prepared;
}

std::string SlugTakenMessage(std::string_view slug) {
    return "The slug \"" + std::string(slug) + "\" is already in use.";
}

boost::asio::awaitable<std::variant<Creator, Response>> AuthorizeCreate(HandlerContext& ctx, const Request& req,
                                                                        bool anonymous_ok) {
    const bool anonymous = anonymous_ok && ctx.auth.anonymous_shortening;
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite, anonymous ? Anonymous::kAllow : Anonymous::kRefuse);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    Creator c{std::move(std::get<auth::Principal>(authz)), {}};
    if (!c.principal.authenticated()) c.stats_token = auth::GenerateStatsToken();
    co_return c;
}

std::string TokenHash(const Creator& c) {
    return c.stats_token.empty() ? std::string() : auth::Sha256Hex(c.stats_token);
}

namespace {

// Shared by both create endpoints: validate, pick or check the slug, insert (retrying generated slugs on a
// collision), warm the cache.
boost::asio::awaitable<Parsed<core::Link>> CreateLink(HandlerContext& ctx, const json::object& o, bool allow_options,
                                                      const auth::Principal& principal,
                                                      std::string_view stats_token_hash) {
    auto parsed = co_await PrepareLink(ctx, o, allow_options, principal, stats_token_hash);
    if (auto* f = std::get_if<Failure>(&parsed)) co_return *f;
    PreparedLink& prepared = std::get<PreparedLink>(parsed);
    const std::string& custom = prepared.custom;
    core::NewLink& link = prepared.link;
    for (int attempt = 0; attempt < kMaxSlugAttempts; ++attempt) {
        link.slug = custom.empty() ? ctx.slugs.Next() : custom;
        auto created = co_await ctx.links.Create(link);
        if (created) {
            ctx.resolver.Warm(*created);
            co_return std::move(*created);
        }
        if (core::ToErrc(created.error()) != Errc::kSlugTaken) co_return Failure{core::ToErrc(created.error()), {}};
        // A custom slug that is taken is the caller's problem; a generated one is ours: draw again.
        if (!custom.empty()) co_return Failure{Errc::kSlugTaken, SlugTakenMessage(custom)};
    }
    co_return Failure{Errc::kSlugSpaceExhausted, {}};
}

Response Created(const HandlerContext& ctx, const core::Link& link, const json::value& body) {
    Response r = Response::Json(201, json::serialize(body));
    r.headers.emplace_back("Location", "/api/v1/links/" + link.slug);
    return r;
}

// POST /api/v1/links once authorized; HandleCreate runs it under the request's Idempotency-Key.
boost::asio::awaitable<Response> CreateResponse(HandlerContext& ctx, const Request& req, const Creator& c) {
    auto body = ParseJsonBody(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    auto& o = std::get<json::object>(body);
    if (auto f = RejectUnknownFields(o, kCreateFields)) co_return Fail(*f);
    auto created = co_await CreateLink(ctx, o, true, c.principal, TokenHash(c));
    if (auto* f = std::get_if<Failure>(&created)) co_return Fail(*f);
    auto& link = std::get<core::Link>(created);
    json::object out = LinkJson(ctx, link);
    AddHealthJson(out, nullptr);
    if (!c.stats_token.empty()) out["stats_token"] = c.stats_token;
    co_return Created(ctx, link, out);
}

boost::asio::awaitable<Response> HandleCreate(HandlerContext& ctx, const Request& req) {
    auto creator = co_await AuthorizeCreate(ctx, req);
    if (auto* r = std::get_if<Response>(&creator)) co_return std::move(*r);
    const Creator& c = std::get<Creator>(creator);
    co_return co_await Idempotent(ctx, req, c, [&ctx, &req, &c] { return CreateResponse(ctx, req, c); });
}

constexpr std::string_view kShortenFields[] = {"url", "slug"};

// The seed's shape: {"url"} → {"slug", "shortUrl"}.
boost::asio::awaitable<Response> ShortenResponse(HandlerContext& ctx, const Request& req, const Creator& c) {
    auto body = ParseJsonBody(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    auto& o = std::get<json::object>(body);
    if (auto f = RejectUnknownFields(o, kShortenFields)) co_return Fail(*f);
    auto created = co_await CreateLink(ctx, o, false, c.principal, TokenHash(c));
    if (auto* f = std::get_if<Failure>(&created)) co_return Fail(*f);
    auto& link = std::get<core::Link>(created);
    json::object out;
    out["slug"] = link.slug;
    out["shortUrl"] = ShortUrl(ctx, link.slug);
    if (!c.stats_token.empty()) out["stats_token"] = c.stats_token;
    co_return Created(ctx, link, out);
}

boost::asio::awaitable<Response> HandleShorten(HandlerContext& ctx, const Request& req) {
    auto creator = co_await AuthorizeCreate(ctx, req);
    if (auto* r = std::get_if<Response>(&creator)) co_return std::move(*r);
    const Creator& c = std::get<Creator>(creator);
    co_return co_await Idempotent(ctx, req, c, [&ctx, &req, &c] { return ShortenResponse(ctx, req, c); });
}

boost::asio::awaitable<Response> HandleList(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    store::ListQuery query;
    query.limit = kDefaultPageSize;
    if (auto limit = req.QueryParam("limit")) {
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (ec != std::errc() || p != limit->data() + limit->size() || n < 1 || n > kMaxPageSize) {
            co_return ErrorResponse(Errc::kInvalidQuery, "\"limit\" must be an integer from 1 to 100.");
        }
        query.limit = n;
    }
    if (auto cursor = req.QueryParam("cursor"); cursor && !cursor->empty()) {
        core::LinkId id = 0;
        auto [p, ec] = std::from_chars(cursor->data(), cursor->data() + cursor->size(), id);
        if (ec != std::errc() || p != cursor->data() + cursor->size() || id < 1) {
            co_return ErrorResponse(Errc::kInvalidCursor);
        }
        query.before_id = id;
    }
    if (auto q = req.QueryParam("q")) {
        if (q->size() > kMaxQueryLength) co_return ErrorResponse(Errc::kInvalidQuery, "\"q\" is too long.");
        query.q = std::move(*q);
    }
    if (auto tag = req.QueryParam("tag")) {
        if (tag->size() > core::kMaxTagLength) co_return ErrorResponse(Errc::kInvalidQuery, "\"tag\" is too long.");
        query.tag = std::move(*tag);
    }
    if (auto broken = req.QueryParam("broken")) {
        if (*broken != "true" && *broken != "false") {
            co_return ErrorResponse(Errc::kInvalidQuery, "\"broken\" must be true or false.");
        }
        query.broken = *broken == "true";
    }
    ScopeListQuery(std::get<auth::Principal>(authz), query);
    auto page = co_await ctx.links.List(query);
    json::array items = co_await LinksWithHealth(ctx, page.items);
    json::object out;
    out["items"] = std::move(items);
    out["next_cursor"] = page.next_before ? json::value(std::to_string(*page.next_before)) : json::value(nullptr);
    co_return Response::Json(200, json::serialize(out));
}

boost::asio::awaitable<Response> HandleGet(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    auto found = co_await AccessibleLink(ctx, std::get<auth::Principal>(authz), slug, true);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    std::string body = co_await LinkWithHealth(ctx, std::get<core::Link>(found));
    co_return Response::Json(200, std::move(body));
}

constexpr std::string_view kPatchFields[] = {"url",      "expires_at",  "max_clicks",    "redirect_type",  "tags",
                                             "disabled", "expired_url", "forward_query", "password",       "targeting",
                                             "rules",    "split",       "og_title",      "og_description", "og_image"};

boost::asio::awaitable<Response> HandlePatch(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    auto found = co_await AccessibleLink(ctx, std::get<auth::Principal>(authz), slug, false);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    auto body = ParseJsonBody(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    auto& o = std::get<json::object>(body);
    if (o.contains("slug")) co_return ErrorResponse(Errc::kInvalidRequest, "A link's slug cannot be changed.");
    if (auto f = RejectUnknownFields(o, kPatchFields)) co_return Fail(*f);
    auto now = NowMillis(ctx.clock);
    if (auto it = o.find("url"); it != o.end() && it->value().is_null()) {
        co_return ErrorResponse(Errc::kUrlMissing);
    }
    LinkFields fields;
    if (auto f = ParseLinkFields(ctx, o, now, fields)) co_return Fail(*f);
    core::LinkPatch patch;
    patch.long_url = std::move(fields.url);
    if (fields.expires_at) {
        patch.expires_at = *fields.expires_at;
        patch.clear_expires_at = !fields.expires_at->has_value();
    }
    if (fields.max_clicks) {
        patch.max_clicks = *fields.max_clicks;
        patch.clear_max_clicks = !fields.max_clicks->has_value();
    }
    patch.redirect_type = fields.redirect_type;
    patch.tags = std::move(fields.tags);
    patch.disabled = fields.disabled;
    patch.expired_url = std::move(fields.expired_url);
    patch.forward_query = fields.forward_query;
    patch.targeting = std::move(fields.targeting);
    patch.rules = std::move(fields.rules);
    patch.split = std::move(fields.split);
    patch.og_title = std::move(fields.og_title);
    patch.og_description = std::move(fields.og_description);
    patch.og_image = std::move(fields.og_image);
    if (fields.password) {
        auto hashed = co_await HashLinkPassword(ctx, *fields.password);
        if (auto* f = std::get_if<Failure>(&hashed)) co_return Fail(*f);
        patch.password_hash = std::move(std::get<std::string>(hashed));
    }
    patch.updated_at = now;
    auto updated = co_await ctx.links.Update(slug, patch);
    if (!updated) co_return ErrorResponse(updated.error());
    ctx.resolver.Invalidate(slug);
    std::string answer = co_await LinkWithHealth(ctx, *updated);
    co_return Response::Json(200, std::move(answer));
}

boost::asio::awaitable<Response> HandleDelete(HandlerContext& ctx, const Request& req, std::string_view slug) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    auto found = co_await AccessibleLink(ctx, std::get<auth::Principal>(authz), slug, false);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    auto deleted = co_await ctx.links.Delete(slug, NowMillis(ctx.clock));
    if (!deleted) co_return ErrorResponse(deleted.error());
    ctx.resolver.Invalidate(slug);
    co_return Response::NoContent();
}

}  // namespace
}  // namespace links

void AddLinkRoutes(Router& router, HandlerContext& ctx) {
    using namespace links;  // NOLINT(google-build-using-namespace): this file's own handlers
    AddBulkRoutes(router, ctx);
    router.Add(
        {Method::kPost}, "/api/v1/links", "links_create",
        [&ctx](const Request& req, const Params&) { return HandleCreate(ctx, req); }, RouteClass::kCreate);
    router.Add({Method::kGet}, "/api/v1/links", "links_list",
               [&ctx](const Request& req, const Params&) { return HandleList(ctx, req); });
    router.Add(
        {Method::kPost}, "/api/shorten", "shorten",
        [&ctx](const Request& req, const Params&) { return HandleShorten(ctx, req); }, RouteClass::kCreate);
    router.Add({Method::kGet}, "/api/v1/links/{slug}", "links_get",
               [&ctx](const Request& req, const Params& p) { return HandleGet(ctx, req, p.Get("slug")); });
    router.Add({Method::kPatch}, "/api/v1/links/{slug}", "links_update",
               [&ctx](const Request& req, const Params& p) { return HandlePatch(ctx, req, p.Get("slug")); });
    router.Add({Method::kDelete}, "/api/v1/links/{slug}", "links_delete",
               [&ctx](const Request& req, const Params& p) { return HandleDelete(ctx, req, p.Get("slug")); });
}

}  // namespace shortener::http
