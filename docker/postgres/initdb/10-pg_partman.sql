-- Run once by the postgres image on an empty data volume, in POSTGRES_DB as POSTGRES_USER, before
-- the reference table (20-reference-schema.sql, a copy of config/reference-schema.sql).
-- pg_partman in its own schema: the image has 5.0.1 only, built from the upstream release.
-- Registering sets is `partmand setup`'s job (docker/compose.yaml runs it), from config/partmand.yaml.
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
