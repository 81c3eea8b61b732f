-- Verifies a deployment of docker/compose.yaml (docs/container.md, "Verify a deployment"):
--
--   docker compose -f docker/compose.yaml exec -T postgres \
--       psql -U partmand -d app -v ON_ERROR_STOP=1 -f - <docker/verify.sql
--
-- Add `-v engine=pg_partman` when the sidecar runs `engine: pg_partman`. Each check prints what it
-- found; a failed one stops with `ERROR: verify: …` and psql exits 3. Changes nothing: the test row
-- is inserted in a transaction that is rolled back. scripts/check-image-runtime runs it in CI.
\set QUIET on
\pset footer off
\if :{?engine}
\else
\set engine native
\endif

\echo '1. extension present'
SELECT extname, extversion, extnamespace::regnamespace AS schema FROM pg_extension WHERE extname = 'pg_partman';
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_partman') THEN
        RAISE EXCEPTION 'verify: pg_partman is not installed in database %', current_database();
    END IF;
END $$;

\echo '2. configuration present: pg_partman''s part_config row (only with engine: pg_partman, made by partmand setup)'
SELECT parent_table, control, partition_interval, premake, retention
FROM partman.part_config WHERE parent_table = 'public.webhook_events';
SELECT :'engine' = 'pg_partman' AS want_part_config \gset
\if :want_part_config
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM partman.part_config WHERE parent_table = 'public.webhook_events') THEN
        RAISE EXCEPTION 'verify: public.webhook_events is not registered with pg_partman (run partmand setup)';
    END IF;
END $$;
\endif

\echo '3. at least 5 partitions besides the default'
SELECT c.oid::regclass AS partition, pg_get_expr(c.relpartbound, c.oid) AS bounds
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'public.webhook_events'::regclass
ORDER BY pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.relname;
DO $$
DECLARE
    n int;
BEGIN
    SELECT count(*) INTO n
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'public.webhook_events'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT';
    IF n < 5 THEN
        RAISE EXCEPTION 'verify: public.webhook_events has % partitions besides the default, expected at least 5', n;
    END IF;
END $$;

\echo '4. an insert lands in a real partition (rolled back)'
BEGIN;
INSERT INTO public.webhook_events (source, event_type, payload, headers)
VALUES ('partmand-verify', 'verify', '{}', '{}')
RETURNING webhook_events_id, received_at, tableoid::regclass AS landed_in;
DO $$
BEGIN
    IF EXISTS (
        SELECT FROM public.webhook_events e JOIN pg_class c ON c.oid = e.tableoid
        WHERE e.webhook_events_id = lastval() AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
    ) THEN
        RAISE EXCEPTION 'verify: a row received now landed in the default partition';
    END IF;
END $$;
ROLLBACK;
\echo 'verified'
