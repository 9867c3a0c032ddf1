-- A rate limit of its own for an API key (issue #12): the text of the limit as accepted by the API and the CLI
-- ("100/s burst 1000", "off"); NULL = the server's default for authenticated callers
-- (SHORTENER_RATE_LIMIT_AUTHENTICATED).
ALTER TABLE api_keys ADD COLUMN rate_limit TEXT;
