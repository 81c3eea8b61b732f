#!/usr/bin/env bash
# Scale benchmark: partmand against pg_partman and the plain-SQL floor, side by side in one run, on N
# monthly tables (premake 4, a default partition, one row now). See BENCHMARKS.md.
#
#   benchmarks/scale.sh                  N=500, every scenario, 3 runs each (median reported)
#   TABLES="50 500 5000" benchmarks/scale.sh
#
# Contenders of a scenario run in turn (A B C, A B C, … RUNS rounds) so that load on the machine falls
# on all alike. Scenarios, per table count:
#   steady     nothing to do: pg_partman run_maintenance() over every set | partmand once (native)
#   create     one new partition per table (the furthest one dropped first): pg_partman run_maintenance()
#              | partmand once (native) | the plain-SQL floor: the same CREATE TABLE (LIKE) + ATTACH
#              PARTITION for every table from one psql session
#   partman    driving the pg_partman sets: partmand once (engine: pg_partman) | psql calling
#              run_maintenance(p_parent_table) for each set
# For each, the queries the server ran are counted with pg_stat_statements, and the peak RSS of
# `partmand once` is read from /usr/bin/time.
#
# Environment: TABLES (500), RUNS (3), PORT (54360), PARTMAN_VERSION (4.7.2; 5.0.1 when installed
# with ../shared/tools/install-pg_partman5), WORK (a new directory under /tmp; logs kept there).
# Builds the release binary into .build-bench with scripts/build-release (static, as shipped; before
# 2026-12-03 the script measured a dynamic `swift build -c release`), unless PARTMAND names a binary to use.
# Requires PostgreSQL 15, pg_partman, GNU time.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TABLES=${TABLES:-500}
RUNS=${RUNS:-3}
PORT=${PORT:-54360}
PARTMAN_VERSION=${PARTMAN_VERSION:-4.7.2}
WORK=${WORK:-$(mktemp -d /tmp/partmand-scale.XXXXXX)}
PGDIR=${PGDIR:-/tmp/partmand-scale-pg.$$}
PARTMAND=${PARTMAND:-}

log() { printf '%s\n' "$*" >&2; }
die() { log "scale: $*"; exit 1; }

command -v psql >/dev/null || die "psql not found (apt-get install postgresql-15)"
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null || die "GNU time is needed (apt-get install time)"

if [ -z "$PARTMAND" ]; then
    log "building the release binary (scripts/build-release: what the image and the .deb ship) ..."
    (cd "$repo" && PARTMAND_SCRATCH=.build-bench scripts/build-release >&2) || die "cannot build"
    PARTMAND=$repo/.build-bench/partmand
fi
mkdir -p "$WORK"

