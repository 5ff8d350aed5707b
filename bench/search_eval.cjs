// Runs the benchmark queries through dafu's search code (themes/default/static/search.js, the same
// file the page runs) against a built site, reading files instead of fetching them.
//
//   node bench/search_eval.cjs PUBLIC QUERIES.json OUT.json
//
// For each query it records: the full result list (every candidate checked against its text, as the
// page does while paging), recall and precision against the queries' true answers, where the
// identifier's letter ranks, and the bytes a browser downloads for the query on a fresh page load:
// search.js, the manifest, the facets, the term chunks the query reads, and the result files of the
// first page (5; plus, for a query that needs checking and has at most 5 candidates, all of theirs).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const search = require("../themes/default/static/search.js");

const [publicDir, queriesPath, outPath] = process.argv.slice(2);
const queries = JSON.parse(fs.readFileSync(queriesPath, "utf8")).queries;
const script = fs.statSync(path.join(publicDir, "search.js")).size;
const PAGE = 5, CHECK_ALL = 5, CHECK_BUDGET = 10; // as in search.js

function reader() {
  const seen = new Set();
  let bytes = 0;
  const get = async (url) => {
    const file = fs.readFileSync(path.join(publicDir, url.replace(/\?.*$/, "")));
    if (!seen.has(url)) { seen.add(url); bytes += file.length; }
    return file.buffer.slice(file.byteOffset, file.byteOffset + file.length);
  };
  return { get, bytes: () => bytes, files: () => seen.size };
}

async function run() {
  const out = [];
  for (const q of queries) {
    // A fresh page: nothing cached.
    const r = reader();
    const index = new search.Index("search/", r.get);
    await index.open();
    const hit = await index.search(q.q);
    const rejected = new Set();
    let checked = hit.exact;
    if (!hit.exact) {
      const cands = [];
      for (let i = 0; i < index.total && cands.length <= CHECK_ALL; i++) if (hit.body[i]) cands.push(i);
      if (cands.length <= CHECK_ALL) {
        for (const n of cands) if (!(await index.check(n, hit.parts))) rejected.add(n);
        checked = true;
      }
    }
    // First page, as Page.page shows it: at most CHECK_BUDGET letters checked for it.
    let first;
    const fetched = new Set();
    for (;;) {
      const { list } = search.results(index, hit, {}, "relevance", rejected);
      first = list.slice(0, PAGE);
      first.forEach((n) => fetched.add(n));
      const bad = [];
      for (const n of first) if (!checked && !(await index.check(n, hit.parts))) bad.push(n);
      if (!bad.length) break;
      bad.forEach((n) => rejected.add(n));
      if (fetched.size >= CHECK_BUDGET) {
        first = first.filter((n) => !bad.includes(n));
        break;
      }
    }
    for (const n of first) await index.record(n); // shown on the page
    const bytes = script + r.bytes(), files = r.files() + 1;
    const candidates = search.results(index, hit, {}, "relevance", new Set()).list.length;
    // The whole list, every candidate checked (what paging to the end shows).
    const all = search.results(index, hit, {}, "relevance", rejected).list;
    const shown = [];
    for (const n of all) if (checked || (await index.check(n, hit.parts))) shown.push(n);
    const urls = [];
    for (const n of shown) urls.push((await index.record(n)).u);
    const truth = new Set(q.truth);
    const right = urls.filter((u) => truth.has(u)).length;
    let rank = null;
    if (q.target) {
      const targets = new Set(q.target.urls || [q.target.url]);
      const first = urls.findIndex((u) => targets.has(u));
      const last = Math.max(...urls.map((u, i) => (targets.has(u) ? i : -1)));
      rank = { first: first + 1, allTargetsFirst: last + 1 === targets.size };
    }
    out.push({
      kind: q.kind, q: q.q, results: urls.length, truth: truth.size, right,
      recall: truth.size ? right / truth.size : 1, precision: urls.length ? right / urls.length : 1,
      exact: hit.exact, candidates, countExactAtOnce: checked, bytes, files, rank,
    });
  }
  fs.writeFileSync(outPath, JSON.stringify(out));
}
run().catch((e) => { console.error(e); process.exit(1); });
