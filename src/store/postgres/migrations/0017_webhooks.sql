-- Webhooks (issue #15, docs/webhooks.md): the endpoints users register, and the outbox of deliveries. A link change
-- writes its delivery rows in the same statement as the change (a data-modifying CTE: one row per subscribed
-- webhook), so no event is lost or sent for a change that rolled back. Workers claim due rows with
-- FOR UPDATE SKIP LOCKED and a lease, so exactly one worker holds a delivery at a time. New tables only.
CREATE TABLE webhooks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id        bigint,                 -- the user who made it; NULL: an admin key or auth mode none
    all_links       boolean     NOT NULL,   -- made by an admin: receives the events of every link
    url             text        NOT NULL,
    events          integer     NOT NULL,   -- bit set: 1 link.created, 2 link.updated, 4 link.deleted, 8 link.clicked
    secret          text        NOT NULL,   -- "whsec_" + base64 of the key
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    failing_since   timestamptz,            -- the first failed attempt since the last success
    disabled_at     timestamptz,
    disabled_reason text
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_id);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,   -- the webhook-id header: the same on every attempt
    event           text        NOT NULL,   -- "link.created", …, "webhook.test"
    payload         text        NOT NULL,   -- the exact body sent (and signed) on every attempt
    status          text        NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts        integer     NOT NULL DEFAULT 0,
    last_status     integer,                -- HTTP status of the last attempt; NULL: no answer
    last_error      text,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz,            -- pending: when it may be claimed (a claim moves it to the lease's end)
    lease_token     text,                   -- the claim that holds it; its outcome is recorded only with this token
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

-- RFC 3339 UTC with milliseconds, as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes it: payload timestamps.
CREATE FUNCTION webhook_time(ts timestamptz) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- The "data" of a link event: the same members, in the same form, as SQLite's (store/sqlite/sqlite_webhook_store.cpp).
-- Called with the columns of a link row that a data-modifying CTE returned (store/postgres/postgres_link_store.cpp).
CREATE FUNCTION webhook_link_data(id bigint, slug text, long_url text, tags text[], created_at timestamptz,
                                  updated_at timestamptz, expires_at timestamptz, max_clicks bigint,
                                  disabled boolean, owner_id bigint, deleted_at timestamptz) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', id, 'slug', slug, 'url', long_url, 'tags', to_jsonb(tags),
        'created_at', webhook_time(created_at), 'updated_at', webhook_time(updated_at),
        'expires_at', webhook_time(expires_at), 'max_clicks', max_clicks, 'disabled', disabled,
        'owner_id', owner_id, 'deleted_at', webhook_time(deleted_at))
$$;
