-- Social previews and UTM analytics (issue #17).
-- 1. A link's social preview (og_title, og_description, og_image; '' = none), shown to link-preview fetchers.
-- 2. Clicks keep why a click counts as a bot when the server knows it better than the User-Agent does
--    (bot_reason 'preview': the fetcher was answered with the preview page), and the two UTM parameters that were
--    not stored yet (utm_term, utm_content).
-- 3. The UTM breakdowns come from a facet (store/facets.hpp) 'utm': source \x1f medium \x1f campaign \x1f term \x1f
--    content, lower-case, one row per distinct combination and day, written only for clicks that carry a UTM
--    parameter. Built here from the clicks stored so far (which had source, medium and campaign).
-- The overview's UTM breakdowns read the utm rows of every link by day: a partial index on them alone, so the
-- other facets' writes do not pay for it.
-- Every statement adds columns with constant defaults or inserts rows nobody reads yet: nothing is rewritten.
ALTER TABLE links ADD COLUMN og_title TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN og_description TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN og_image TEXT NOT NULL DEFAULT '';
ALTER TABLE clicks ADD COLUMN bot_reason TEXT;
ALTER TABLE clicks ADD COLUMN utm_term TEXT;
ALTER TABLE clicks ADD COLUMN utm_content TEXT;

INSERT INTO link_dimension_day (link_id, dimension, day, value, clicks, human_clicks, bot_clicks)
SELECT link_id, 'utm', ts / 86400000 * 86400000,
       lower(coalesce(utm_source, '')) || char(31) || lower(coalesce(utm_medium, '')) || char(31) ||
       lower(coalesce(utm_campaign, '')) || char(31) || char(31),
       count(*), sum(coalesce(is_bot, 0) = 0), sum(coalesce(is_bot, 0) <> 0)
FROM clicks WHERE utm_source IS NOT NULL OR utm_medium IS NOT NULL OR utm_campaign IS NOT NULL
GROUP BY 1, 2, 3, 4;

CREATE INDEX link_dimension_day_utm_idx ON link_dimension_day (day) WHERE dimension = 'utm';
