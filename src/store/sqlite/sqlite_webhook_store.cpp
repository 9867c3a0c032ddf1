#include "store/sqlite/sqlite_webhook_store.hpp"

#include <algorithm>

namespace shortener::store {
namespace {

// RFC 3339 UTC with milliseconds from Unix ms (NULL stays NULL): PostgreSQL's webhook_time() writes the same.
#define WEBHOOK_TIME(x) "strftime('%Y-%m-%dT%H:%M:%fZ', (" x ") / 1000.0, 'unixepoch')"
#define NEW_EVENT_ID "'msg_' || lower(hex(randomblob(16)))"
// The webhooks that get an event of link `l`: enabled, subscribed (?bit), and allowed to see the link.
#define SUBSCRIBERS_OF_LINK                                                               \
    "FROM links l JOIN webhooks w ON w.disabled_at IS NULL AND (w.events & ?4) != 0 AND " \
    "(w.all_links != 0 OR w.owner_id = l.owner_id) WHERE l.id = ?1"

// The "data" of a link event; the same members and forms as PostgreSQL's webhook_link_data().
#define LINK_DATA \
    "json_object('id', l.id, 'slug', l.slug, 'url', l.long_url, 'tags', json(COALESCE(NULLIF(l.tags, ''), '[]')), " \
    "'created_at', " WEBHOOK_TIME("l.created_at") ", 'updated_at', " WEBHOOK_TIME(                                \
        "l.updated_at") ", 'expires_at', " WEBHOOK_TIME("l.expires_at") ", 'max_clicks', l.max_clicks, "         \
                        "'disabled', json(CASE WHEN l.disabled != 0 THEN 'true' ELSE 'false' END), 'owner_id', "   \
                        "l.owner_id, 'deleted_at', " WEBHOOK_TIME("l.deleted_at") ")"

constexpr const char* kEnqueueLinkEvent =
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, " NEW_EVENT_ID
    ", ?2, json_object('type', ?2, 'timestamp', " WEBHOOK_TIME("?3") ", 'data', " LINK_DATA
                                                                     "), ?3, ?3 " SUBSCRIBERS_OF_LINK;

constexpr const char* kEnqueueClick =
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, " NEW_EVENT_ID ", ?2, json_object('type', ?2, 'timestamp', " WEBHOOK_TIME(
        "?3") ", 'data', json_object('id', l.id, 'slug', l.slug, 'url', l.long_url, 'click', json(?5))), ?6, ?6 "
        SUBSCRIBERS_OF_LINK;

constexpr const char* kEnqueueTest =
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, " NEW_EVENT_ID ", 'webhook.test', json_object('type', 'webhook.test', 'timestamp', " WEBHOOK_TIME(
        "?2") ", 'data', json_object('webhook_id', w.id)), ?2, ?2 FROM webhooks w WHERE w.id = ?1 RETURNING event_id";

#define WEBHOOK_COLUMNS                                                                                  \
    "id, owner_id, all_links, url, events, secret, created_at, updated_at, failing_since, disabled_at, " \
    "disabled_reason"

constexpr const char* kInsertWebhook =
    "INSERT INTO webhooks (owner_id, all_links, url, events, secret, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
constexpr const char* kSelectWebhook = "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE id = ?1";
constexpr const char* kListWebhooks = "SELECT " WEBHOOK_COLUMNS " FROM webhooks ORDER BY id DESC";
constexpr const char* kListOwnWebhooks =
    "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE owner_id = ?1 ORDER BY id DESC";
// Absent patch members keep the stored value; enabled = 1 clears the disabled state and the failing streak.
constexpr const char* kUpdateWebhook =
    "UPDATE webhooks SET url = COALESCE(?2, url), events = COALESCE(?3, events), updated_at = ?4, "
    "disabled_at = CASE WHEN ?5 = 1 THEN NULL WHEN ?5 = 0 THEN COALESCE(disabled_at, ?4) ELSE disabled_at END, "
    "disabled_reason = CASE WHEN ?5 = 1 THEN NULL WHEN ?5 = 0 THEN COALESCE(disabled_reason, 'disabled by its owner') "
    "ELSE disabled_reason END, failing_since = CASE WHEN ?5 = 1 THEN NULL ELSE failing_since END WHERE id = ?1";
constexpr const char* kDeleteDeliveries = "DELETE FROM webhook_deliveries WHERE webhook_id = ?1";
constexpr const char* kDeleteWebhook = "DELETE FROM webhooks WHERE id = ?1";
constexpr const char* kAnySubscriber =
    "SELECT 1 FROM webhooks WHERE disabled_at IS NULL AND (events & ?1) != 0 LIMIT 1";

constexpr const char* kSelectDeliveries =
    "SELECT id, webhook_id, event_id, event, status, attempts, last_status, last_error, created_at, next_attempt_at, "
    "delivered_at FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2";

// SQLite has one writer: the claim's SELECT and UPDATE cannot interleave with another claim's. RETURNING gives exactly
// the rows this claim took.
constexpr const char* kClaim =
    "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2, lease_token = ?3 WHERE id IN "
    "(SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND "
    "d.next_attempt_at <= ?1 AND w.disabled_at IS NULL ORDER BY d.next_attempt_at LIMIT ?4) "
    "RETURNING id, webhook_id, event_id, event, payload, attempts, created_at";
constexpr const char* kTargetOf = "SELECT url, secret FROM webhooks WHERE id = ?1";

constexpr const char* kDelivered =
    "UPDATE webhook_deliveries SET status = 'delivered', last_status = ?3, last_error = NULL, delivered_at = ?4, "
    "next_attempt_at = NULL, lease_token = NULL WHERE id = ?1 AND lease_token = ?2 AND status = 'pending'";
constexpr const char* kFailed =
    "UPDATE webhook_deliveries SET status = CASE WHEN ?5 IS NULL THEN 'failed' ELSE 'pending' END, last_status = ?3, "
    "last_error = ?4, next_attempt_at = ?5, lease_token = NULL WHERE id = ?1 AND lease_token = ?2 AND "
    "status = 'pending'";
constexpr const char* kStreakEnds = "UPDATE webhooks SET failing_since = NULL WHERE id = ?1";
constexpr const char* kStreakGoesOn = "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1";
constexpr const char* kDisableFailing =
    "UPDATE webhooks SET disabled_at = ?2, disabled_reason = ?3 WHERE id = ?1 AND disabled_at IS NULL AND "
    "failing_since <= ?4";

std::optional<core::TimePoint> OptionalTime(const Statement& s, int column) {
    if (auto v = s.OptionalInt(column)) return core::FromUnixMillis(*v);
    return std::nullopt;
}

Webhook ReadWebhook(const Statement& s) {
    Webhook w;
    w.id = s.Int(0);
    w.owner_id = s.OptionalInt(1);
    w.all_links = s.Int(2) != 0;
    w.url = s.Text(3);
    w.events = static_cast<WebhookEvents>(s.Int(4));
    w.secret = s.Text(5);
    w.created_at = core::FromUnixMillis(s.Int(6));
    w.updated_at = core::FromUnixMillis(s.Int(7));
    w.failing_since = OptionalTime(s, 8);
    w.disabled_at = OptionalTime(s, 9);
    w.disabled_reason = s.Text(10);
    return w;
}

std::optional<Webhook> FindWebhook(SqliteConnection& c, std::int64_t id) {
    auto s = c.Prepare(kSelectWebhook);
    s.Bind(1, id);
    if (!s.Step()) return std::nullopt;
    return ReadWebhook(s);
}

WebhookDelivery ReadDelivery(const Statement& s) {
    WebhookDelivery d;
    d.id = s.Int(0);
    d.webhook_id = s.Int(1);
    d.event_id = s.Text(2);
    d.event = s.Text(3);
    d.status = s.Text(4);
    d.attempts = static_cast<int>(s.Int(5));
    if (auto v = s.OptionalInt(6)) d.last_status = static_cast<int>(*v);
    d.last_error = s.Text(7);
    d.created_at = core::FromUnixMillis(s.Int(8));
    d.next_attempt_at = OptionalTime(s, 9);
    d.delivered_at = OptionalTime(s, 10);
    return d;
}

std::optional<std::int64_t> OptionalStatus(const std::optional<int>& v) {
    if (!v) return std::nullopt;
    return std::int64_t{*v};
}

void SettleIn(SqliteConnection& c, const ClaimedDelivery& d, const DeliveryOutcome& o) {
    const std::int64_t now = core::ToUnixMillis(o.now);
    if (o.delivered) {
        c.Prepare(kDelivered)
            .Bind(1, d.id)
            .Bind(2, d.lease_token)
            .Bind(3, OptionalStatus(o.status_code))
            .Bind(4, now)
            .Run();
        if (c.Changes() == 1) c.Prepare(kStreakEnds).Bind(1, d.webhook_id).Run();
        return;
    }
    std::optional<std::int64_t> retry;
    if (o.retry_at) retry = core::ToUnixMillis(*o.retry_at);
    c.Prepare(kFailed)
        .Bind(1, d.id)
        .Bind(2, d.lease_token)
        .Bind(3, OptionalStatus(o.status_code))
        .Bind(4, o.error)
        .Bind(5, retry)
        .Run();
    if (c.Changes() != 1) return;  // the lease was lost: the delivery's new holder records its own outcome
    c.Prepare(kStreakGoesOn).Bind(1, d.webhook_id).Bind(2, now).Run();
    c.Prepare(kDisableFailing)
        .Bind(1, d.webhook_id)
        .Bind(2, now)
        .Bind(3, o.disable_reason)
        .Bind(4, core::ToUnixMillis(o.disable_failing_before))
        .Run();
}

}  // namespace

void EnqueueSqliteLinkEvent(SqliteConnection& c, core::LinkId link_id, const char* event, WebhookEvents bit,
                            core::TimePoint at) {
    c.Prepare(kEnqueueLinkEvent)
        .Bind(1, link_id)
        .Bind(2, std::string_view(event))
        .Bind(3, core::ToUnixMillis(at))
        .Bind(4, std::int64_t{bit})
        .Run();
}

Task<Webhook> SqliteWebhookStore::Create(const Webhook& webhook) {
    Webhook created = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kInsertWebhook)
                .Bind(1, webhook.owner_id)
                .Bind(2, std::int64_t{webhook.all_links})
                .Bind(3, webhook.url)
                .Bind(4, std::int64_t{webhook.events})
                .Bind(5, webhook.secret)
                .Bind(6, core::ToUnixMillis(webhook.created_at))
                .Run();
            Webhook stored = webhook;
            stored.id = c->LastInsertRowId();
            stored.updated_at = stored.created_at;
            return stored;
        });
    });
    co_return created;
}

