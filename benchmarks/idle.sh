#!/usr/bin/env bash
# Idle benchmark: what `partmand run` costs at rest. See BENCHMARKS.md ("The daemon at rest").
#
#   benchmarks/idle.sh                                   the release build, 60 s idle
#   IDLE_SECONDS=600 benchmarks/idle.sh                  a longer idle window
#   VARIANTS="release static debug" benchmarks/idle.sh   also the static-stdlib and the debug build
#   VARIANTS="release release:MALLOC_ARENA_MAX=2" benchmarks/idle.sh
#
# For each variant, on a fresh database (config/reference-schema.sql) in one throwaway PostgreSQL 15
# cluster, `partmand run` is started with a configuration `schedule: every 1h, run_on_start: true`
# (the reference table, premake 4, retention 6 months) and a fake NOTIFY_SOCKET (a python3 datagram
# listener stamping every message it receives), then measured:
#   READY        ms from exec to the READY=1 datagram (the clock is read in the subshell just before exec);
#                median and max over the measured start and READY_RUNS more (run_on_start: false, stopped
#                right after READY)
#   first pass   ms from exec to the STATUS= datagram that reports the first pass ("last pass …")
#   RSS          VmRSS from /proc/PID/status right after the first pass and after
#                IDLE_SECONDS idle, and VmHWM (the peak so far) at the end; the idle RSS split into
#                Anonymous / file-backed from smaps_rollup;
#                "touched while idle": smaps_rollup's Referenced after the idle window, the accessed bits
#                having been cleared (/proc/PID/clear_refs) at its start: the pages the idle daemon uses
#                (all mappings, and only the binary and anonymous memory: shared libraries' accessed bits
#                are also set by other processes using them, so "all" is an upper bound; so are the
#                binary's while another process runs the same file)
#   CPU idle     utime+stime (/proc/PID/stat, clock ticks) over the idle window, in seconds per hour;
#                also the sum of the threads' on-CPU nanoseconds (/proc/PID/task/*/schedstat, precise
#                but blind to threads that came or went in the window, "–" then) and the context
#                switches per minute (how often it wakes); use IDLE_SECONDS=600 for tick resolution
#                of 0.06 s/h
#   threads      entries in /proc/PID/task after the pass and after the idle window
#   passes       passes that finished during the window: `every 1h` runs on the hour, so a window
#                across it is not at rest (a warning says so; 0 expected)
# Then a per-mapping breakdown of the idle RSS (from /proc/PID/smaps, aggregated: the binary, the
# Swift runtime, Foundation, ICU, libpq, TLS/Kerberos/LDAP, libsystemd, libc/libstdc++, the heap,
# malloc arenas, thread stacks), one column per variant, and the binary's resident pages
# (/proc/PID/pagemap) by ELF section and by the module of the symbol covering them (nm): for a static
# build, where the Swift runtime, Foundation and ICU are all in the one mapping.
#
# Variants: `release` (swift build -c release, scratch .build-idle, dynamic Swift stdlib: what
# benchmarks/scale.sh measures), `static` (built by scripts/build-release, what ships: --static-swift-stdlib,
# linked by lld, scratch .build-idle-static), `static-gold` (--static-swift-stdlib linked by gold, the
# default linker, with no other flag, scratch .build-idle-gold: what shipped before 2026-12-03), `debug` (swift build, scratch .build-idle).
# `VARIANT:NAME=VALUE[,NAME=VALUE…]` runs that build with extra environment, e.g.
# `static:MALLOC_ARENA_MAX=2` or `static:WATCHDOG_USEC=60000000` (what systemd sets with WatchdogSec=60s).
# A path to any binary also works (`/usr/bin/partmand`). List a variant several times to repeat it.
#
# Environment: VARIANTS (release), IDLE_SECONDS (60), READY_RUNS (5), PORT (54370), SKIP_BUILD (0: build every
# variant's binary first; 1: use what is there), WORK (a new directory under /tmp; per-variant logs,
# smaps and notify datagrams are kept there). Requires PostgreSQL 15 (server and psql) and python3.
# The cluster is started with scripts/throwaway-pg on a private port and socket and always stopped by
# a trap; partmand and the listener are stopped by their pid.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VARIANTS=${VARIANTS:-release}
IDLE_SECONDS=${IDLE_SECONDS:-60}
READY_RUNS=${READY_RUNS:-5}
PORT=${PORT:-54370}
SKIP_BUILD=${SKIP_BUILD:-0}
WORK=${WORK:-$(mktemp -d /tmp/partmand-idle.XXXXXX)}
PGDIR=${PGDIR:-/tmp/partmand-idle-pg.$$}
SOCKDIR=$(mktemp -d /tmp/pmidle.XXXXXX) # the notify sockets: AF_UNIX paths must stay short
TICK=$(getconf CLK_TCK)

