-- Redirect rules and A/B splits (issue #17). A link's rules and split are JSON written only by the link codec
-- (store/link_codec.hpp); NULL = none. Legacy targeting stays in its column and is converted into rules when read
-- (core::EffectiveRules), so stored links redirect as before. A click of a link with rules, targeting or a split
-- records the destination served and what chose it ("rule:N", "variant:N", "targeting", "url"); NULL for plain
-- links. Nullable columns without a default: catalog changes only, no table rewrite, no long lock (the partitions
-- of clicks get the columns with the parent).
ALTER TABLE links ADD COLUMN rules jsonb, ADD COLUMN split jsonb;
ALTER TABLE clicks ADD COLUMN route text, ADD COLUMN destination text;
