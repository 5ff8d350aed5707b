// Unit tests of themes/default/static/search.js under node's built-in test runner:
//   node --test tests/js/
// The tokenizer is checked against tests/search_vectors.json, the same cases the Rust tests read. The
// engine tests read an index built by `dafu build` from the folder in DAFU_SEARCH_SITE (tests/search_js.rs
// builds the repository's example site and runs this file with it set).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const source = require("../../themes/default/static/search.js");

const site = process.env.DAFU_SEARCH_SITE;
// The copy the site publishes (the default theme's scripts are minified by dafu) is the one the
// engine tests run; the tokenizer's vectors are checked on it and on the source alike.
const shipped = site ? require(path.join(path.resolve(site), "search.js")) : null;
const scripts = shipped ? { source, shipped } : { source };
const search = shipped || source;

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "search_vectors.json"), "utf8"));

test("the tokenizer matches every shared vector", () => {
  assert.ok(vectors.cases.length >= 15);
  for (const [name, search] of Object.entries(scripts)) {
    for (const c of vectors.cases) {
      assert.equal(search.normalize(c.input), c.normalized, `${name}: normalize(${c.input})`);
      assert.deepEqual(search.tokens(c.input), c.tokens, `${name}: tokens(${c.input})`);
      const q = search.queryGrams(c.input);
      assert.deepEqual(q.grams, c.grams, `${name}: queryGrams(${c.input})`);
      assert.equal(q.exact, c.exact, `${name}: exact(${c.input})`);
      assert.deepEqual(search.joints(c.input), c.joints, `${name}: joints(${c.input})`);
    }
  }
});

test("a query is looked up by the rarest joints: not an edge whose mark joins two runs", () => {
  for (const [name, search] of Object.entries(scripts)) {
    assert.deepEqual(search.joints("提出的“支持"), ["的“支", "“支"], name);
    assert.deepEqual(search.joints("提出的“支持", true), ["的“支"], name);
    assert.deepEqual(search.joints("主”", true), ["主”"], name);
    assert.deepEqual(search.joints("“双碳”目标", true), ["“双", "碳”目"], name);
  }
});

test("chunk file names match the shared vectors", () => {
  assert.ok(vectors.chunk_names.length >= 5);
  for (const c of vectors.chunk_names) assert.equal(search.chunkName(c.first), c.name, c.first);
});

test("a part is not found inside a longer word", () => {
  assert.equal(search.findPart("第1494号", "494"), -1);
  assert.equal(search.findPart("第494号", "494"), 1);
  assert.equal(search.findPart("温科提复[2023]198号", "温科提复[2023]98号"), -1);
});

function openIndex() {
  let bytes = 0;
  const index = new search.Index("search/", async (url) => {
    const file = fs.readFileSync(path.join(site, url.replace(/\?.*$/, "")));
    bytes += file.length;
    return file.buffer.slice(file.byteOffset, file.byteOffset + file.length);
  });
  return { index, bytes: () => bytes };
}

async function titles(index, query, filters = {}) {
  const hit = await index.search(query);
  const rejected = new Set();
  for (let i = 0; i < index.total; i++) if (hit.body[i] && !(await index.check(i, hit.parts))) rejected.add(i);
  const { list, counts } = search.results(index, hit, filters, "relevance", rejected);
  const recs = await Promise.all(list.map((n) => index.record(n)));
  return { titles: recs.map((r) => r.t), recs, counts, hit };
}

test("engine: substrings, identifiers, names and no-hit queries on the example site", { skip: !site && "DAFU_SEARCH_SITE not set" }, async () => {
  const { index } = openIndex();
  await index.open();
  // 段简-style substring of a word: 造业 is inside 制造业.
  const sub = await titles(index, "造业");
  assert.ok(sub.titles.length >= 3);
  for (const r of sub.recs) assert.ok(search.normalize(r.s).includes("造业"));
  // A 文号 typed with [] ranks its letter first.
  const doc = await titles(index, "示科提复[2023]12号");
  assert.equal(doc.recs[0].n, "示科提复〔2023〕12号");
  // A proposal number ranks its letter first.
  const num = await titles(index, "DH0271");
  assert.equal(num.recs[0].p, "DH0271");
  // A proposer's name: heading matches first.
  const name = await titles(index, "钱晓蕾");
  assert.ok(name.recs[0].r.includes("钱晓蕾"));
  // Nothing unpublished, nothing absent.
  assert.equal((await titles(index, "保密测试")).titles.length, 0);
  assert.equal((await titles(index, "量子引力波")).titles.length, 0);
});

test("engine: facet counts follow the query and the other filters", { skip: !site && "DAFU_SEARCH_SITE not set" }, async () => {
  const { index } = openIndex();
  await index.open();
  const all = await titles(index, "制造业");
  const years = index.manifest.facets.year;
  const y2023 = years.indexOf("2023");
  const only = await titles(index, "制造业", { year: y2023 });
  assert.equal(only.titles.length, all.counts.year.get(y2023));
  assert.ok(only.titles.length < all.titles.length);
});
