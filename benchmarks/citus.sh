#!/usr/bin/env bash
# Citus benchmark: partmand against Citus's own time-partition functions, side by side in one run, on
# N distributed monthly tables (create_distributed_table(parent, 'source'), citus.shard_count 32, no
# default partition, premake 4, retention 6 months, one row received now). See BENCHMARKS.md.
#
#   benchmarks/citus.sh                         N=100, every scenario, 3 rounds (median reported)
#   TABLES=20 RUNS=1 SCENARIOS="steady create" benchmarks/citus.sh
#
# Both contenders maintain the same tables, which hold the month of now−6 months up to the month of
# now+4 months (11 partitions, 352 shards each). Contenders of a scenario run in turn (A B, A B, …
# RUNS rounds), each after its own preparation (not timed), so that load on the machine falls on both
# alike. Scenarios:
#   steady   nothing to do
#   create   one new partition per table: the furthest partition of every table is dropped first
#   retire   one retirement per table: a partition of the month before the oldest (entirely older
#            than now − 6 months) is added to every table first (made in the past: only the server's
#            clock retires, `once --now` would not)
# Creation and retirement are measured apart, so that each row is one kind of work; a pass at the
# turn of a month does one of each per table. No default partition: the recipe's tables have none.
# The contenders, each a full pass over every table:
#   Citus recipe  one psql session running, per table, what a pg_cron job of the recipe runs:
#                 SELECT create_time_partitions(table_name := t, partition_interval := '1 month',
#                                               end_at := now() + '4 months'::interval);
#                 CALL drop_old_time_partitions(t, now() - interval '6 months');
#   partmand      partmand once --config <generated yaml> (the release binary, default pool_size 2)
# After every timed run the tables are checked: 11 partitions each, from now−6 to now+4 months, every
# one distributed and colocated with its parent; a run that exits non-zero or leaves anything else is
# counted as failed and shown in the table. Statements are counted with pg_stat_statements (track all,
# nested included) on the coordinator and on both workers.
#
# Environment: TABLES (100), RUNS (3), SCENARIOS ("steady create retire"), PORT (54350; the workers
# take PORT+1 and PORT+2), CLUSTER (the cluster's directory, a new one under /tmp; must not exist),
# PARTMAND (a partmand binary; else the release binary is built into .build-citusbench),
# PARTMAND_PGOPTIONS (PGOPTIONS for partmand's sessions only, e.g.
# "-c citus.multi_shard_modify_mode=sequential"), TOOLS (the directory of install-citus and
# citus-cluster, ../shared/tools beside the repository), WORK (a new directory under /tmp; logs kept
# there). Runs as root (PostgreSQL runs as `postgres`). The cluster is
# always stopped and removed by a trap.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TABLES=${TABLES:-100}
RUNS=${RUNS:-3}
SCENARIOS=${SCENARIOS:-steady create retire}
PORT=${PORT:-54350}
CLUSTER=${CLUSTER:-/tmp/partmand-citus-bench.$$}
TOOLS=${TOOLS:-$repo/../shared/tools}
WORK=${WORK:-$(mktemp -d /tmp/partmand-citus.XXXXXX)}
PARTMAND=${PARTMAND:-}
PARTMAND_PGOPTIONS=${PARTMAND_PGOPTIONS:-}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "citus: $*"; exit 1; }

command -v psql >/dev/null || die "psql not found (apt-get install postgresql-15)"
[ -x "$TOOLS/citus-cluster" ] || die "no $TOOLS/citus-cluster (set TOOLS)"
[ ! -e "$CLUSTER" ] || die "$CLUSTER exists; pick another CLUSTER"
binary=$PARTMAND
if [ -z "$PARTMAND" ]; then
    binary="built from $(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'an unknown commit')"
    log "building the release binary ..."
    (cd "$repo" && swift build -c release --product partmand --scratch-path .build-citusbench >&2) || die "cannot build"
    PARTMAND=$repo/.build-citusbench/release/partmand
fi
[ -x "$PARTMAND" ] || die "no binary at $PARTMAND"
mkdir -p "$WORK"
bash "$TOOLS/install-citus" >>"$WORK/install.log" 2>&1 || die "cannot install Citus (log: $WORK/install.log)"

