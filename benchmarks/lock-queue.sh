#!/usr/bin/env bash
# Lock-queue benchmark: what happens to application INSERTs while partition maintenance runs
# behind a long-running reader. See BENCHMARKS.md for what is measured and why.
#
#   benchmarks/lock-queue.sh                 every variant once
#   RUNS=3 benchmarks/lock-queue.sh          every variant three times
#   VARIANTS="naive partmand" benchmarks/lock-queue.sh
#
# Variants (each on a fresh database in one throwaway PostgreSQL 15 cluster):
#   naive            CREATE TABLE child PARTITION OF parent FOR VALUES ... (no lock_timeout)
#   partmand         partmand once --now <a month later>: creates the same partition
#                    (CREATE TABLE (LIKE) + ATTACH PARTITION, lock_timeout 1s, retries with backoff)
#   naive-drop       DROP TABLE of the oldest partition (no lock_timeout)
#   partmand-retire  partmand once with retention 6 months: retires that same partition
#                    (a default partition exists, so plain DETACH under lock_timeout 1s + retries)
#
# Timeline of one run (seconds after pgbench starts):
#   0   pgbench -n -c 4 -j 2 -T $DURATION -P 1 inserting into public.webhook_events
#   3   a reader: BEGIN; SELECT count(*) FROM public.webhook_events; SELECT pg_sleep(10); COMMIT
#   5   the maintenance variant, timed
# pg_stat_activity/pg_locks are sampled every 0.25 s into locks.log (every session waiting on a lock).
#
# Environment: RUNS (1), VARIANTS (all four), PORT (54350), DURATION (25), CLIENTS (4),
# READER_START (3), READER_SLEEP (10), MAINT_START (5), LOCK_TIMEOUT (partmand's, 1s), PARTMAND (.build/debug/partmand),
# WORK (a new directory under /tmp; the logs of every run are kept there).
# Requires PostgreSQL 15 (server, psql, pgbench) and GNU date. All traffic is local (unix socket).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-1}
VARIANTS=${VARIANTS:-"naive partmand naive-drop partmand-retire"}
PORT=${PORT:-54350}
DURATION=${DURATION:-25}
CLIENTS=${CLIENTS:-4}
READER_START=${READER_START:-3}
READER_SLEEP=${READER_SLEEP:-10}
MAINT_START=${MAINT_START:-5}
LOCK_TIMEOUT=${LOCK_TIMEOUT:-1s}
PARTMAND=${PARTMAND:-$repo/.build/debug/partmand}
WORK=${WORK:-$(mktemp -d /tmp/partmand-bench.XXXXXX)}
PGDIR=${PGDIR:-/tmp/partmand-bench-pg.$$}

log() { printf '%s\n' "$*" >&2; }
die() { log "lock-queue: $*"; exit 1; }

for v in $VARIANTS; do
    case "$v" in naive | partmand | naive-drop | partmand-retire) ;; *) die "unknown variant '$v'" ;; esac
done
command -v pgbench >/dev/null || die "pgbench not found (apt-get install postgresql-15)"
command -v psql >/dev/null || die "psql not found"
if [ ! -x "$PARTMAND" ]; then
    log "building partmand ..."
    (cd "$repo" && swift build --product partmand >&2) || die "cannot build partmand"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is in use; set PORT="
fi
mkdir -p "$WORK"

