-- Redirect rules and A/B splits (issue #17). A link's rules and split are JSON text written only by the link codec
-- (store/link_codec.hpp); NULL = none. Legacy targeting stays in its column and is converted into rules when read
-- (core::EffectiveRules), so stored links redirect as before. A click of a link with rules, targeting or a split
-- records the destination served and what chose it ("rule:N", "variant:N", "targeting", "url"); NULL for plain
-- links. No default, no rewrite: existing rows read NULL.
ALTER TABLE links ADD COLUMN rules TEXT;
ALTER TABLE links ADD COLUMN split TEXT;
ALTER TABLE clicks ADD COLUMN route TEXT;
ALTER TABLE clicks ADD COLUMN destination TEXT;
