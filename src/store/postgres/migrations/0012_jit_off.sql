-- No JIT compilation for this database's sessions (issue #18). The stats statements carry subqueries whose cost
-- estimates pass jit_above_cost, and PostgreSQL then compiled them with LLVM on every execution: 1.2-2.6 s of a
-- request whose plan ran in 5-40 ms (bench/stats-volume.sh, EXPLAIN ANALYZE). Nothing here runs long enough to win it
-- back. Needs the database's owner; otherwise a warning, and `ALTER ROLE <app user> SET jit = off` does the same.
-- Best effort: a setting already there is left alone (every schema of the database migrates on its own), and a
-- concurrent change by another schema's migration ("tuple concurrently updated") only warns.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                   WHERE d.datname = current_database() AND s.setrole = 0 AND 'jit=off' = ANY (s.setconfig)) THEN
        EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE WARNING 'could not turn JIT off for database %: run ALTER ROLE ... SET jit = off for the application''s role',
            current_database();
    WHEN OTHERS THEN
        RAISE WARNING 'could not turn JIT off for database %: %', current_database(), SQLERRM;
END
$$;