cleanup() {
    local pids
    pids=$(jobs -p)
    # shellcheck disable=SC2086 # one pid per word
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
    "$repo/scripts/throwaway-pg" stop "$PGDIR" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting PostgreSQL in $PGDIR on port $PORT; logs in $WORK"
"$repo/scripts/throwaway-pg" start "$PGDIR" "$PORT" >/dev/null
export PGHOST=$PGDIR PGPORT=$PORT PGUSER=postgres PGDATABASE=bench PGCONNECT_TIMEOUT=10
server_version=$(psql -d postgres -Atc 'SHOW server_version')

q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# Instants (UTC). Inserts use received_at = now(), i.e. the real current month.
month0=$(date -u +%Y-%m-01)
real_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
month_plus() { date -u -d "$month0 $1 month" +%Y-%m-%d; }
# partmand at "now + 1 month" must premake one more month than the setup made: month0+5.
create_now="$(month_plus 1)T12:00:00Z"
create_from=$(month_plus 5)
create_to=$(month_plus 6)
create_child="webhook_events_p${create_from//-/}"
# Retention setup: partitions from month0-7; at the real now, retention 6 months retires month0-7.
old_now="$(month_plus -7)T12:00:00Z"
old_child="webhook_events_p$(month_plus -7 | tr -d -)"

write_config() { # file, retention line or empty
    cat >"$1" <<YAML
database:
  conninfo: "host=$PGDIR port=$PORT user=postgres dbname=bench application_name=partmand"
maintenance:
  lock_timeout: $LOCK_TIMEOUT
  statement_timeout: 5min
  retries: 5
tables:
  - table: public.webhook_events
    column: received_at
    interval: monthly
    premake: 4
$2
YAML
}
write_config "$WORK/setup.yaml" ""
write_config "$WORK/retire.yaml" "    retention: 6 months
    retention_action: drop"

cat >"$WORK/insert.sql" <<'SQL'
\set n random(1, 1000)
INSERT INTO public.webhook_events (received_at, source, event_type, payload)
VALUES (now(), 'source-' || (:n % 20), 'push', jsonb_build_object('n', :n, 'kind', 'push', 'body', repeat('x', 64)));
SQL

# One sample row per session waiting on a lock: time | app | pid | locktype | relation | mode | blockers
sampler_sql="SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS'), a.application_name, a.pid, l.locktype,
  coalesce(l.relation::regclass::text, ''), l.mode,
  (SELECT string_agg(b.application_name || ':' || b.pid, ',') FROM pg_stat_activity b
    WHERE b.pid = ANY (pg_blocking_pids(a.pid)))
FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
WHERE a.pid <> pg_backend_pid();"

setup_db() { # variant, dir
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench' >/dev/null
    q -f "$repo/config/reference-schema.sql" >/dev/null
    case "$1" in
    naive-drop | partmand-retire)
        "$PARTMAND" once --config "$WORK/setup.yaml" --now "$old_now" >"$2/setup.log" 2>&1 ||
            { cat "$2/setup.log" >&2; die "setup (old partitions) failed"; }
        ;;
    esac
    "$PARTMAND" once --config "$WORK/setup.yaml" --now "$real_now" >>"$2/setup.log" 2>&1 ||
        { cat "$2/setup.log" >&2; die "setup failed"; }
    # A little data everywhere, so the reader's count(*) and the default-partition check do real work.
    q -c "INSERT INTO public.webhook_events (received_at, source, event_type, payload)
          SELECT now() - (g % 30) * interval '1 hour', 'seed', 'push', '{}' FROM generate_series(1, 20000) g" >/dev/null
    q -c 'VACUUM ANALYZE public.webhook_events' -c 'CHECKPOINT' >/dev/null
    q -c "SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.webhook_events'::regclass
          ORDER BY 1" >"$2/partitions-before.txt"
}

now_s() { date +%s.%N; }
sleep_until() { # epoch seconds
    local d
    d=$(awk -v t="$1" -v n="$(now_s)" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
    sleep "$d"
}
rel() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

maintenance() { # variant, dir
    case "$1" in
    naive)
        PGAPPNAME=maintenance-naive PGOPTIONS="-c statement_timeout=60s" \
            q -c "CREATE TABLE public.$create_child PARTITION OF public.webhook_events
                  FOR VALUES FROM ('$create_from 00:00:00+00') TO ('$create_to 00:00:00+00')" \
            >"$2/maintenance.log" 2>&1
        ;;
    naive-drop)
        PGAPPNAME=maintenance-naive PGOPTIONS="-c statement_timeout=60s" \
            q -c "DROP TABLE public.$old_child" >"$2/maintenance.log" 2>&1
        ;;
    partmand)
        timeout 120 "$PARTMAND" once --config "$WORK/setup.yaml" --now "$create_now" >"$2/maintenance.log" 2>&1
        ;;
    partmand-retire)
        timeout 120 "$PARTMAND" once --config "$WORK/retire.yaml" --now "$real_now" >"$2/maintenance.log" 2>&1
        ;;
    esac
}

