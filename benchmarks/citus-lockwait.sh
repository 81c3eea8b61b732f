#!/usr/bin/env bash
# Citus lock-wait benchmark: how long application INSERTs through the coordinator stall while a
# retirement's DETACH waits behind a long reader on ONE worker shard. See BENCHMARKS.md.
#
#   benchmarks/citus-lockwait.sh
#
# A distributed monthly table (32 shards, no default partition) with a partition seven months old
# (retention 6 months). A reader on worker 1 holds one shard of the parent (BEGIN; SELECT count(*) FROM
# <shard>; 13 s). pgbench inserts through the coordinator all along (2 clients). In turn, each variant
# tries to detach the old partition:
#   session      the DDL with session-level timeouts, as a cron job would set them: SET lock_timeout =
#                '200ms', statement_timeout = STATEMENT_TIMEOUT; BEGIN; ALTER TABLE … DETACH PARTITION …
#                (Citus does not propagate them: the worker waits until statement_timeout)
#   partmand     partmand once, exclusive_lock_timeout 200ms, retries 3 (SET LOCAL under
#                citus.propagate_set_commands = 'local': the worker gives up after 200 ms)
#   no-reader    partmand once with no reader: the retirement goes through (the baseline stall)
#   in-place     no reader, ROWS rows in the old partition, and Citus's own recipe: CALL
#                alter_old_partitions_set_access_method(parent, now() - 3 months, 'columnar'), which
#                converts each partition where it is attached (Citus locks every partition for an INSERT
#                through the parent, so writers wait for the copy)
#   columnar     the same with partmand once, columnar_after: 3 months and no retention: each partition
#                is detached, converted on its own and attached again
# Reported per variant: the DDL's own time, the longest INSERT and the INSERTs slower than 100 ms, from
# pgbench's per-transaction log.
#
# Environment: PORT (54370; the workers use PORT+1 and PORT+2), STATEMENT_TIMEOUT (5s), ROWS (1000000),
# VARIANTS ("session partmand no-reader in-place columnar"), WORK (a new
# directory under /tmp; logs kept there), PARTMAND (.build/debug/partmand; built when missing). Needs
# root, Citus (../shared/tools/install-citus), PostgreSQL 15's psql and pgbench.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=$(cd "$repo/.." && pwd)/shared/tools
PORT=${PORT:-54370}
STATEMENT_TIMEOUT=${STATEMENT_TIMEOUT:-5s}
ROWS=${ROWS:-1000000}
VARIANTS=${VARIANTS:-"session partmand no-reader in-place columnar"}
WORK=${WORK:-$(mktemp -d /tmp/partmand-citus-lockwait.XXXXXX)}
PARTMAND=${PARTMAND:-$repo/.build/debug/partmand}
CLUSTER=/tmp/partmand-citus-lockwait-cluster.$$

log() { printf '%s\n' "$*" >&2; }
die() { log "citus-lockwait: $*"; exit 1; }

[ -f /usr/lib/postgresql/15/lib/citus.so ] || die "Citus is not installed (../shared/tools/install-citus)"
command -v pgbench >/dev/null || die "pgbench not found (apt-get install postgresql-15)"
if [ ! -x "$PARTMAND" ]; then
    log "building partmand ..."
    (cd "$repo" && swift build --product partmand >&2) || die "cannot build partmand"
fi
mkdir -p "$WORK"

