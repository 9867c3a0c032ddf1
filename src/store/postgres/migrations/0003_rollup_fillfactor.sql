-- Rollup rows are updated far more often than inserted (every batch adds to the current minute, hour,
-- day and dimension rows). Free space in each page lets PostgreSQL update them in place (HOT updates: no
-- new index entries), which keeps the upserts cheap and the indexes small.
ALTER TABLE link_clicks_minute SET (fillfactor = 70);
ALTER TABLE link_clicks_hour SET (fillfactor = 70);
ALTER TABLE link_clicks_day SET (fillfactor = 70);
ALTER TABLE link_dimension_day SET (fillfactor = 70);
ALTER TABLE links SET (fillfactor = 80);
