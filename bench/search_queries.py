#!/usr/bin/env python3
"""Generates the search benchmark's queries and their true answers.

Usage: search_queries.py MANIFEST.jsonl DAFU_PUBLIC OUT.json [COUNT_PER_KIND] [SEED]

Queries, from the generator's manifest and the letters' text: substrings of letter text (2-10
characters, within a line), proposer names, proposal numbers, and 文号 typed with 〔〕 and with [].
The true answer of a query is every letter whose published searchable text (as the site publishes it
in search/l/<n>.z) contains the query, normalised (full-width to half-width, 〔〕【】 as [], lower
case), not cutting a run of ASCII letters or digits at either end. This is written independently of
dafu's tokenizer and index: a brute-force scan, in Python, of every letter's text.
"""
import glob, json, os, random, re, sys, zlib

manifest_path, public, out = sys.argv[1:4]
per_kind = int(sys.argv[4]) if len(sys.argv) > 4 else 50
rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 7)

def norm(s):
    out = []
    for ch in s:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        elif ch == "\u3000":
            ch = " "
        elif ch in "〔【":
            ch = "["
        elif ch in "〕】":
            ch = "]"
        out.append(ch.lower() if "A" <= ch <= "Z" else ch)
    return "".join(out)

records = []
for path in glob.glob(os.path.join(public, "search", "l", "*.z")):
    n = int(os.path.basename(path)[:-2])
    r = json.loads(zlib.decompress(open(path, "rb").read()).decode("gb18030"))
    records.append((n, r["u"], norm(r["s"]), r["s"]))
records.sort()
letters = [json.loads(l) for l in open(manifest_path, encoding="utf-8") if l.strip()]
url_of = {f'{l["year"]}/{l["slug"]}/': l for l in letters}

def truth(q):
    nq = norm(q).strip()
    a = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", nq) else ""
    b = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", nq) else ""
    pat = re.compile(a + re.escape(nq) + b)
    return [u for _, u, t, _ in records if pat.search(t)]

queries = []
def add(kind, q, target=None):
    queries.append({"kind": kind, "q": q, "target": target})

# Substrings of the published text (body part, within one line, not cutting an ASCII run).
while sum(1 for q in queries if q["kind"] == "substring") < per_kind:
    _, url, _, text = rng.choice(records)
    lines = [l for l in text.split("\n")[6:] if len(l) >= 12]
    if not lines:
        continue
    line = rng.choice(lines)
    size = rng.randint(2, 10)
    start = rng.randint(0, len(line) - size)
    q = line[start:start + size].strip()
    nl = norm(line)
    if len(q) < 2 or any(c.isspace() for c in q):
        continue
    if (start > 0 and re.match(r"[a-z0-9]", nl[start]) and re.match(r"[a-z0-9]", nl[start - 1])) or \
       (start + size < len(nl) and re.match(r"[a-z0-9]", nl[start + size - 1]) and re.match(r"[a-z0-9]", nl[start + size])):
        continue
    add("substring", q)
for l in rng.sample(letters, per_kind):
    add("name", rng.choice(l["proposers"]))
for l in rng.sample(letters, per_kind):
    add("number", str(l["proposal_number"]), {"field": "number", "value": str(l["proposal_number"])})
for l in rng.sample(letters, per_kind):
    add("doc_number_cn", l["doc_number"], {"field": "doc", "value": l["doc_number"], "url": f'{l["year"]}/{l["slug"]}/'})
for l in rng.sample(letters, per_kind):
    q = l["doc_number"].replace("〔", "[").replace("〕", "]")
    add("doc_number_sq", q, {"field": "doc", "value": l["doc_number"], "url": f'{l["year"]}/{l["slug"]}/'})

for q in queries:
    q["truth"] = truth(q["q"])
    if q["target"] and q["target"]["field"] == "number":
        q["target"]["urls"] = [u for u, l in url_of.items() if str(l["proposal_number"]) == q["target"]["value"]]
json.dump({"queries": queries}, open(out, "w", encoding="utf-8"), ensure_ascii=False)
print(f"{len(queries)} queries written to {out}", file=sys.stderr)