cleanup() {
    local pids
    pids=$(jobs -p)
    # shellcheck disable=SC2086 # one pid per word
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
    "$tools/citus-cluster" stop "$CLUSTER" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting a Citus coordinator and two workers on ports $PORT-$((PORT + 2)); logs in $WORK"
coordinator=$("$tools/citus-cluster" start "$CLUSTER" "$PORT")
worker="host=127.0.0.1 port=$((PORT + 1)) user=postgres dbname=postgres"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

month0=$(date -u +%Y-%m-01)
old_from=$(date -u -d "$month0 -7 month" +%Y-%m-%d)
old_to=$(date -u -d "$month0 -6 month" +%Y-%m-%d)
old_child="events_p${old_from//-/}"

cat >"$WORK/partmand.yaml" <<YAML
database:
  conninfo: "$coordinator application_name=partmand"
maintenance:
  exclusive_lock_timeout: 200ms
  statement_timeout: $STATEMENT_TIMEOUT
  retries: 3
  backoff: 500ms
tables:
  - table: public.events
    column: received_at
    interval: monthly
    premake: 2
    retention: 6 months
    default_partition: false
YAML
sed -e 's/    retention: 6 months/    columnar_after: 3 months/' "$WORK/partmand.yaml" >"$WORK/columnar.yaml"
cat >"$WORK/insert.sql" <<'SQL'
\set n random(1, 1000)
INSERT INTO public.events (source, received_at, payload) VALUES ('source-' || (:n % 50), now(), 'x');
SQL

setup() { # variant
    q -d "$coordinator" -c "DROP TABLE IF EXISTS public.events, public.$old_child" >/dev/null
    q -d "$coordinator" <<SQL >/dev/null
CREATE TABLE public.events (id bigint GENERATED ALWAYS AS IDENTITY, source text NOT NULL,
    received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at);
SELECT create_distributed_table('public.events', 'source');
CREATE TABLE public.$old_child PARTITION OF public.events FOR VALUES FROM ('$old_from') TO ('$old_to');
SQL
    # The current and next partitions, made by partmand with retention off (nothing retired yet).
    sed '/retention:/d' "$WORK/partmand.yaml" >"$WORK/setup.yaml"
    "$PARTMAND" once --config "$WORK/setup.yaml" >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log" >&2; die "setup"; }
    if [ "$1" = columnar ] || [ "$1" = in-place ]; then
        "$PARTMAND" setup --config "$WORK/columnar.yaml" >>"$WORK/setup.log" 2>&1 || die "setup (citus_columnar)"
        q -d "$coordinator" -c "INSERT INTO public.events (source, received_at, payload)
            SELECT 'source-' || (i % 50), '$old_from'::timestamptz + (i % 2500000) * interval '1 second', repeat('x', 100)
            FROM generate_series(1, $ROWS) i" >/dev/null
    fi
}

# A shard of the parent that lives on worker 1.
shard_on_worker() {
    q -d "$coordinator" -c "SELECT shard_name(s.logicalrelid, s.shardid) FROM pg_dist_shard s
        JOIN pg_dist_shard_placement p USING (shardid)
        WHERE s.logicalrelid = 'public.events'::regclass AND p.nodeport = $((PORT + 1)) ORDER BY 1 LIMIT 1"
}

ddl() { # variant, dir
    case "$1" in
    session)
        q -d "$coordinator" -c "SET lock_timeout = '200ms'" -c "SET statement_timeout = '$STATEMENT_TIMEOUT'" \
            -c "BEGIN" -c "ALTER TABLE public.events DETACH PARTITION public.$old_child" -c "ROLLBACK" \
            >"$2/ddl.log" 2>&1
        ;;
    partmand | no-reader)
        "$PARTMAND" once --config "$WORK/partmand.yaml" >"$2/ddl.log" 2>&1
        ;;
    in-place)
        q -d "$coordinator" -c "SET statement_timeout = '$STATEMENT_TIMEOUT'" -c "SET lock_timeout = '200ms'" \
            -c "CALL alter_old_partitions_set_access_method('public.events', now() - interval '3 months', 'columnar')" \
            >"$2/ddl.log" 2>&1
        ;;
    columnar)
        "$PARTMAND" once --config "$WORK/columnar.yaml" >"$2/ddl.log" 2>&1
        ;;
    esac
}

run() { # variant
    local variant=$1 dir="$WORK/$1" t0 t1 rc=0 reader="" pgb
    mkdir -p "$dir"
    setup "$variant"
    if [ "$variant" = session ] || [ "$variant" = partmand ]; then
        { q -d "$worker" -c "BEGIN" -c "SELECT count(*) FROM $(shard_on_worker)" -c "SELECT pg_sleep(13)" \
            -c "COMMIT" >"$dir/reader.log" 2>&1 || true; } &
        reader=$!
    fi
    (cd "$dir" && pgbench -n -c 2 -j 2 -T 14 -f "$WORK/insert.sql" -l "$coordinator" >"$dir/pgbench.out" 2>&1) &
    pgb=$!
    sleep 3
    t0=$(date +%s.%N)
    ddl "$variant" "$dir" || rc=$?
    t1=$(date +%s.%N)
    wait "$pgb" || die "pgbench failed ($dir/pgbench.out)"
    [ -z "$reader" ] || wait "$reader" || true
    # pgbench -l: client transaction latency_us script epoch epoch_us, one line per INSERT.
    cat "$dir"/pgbench_log.* | awk -v variant="$variant" -v rc="$rc" -v ddl="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" '
        { n++; if ($3 > max) max = $3; if ($3 > 100000) slow++ }
        END { printf "| %s | %s s (exit %s) | %.3f s | %d | %d |\n", variant, ddl, rc, max / 1e6, slow, n }'
    grep -h -o 'lock timeout\|statement timeout\|deadlock\|converted to columnar' "$dir/ddl.log" | sort | uniq -c |
        sed "s/^/  $variant: /" >&2 || true
}

rows=()
for variant in $VARIANTS; do
    log "== $variant"
    rows+=("$(run "$variant")")
done
echo
echo "Citus $(q -d "$coordinator" -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'"), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "(statement_timeout $STATEMENT_TIMEOUT; a reader holds one worker shard of the parent for 13 s;"
echo " columnar: $ROWS rows in the converted partition)"
echo
echo "| variant | the DDL took | longest INSERT | INSERTs > 100 ms | INSERTs |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