log() { printf '%s\n' "$*" >&2; }
die() { log "idle: $*"; exit 1; }

command -v psql >/dev/null || die "psql not found (apt-get install postgresql-15)"
command -v python3 >/dev/null || die "python3 not found"
case "$IDLE_SECONDS" in '' | *[!0-9]*) die "IDLE_SECONDS must be a whole number of seconds" ;; esac
case "$READY_RUNS" in '' | *[!0-9]*) die "READY_RUNS must be a whole number" ;; esac
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is in use; set PORT="
fi
mkdir -p "$WORK"

# The binary of a build name (or a path).
binary_of() {
    case "$1" in
    release) echo "$repo/.build-idle/release/partmand" ;;
    static) echo "$repo/.build-idle-static/partmand" ;;
    static-gold) echo "$repo/.build-idle-gold/release/partmand" ;;
    debug) echo "$repo/.build-idle/debug/partmand" ;;
    /*) echo "$1" ;;
    *) die "unknown build '$1' (release, static, static-gold, debug, or an absolute path)" ;;
    esac
}
build() {
    case "$1" in
    release) swift build -c release --product partmand --scratch-path .build-idle ;;
    static) PARTMAND_SCRATCH=.build-idle-static scripts/build-release ;;
    static-gold) swift build -c release --product partmand --static-swift-stdlib --scratch-path .build-idle-gold ;;
    debug) swift build --product partmand --scratch-path .build-idle ;;
    esac
}
built=" "
for v in $VARIANTS; do
    b=${v%%:*}
    binary_of "$b" >/dev/null
    case "$built" in *" $b "*) continue ;; esac
    built="$built$b "
    if [ "$SKIP_BUILD" != 1 ] && [ "${b#/}" = "$b" ]; then
        log "building $b ..."
        (cd "$repo" && build "$b" >"$WORK/build-$b.log" 2>&1) || { tail -20 "$WORK/build-$b.log" >&2; die "cannot build $b"; }
    fi
    [ -x "$(binary_of "$b")" ] || die "no binary for $b at $(binary_of "$b")"
done

daemon_pid=
listener_pid=
stop_daemon() {
    if [ -n "$daemon_pid" ]; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
        daemon_pid=
    fi
    if [ -n "$listener_pid" ]; then
        kill "$listener_pid" 2>/dev/null || true
        wait "$listener_pid" 2>/dev/null || true
        listener_pid=
    fi
}
cleanup() {
    stop_daemon
    "$repo/scripts/throwaway-pg" stop "$PGDIR" >/dev/null 2>&1 || true
    rm -rf "$SOCKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting PostgreSQL in $PGDIR on port $PORT; logs in $WORK"
"$repo/scripts/throwaway-pg" start "$PGDIR" "$PORT" >/dev/null
export PGHOST=$PGDIR PGPORT=$PORT PGUSER=postgres PGDATABASE=bench PGCONNECT_TIMEOUT=10
server_version=$(psql -X -At -d postgres -c 'SHOW server_version')
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# The fake service manager: binds NOTIFY_SOCKET and writes "epoch-seconds<TAB>datagram" per message
# (newlines in the datagram become '|'). Started before partmand, so no datagram is lost.
cat >"$WORK/listener.py" <<'PY'
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    f.write("%.6f\tLISTENING\n" % time.time())
    while True:
        data = s.recv(65536)
        f.write("%.6f\t%s\n" % (time.time(), data.decode("utf-8", "replace").replace("\n", "|")))
PY

# Aggregates /proc/PID/smaps by what a mapping is. Output: "category<TAB>rss_kib<TAB>anon_kib" lines.
cat >"$WORK/breakdown.py" <<'PY'
import re, sys
binary = sys.argv[2]
maps = []  # (start, end, perms, path, rss, anon)
cur = None
for line in open(sys.argv[1]):
    m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
    if m:
        cur = [int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4).strip(), 0, 0]
        maps.append(cur)
    elif line.startswith("Rss:"):
        cur[4] = int(line.split()[1])
    elif line.startswith("Anonymous:"):
        cur[5] = int(line.split()[1])

def category(i, mp):
    start, end, perms, path, rss, anon = mp
    name = path.rsplit("/", 1)[-1]
    if path == binary or name == "partmand":
        return "partmand binary"
    if path == "[heap]":
        return "[heap] (brk: main malloc arena)"
    if path == "[stack]":
        return "main thread stack"
    if path in ("[vdso]", "[vvar]", "[vsyscall]", "[vvar_vclock]"):
        return "other"
    if path == "" or path.startswith("[anon"):
        prev = maps[i - 1] if i > 0 else None
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        # glibc thread stack: rw anonymous, right after its own ---p guard page(s) (at most 64 KiB)
        if "rw" in perms and prev and prev[2].startswith("---") and prev[1] == start \
                and (prev[1] - prev[0]) <= 64 * 1024 and (prev[3] == "" or prev[3].startswith("[anon")):
            return "thread stacks"
        # a malloc arena heap: rw part at a 64 MiB boundary, followed by the ---p remainder
        if "rw" in perms and start % (64 << 20) == 0 and nxt and nxt[2].startswith("---") and nxt[0] == end:
            return "malloc arenas (other threads)"
        return "other anonymous (mmap'd malloc chunks, runtime)"
    if re.search(r"libFoundationInternationalization", name): return "libFoundationInternationalization"
    if re.search(r"lib_FoundationICU", name): return "lib_FoundationICU (ICU code + data)"
    if re.search(r"libFoundationEssentials", name): return "libFoundationEssentials"
    if re.search(r"libFoundation\.so|libFoundationNetworking|libFoundationXML", name): return "libFoundation"
    if re.search(r"libswift|libdispatch|libBlocksRuntime", name): return "Swift runtime (libswiftCore, Dispatch, …)"
    if re.search(r"libpq\.", name): return "libpq"
    if re.search(r"libssl|libcrypto\.", name): return "OpenSSL (libssl, libcrypto)"
    if re.search(r"krb5|k5crypto|gssapi|com_err|keyutils|ldap|lber|sasl|gnutls|nettle|hogweed|gmp|p11-kit|idn2|unistring|tasn1|ffi|resolv", name):
        return "libpq's other deps (Kerberos, LDAP, SASL, GnuTLS, …)"
    if re.search(r"libsystemd|liblzma|libzstd|liblz4|libgcrypt|libgpg-error|libcap\.", name):
        return "libsystemd and its deps (lzma, zstd, lz4, gcrypt, cap)"
    if re.search(r"libc\.so|libm\.so|ld-linux|libstdc\+\+|libgcc_s|libpthread|libdl|librt", name):
        return "libc, libm, ld.so, libstdc++, libgcc"
    if name.startswith("locale") or "/locale" in path or name.endswith(".cache") or "gconv" in path:
        return "locale / gconv / caches"
    return "other files: " + name

totals = {}
for i, mp in enumerate(maps):
    c = category(i, mp)
    r, a = totals.get(c, (0, 0))
    totals[c] = (r + mp[4], a + mp[5])
for c, (r, a) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
    print("%s\t%d\t%d" % (c, r, a))
PY

# Inside the binary: its resident pages (/proc/PID/pagemap) attributed to ELF sections, and pages of
# code and data to the module of the symbol covering them (nm). Matters for a static build, where the
# Swift runtime, Foundation and ICU are all in the one mapping. Output: "what<TAB>kib" lines.
cat >"$WORK/binmap.py" <<'PY'
import bisect, collections, os, re, struct, subprocess, sys
pid, binary = sys.argv[1], os.path.realpath(sys.argv[2])
maps = []
for line in open("/proc/%s/maps" % pid):
    p = line.split()
    if len(p) >= 6 and os.path.realpath(p[5]) == binary:
        lo, hi = (int(x, 16) for x in p[0].split("-"))
        maps.append((lo, hi, int(p[2], 16)))
bias = min(lo - off for lo, hi, off in maps)
present = []
with open("/proc/%s/pagemap" % pid, "rb") as f:
    for lo, hi, off in maps:
        f.seek(lo // 4096 * 8)
        data = f.read((hi - lo) // 4096 * 8)
        for i in range(0, len(data), 8):
            if struct.unpack("<Q", data[i:i + 8])[0] >> 62:  # present or swapped
                present.append(lo + i // 8 * 4096 - bias)
secs = []
for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout.splitlines():
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m and int(m.group(2), 16):
        secs.append((int(m.group(2), 16), int(m.group(2), 16) + int(m.group(3), 16), m.group(1)))
secs.sort()
syms = []
for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 4:
        syms.append((int(p[0], 16), int(p[0], 16) + int(p[1], 16), p[3]))
syms.sort()
starts = [x[0] for x in syms]
def module(name):
    m = re.match(r"^\$s(\d+)", name)
    if m:
        mod = name[m.end():m.end() + int(m.group(1))]
        if mod.startswith("Partmand") or mod == "partmand":
            return "partmand's own modules"
        return {"Foundation": "Foundation (swift-corelibs)", "FoundationEssentials": "FoundationEssentials",
                "FoundationInternationalization": "FoundationInternationalization"}.get(mod, mod)
    if name.startswith("$s"):
        return "Swift stdlib / generic specializations"
    if re.match(r"icudt\d+_dat$", name):
        return "ICU data (icudt)"
    if name.startswith("swift_u") or re.search(r"icu_\d\d|^_ZN?\w*icu", name):
        return "ICU code"
    if re.match(r"_*k?CF|__CF|_CF", name):
        return "CoreFoundation"
    if re.match(r"_?dispatch_|_os_|_dispatch", name):
        return "libdispatch"
    if name.startswith("yaml_"):
        return "Yams (libyaml)"
    if name.startswith("swift_") or name.startswith("_swift") or "5swift" in name[:12]:
        return "Swift runtime (C++)"
    return "other C/C++"
out = collections.Counter()
for a in present:
    i = bisect.bisect_right(secs, (a, 1 << 62, "")) - 1
    sec = secs[i][2] if i >= 0 and secs[i][0] <= a < secs[i][1] else "(between sections)"
    if sec in (".text", ".rodata", ".data.rel.ro", ".data", ".bss"):
        j = bisect.bisect_right(starts, a + 2048) - 1
        what = module(syms[j][2]) if j >= 0 and syms[j][1] > a else "(unattributed)"
        out["%s: %s" % (sec, what)] += 4
    elif sec.startswith("swift5_"):
        out["swift5_* reflection/metadata sections"] += 4
    elif sec in (".eh_frame", ".eh_frame_hdr", ".gcc_except_table"):
        out["unwind tables (.eh_frame, …)"] += 4
    elif sec in (".dynsym", ".dynstr", ".gnu.hash", ".gnu.version", ".hash"):
        out["dynamic symbol table (.dynsym, .dynstr, …)"] += 4
    else:
        out[sec] += 4
for k, v in out.most_common():
    print("%s\t%d" % (k, v))
PY

now_s() { echo "$EPOCHREALTIME"; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime+stime (fields 14, 15)
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
ctx_switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}
threads() { ls "/proc/$1/task" | wc -l; }
rollup_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup"; }
# Waits (up to $3 s) for a datagram matching the awk regex $2 in file $1; prints its timestamp.
wait_datagram() {
    local deadline=$((SECONDS + $3)) t
    while [ "$SECONDS" -le "$deadline" ]; do
        t=$(awk -F'\t' -v re="$2" '$2 ~ re { print $1; exit }' "$1" 2>/dev/null || true)
        [ -n "$t" ] && { echo "$t"; return 0; }
        kill -0 "$daemon_pid" 2>/dev/null || return 1
        sleep 0.005
    done
    return 1
}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a - b) * 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

start_listener() { # socket, log, stderr file
    : >"$2"
    python3 -u "$WORK/listener.py" "$1" "$2" 2>"$3" &
    listener_pid=$!
    for _ in $(seq 300); do grep -q LISTENING "$2" 2>/dev/null && break; sleep 0.01; done
    grep -q LISTENING "$2" || die "the notify listener did not start (see $3)"
}
start_daemon() { # binary, extra environment (NAME=VALUE,…), notify socket, config, log file, exec-time file
    (
        export NOTIFY_SOCKET=$3
        if [ -n "$2" ]; then
            IFS=, read -ra kvs <<<"$2"
            for kv in "${kvs[@]}"; do export "${kv?}"; done
        fi
        now_s >"$6"
        exec "$1" run --config "$4"
    ) 2>"$5" &
    daemon_pid=$!
}

run_variant() { # variant, index
    local variant=$1 idx=$2 b extra bin dir
    b=${variant%%:*}
    extra=
    [ "$b" != "$variant" ] && extra=${variant#*:}
    bin=$(binary_of "$b")
    dir="$WORK/$idx-$(printf '%s' "$variant" | tr -c 'A-Za-z0-9._=-' '_')"
    mkdir -p "$dir"
    log "== $variant: $bin ${extra:+($extra)}"

    PGOPTIONS='-c client_min_messages=warning' psql -X -q -d postgres \
        -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench' >/dev/null
    q -f "$repo/config/reference-schema.sql" >/dev/null
    cat >"$dir/partmand.yaml" <<YAML
database:
  conninfo: "host=$PGDIR port=$PORT user=postgres dbname=bench application_name=partmand"
schedule:
  every: 1h
  run_on_start: true
tables:
  - table: public.webhook_events
    column: received_at
    interval: monthly
    premake: 4
    retention: 6 months
    retention_action: drop
YAML
    chmod 600 "$dir/partmand.yaml"

    local sock="$SOCKDIR/$idx.sock" notes="$dir/notify.log"
    start_listener "$sock" "$notes" "$dir/listener.err"
    start_daemon "$bin" "$extra" "$sock" "$dir/partmand.yaml" "$dir/partmand.log" "$dir/exec.t"

    local t_ready t_pass t0
    t_ready=$(wait_datagram "$notes" '^READY=1' 30) || { cat "$dir/partmand.log" >&2; die "$variant: no READY=1 within 30 s"; }
    t_pass=$(wait_datagram "$notes" 'STATUS=last pass' 120) || { cat "$dir/partmand.log" >&2; die "$variant: no first pass within 120 s"; }
    t0=$(cat "$dir/exec.t")
    grep -q 'STATUS=last pass [0-9:]* ok' "$notes" || log "   warning: the first pass did not succeed (see $dir/partmand.log)"

    sleep 0.5 # let the pass's worker threads settle
    local passes0 passes tids0 tids1 pid=$daemon_pid rss_pass threads_pass c0 n0 x0 w0 w1 c1 n1 x1 rss_idle hwm_idle threads_idle
    rss_pass=$(status_kib "$pid" VmRSS)
    threads_pass=$(threads "$pid")
    cp "/proc/$pid/smaps" "$dir/smaps.after-pass"
    # Clear the accessed bits, so that smaps' Referenced at the end is what the idle daemon touched.
    echo 1 >"/proc/$pid/clear_refs" 2>/dev/null || true
    passes0=$(grep -c 'msg="pass finished' "$dir/partmand.log" || true)
    w0=$(now_s); c0=$(cpu_ticks "$pid"); n0=$(sched_ns "$pid"); x0=$(ctx_switches "$pid"); tids0=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')
    log "   READY $(ms "$t_ready" "$t0") ms, first pass done $(ms "$t_pass" "$t0") ms, RSS $(mib "$rss_pass") MiB; idle for ${IDLE_SECONDS} s ..."
    sleep "$IDLE_SECONDS"
    kill -0 "$pid" 2>/dev/null || die "$variant: partmand exited while idle (see $dir/partmand.log)"
    passes=$(($(grep -c 'msg="pass finished' "$dir/partmand.log" || true) - passes0))
    # `every 1h` runs on the hour: a window across it includes a pass, which is not rest.
    [ "$passes" = 0 ] || log "   warning: $passes pass(es) ran during the idle window; its CPU and touched pages include them"
    c1=$(cpu_ticks "$pid"); n1=$(sched_ns "$pid"); x1=$(ctx_switches "$pid"); tids1=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' '); w1=$(now_s)
    rss_idle=$(status_kib "$pid" VmRSS)
    hwm_idle=$(status_kib "$pid" VmHWM)
    threads_idle=$(threads "$pid")
    local anon file touched own_touched
    anon=$(rollup_kib "$pid" Anonymous)
    touched=$(rollup_kib "$pid" Referenced)
    file=$((rss_idle - anon))
    cp "/proc/$pid/smaps" "$dir/smaps.idle"
    cp "/proc/$pid/smaps_rollup" "$dir/smaps_rollup.idle"
    # Referenced in the mappings no other process shares: the binary (a static build holds the Swift
    # runtime, Foundation and ICU) and anonymous memory. Shared libraries' accessed bits are also set by
    # any other process using them (a build running on the machine), so their part is an upper bound.
    own_touched=$(awk -v bin="$(readlink -f "$bin")" '
        /^[0-9a-f]+-[0-9a-f]+ / { path = $6; own = (path == "" || path == bin || path ~ /^\[(heap|stack|anon)/) }
        $1 == "Referenced:" && own { s += $2 } END { print s + 0 }' "$dir/smaps.idle")
    for t in /proc/"$pid"/task/*; do printf '%s %s\n' "${t##*/}" "$(cat "$t/comm")"; done >"$dir/threads.idle"
    python3 "$WORK/breakdown.py" "$dir/smaps.idle" "$bin" >"$dir/breakdown.tsv"
    python3 "$WORK/binmap.py" "$pid" "$bin" >"$dir/binmap.tsv" 2>"$dir/binmap.err" || true
    stop_daemon

    # READY latency again, READY_RUNS times: start, wait for READY=1, stop (no pass on start).
    local readies k tr tk
    readies=$(ms "$t_ready" "$t0")
    sed 's/run_on_start: true/run_on_start: false/' "$dir/partmand.yaml" >"$dir/ready.yaml"
    chmod 600 "$dir/ready.yaml"
    for ((k = 1; k <= READY_RUNS; k++)); do
        start_listener "$SOCKDIR/$idx-ready.sock" "$dir/ready-$k.notify.log" "$dir/listener.err"
        start_daemon "$bin" "$extra" "$SOCKDIR/$idx-ready.sock" "$dir/ready.yaml" "$dir/ready-$k.log" "$dir/ready-$k.t"
        tr=$(wait_datagram "$dir/ready-$k.notify.log" '^READY=1' 30) || die "$variant: no READY=1 within 30 s (see $dir/ready-$k.log)"
        tk=$(cat "$dir/ready-$k.t")
        readies="$readies $(ms "$tr" "$tk")"
        stop_daemon
    done
    local ready_median ready_max
    # shellcheck disable=SC2086 # one number per word
    ready_median=$(printf '%s\n' $readies | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    # shellcheck disable=SC2086
    ready_max=$(printf '%s\n' $readies | sort -n | tail -1)
    log "   READY over $((READY_RUNS + 1)) starts (ms): $readies"

    local window cpu_h ns_h ctx_min
    window=$(awk -v a="$w1" -v b="$w0" 'BEGIN { print a - b }')
    cpu_h=$(awk -v d="$((c1 - c0))" -v t="$TICK" -v w="$window" 'BEGIN { printf "%.2f", d / t * 3600 / w }')
    if [ "$tids0" = "$tids1" ]; then
        ns_h=$(awk -v d="$((n1 - n0))" -v w="$window" 'BEGIN { printf "%.3f", d / 1e9 * 3600 / w }')
        ctx_min=$(awk -v d="$((x1 - x0))" -v w="$window" 'BEGIN { printf "%.0f", d * 60 / w }')
    else # a thread came or went: the per-thread sums would miss its share
        ns_h="– (threads changed)"
        ctx_min="–"
    fi
    printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' \
        "$variant" "$ready_median / $ready_max" "$(ms "$t_pass" "$t0")" "$(mib "$rss_pass")" "$(mib "$hwm_idle")" \
        "$(mib "$rss_idle")" "$(mib "$anon")" "$(mib "$file")" "$(mib "$touched") / $(mib "$own_touched")" "$((c1 - c0))" "$cpu_h" "$ns_h" "$ctx_min" \
        "$threads_pass / $threads_idle" "$passes" "$(du -k "$bin" | cut -f1)" >>"$WORK/results.psv"
    printf '%s\n' "$dir" >>"$WORK/dirs"
}

