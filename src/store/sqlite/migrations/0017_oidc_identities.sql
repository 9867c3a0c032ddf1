-- Single sign-on (issue #16, docs/sso.md): the OpenID Connect identities linked to accounts. A person signs in as
-- the account whose (issuer, subject) matches; an account has at most one identity per issuer, so linking by
-- verified email happens once. A new table only: existing accounts and data are untouched.
CREATE TABLE user_identities (
    issuer     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,                   -- the provider's `sub`
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,                   -- Unix milliseconds
    PRIMARY KEY (issuer, subject),
    UNIQUE (user_id, issuer)
) WITHOUT ROWID;