cleanup() { "$repo/scripts/throwaway-pg" stop "$PGDIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$repo/scripts/throwaway-pg" start "$PGDIR" "$PORT" >/dev/null
cat >>"$PGDIR/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
max_locks_per_transaction = 2048
CONF
"$repo/scripts/throwaway-pg" restart "$PGDIR" >/dev/null
export PGHOST=$PGDIR PGPORT=$PORT PGUSER=postgres PGDATABASE=bench
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
q -d postgres -c "CREATE DATABASE bench"
q -c "CREATE EXTENSION pg_stat_statements; CREATE SCHEMA partman;
      CREATE EXTENSION pg_partman SCHEMA partman VERSION '$PARTMAN_VERSION'"
if [ "${PARTMAN_VERSION%%.*}" -ge 5 ]; then
    create_kind="p_type => 'range', p_interval => '1 month'"
else
    create_kind="p_type => 'native', p_interval => 'monthly'"
fi
conninfo="host=$PGDIR port=$PORT user=postgres dbname=bench"

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
statements() { q -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench')"; }
reset_statements() { q -c "SELECT pg_stat_statements_reset()" >/dev/null; }

# Times one run of "$@" after `prepare` (a function name, or :); prints "seconds queries".
time_once() {
    local prepare=$1 start end
    shift
    $prepare
    reset_statements
    start=$(now)
    "$@" >>"$WORK/commands.log" 2>&1
    end=$(now)
    printf '%s %s\n' "$(echo "$end - $start" | bc)" "$(statements)"
}

# Side by side: each argument is "prepare command [args]"; the contenders run in turn, RUNS rounds
# (A B C, A B C, …), so a load that comes and goes on the machine falls on all of them alike. Prints
# "median_seconds queries" per contender, one line each, in argument order.
measure() {
    local round i
    local -a times
    for ((i = 0; i < $#; i++)); do times[i]=""; done
    local -a queries
    for ((round = 0; round < RUNS; round++)); do
        i=0
        for contender in "$@"; do
            read -r t q < <(time_once $contender)
            times[i]+="$t "
            queries[i]=$q
            i=$((i + 1))
        done
    done
    for ((i = 0; i < $#; i++)); do
        printf '%s %s\n' "$(printf '%s\n' ${times[i]} | median)" "${queries[i]}"
    done
}

setup_tables() {
    local n=$1
    log "creating $n pg_partman sets and $n native tables ..."
    q -c "DROP SCHEMA IF EXISTS pm CASCADE; DROP SCHEMA IF EXISTS nat CASCADE; CREATE SCHEMA pm; CREATE SCHEMA nat;
          DELETE FROM partman.part_config"
    # In slices of 250 tables, one transaction each (one transaction for 5,000 runs out of lock slots).
    local from
    for ((from = 1; from <= n; from += 250)); do
        q <<SQL
DO \$\$ BEGIN
  FOR i IN $from..$((from + 249 < n ? from + 249 : n)) LOOP
    EXECUTE format('CREATE TABLE pm.t%s (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)', i);
    EXECUTE format('CREATE TABLE nat.t%s (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)', i);
    PERFORM partman.create_parent(p_parent_table => 'pm.t' || i, p_control => 'received_at', $create_kind, p_premake => 4);
  END LOOP;
END \$\$;
SQL
    done
    {
        printf 'database:\n  conninfo: "%s"\nschedule:\n  run_on_start: false\ntables:\n' "$conninfo"
        for ((i = 1; i <= n; i++)); do
            printf '  - table: nat.t%d\n    column: received_at\n    interval: monthly\n    premake: 4\n' "$i"
        done
    } >"$WORK/native.yaml"
    {
        printf 'database:\n  conninfo: "%s"\nengine: pg_partman\ntables:\n' "$conninfo"
        for ((i = 1; i <= n; i++)); do
            printf '  - table: pm.t%d\n    column: received_at\n    interval: monthly\n' "$i"
        done
    } >"$WORK/partman.yaml"
    "$PARTMAND" once --config "$WORK/native.yaml" --log-level error >/dev/null
    q <<SQL
DO \$\$ BEGIN
  FOR i IN 1..$n LOOP
    EXECUTE format('INSERT INTO pm.t%s (received_at) VALUES (now())', i);
    EXECUTE format('INSERT INTO nat.t%s (received_at) VALUES (now())', i);
  END LOOP;
END \$\$;
SQL
    q -c "VACUUM ANALYZE"
}

# Drops the furthest partition of every table in `schema` (by bound: the floor's tables have other
# names), so each needs one new partition.
drop_furthest() {
    local schema=$1
    q <<SQL
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT DISTINCT ON (i.inhparent) c.oid::regclass AS child
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
           WHERE p.relnamespace = '$schema'::regnamespace AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
           ORDER BY i.inhparent, pg_get_expr(c.relpartbound, c.oid) DESC LOOP
    EXECUTE format('DROP TABLE %s', r.child);
  END LOOP;
END \$\$;
SQL
}
drop_pm() { drop_furthest pm; }
drop_nat() { drop_furthest nat; }

# The plain-SQL floor for creation: the statements partmand's creation needs at the least, generated
# beforehand, run from one psql session (one transaction per table, like partmand).
floor_sql() {
    local n=$1 lower upper
    lower=$(date -u -d "$(date -u +%Y-%m-01) 4 month" +%Y-%m-01)
    upper=$(date -u -d "$lower 1 month" +%Y-%m-01)
    for ((i = 1; i <= n; i++)); do
        printf 'BEGIN; CREATE TABLE nat.f%d (LIKE nat.t%d INCLUDING DEFAULTS INCLUDING CONSTRAINTS); ' "$i" "$i"
        printf "ALTER TABLE nat.t%d ATTACH PARTITION nat.f%d FOR VALUES FROM ('%s') TO ('%s'); COMMIT;\n" \
            "$i" "$i" "$lower" "$upper"
    done >"$WORK/floor.sql"
}
drop_floor() {
    q -c "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT oid::regclass AS t FROM pg_class
          WHERE relnamespace = 'nat'::regnamespace AND relname LIKE 'f%' AND relkind = 'r' LOOP
          EXECUTE format('DROP TABLE %s', r.t); END LOOP; END \$\$" >/dev/null
    drop_nat
}
run_floor() { q -f "$WORK/floor.sql" >/dev/null; }

partmand_native() { "$PARTMAND" once --config "$WORK/native.yaml" --log-level error; }
partmand_partman() { "$PARTMAND" once --config "$WORK/partman.yaml" --log-level error; }
partman_all() { q -c "SELECT partman.run_maintenance(p_analyze => false, p_jobmon => false)"; }
partman_each() {
    local n=$1
    for ((i = 1; i <= n; i++)); do
        printf "SELECT partman.run_maintenance(p_parent_table => 'pm.t%d', p_analyze => false, p_jobmon => false);\n" "$i"
    done | q >/dev/null
}
peak_rss() { /usr/bin/time -f '%M' "$PARTMAND" once --config "$1" --log-level error 2>&1 >/dev/null | tail -1; }

ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
printf '\n## Scale run %s\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
printf 'Machine: %s cores (%s), PostgreSQL %s (fsync off), pg_partman %s, %s runs each (median). Logs: %s\n\n' \
    "$(nproc)" "$cpu" "$(q -c 'SHOW server_version')" "$PARTMAN_VERSION" "$RUNS" "$WORK"
printf '| tables | scenario | pg_partman | partmand | plain SQL / psql per set | partmand vs pg_partman | partmand vs floor | queries (pg_partman / partmand / floor) |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for n in $TABLES; do
    setup_tables "$n"
    floor_sql "$n"
    { read -r pm_t pm_q; read -r pd_t pd_q; } < <(measure ": partman_all" ": partmand_native")
    printf '| %d | steady pass | %.2f s | %.2f s | – | %s× faster | – | %s / %s / – |\n' \
        "$n" "$pm_t" "$pd_t" "$(ratio "$pm_t" "$pd_t")" "$pm_q" "$pd_q"
    { read -r pm_t pm_q; read -r pd_t pd_q; read -r fl_t fl_q; } < <(
        measure "drop_pm partman_all" "drop_nat partmand_native" "drop_floor run_floor")
    drop_floor
    partmand_native >/dev/null 2>&1
    printf '| %d | one new partition per table | %.2f s | %.2f s | %.2f s | %s× faster | %s× the floor | %s / %s / %s |\n' \
        "$n" "$pm_t" "$pd_t" "$fl_t" "$(ratio "$pm_t" "$pd_t")" "$(ratio "$pd_t" "$fl_t")" "$pm_q" "$pd_q" "$fl_q"
    { read -r ea_t ea_q; read -r dr_t dr_q; } < <(measure ": partman_each $n" ": partmand_partman")
    printf '| %d | pg_partman sets, steady | – | %.2f s | %.2f s | – | %s× psql per set | – / %s / %s |\n' \
        "$n" "$dr_t" "$ea_t" "$(ratio "$dr_t" "$ea_t")" "$dr_q" "$ea_q"
    printf '| %d | peak RSS of `once` | – | %s KiB (native), %s KiB (pg_partman) | – | – | – | – |\n' \
        "$n" "$(peak_rss "$WORK/native.yaml")" "$(peak_rss "$WORK/partman.yaml")"
done