run_one() { # variant, run number
    local variant=$1 n=$2 dir="$WORK/$1-$2"
    mkdir -p "$dir"
    log "== $variant run $n"
    setup_db "$variant" "$dir"

    local t0 tr1 tm0 tm1 mrc=0 prc=0 pgb reader sampler
    t0=$(now_s)
    PGAPPNAME=pgbench pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" -P 1 -f "$WORK/insert.sql" \
        -l --aggregate-interval=1 --log-prefix="$dir/agg" >"$dir/pgbench.out" 2>"$dir/pgbench.progress" &
    pgb=$!
    { printf '%s\n\\watch 0.25\n' "$sampler_sql" |
        PGAPPNAME=sampler timeout -s INT -k 5 "$((DURATION + 2))" psql -X -At -F'|' >"$dir/locks.log" 2>"$dir/sampler.err" || true; } &
    sampler=$!

    sleep_until "$(awk -v t="$t0" -v d="$READER_START" 'BEGIN { printf "%.3f", t + d }')"
    { PGAPPNAME=reader PGOPTIONS="-c statement_timeout=$((READER_SLEEP + 10))s" \
        q -c 'BEGIN' -c 'SELECT count(*) FROM public.webhook_events' -c "SELECT pg_sleep($READER_SLEEP)" \
        -c 'COMMIT' >"$dir/reader.log" 2>&1 || true; now_s >"$dir/reader.end"; } &
    reader=$!

    sleep_until "$(awk -v t="$t0" -v d="$MAINT_START" 'BEGIN { printf "%.3f", t + d }')"
    tm0=$(now_s)
    maintenance "$variant" "$dir" || mrc=$?
    tm1=$(now_s)

    wait "$reader" || true
    wait "$pgb" || prc=$?
    wait "$sampler" || true
    tr1=$(cat "$dir/reader.end")
    q -c "SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.webhook_events'::regclass
          ORDER BY 1" >"$dir/partitions-after.txt"

    # Did the maintenance do its job?
    local done_ok=no
    case "$variant" in
    naive | partmand) grep -q "^$create_child " "$dir/partitions-after.txt" && done_ok=yes ;;
    naive-drop | partmand-retire)
        if ! grep -q "^$old_child " "$dir/partitions-after.txt" &&
            [ "$(q -c "SELECT to_regclass('public.$old_child') IS NULL")" = t ]; then done_ok=yes; fi
        ;;
    esac
    local retries=0
    case "$variant" in partmand*) retries=$(grep -ci 'retry [0-9]' "$dir/maintenance.log" || true) ;; esac

    # Per-second progress: "progress: 5.0 s, 1234.5 tps, lat 3.2 ms stddev 1.0, 0 failed"
    local stats
    stats=$(awk '
        /^progress:/ { t = $2 + 0; v = $4 + 0; tps[t] = v; if (t > last) last = t }
        END {
            # baseline: median-ish (mean) of the seconds before the reader starts
            n = 0; s = 0; for (t = 1; t <= 3; t++) if (t in tps) { s += tps[t]; n++ }
            base = n ? s / n : 0
            min = -1; zero = 0; low = 0
            for (t = 1; t <= last; t++) {
                if (!(t in tps)) continue
                if (t < last && (min < 0 || tps[t] < min)) min = tps[t]
                if (tps[t] == 0) zero++
                if (base > 0 && tps[t] < base / 2) low++
            }
            printf "%.0f %.0f %d %d", base, min, zero, low
        }' "$dir/pgbench.progress")
    local base min zero low
    read -r base min zero low <<<"$stats"
    local total maxlat
    total=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/pgbench.out")
    # aggregated log: interval_start count sum_lat sum_lat2 min_lat max_lat (microseconds)
    maxlat=$(cat "$dir"/agg.* 2>/dev/null | awk '$6 > m { m = $6 } END { printf "%.0f", m / 1000 }')
    # lock samples: most pgbench sessions waiting at once, and on what
    local maxwait waited
    # (heavyweight relation locks only: "extend" waits are ordinary insert contention)
    maxwait=$(awk -F'|' '$2 == "pgbench" && $4 == "relation" { c[$1]++ } END { m = 0; for (k in c) if (c[k] > m) m = c[k]; print m }' "$dir/locks.log")
    waited_on() { # application name: distinct "mode on relation behind blocker" it waited for
        awk -F'|' -v app="$1" '$2 == app { split($7, b, ","); sub(/:.*/, "", b[1])
            k = ($4 == "relation" ? "" : $4 " ") $6 " on " $5 " behind " b[1]
            if (!(k in s)) { s[k] = 1; o = o (o ? "; " : "") k } } END { print (o ? o : "-") }' "$dir/locks.log"
    }
    waited=$(waited_on pgbench)
    local mwaited
    case "$variant" in naive*) mwaited=$(waited_on maintenance-naive) ;; *) mwaited=$(waited_on partmand) ;; esac

    printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' \
        "$variant" "$n" "$(rel "$tm0" "$t0")" "$(rel "$tm1" "$tm0")" "$mrc" "$done_ok" "$retries" \
        "$(rel "$tr1" "$t0")" "$base" "$min" "$zero" "$low" "$maxlat" "${total:-?}" "$maxwait" "$waited" "$mwaited" \
        >>"$WORK/results.psv"
    [ "$prc" = 0 ] || log "   pgbench exited with status $prc (see $dir/pgbench.out)"
    log "   maintenance ${variant}: $(rel "$tm1" "$tm0") s, exit $mrc, done=$done_ok, retries=$retries; min tps $min, zero-tps seconds $zero"
}

: >"$WORK/results.psv"
for ((r = 1; r <= RUNS; r++)); do
    for v in $VARIANTS; do run_one "$v" "$r"; done
done

echo "PostgreSQL $server_version, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); $CLIENTS clients, ${DURATION} s," \
    "reader at ${READER_START} s holding ACCESS SHARE for ${READER_SLEEP} s, maintenance at ${MAINT_START} s," \
    "partmand lock_timeout $LOCK_TIMEOUT"
echo
echo "| variant | run | maint. start (s) | maint. took (s) | exit | done | partmand retries | reader ended (s) | baseline tps | min tps | 0-tps seconds | seconds < ½ baseline | max latency (ms) | total tx | max INSERTs waiting on a lock | INSERTs waited for | maintenance waited for |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'|' '{ o = "|"; for (i = 1; i <= NF; i++) o = o " " $i " |"; print o }' "$WORK/results.psv"
echo
echo "Logs: $WORK (per run: pgbench.progress, locks.log, maintenance.log, partitions-before/after.txt)"