Task<std::optional<Webhook>> SqliteWebhookStore::Find(std::int64_t id) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        return FindWebhook(*c, id);
    });
}

Task<std::vector<Webhook>> SqliteWebhookStore::List(std::optional<std::int64_t> owner) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(owner ? kListOwnWebhooks : kListWebhooks);
        if (owner) s.Bind(1, *owner);
        std::vector<Webhook> out;
        while (s.Step()) out.push_back(ReadWebhook(s));
        return out;
    });
}

Task<core::Result<Webhook>> SqliteWebhookStore::Update(std::int64_t id, const WebhookPatch& patch) {
    core::Result<Webhook> updated = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<Webhook> {
            auto c = db_->AcquireWriter();
            std::optional<std::int64_t> events, enabled;
            if (patch.events) events = *patch.events;
            if (patch.enabled) enabled = *patch.enabled ? 1 : 0;
            c->Prepare(kUpdateWebhook)
                .Bind(1, id)
                .Bind(2, patch.url)
                .Bind(3, events)
                .Bind(4, core::ToUnixMillis(patch.updated_at))
                .Bind(5, enabled)
                .Run();
            auto found = FindWebhook(*c, id);
            if (!found) return make_error_code(core::Errc::kNotFound);
            return std::move(*found);
        });
    });
    co_return updated;
}

