-- Webhooks (issue #15, docs/webhooks.md): the endpoints users register, and the outbox of deliveries. A link change
-- writes its delivery rows in the same transaction as the change (one row per subscribed webhook), so no event is
-- lost or sent for a change that rolled back. New tables only: existing data is untouched.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    owner_id        INTEGER,            -- the user who made it; NULL: an admin key or auth mode none
    all_links       INTEGER NOT NULL,   -- 1: made by an admin, receives the events of every link
    url             TEXT    NOT NULL,
    events          INTEGER NOT NULL,   -- bit set: 1 link.created, 2 link.updated, 4 link.deleted, 8 link.clicked
    secret          TEXT    NOT NULL,   -- "whsec_" + base64 of the key
    created_at      INTEGER NOT NULL,   -- Unix ms
    updated_at      INTEGER NOT NULL,
    failing_since   INTEGER,            -- Unix ms of the first failed attempt since the last success
    disabled_at     INTEGER,
    disabled_reason TEXT
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,   -- the webhook-id header: the same on every attempt
    event           TEXT    NOT NULL,   -- "link.created", …, "webhook.test"
    payload         TEXT    NOT NULL,   -- the exact body sent (and signed) on every attempt
    status          TEXT    NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,            -- HTTP status of the last attempt; NULL: no answer
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER,            -- pending: when it may be claimed (a claim moves it to the lease's end)
    lease_token     TEXT,               -- the claim that holds it; its outcome is recorded only with this token
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
