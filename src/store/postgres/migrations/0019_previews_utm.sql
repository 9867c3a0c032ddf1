-- Social previews and UTM analytics (issue #17).
-- 1. A link's social preview (og_title, og_description, og_image; '' = none), shown to link-preview fetchers.
-- 2. Clicks keep why a click counts as a bot when the server knows it better than the User-Agent does
--    (bot_reason 'preview': the fetcher was answered with the preview page), and the two UTM parameters that were
--    not stored yet (utm_term, utm_content).
-- 3. The UTM breakdowns come from a facet (store/facets.hpp) 'utm': source \x1f medium \x1f campaign \x1f term \x1f
--    content, lower-case, one row per distinct combination and day, written only for clicks that carry a UTM
--    parameter. Built here from the clicks stored so far (which had source, medium and campaign).
-- The overview's UTM breakdowns read the utm rows of every link by day: a partial index on them alone, so the
-- other facets' writes do not pay for it (built while the table is small: only utm rows go in).
-- No downtime: columns with constant defaults are catalog-only changes (PostgreSQL 11+), nothing is rewritten, and
-- the insert takes no lock that redirects or the worker wait on (the worker adds to the same rows with ON CONFLICT).
ALTER TABLE links ADD COLUMN og_title text NOT NULL DEFAULT '',
                  ADD COLUMN og_description text NOT NULL DEFAULT '',
                  ADD COLUMN og_image text NOT NULL DEFAULT '';
ALTER TABLE clicks ADD COLUMN bot_reason text, ADD COLUMN utm_term text, ADD COLUMN utm_content text;

INSERT INTO link_dimension_day AS r (link_id, day, dimension, value, clicks, human_clicks, bot_clicks)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, 'utm',
       concat_ws(chr(31), lower(coalesce(utm_source, '')), lower(coalesce(utm_medium, '')),
                 lower(coalesce(utm_campaign, '')), '', ''),
       count(*), count(*) FILTER (WHERE NOT coalesce(is_bot, false)), count(*) FILTER (WHERE is_bot)
FROM clicks WHERE utm_source IS NOT NULL OR utm_medium IS NOT NULL OR utm_campaign IS NOT NULL
GROUP BY 1, 2, 3, 4
ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET clicks = r.clicks + excluded.clicks,
    human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks;

CREATE INDEX link_dimension_day_utm_idx ON link_dimension_day (day) WHERE dimension = 'utm';
