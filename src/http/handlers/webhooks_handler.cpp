// /api/v1/webhooks (issue #15, docs/webhooks.md): register endpoints for link events, see their deliveries, send a
// test event. A webhook belongs to the user who made it (admins see every one); anyone else gets 404. The delivery
// itself runs on the worker side (webhook/delivery.hpp).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/link_create.hpp"
#include "webhook/sender.hpp"
#include "webhook/signature.hpp"

namespace shortener::http {
namespace {

using core::Errc;
using links::Fail;
using links::Failure;
using links::ParseJsonValue;
using links::RejectUnknownFields;
namespace json = boost::json;

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kDefaultDeliveries = 50;
constexpr std::size_t kMaxDeliveries = 100;
constexpr std::string_view kCreateFields[] = {"url", "events"};
constexpr std::string_view kPatchFields[] = {"url", "events", "enabled"};

struct EventName {
    std::string_view name;
    store::WebhookEvent bit;
};
constexpr EventName kEventNames[] = {
    {"link.created", store::kLinkCreated}, {"link.updated", store::kLinkUpdated}, {"link.deleted", store::kLinkDeleted},
    {"link.clicked", store::kLinkClicked}, {"link.broken", store::kLinkBroken},
};

json::value OptionalTime(const std::optional<core::TimePoint>& t) {
    return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

json::object WebhookJson(const store::Webhook& w) {
    json::array events;
    for (const auto& e : kEventNames) {
        if ((w.events & e.bit) != 0) events.emplace_back(e.name);
    }
    json::object o;
    o["id"] = w.id;
    o["url"] = w.url;
    o["events"] = std::move(events);
    o["enabled"] = !w.disabled_at.has_value();
    o["disabled_at"] = OptionalTime(w.disabled_at);
    o["disabled_reason"] = w.disabled_at ? json::value(w.disabled_reason) : json::value(nullptr);
    o["failing_since"] = OptionalTime(w.failing_since);
    o["all_links"] = w.all_links;
    o["created_at"] = core::FormatRfc3339(w.created_at);
    o["updated_at"] = core::FormatRfc3339(w.updated_at);
    return o;
}

json::object DeliveryJson(const store::WebhookDelivery& d) {
    json::object o;
    o["id"] = d.id;
    o["event_id"] = d.event_id;
    o["event"] = d.event;
    o["status"] = d.status;
    o["attempts"] = d.attempts;
    o["last_response_code"] = d.last_status ? json::value(*d.last_status) : json::value(nullptr);
    o["last_error"] = d.last_error.empty() ? json::value(nullptr) : json::value(d.last_error);
    o["next_retry_at"] = d.status == "pending" ? OptionalTime(d.next_attempt_at) : json::value(nullptr);
    o["created_at"] = core::FormatRfc3339(d.created_at);
    o["delivered_at"] = OptionalTime(d.delivered_at);
    return o;
}

core::TimePoint Now(HandlerContext& ctx) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
}

std::optional<store::WebhookEvents> ParseEvents(const json::value& v) {
    if (!v.is_array() || v.as_array().empty() || v.as_array().size() > 16) return std::nullopt;
    store::WebhookEvents events = 0;
    for (const auto& item : v.as_array()) {
        if (!item.is_string()) return std::nullopt;
        auto it = std::find_if(std::begin(kEventNames), std::end(kEventNames),
                               [&](const EventName& e) { return e.name == item.as_string(); });
        if (it == std::end(kEventNames)) return std::nullopt;
        events |= it->bit;
    }
    return events;
}

// The URL checked by the delivery rules: syntax and scheme, an IP literal's address, a name's resolved addresses.
boost::asio::awaitable<std::variant<std::string, Response>> CheckUrl(HandlerContext& ctx, const json::value& v) {
    if (!v.is_string() || v.as_string().empty()) co_return ErrorResponse(Errc::kUrlMissing);
    std::string url(v.as_string());
    auto target = webhook::ParseTarget(url, ctx.webhook_policy);
    if (!target) co_return ErrorResponse(core::ToErrc(target.error()));
    const Errc verdict = co_await webhook::CheckResolvedHost(target->host, target->port, ctx.webhook_policy);
    if (verdict != Errc::kOk) co_return ErrorResponse(verdict);
    co_return url;
}

// The id in the path, if it is a positive decimal integer.
std::optional<std::int64_t> ParseId(std::string_view text) {
    std::int64_t id = 0;
    if (text.empty() || text.size() > 18) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}

bool MayManage(const auth::Principal& p, const store::Webhook& w) {
    return p.is_admin() || (w.owner_id && p.user_id != 0 && *w.owner_id == p.user_id);
}

// Authorizes and finds the webhook of the path: the caller's own (or any, for admins); else the answer (404 alike).
boost::asio::awaitable<std::variant<store::Webhook, Response>> OwnWebhook(HandlerContext& ctx, const Request& req,
                                                                          std::string_view id_text, auth::Scope scope) {
    auto authz = co_await Authorize(ctx, req, scope);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    auto id = ParseId(id_text);
    if (!id) co_return ErrorResponse(Errc::kNotFound);
    std::optional<store::Webhook> found = co_await ctx.webhooks->Find(*id);
    if (!found || !MayManage(p, *found)) co_return ErrorResponse(Errc::kNotFound);
    co_return std::move(*found);
}

boost::asio::awaitable<Response> HandleCreate(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    auto body = ParseJsonValue(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    const json::value& v = std::get<json::value>(body);
    if (!v.is_object()) co_return ErrorResponse(Errc::kInvalidRequest, "The request body must be a JSON object.");
    const json::object& o = v.as_object();
    if (auto f = RejectUnknownFields(o, kCreateFields)) co_return Fail(*f);
    auto events = o.contains("events") ? ParseEvents(o.at("events")) : std::nullopt;
    if (!events) co_return ErrorResponse(Errc::kInvalidWebhookEvents);
    // Named, not a temporary inside the co_await (GCC 12 destroys such temporaries twice).
    const json::value none;
    const json::value& url_value = o.contains("url") ? o.at("url") : none;
    auto url = co_await CheckUrl(ctx, url_value);
    if (auto* r = std::get_if<Response>(&url)) co_return std::move(*r);
    std::array<std::uint8_t, kSecretBytes> key{};
    ctx.random.Fill(key);
    store::Webhook w;
    if (p.user_id != 0) w.owner_id = p.user_id;
    w.all_links = p.is_admin();
    w.url = std::move(std::get<std::string>(url));
    w.events = *events;
    w.secret = webhook::SecretFromKey(key);
    w.created_at = Now(ctx);
    store::Webhook created = co_await ctx.webhooks->Create(w);
    json::object out = WebhookJson(created);
    out["secret"] = created.secret;  // shown this once
    Response r = Response::Json(201, json::serialize(out));
    r.headers.emplace_back("Location", "/api/v1/webhooks/" + std::to_string(created.id));
    co_return r;
}

boost::asio::awaitable<Response> HandleList(HandlerContext& ctx, const Request& req) {
    auto authz = co_await Authorize(ctx, req, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    std::optional<std::int64_t> owner;
    if (!p.is_admin()) owner = p.user_id;
    std::vector<store::Webhook> hooks = co_await ctx.webhooks->List(owner);
    json::array items;
    for (const auto& w : hooks) items.emplace_back(WebhookJson(w));
    co_return Response::Json(200, json::serialize(json::object{{"items", std::move(items)}}));
}

boost::asio::awaitable<Response> HandleGet(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto found = co_await OwnWebhook(ctx, req, id, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    co_return Response::Json(200, json::serialize(WebhookJson(std::get<store::Webhook>(found))));
}

// The patch of a PATCH body; the answer when it is malformed.
boost::asio::awaitable<std::variant<store::WebhookPatch, Response>> ParsePatch(HandlerContext& ctx,
                                                                               const json::object& o) {
    store::WebhookPatch patch;
    if (auto f = RejectUnknownFields(o, kPatchFields)) co_return Fail(*f);
    if (auto it = o.find("events"); it != o.end()) {
        patch.events = ParseEvents(it->value());
        if (!patch.events) co_return ErrorResponse(Errc::kInvalidWebhookEvents);
    }
    if (auto it = o.find("enabled"); it != o.end()) {
        if (!it->value().is_bool()) co_return ErrorResponse(Errc::kInvalidRequest, "\"enabled\" must be a boolean.");
        patch.enabled = it->value().as_bool();
    }
    if (auto it = o.find("url"); it != o.end()) {
        auto url = co_await CheckUrl(ctx, it->value());
        if (auto* r = std::get_if<Response>(&url)) co_return std::move(*r);
        patch.url = std::move(std::get<std::string>(url));
    }
    patch.updated_at = Now(ctx);
    co_return patch;
}

boost::asio::awaitable<Response> HandlePatch(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto found = co_await OwnWebhook(ctx, req, id, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    auto body = ParseJsonValue(req);
    if (auto* f = std::get_if<Failure>(&body)) co_return Fail(*f);
    const json::value& v = std::get<json::value>(body);
    if (!v.is_object()) co_return ErrorResponse(Errc::kInvalidRequest, "The request body must be a JSON object.");
    auto patch = co_await ParsePatch(ctx, v.as_object());
    if (auto* r = std::get_if<Response>(&patch)) co_return std::move(*r);
    core::Result<store::Webhook> updated =
        co_await ctx.webhooks->Update(std::get<store::Webhook>(found).id, std::get<store::WebhookPatch>(patch));
    if (!updated) co_return ErrorResponse(core::ToErrc(updated.error()));
    co_return Response::Json(200, json::serialize(WebhookJson(*updated)));
}

boost::asio::awaitable<Response> HandleDelete(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto found = co_await OwnWebhook(ctx, req, id, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    const bool deleted = co_await ctx.webhooks->Delete(std::get<store::Webhook>(found).id);
    if (!deleted) co_return ErrorResponse(Errc::kNotFound);
    co_return Response::NoContent();
}

boost::asio::awaitable<Response> HandleTest(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto found = co_await OwnWebhook(ctx, req, id, auth::kLinksWrite);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    std::string event_id = co_await ctx.webhooks->EnqueueTest(std::get<store::Webhook>(found).id, Now(ctx));
    co_return Response::Json(202, json::serialize(json::object{{"event_id", event_id}, {"event", "webhook.test"}}));
}

boost::asio::awaitable<Response> HandleDeliveries(HandlerContext& ctx, const Request& req, std::string_view id) {
    auto found = co_await OwnWebhook(ctx, req, id, auth::kLinksRead);
    if (auto* r = std::get_if<Response>(&found)) co_return std::move(*r);
    std::size_t limit = kDefaultDeliveries;
    if (auto text = req.QueryParam("limit")) {
        auto n = ParseId(*text);
        if (!n || *n > static_cast<std::int64_t>(kMaxDeliveries)) {
            co_return ErrorResponse(Errc::kInvalidQuery, "\"limit\" must be an integer from 1 to 100.");
        }
        limit = static_cast<std::size_t>(*n);
    }
    std::vector<store::WebhookDelivery> deliveries =
        co_await ctx.webhooks->Deliveries(std::get<store::Webhook>(found).id, limit);
    json::array items;
    for (const auto& d : deliveries) items.emplace_back(DeliveryJson(d));
    co_return Response::Json(200, json::serialize(json::object{{"items", std::move(items)}}));
}

}  // namespace

void AddWebhookRoutes(Router& router, HandlerContext& ctx) {
    if (ctx.webhooks == nullptr) return;
    router.Add({Method::kPost}, "/api/v1/webhooks", "webhooks_create",
               [&ctx](const Request& req, const Params&) { return HandleCreate(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/webhooks", "webhooks_list",
               [&ctx](const Request& req, const Params&) { return HandleList(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/webhooks/{id}", "webhooks_get",
               [&ctx](const Request& req, const Params& p) { return HandleGet(ctx, req, p.Get("id")); });
    router.Add({Method::kPatch}, "/api/v1/webhooks/{id}", "webhooks_update",
               [&ctx](const Request& req, const Params& p) { return HandlePatch(ctx, req, p.Get("id")); });
    router.Add({Method::kDelete}, "/api/v1/webhooks/{id}", "webhooks_delete",
               [&ctx](const Request& req, const Params& p) { return HandleDelete(ctx, req, p.Get("id")); });
    router.Add({Method::kPost}, "/api/v1/webhooks/{id}/test", "webhooks_test",
               [&ctx](const Request& req, const Params& p) { return HandleTest(ctx, req, p.Get("id")); });
    router.Add({Method::kGet}, "/api/v1/webhooks/{id}/deliveries", "webhooks_deliveries",
               [&ctx](const Request& req, const Params& p) { return HandleDeliveries(ctx, req, p.Get("id")); });
}

}  // namespace shortener::http
