-- Destination health (issue #15, docs/health.md): the checkers' lease per host, so that one request per host at a
-- time holds across every worker, not only inside one. A row per host ever checked (a few bytes each); an expired
-- lease (its checker died) is taken over by the next checker of that host. New table only.
CREATE TABLE health_host_leases (
    host        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,  -- the checker: "<pid>-<random>", new at every start
    lease_until INTEGER NOT NULL   -- Unix ms
);