: >"$WORK/results.psv"
: >"$WORK/dirs"
i=0
for v in $VARIANTS; do
    i=$((i + 1))
    run_variant "$v" "$i"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "partmand run at rest: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($cpu), kernel $(uname -r)," \
    "PostgreSQL $server_version (local socket), $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//');" \
    "schedule every 1h, run_on_start; idle window ${IDLE_SECONDS} s; CLK_TCK $TICK"
echo
echo "| variant | READY, ms from exec (median / max of READY_RUNS+1 starts) | first pass done (ms) | RSS after pass (MiB) | peak RSS (MiB) | RSS idle (MiB) | of which anonymous | of which file-backed | touched while idle, MiB (all / binary+anonymous) | CPU ticks idle | CPU idle (s/h, ticks) | CPU idle (s/h, schedstat) | context switches / min | threads (after pass / idle) | passes in the window | binary (KiB) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'|' '{ o = "|"; for (i = 1; i <= NF; i++) o = o " " $i " |"; print o }' "$WORK/results.psv"
echo
echo "Idle RSS by mapping (MiB; from /proc/PID/smaps, Rss summed per category; anonymous part in parentheses):"
echo
python3 - "$WORK/dirs" "$WORK/results.psv" <<'PY'
import sys
dirs = [l.strip() for l in open(sys.argv[1]) if l.strip()]
names = [l.split("|")[0] for l in open(sys.argv[2]) if l.strip()]
cols, order = [], []
for d in dirs:
    t = {}
    for line in open(d + "/breakdown.tsv"):
        c, r, a = line.rstrip("\n").split("\t")
        t[c] = (int(r), int(a))
        if c not in order:
            order.append(c)
    cols.append(t)
