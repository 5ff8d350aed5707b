#!/usr/bin/env python3
"""Summarises bench/search.sh's measurements as Markdown tables. Usage: search_report.py WORK PAGEFIND_VERSION"""
import glob, gzip, json, os, statistics, sys

work, pf_version = sys.argv[1], sys.argv[2]
runs = {}
for line in open(f"{work}/runs.tsv"):
    name, wall, rss, *cpu = line.strip().split("\t")
    runs.setdefault(name, []).append((float(wall), int(rss), sum(float(c) for c in cpu) if cpu else float("nan")))
def build(name):
    r = runs[name]
    return statistics.median(w for w, _, _ in r), max(m for _, m, _ in r) / 1024
def cpu(name):
    return statistics.median(c for _, _, c in runs[name])

def tree(path, skip=()):
    files = [f for f in glob.glob(f"{path}/**/*", recursive=True) if os.path.isfile(f) and os.path.basename(f) not in skip]
    return sum(os.path.getsize(f) for f in files), len(files)

queries = json.load(open(f"{work}/queries.json", encoding="utf-8"))["queries"]
truth = {q["q"]: q for q in queries}
kinds = ["substring", "name", "number", "doc_number_cn", "doc_number_sq"]

# Pagefind result ids -> URLs, from its fragment files (gzip: "pagefind_dcd" + JSON).
url_of = {}
for f in glob.glob(f"{work}/out-hugo/pagefind/fragment/*.pf_fragment"):
    data = gzip.decompress(open(f, "rb").read())
    url_of[os.path.basename(f)[: -len(".pf_fragment")]] = json.loads(data[data.index(b"{"):])["url"].strip("/") + "/"

def score(rows):
    right = sum(r["right"] for r in rows); found = sum(r["results"] for r in rows); true = sum(r["truth"] for r in rows)
    return (right / true if true else 1.0), (right / found if found else 1.0)

dafu = json.load(open(f"{work}/dafu-eval.json", encoding="utf-8"))
pf = []
for line in open(f"{work}/bytes-pagefind.jsonl", encoding="utf-8"):
    d = json.loads(line)
    q = __import__("urllib.parse").parse.unquote(d["path"].split("?q=", 1)[1])
    out = json.loads(d["out"]) if d["out"] else {"error": "no answer"}
    t = set(truth[q]["truth"])
    urls = [url_of.get(i, "?") for i in out.get("ids", [])]
    right = sum(1 for u in urls if u in t)
    rank = None
    target = truth[q]["target"]
    if target:
        targets = set(target.get("urls") or [target.get("url")])
        rank = next((i + 1 for i, u in enumerate(urls) if u in targets), None)
    pf.append({"kind": truth[q]["kind"], "q": q, "results": len(urls), "truth": len(t), "right": right,
               "rank": rank, "bytes": d["search_bytes"], "error": out.get("error")})
dafu_bytes = [json.loads(l) for l in open(f"{work}/bytes-dafu.jsonl", encoding="utf-8")]

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else 0
kb = lambda b: f"{b / 1000:.0f}"

base_wall, base_rss = build("dafu-base")
wall, rss = build("dafu")
pf_wall, pf_rss = build("pagefind")
d_size, d_files = tree(f"{work}/out-dafu/search", skip=("index.html",))
p_size, p_files = tree(f"{work}/out-hugo/pagefind")
print(f"# Search benchmark: dafu and Pagefind {pf_version} (extended) on {len(dafu)} queries\n")
print("| | dafu | Pagefind |\n| --- | ---: | ---: |")
print(f"| index build: wall time | {wall - base_wall:+.2f} s (build {base_wall:.2f} → {wall:.2f} s) | {pf_wall:.1f} s (after Hugo) |")
print(f"| index build: CPU time (user + system) | {cpu('dafu') - cpu('dafu-base'):+.1f} s (build {cpu('dafu-base'):.1f} → {cpu('dafu'):.1f} s) | {cpu('pagefind'):.1f} s |")
print(f"| index build: peak memory | build {base_rss:.0f} → {rss:.0f} MiB | {pf_rss:.0f} MiB |")
print(f"| index on disk | {d_size / 1e6:.1f} MB in {d_files} files ({d_size / p_size:.2f}×) | {p_size / 1e6:.1f} MB in {p_files} files |")
db = [d["search_bytes"] for d in dafu_bytes]; pb = [r["bytes"] for r in pf]
print(f"| downloaded per query (median / p90 / max, KB) | {kb(pct(db, .5))} / {kb(pct(db, .9))} / {kb(max(db))} | {kb(pct(pb, .5))} / {kb(pct(pb, .9))} / {kb(max(pb))} |")
r, p = score(dafu); pr, pp = score(pf)
print(f"| recall / precision, all queries | {r:.4f} / {p:.4f} | {pr:.4f} / {pp:.4f} |")
for k in kinds:
    dk = [x for x in dafu if x["kind"] == k]; pk = [x for x in pf if x["kind"] == k]
    r, p = score(dk); pr, pp = score(pk)
    line = f"| {k}: recall / precision | {r:.4f} / {p:.4f} | {pr:.4f} / {pp:.4f} |"
    if k in ("number", "doc_number_cn", "doc_number_sq"):
        first = sum(1 for x in dk if x["rank"] and x["rank"]["first"] == 1)
        pfirst = sum(1 for x in pk if x["rank"] == 1)
        pranks = [x["rank"] for x in pk if x["rank"]]
        line += f"\n| {k}: its letter ranked first | {first}/{len(dk)} | {pfirst}/{len(pk)} (median rank {statistics.median(pranks) if pranks else '-'}) |"
    print(line)
exact = sum(1 for x in dafu if x["countExactAtOnce"])
print(f"\ndafu answered {sum(1 for x in dafu if x['exact'])} of {len(dafu)} queries from letter lists alone (no check needed) "
      f"and showed an exact count at once for {exact}; the others were checked against the text as shown "
      f"(count shown as “至多 N”, an upper bound, until checked). Bytes: files sent by a local server without "
      f"compression for a fresh page load (a new browser profile per query), page HTML and CSS excluded "
      f"(dafu {kb(statistics.median(d['shell_bytes'] for d in dafu_bytes))} KB); dafu's include search.js "
      f"and the files of the first 5 results, Pagefind's include its scripts, wasm and the data of its first 5 results.")
errors = [x for x in pf if x["error"]]
if errors:
    print(f"\nPagefind gave no answer for {len(errors)} queries: {[x['q'] for x in errors][:5]}")
