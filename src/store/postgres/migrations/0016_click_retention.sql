-- Click retention (issue #17): drops the monthly click partitions that lie wholly before a cutoff, under the same
-- lock as ensure_click_partitions(). Dropping a partition costs nothing per row, where DELETE would write every row
-- again (and leave it to VACUUM); the partition that straddles the cutoff is thinned by batched DELETEs instead
-- (PostgresRetention). Returns how many partitions went.
CREATE FUNCTION drop_click_partitions_before(cutoff timestamptz) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    part    record;
    dropped int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('shortener_click_partitions:' || current_schema()));
    FOR part IN
        SELECT c.relname AS name,
               (make_timestamp(substr(c.relname, 9, 4)::int, substr(c.relname, 14, 2)::int, 1, 0, 0, 0)
                + interval '1 month') AT TIME ZONE 'UTC' AS month_end
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'clicks'::regclass AND c.relname ~ '^clicks_y[0-9]{4}m[0-9]{2}$'
    LOOP
        IF part.month_end <= cutoff THEN
            EXECUTE format('ALTER TABLE clicks DETACH PARTITION %I', part.name);
            EXECUTE format('DROP TABLE %I', part.name);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END $$;