order.sort(key=lambda c: -max(t.get(c, (0, 0))[0] for t in cols))
print("| mapping | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
def cell(v):
    r, a = v
    return "%.1f" % (r / 1024) + (" (%.1f)" % (a / 1024) if a and a != r else "")
for c in order:
    if max(t.get(c, (0, 0))[0] for t in cols) < 100:
        continue  # below 0.1 MiB everywhere
    print("| %s | %s |" % (c, " | ".join(cell(t.get(c, (0, 0))) for t in cols)))
print("| **total** | %s |" % " | ".join("%.1f" % (sum(v[0] for v in t.values()) / 1024) for t in cols))
PY
echo
echo "Inside the binary (resident pages by ELF section, code and data by the module of the covering symbol; MiB):"
echo
python3 - "$WORK/dirs" "$WORK/results.psv" <<'PY'
import os, sys
dirs = [l.strip() for l in open(sys.argv[1]) if l.strip()]
names = [l.split("|")[0] for l in open(sys.argv[2]) if l.strip()]
cols, order = [], []
for d in dirs:
    t = {}
    if os.path.exists(d + "/binmap.tsv"):
        for line in open(d + "/binmap.tsv"):
            k, v = line.rstrip("\n").split("\t")
            t[k] = int(v)
            if k not in order:
                order.append(k)
    cols.append(t)
order.sort(key=lambda k: -max(t.get(k, 0) for t in cols))
print("| section: module | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for k in order:
    if max(t.get(k, 0) for t in cols) < 200:
        continue  # below 0.2 MiB everywhere
    print("| %s | %s |" % (k, " | ".join("%.1f" % (t.get(k, 0) / 1024) for t in cols)))
print("| **resident in the binary** | %s |" % " | ".join("%.1f" % (sum(t.values()) / 1024) for t in cols))
PY
echo
echo "Logs: $WORK (per variant: partmand.log, notify.log, smaps.after-pass, smaps.idle, threads.idle, breakdown.tsv, binmap.tsv)"
