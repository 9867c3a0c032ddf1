-- Imports (issue #15): the click total another shortener reported for a link (Kutt visit_count, YOURLS clicks,
-- Shlink visits) is kept as one number beside the link, never as invented click rows: links.clicks and the rollups
-- stay what this server recorded. Written once, by the import's insert.
ALTER TABLE links ADD COLUMN imported_clicks INTEGER NOT NULL DEFAULT 0;