Task<bool> SqliteWebhookStore::Delete(std::int64_t id) {
    const bool deleted = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] {
                c->Prepare(kDeleteDeliveries).Bind(1, id).Run();
                c->Prepare(kDeleteWebhook).Bind(1, id).Run();
                return c->Changes() == 1;
            });
        });
    });
    co_return deleted;
}

Task<std::string> SqliteWebhookStore::EnqueueTest(std::int64_t webhook_id, core::TimePoint now) {
    std::string event_id = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            auto s = c->Prepare(kEnqueueTest);
            s.Bind(1, webhook_id).Bind(2, core::ToUnixMillis(now));
            std::string id = s.Step() ? s.Text(0) : std::string();
            s.Run();
            return id;
        });
    });
    co_return event_id;
}

Task<bool> SqliteWebhookStore::AnySubscriber(WebhookEvents events) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kAnySubscriber);
        s.Bind(1, std::int64_t{events});
        return s.Step();
    });
}

Task<void> SqliteWebhookStore::EnqueueClicks(std::span<const ClickNotice> clicks, core::TimePoint now) {
    GuardBackend([&] {
        auto c = db_->AcquireWriter();
        WriteTransaction(*c, [&] {
            for (const auto& click : clicks) {
                c->Prepare(kEnqueueClick)
                    .Bind(1, click.link_id)
                    .Bind(2, std::string_view("link.clicked"))
                    .Bind(3, core::ToUnixMillis(click.at))
                    .Bind(4, std::int64_t{kLinkClicked})
                    .Bind(5, click.click_json)
                    .Bind(6, core::ToUnixMillis(now))
                    .Run();
            }
        });
    });
    co_return;
}

