/* dafu search: reads the static index in search/ (written by `dafu build`) and shows the results.
 * No framework, nothing from another host. The tokenizer below is the same rule as src/search/tokenize.rs;
 * tests/search_vectors.json holds the cases both must agree on. Everything from the index is put into
 * the page with textContent / createElement, never as HTML. */
(function () {
  "use strict";

  var MAX_GRAM = 4;
  var MAX_WORD_GRAM = 2;
  var JOINT_WORD = 2;
  var META = "\u0001";
  var ID = "\u0002";
  var PAGE = 5;
  /* A query whose candidates must be checked against the text is checked whole when it has no more
   * candidates than a page shows (so its count is exact); beyond that, as the results are shown. */
  var CHECK_ALL = PAGE;
  /* Letter files fetched to check candidates for one screen, at most. A query the index narrows by its
   * runs alone (one that starts or ends at a comma or full stop) may have thousands of candidates and
   * few real hits: the screen then shows the hits found so far, and "more" checks on. */
  var CHECK_BUDGET = 10;

  // ---- tokenizer (mirror of src/search/tokenize.rs) ----

  function normalizeChar(c) {
    var o = c.codePointAt(0);
    if (o >= 0xff01 && o <= 0xff5e) c = String.fromCharCode(o - 0xfee0);
    else if (o === 0x3000) return " ";
    else if (c === "〔" || c === "【") return "[";
    else if (c === "〕" || c === "】") return "]";
    return c >= "A" && c <= "Z" ? c.toLowerCase() : c;
  }

  function normalize(text) {
    var out = "";
    for (var c of text) out += normalizeChar(c);
    return out;
  }

  function charClass(c) {
    if ((c >= "a" && c <= "z") || (c >= "0" && c <= "9")) return "word";
    var o = c.codePointAt(0);
    if (o === 0x3005 || o === 0x3007 || (o >= 0x3040 && o <= 0x30ff) || (o >= 0x3400 && o <= 0x4dbf) ||
        (o >= 0x4e00 && o <= 0x9fff) || (o >= 0xac00 && o <= 0xd7af) || (o >= 0xf900 && o <= 0xfaff) ||
        (o >= 0x20000 && o <= 0x3134f)) return "han";
    return "sep";
  }

  /* Runs of units of a normalised text: [[{start, end, word}]], positions in UTF-16 code units. */
  function runs(text) {
    var out = [], cur = [], wordStart = -1, i = 0;
    for (var c of text) {
      var k = charClass(c);
      if (k !== "word" && wordStart >= 0) { cur.push({ start: wordStart, end: i, word: true }); wordStart = -1; }
      if (k === "word") { if (wordStart < 0) wordStart = i; }
      else if (k === "han") cur.push({ start: i, end: i + c.length, word: false });
      else if (cur.length) { out.push(cur); cur = []; }
      i += c.length;
    }
    if (wordStart >= 0) cur.push({ start: wordStart, end: text.length, word: true });
    if (cur.length) out.push(cur);
    return out;
  }

  function tokens(text) {
    var n = normalize(text), out = [];
    runs(n).forEach(function (run) {
      var i = 0;
      while (i < run.length) {
        if (run[i].word) { out.push(n.slice(run[i].start, run[i].end)); i++; continue; }
        var j = i;
        while (j < run.length && !run[j].word) j++;
        if (j - i === 1) out.push(n.slice(run[i].start, run[i].end));
        else for (var k = i; k < j - 1; k++) out.push(n.slice(run[k].start, run[k + 1].end));
        i = j;
      }
    });
    return out;
  }

  /* Whether units i..j of a run form a gram the index keeps: at most MAX_GRAM units, MAX_WORD_GRAM
   * when one is a word (src/search/tokenize.rs, is_kept_gram). */
  function kept(run, i, j) {
    if (j - i <= MAX_WORD_GRAM) return true;
    if (j - i > MAX_GRAM) return false;
    for (var k = i; k < j; k++) if (run[k].word) return false;
    return true;
  }

  /* The grams a query part is looked up by, and whether their letters are exactly the part's: the
   * longest kept grams covering each run, the last reaching back as far as it can. */
  function queryGrams(part) {
    var n = normalize(part), rs = runs(n), grams = [];
    rs.forEach(function (run) {
      var windows = [], i = 0;
      for (;;) {
        var j = Math.min(i + MAX_GRAM, run.length);
        while (!kept(run, i, j)) j--;
        windows.push([i, j]);
        if (j === run.length) break;
        i = j;
      }
      var start = windows.pop()[0];
      while (start > 0 && kept(run, start - 1, run.length)) start--;
      while (windows.length && windows[windows.length - 1][0] >= start) windows.pop();
      windows.push([start, run.length]);
      windows.forEach(function (w) { grams.push(n.slice(run[w[0]].start, run[w[1] - 1].end)); });
    });
    var exact = rs.length === 1 && kept(rs[0], 0, rs[0].length) && rs[0][0].start === 0 &&
      rs[0][rs[0].length - 1].end === n.length;
    grams = grams.filter(function (g, i) { return i === 0 || g !== grams[i - 1]; });
    return { grams: grams, exact: exact };
  }

  /* A part's joints, in order (src/search/tokenize.rs, for_each_joint): two runs with one separator
   * between them, as the unit nearest it on each side (a word cut to JOINT_WORD characters) and the
   * separator; and a run's edge by an opening or closing mark, as the mark and the unit next to it.
   * Every letter holding the part holds them. With `fewest`, the joints a query is looked up by:
   * not an edge whose mark is in a joint of two runs, which is rarer than the edge. */
  var OPENING = "“‘「『([《〈{", CLOSING = "”’」』)]》〉}";
  function joints(part, fewest) {
    var n = normalize(part), rs = runs(n), out = [];
    function first(u) { return u.word ? Math.min(u.end, u.start + JOINT_WORD) : u.end; }
    function last(u) { return u.word ? Math.max(u.start, u.end - JOINT_WORD) : u.start; }
    function joined(i) {
      var between = i > 0 && i < rs.length ? n.slice(rs[i - 1][rs[i - 1].length - 1].end, rs[i][0].start) : "";
      return Array.from(between).length === 1 && !/[\s\u0085\u0000-\u001f\u007f-\u009f]/.test(between);
    }
    for (var i = 0; i < rs.length; i++) {
      var head = rs[i][0], tail = rs[i][rs[i].length - 1];
      if (joined(i)) out.push(n.slice(last(rs[i - 1][rs[i - 1].length - 1]), first(head)));
      // Marks are in the BMP: one code unit each.
      if (head.start > 0 && OPENING.indexOf(n[head.start - 1]) >= 0 && !(fewest && joined(i))) {
        out.push(n.slice(head.start - 1, first(head)));
      }
      if (tail.end < n.length && CLOSING.indexOf(n[tail.end]) >= 0 && !(fewest && joined(i + 1))) {
        out.push(n.slice(last(tail), tail.end + 1));
      }
    }
    return out;
  }

  /* Where a normalised part occurs in a normalised text, not cutting a word at either end. */
  function findPart(text, part, from) {
    var edgeA = charClass(part[0]) === "word", edgeB = charClass(part[part.length - 1]) === "word";
    for (var at = text.indexOf(part, from || 0); at >= 0; at = text.indexOf(part, at + 1)) {
      var before = at > 0 ? text[at - 1] : " ", after = at + part.length < text.length ? text[at + part.length] : " ";
      if ((!edgeA || charClass(before) !== "word") && (!edgeB || charClass(after) !== "word")) return at;
    }
    return -1;
  }

  function parts(query) {
    return normalize(query).split(/\s+/).filter(Boolean);
  }

  // ---- reading the index ----

  function cmp(a, b) { // code point order, as Rust sorts strings
    var ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
    for (;;) {
      var x = ia.next(), y = ib.next();
      if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
      var d = x.value.codePointAt(0) - y.value.codePointAt(0);
      if (d) return d;
    }
  }

  function varint(bytes, pos) {
    var v = 0, shift = 0, b;
    do { b = bytes[pos.at++]; v += (b & 0x7f) * Math.pow(2, shift); shift += 7; } while (b >= 0x80);
    return v;
  }

  /* A chunk file's name, from its first term (src/search/mod.rs, chunk_name): FNV-1a of the UTF-8
   * bytes, twice with two offsets. */
  function chunkName(first) {
    var bytes = new TextEncoder().encode(first), out = "";
    [0x811c9dc5, 0x050c5d1f].forEach(function (h) {
      for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
      out += ("0000000" + h.toString(16)).slice(-8);
    });
    return out;
  }

  async function inflate(buf) {
    var stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  /* An index at `base` (the URL of search/), read through `get(url) -> Promise<ArrayBuffer>`, which
   * the tests replace to read files and count bytes. */
  function Index(base, get) {
    this.base = base;
    this.get = get;
    this.pages = new Map();
    this.chunks = new Map();
    this.records = new Map();
  }

  Index.prototype.open = async function () {
    var m = JSON.parse(new TextDecoder().decode(await inflate(await this.get(this.base + "manifest.z"))));
    this.manifest = m;
    this.total = m.letters;
    this.heads = m.pages ? m.pages.split("\n") : [];
    // Columns (src/search/records.rs, facets): combinations, years, each letter's combination, topics.
    var f = await inflate(await this.get(this.base + "facets.z?v=" + m.build)), pos = { at: 0 }, i;
    var combos = [], n = m.letters;
    for (i = varint(f, pos); i > 0; i--) combos.push([varint(f, pos), varint(f, pos), varint(f, pos)]);
    this.facetOf = [];
    for (i = 0; i < n; i++) this.facetOf.push({ year: varint(f, pos), topic: [] });
    for (i = 0; i < n; i++) {
      var r = this.facetOf[i], c = combos[varint(f, pos)];
      r.committee = c[0]; r.kind = c[1]; r["class"] = c[2] - 1;
    }
    for (i = 0; i < n; i++) {
      for (var t = -1, gap = varint(f, pos); gap > 0; gap = varint(f, pos)) this.facetOf[i].topic.push(t += gap);
    }
  };

  /* The position of the last of a sorted list's terms not after `term`, or -1. */
  function lastNotAfter(list, term) {
    var lo = 0, hi = list.length - 1, at = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cmp(list[mid], term) <= 0) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return at;
  }

  /* Page k of the chunks' first terms. */
  Index.prototype.page = function (k) {
    if (!this.pages.has(k)) {
      this.pages.set(k, this.get(this.base + "p/" + k + ".z?v=" + this.manifest.build).then(inflate).then(function (b) {
        return new TextDecoder().decode(b).split("\n");
      }));
    }
    return this.pages.get(k);
  };

  /* The first term of the chunk that would hold `term`, or null. */
  Index.prototype.chunkOf = async function (term) {
    var k = lastNotAfter(this.heads, term);
    if (k < 0) return null;
    var firsts = await this.page(k);
    return firsts[lastNotAfter(firsts, term)];
  };

  Index.prototype.chunk = function (first) {
    if (!this.chunks.has(first)) {
      this.chunks.set(first, this.get(this.base + "c/" + chunkName(first) + ".z?v=" + this.manifest.build).then(inflate).then(function (b) {
        var terms = new Map(), pos = { at: 0 }, dec = new TextDecoder();
        while (pos.at < b.length) {
          var len = varint(b, pos), term = dec.decode(b.subarray(pos.at, pos.at + len));
          pos.at += len;
          var head = varint(b, pos), size = varint(b, pos);
          terms.set(term, { bitmap: head % 2 === 1, payload: b.subarray(pos.at, pos.at + size) });
          pos.at += size;
        }
        return terms;
      }));
    }
    return this.chunks.get(first);
  };

  /* The letters holding a term, as one byte per letter (1 = holds it). */
  Index.prototype.letters = async function (term) {
    var set = new Uint8Array(this.total), first = await this.chunkOf(term);
    if (first === null) return set;
    var entry = (await this.chunk(first)).get(term);
    if (!entry) return set;
    if (entry.bitmap) {
      for (var i = 0; i < this.total; i++) set[i] = (entry.payload[i >> 3] >> (i & 7)) & 1;
    } else {
      var pos = { at: 0 }, last = -1;
      while (pos.at < entry.payload.length) { last = last + 1 + varint(entry.payload, pos); set[last] = 1; }
    }
    return set;
  };

  Index.prototype.record = function (n) {
    if (!this.records.has(n)) {
      this.records.set(n, this.get(this.base + "l/" + n + ".z?v=" + this.manifest.build).then(inflate).then(function (b) {
        var r = JSON.parse(new TextDecoder("gb18030").decode(b));
        r.norm = normalize(r.s);
        return r;
      }));
    }
    return this.records.get(n);
  };

  function and(a, b) { for (var i = 0; i < a.length; i++) a[i] &= b[i]; return a; }

  /* Runs a query: every letter holding every part (candidates, to be checked when not exact), which
   * of them match in their heading fields, and which by identifier. */
  Index.prototype.search = async function (query) {
    var ps = parts(query), self = this;
    if (!ps.length) return null;
    var plans = ps.map(queryGrams);
    var id = normalize(query).replace(/\s+/g, "") + ID;
    var body = new Uint8Array(this.total).fill(1), meta = new Uint8Array(this.total).fill(1);
    var lists = await Promise.all(plans.map(function (p) {
      return Promise.all(p.grams.map(function (g) {
        return Promise.all([self.letters(g), self.letters(g + META)]);
      }));
    }).concat([self.letters(id), Promise.all([].concat.apply([], ps.map(function (p) { return joints(p, true); })).map(function (j) {
      return self.letters(j);
    }))]));
    lists.pop().forEach(function (j) { and(body, j); });
    var ids = lists.pop();
    lists.forEach(function (grams) {
      grams.forEach(function (pair) { and(body, pair[0]); and(meta, pair[1]); });
    });
    return {
      parts: ps,
      exact: plans.every(function (p) { return p.exact; }),
      body: body, meta: meta, ids: ids,
    };
  };

  /* Does letter n really hold every part? */
  Index.prototype.check = async function (n, ps) {
    var r = await this.record(n);
    return ps.every(function (p) { return findPart(r.norm, p) >= 0; });
  };

  // ---- results: filter, count, order ----

  var FACETS = ["year", "committee", "topic", "kind", "class"];

  function hasValue(f, facet, value) {
    return facet === "topic" ? f.topic.indexOf(value) >= 0 : f[facet] === value;
  }

  /* Letters passing the filters (facet -> value index), leaving out the facet `except`. */
  function passes(f, filters, except) {
    return FACETS.every(function (k) {
      return k === except || filters[k] === undefined || hasValue(f, k, filters[k]);
    });
  }

  function results(index, hit, filters, sort, rejected) {
    var list = [], counts = {};
    FACETS.forEach(function (k) { counts[k] = new Map(); });
    for (var i = 0; i < index.total; i++) {
      if (!hit.body[i] || rejected.has(i)) continue;
      var f = index.facetOf[i];
      FACETS.forEach(function (k) {
        if (!passes(f, filters, k)) return;
        var values = k === "topic" ? f.topic : f[k] >= 0 ? [f[k]] : [];
        values.forEach(function (v) { counts[k].set(v, (counts[k].get(v) || 0) + 1); });
      });
      if (passes(f, filters)) list.push(i);
    }
    if (sort !== "date") {
      var rank = function (i) { return hit.ids[i] ? 0 : hit.meta[i] ? 1 : 2; };
      list.sort(function (a, b) { return rank(a) - rank(b) || a - b; });
    }
    return { list: list, counts: counts };
  }

  /* Excerpt around the first match in the body (else from the body's start), as [text, marked?]
   * pieces. */
  function excerpt(r, ps) {
    var at = -1, len = 0;
    ps.forEach(function (p) {
      var i = findPart(r.norm, p, r.b);
      if (i >= 0 && (at < 0 || i < at)) { at = i; len = p.length; }
    });
    var start = at < 0 ? r.b : Math.max(r.b, at - 40), end = Math.min(r.s.length, start + 120);
    var text = r.s.slice(start, end).replace(/\n/g, " "), norm = r.norm.slice(start, end);
    var marks = [];
    ps.forEach(function (p) {
      for (var i = findPart(norm, p); i >= 0; i = findPart(norm, p, i + p.length)) marks.push([i, i + p.length]);
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var pieces = [], pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      if (m[0] > pos) pieces.push([text.slice(pos, m[0]), false]);
      pieces.push([text.slice(m[0], m[1]), true]);
      pos = m[1];
    });
    if (pos < text.length) pieces.push([text.slice(pos), false]);
    if (start > r.b && pieces.length) pieces[0][0] = "…" + pieces[0][0];
    if (end < r.s.length && pieces.length) pieces[pieces.length - 1][0] += "…";
    return { pieces: pieces, len: len };
  }

  // ---- the page ----

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function Page(root) {
    this.root = root;
    this.form = root.querySelector("form.search-form");
    this.input = this.form.querySelector("[name=q]");
    this.status = root.querySelector("[data-search-status]");
    this.list = root.querySelector("[data-search-results]");
    this.more = root.querySelector("[data-search-more]");
    this.facets = root.querySelector("[data-search-facets]");
    this.siteRoot = root.getAttribute("data-root") || "../";
    this.index = new Index(this.siteRoot + "search/", function (url) {
      return fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.arrayBuffer();
      });
    });
    this.run = 0;
  }

  Page.prototype.state = function () {
    var p = new URLSearchParams(location.search), s = { q: p.get("q") || "", sort: p.get("sort") === "date" ? "date" : "relevance", filters: {} };
    FACETS.forEach(function (k) { if (p.get(k)) s.filters[k] = p.get(k); });
    return s;
  };

  Page.prototype.go = function (s) {
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    FACETS.forEach(function (k) { if (s.filters[k]) p.set(k, s.filters[k]); });
    if (s.sort === "date") p.set("sort", "date");
    history.pushState(null, "", "?" + p.toString());
    this.show();
  };

  Page.prototype.start = async function () {
    var self = this;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      var s = self.state();
      s.q = self.input.value.trim();
      s.filters = {};
      self.go(s);
    });
    this.root.querySelector("[name=sort]").addEventListener("change", function (e) {
      var s = self.state(); s.sort = e.target.value; self.go(s);
    });
    this.more.addEventListener("click", function () { self.page(true); });
    window.addEventListener("popstate", function () { self.show(); });
    try {
      await this.index.open();
    } catch (e) {
      this.status.textContent = "检索索引无法加载。";
      return;
    }
    this.show();
  };

  /* Value index of a facet named in the URL (years and names by name, classes by code). */
  Page.prototype.valueOf = function (facet, name) {
    var names = this.index.manifest.facets[facet];
    for (var i = 0; i < names.length; i++) {
      if ((facet === "class" ? names[i][0] : names[i]) === name) return i;
    }
    return -1;
  };

  Page.prototype.show = async function () {
    var s = this.state(), self = this, run = ++this.run;
    this.input.value = s.q;
    this.root.querySelector("[name=sort]").value = s.sort;
    this.list.textContent = "";
    this.clearFacets();
    this.more.hidden = true;
    if (!s.q) { this.status.textContent = "请输入检索词。"; return; }
    this.status.textContent = "正在检索…";
    var hit = await this.index.search(s.q);
    if (run !== this.run) return;
    var filters = {};
    FACETS.forEach(function (k) { if (s.filters[k] !== undefined) filters[k] = self.valueOf(k, s.filters[k]); });
    this.current = { s: s, hit: hit, filters: filters, rejected: new Set(), shown: 0, run: run };
    if (!hit.exact) {
      var candidates = [];
      for (var i = 0; i < this.index.total && candidates.length <= CHECK_ALL; i++) if (hit.body[i]) candidates.push(i);
      if (candidates.length <= CHECK_ALL) await this.checkAll(candidates);
    }
    if (run !== this.run) return;
    this.page();
  };

  Page.prototype.checkAll = async function (ns) {
    var c = this.current, self = this;
    var ok = await Promise.all(ns.map(function (n) { return self.index.check(n, c.hit.parts); }));
    ns.forEach(function (n, i) { if (!ok[i]) c.rejected.add(n); });
    c.checked = true;
  };

  /* Shows the next page of results, checking each against the text first when the query needs it. */
  Page.prototype.page = async function (more) {
    var c = this.current, self = this;
    var fetched = new Set(), cut = false;
    for (;;) {
      var res = results(this.index, c.hit, c.filters, c.s.sort, c.rejected);
      var next = res.list.slice(c.shown, c.shown + PAGE);
      next.forEach(function (n) { fetched.add(n); });
      var recs = await Promise.all(next.map(function (n) { return self.index.record(n); }));
      if (c.run !== this.run) return;
      var bad = c.hit.exact || c.checked ? [] : next.filter(function (n, i) {
        return !c.hit.parts.every(function (p) { return findPart(recs[i].norm, p) >= 0; });
      });
      if (!bad.length) break;
      bad.forEach(function (n) { c.rejected.add(n); });
      if (fetched.size >= CHECK_BUDGET) {
        // Every letter of `next` was checked: show those that hold the query, check on with "more".
        recs = recs.filter(function (r, i) { return bad.indexOf(next[i]) < 0; });
        next = next.filter(function (n) { return bad.indexOf(n) < 0; });
        res = results(this.index, c.hit, c.filters, c.s.sort, c.rejected);
        cut = true;
        break;
      }
    }
    var items = next.map(function (n, i) { return self.item(recs[i], c.hit.parts); });
    items.forEach(function (li) { self.list.appendChild(li); });
    // After "more", keyboard and screen-reader users continue at the first new result.
    if (more && items.length) items[0].querySelector("a").focus();
    c.shown += next.length;
    var total = res.list.length, sure = c.hit.exact || c.checked || c.shown >= total;
    // Candidates not yet checked against the text may not hold the query: counts are upper bounds.
    this.renderFacets(res.counts, sure);
    this.status.textContent = total === 0 ? "没有找到与“" + c.s.q + "”相符的答复函。"
      : (sure ? "找到 " : "找到至多 ") + total + " 件答复函" + (c.shown < total ? "，显示前 " + c.shown + " 件" + (cut ? "（其余尚待核对，点“显示更多结果”继续）。" : "。") : "。");
    this.more.hidden = c.shown >= total;
  };

  Page.prototype.item = function (r, ps) {
    var li = el("li", { "class": "letter-item search-result" });
    var h = el("h2", { "class": "letter-item-title" });
    var a = el("a", { href: this.siteRoot + r.u });
    highlight(a, r.t, ps);
    h.appendChild(a);
    li.appendChild(h);
    var meta = el("p", { "class": "letter-item-meta" });
    meta.appendChild(el("span", {}, r.d));
    if (r.n) { var n = el("span", {}); highlight(n, r.n, ps); meta.appendChild(n); }
    meta.appendChild(el("span", {}, r.c));
    meta.appendChild(el("span", {}, r.k + (r.p ? "第" + r.p + "号" : "")));
    if (r.r && r.r.length) { var pr = el("span", {}); highlight(pr, "提出人：" + r.r.join("、"), ps); meta.appendChild(pr); }
    li.appendChild(meta);
    var ex = excerpt(r, ps), p = el("p", { "class": "letter-item-excerpt" });
    ex.pieces.forEach(function (piece) { p.appendChild(piece[1] ? el("mark", {}, piece[0]) : document.createTextNode(piece[0])); });
    li.appendChild(p);
    return li;
  };

  function highlight(parent, text, ps) {
    var norm = normalize(text), marks = [];
    ps.forEach(function (p) {
      for (var i = findPart(norm, p); i >= 0; i = findPart(norm, p, i + p.length)) marks.push([i, i + p.length]);
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      if (m[0] > pos) parent.appendChild(document.createTextNode(text.slice(pos, m[0])));
      parent.appendChild(el("mark", {}, text.slice(m[0], m[1])));
      pos = m[1];
    });
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  var LABELS = { year: "年度", committee: "来文单位", topic: "主题", kind: "类型", "class": "答复类别" };

  /* Empties the filter box, keeping its legend. */
  Page.prototype.clearFacets = function () {
    Array.prototype.slice.call(this.facets.querySelectorAll(".search-facet")).forEach(function (e) { e.remove(); });
    this.facets.hidden = true;
  };

  Page.prototype.renderFacets = function (counts, sure) {
    var self = this, c = this.current, m = this.index.manifest.facets;
    this.clearFacets();
    this.facets.hidden = false;
    FACETS.forEach(function (k) {
      var names = m[k];
      if (!names.length) return;
      var id = "facet-" + k, wrap = el("div", { "class": "search-facet" });
      wrap.appendChild(el("label", { "for": id }, LABELS[k]));
      var sel = el("select", { id: id, name: k });
      sel.appendChild(el("option", { value: "" }, "全部"));
      names.forEach(function (name, i) {
        var n = counts[k].get(i) || 0, value = k === "class" ? name[0] : name;
        if (!n && c.filters[k] !== i) return;
        var label = (k === "class" ? name[0] + " " + name[1] : k === "year" ? name + "年" : name) + (sure ? "（" : "（至多 ") + n + "）";
        var o = el("option", { value: value }, label);
        if (c.filters[k] === i) o.setAttribute("selected", "");
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () {
        var s = self.state();
        if (sel.value) s.filters[k] = sel.value; else delete s.filters[k];
        self.go(s);
      });
      wrap.appendChild(sel);
      self.facets.appendChild(wrap);
    });
  };

  var api = { normalize: normalize, runs: runs, tokens: tokens, queryGrams: queryGrams, findPart: findPart, chunkName: chunkName,
    parts: parts, joints: joints, Index: Index, results: results, excerpt: excerpt, MAX_GRAM: MAX_GRAM };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document !== "undefined") {
    var start = function () {
      var root = document.querySelector("[data-search]");
      if (root) new Page(root).start();
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