cleanup() { "$TOOLS/citus-cluster" stop "$CLUSTER" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting a coordinator and 2 workers on ports $PORT-$((PORT + 2)) ..."
"$TOOLS/citus-cluster" start "$CLUSTER" "$PORT" >/dev/null
nodes="coordinator:$PORT worker1:$((PORT + 1)) worker2:$((PORT + 2))"
for node in $nodes; do
    cat >>"$CLUSTER/${node%%:*}/postgresql.conf" <<CONF
shared_preload_libraries = 'citus,pg_stat_statements'
pg_stat_statements.track = all
CONF
    (cd / && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$CLUSTER/${node%%:*}" -w -t 60 restart \
        >/dev/null)
done
qp() { local port=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }
q() { qp "$PORT" "$@"; }
q -c "CREATE EXTENSION pg_stat_statements" # Citus creates it on the workers too
conninfo="host=127.0.0.1 port=$PORT user=postgres dbname=postgres"

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
statements() { qp "$1" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"; }
reset_statements() { for node in $nodes; do qp "${node#*:}" -c "SELECT pg_stat_statements_reset()" >/dev/null; done; }

# Tables not as both contenders must leave them (0 when all is well): 11 partitions, lower bounds from
# the month of now − 6 months to the month of now + 4 months, each distributed and colocated with its
# parent; and no parent missing.
check() {
    q <<'SQL'
WITH parts AS (
  SELECT p.oid AS parent, c.oid AS child,
         (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \('([^']+)'\)$$))[1]::timestamptz AS lower,
         EXISTS (SELECT 1 FROM pg_dist_partition d JOIN pg_dist_partition dp ON dp.colocationid = d.colocationid
                 WHERE d.logicalrelid = c.oid AND dp.logicalrelid = p.oid) AS colocated
  FROM pg_class p JOIN pg_inherits i ON i.inhparent = p.oid JOIN pg_class c ON c.oid = i.inhrelid
  WHERE p.relnamespace = 'bench'::regnamespace AND p.relkind = 'p'),
per_table AS (
  SELECT parent FROM parts GROUP BY parent
  HAVING count(*) = 11 AND bool_and(colocated)
     AND min(lower) = date_trunc('month', now()) - interval '6 months'
     AND max(lower) = date_trunc('month', now()) + interval '4 months')
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'bench'::regnamespace AND relkind = 'p')
       - (SELECT count(*) FROM per_table)
SQL
}

# Times one run of "$@" after `prepare` (a function name, or :); prints "seconds failed coordinator
# workers": failed is 0, or 1 when the command exited non-zero or left the tables wrong.
time_once() {
    local prepare=$1 start end rc=0 bad coord workers
    shift
    $prepare
    reset_statements
    start=$(now)
    "$@" >>"$WORK/commands.log" 2>&1 || rc=$?
    end=$(now)
    coord=$(statements "$PORT")
    workers=$(($(statements $((PORT + 1))) + $(statements $((PORT + 2)))))
    bad=$(check)
    if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ]; then
        log "$*: exit $rc, $bad table(s) not as expected (log: $WORK/commands.log)"
        printf '\n=== %s: exit %s, %s table(s) wrong\n' "$*" "$rc" "$bad" >>"$WORK/commands.log"
    fi
    printf '%s %s %s %s\n' "$(echo "$end - $start" | bc)" "$([ "$rc" -eq 0 ] && [ "$bad" -eq 0 ] && echo 0 || echo 1)" \
        "$coord" "$workers"
}

# Side by side: each argument is "prepare command [args]"; the contenders run in turn, RUNS rounds
# (A B, A B, …). Prints "median_seconds failed_runs coordinator_statements worker_statements" per
# contender, one line each, in argument order (statements of the last round).
measure() {
    local round i t f c w
    local -a times fails coords workers
    for ((i = 0; i < $#; i++)); do times[i]=""; fails[i]=0; done
    for ((round = 0; round < RUNS; round++)); do
        i=0
        for contender in "$@"; do
            # shellcheck disable=SC2086 # "prepare command [args]" splits into words
            read -r t f c w < <(time_once $contender)
            times[i]+="$t "
            fails[i]=$((fails[i] + f))
            coords[i]=$c
            workers[i]=$w
            i=$((i + 1))
        done
    done
    for ((i = 0; i < $#; i++)); do
        # shellcheck disable=SC2086 # one time per word
        printf '%s %s %s %s\n' "$(printf '%s\n' ${times[i]} | median)" "${fails[i]}" "${coords[i]}" "${workers[i]}"
    done
}

setup_tables() {
    local n=$1 i
    log "creating $n distributed tables (11 partitions of 32 shards each) ..."
    q -c "CREATE SCHEMA bench"
    table_sql() {
        cat <<SQL
CREATE TABLE bench.t$1 (id bigint GENERATED ALWAYS AS IDENTITY, source text NOT NULL, received_at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (received_at);
SELECT create_time_partitions(table_name := 'bench.t$1', partition_interval := '1 month',
    start_from := date_trunc('month', now()) - interval '6 months', end_at := now() + interval '4 months');
SELECT create_distributed_table('bench.t$1', 'source');
INSERT INTO bench.t$1 (source, received_at) VALUES ('github', now());
SQL
    }
    # The first alone (it makes the colocation group), the others from two sessions.
    table_sql 1 | q >/dev/null
    for ((i = 2; i <= n; i += 2)); do table_sql "$i"; done | q >/dev/null &
    local odd=$!
    for ((i = 3; i <= n; i += 2)); do table_sql "$i"; done | q >/dev/null
    wait "$odd"
    q -c "VACUUM ANALYZE" >/dev/null
    {
        printf 'database:\n  conninfo: "%s"\ntables:\n' "$conninfo"
        for ((i = 1; i <= n; i++)); do
            printf '  - table: bench.t%d\n    column: received_at\n    interval: monthly\n    premake: 4\n' "$i"
            printf '    retention: 6 months\n    default_partition: false\n'
        done
    } >"$WORK/partmand.yaml"
    for ((i = 1; i <= n; i++)); do
        printf "SELECT create_time_partitions(table_name := 'bench.t%d', partition_interval := '1 month', end_at := now() + '4 months'::interval);\n" "$i"
        printf "CALL drop_old_time_partitions('bench.t%d', now() - interval '6 months');\n" "$i"
    done >"$WORK/recipe.sql"
    [ "$(check)" -eq 0 ] || die "the tables were not set up as expected"
}

# Preparations (not timed). Each leaves every table needing exactly one action.
drop_furthest() { # one partition to create
    q >/dev/null <<'SQL'
SELECT format('DROP TABLE %s', child)
FROM (SELECT DISTINCT ON (i.inhparent) c.oid::regclass AS child
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relnamespace = 'bench'::regnamespace
      ORDER BY i.inhparent, pg_get_expr(c.relpartbound, c.oid) DESC) furthest
\gexec
SQL
}
add_old() { # one partition to retire: the month before the oldest, entirely older than now − 6 months
    q >/dev/null <<'SQL'
SELECT format($$SELECT create_time_partitions(table_name := %L, partition_interval := '1 month',
    start_from := date_trunc('month', now()) - interval '7 months',
    end_at := date_trunc('month', now()) - interval '6 months')$$, oid::regclass)
FROM pg_class WHERE relnamespace = 'bench'::regnamespace AND relkind = 'p'
\gexec
SQL
}

citus_recipe() { q -f "$WORK/recipe.sql"; }
partmand_once() { PGOPTIONS=$PARTMAND_PGOPTIONS "$PARTMAND" once --config "$WORK/partmand.yaml" --log-level error; }

ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }
cell() { # seconds failed_runs
    if [ "$2" -eq 0 ]; then printf '%.2f s' "$1"; else printf '%.2f s (failed %d of %d)' "$1" "$2" "$RUNS"; fi
}
row() { # scenario; the two lines of measure on stdin
    local scenario=$1 ct_t ct_f ct_c ct_w pd_t pd_f pd_c pd_w
    read -r ct_t ct_f ct_c ct_w
    read -r pd_t pd_f pd_c pd_w
    printf '| %d | %s | %s | %s | %s | %s / %s | %s / %s |\n' "$TABLES" "$scenario" "$(cell "$ct_t" "$ct_f")" \
        "$(cell "$pd_t" "$pd_f")" "$(ratio "$pd_t" "$ct_t")" "$ct_c" "$pd_c" "$ct_w" "$pd_w"
}

started=$(now)
setup_tables "$TABLES"
log "set up in $(printf '%.0f' "$(echo "$(now) - $started" | bc)") s"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
printf '\n## Citus run %s\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
printf 'Machine: %s cores (%s), PostgreSQL %s, %s, coordinator + 2 workers on this machine (fsync off), ' \
    "$(nproc)" "$cpu" "$(q -c 'SHOW server_version')" "$(q -c 'SELECT citus_version()' | cut -d' ' -f1-2)"
printf 'citus.shard_count %s, %s rounds (median). %s (%s)%s. Logs: %s\n\n' "$(q -c 'SHOW citus.shard_count')" \
    "$RUNS" "$("$PARTMAND" --version)" "$binary" \
    "${PARTMAND_PGOPTIONS:+, partmand with PGOPTIONS=\"$PARTMAND_PGOPTIONS\"}" "$WORK"
printf '| tables | scenario | Citus recipe | partmand | partmand ÷ Citus | statements on the coordinator (Citus / partmand) | statements on the workers (Citus / partmand) |\n'
printf '|---|---|---|---|---|---|---|\n'
for scenario in $SCENARIOS; do
    log "scenario $scenario ..."
    case $scenario in
    steady)
        row "steady pass, nothing to do" < <(measure ": citus_recipe" ": partmand_once") ;;
    create)
        row "one new partition per table" < <(measure "drop_furthest citus_recipe" "drop_furthest partmand_once") ;;
    retire)
        row "one retirement per table" < <(measure "add_old citus_recipe" "add_old partmand_once") ;;
    *) die "unknown scenario $scenario (steady, create, retire)" ;;
    esac
done
log "done in $(printf '%.0f' "$(echo "$(now) - $started" | bc)") s; logs in $WORK"