Task<std::vector<WebhookDelivery>> SqliteWebhookStore::Deliveries(std::int64_t webhook_id, std::size_t limit) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kSelectDeliveries);
        s.Bind(1, webhook_id).Bind(2, static_cast<std::int64_t>(limit));
        std::vector<WebhookDelivery> out;
        while (s.Step()) out.push_back(ReadDelivery(s));
        return out;
    });
}

Task<std::vector<ClaimedDelivery>> SqliteWebhookStore::Claim(core::TimePoint now, core::TimePoint lease_until,
                                                             std::size_t limit, const std::string& lease_token) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        return WriteTransaction(*c, [&] {
            std::vector<ClaimedDelivery> out;
            {
                auto s = c->Prepare(kClaim);
                s.Bind(1, core::ToUnixMillis(now))
                    .Bind(2, core::ToUnixMillis(lease_until))
                    .Bind(3, lease_token)
                    .Bind(4, static_cast<std::int64_t>(limit));
                while (s.Step()) {
                    out.push_back({s.Int(0),
                                   s.Int(1),
                                   s.Text(2),
                                   s.Text(3),
                                   s.Text(4),
                                   static_cast<int>(s.Int(5)),
                                   core::FromUnixMillis(s.Int(6)),
                                   {},
                                   {},
                                   lease_token});
                }
            }
            for (auto& d : out) {
                auto t = c->Prepare(kTargetOf);
                t.Bind(1, d.webhook_id);
                if (t.Step()) {
                    d.url = t.Text(0);
                    d.secret = t.Text(1);
                }
            }
            std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
            return out;
        });
    });
}

Task<void> SqliteWebhookStore::Settle(const ClaimedDelivery& delivery, const DeliveryOutcome& outcome) {
    GuardBackend([&] {
        auto c = db_->AcquireWriter();
        WriteTransaction(*c, [&] { SettleIn(*c, delivery, outcome); });
    });
    co_return;
}

}  // namespace shortener::store
