// Checks built pages in headless Chromium and prints the findings as JSON on stdout; the Rust test
// `tests/browser.rs` serves the site, runs this, and asserts on the JSON. Nothing here passes or fails:
// it measures.
//
//   node tests/browser/check.mjs <config.json>
//
// config: {
//   "chromium": "/usr/bin/chromium",
//   "artifacts": "<dir for screenshots and the PDF>",
//   "pages": [{ "name": "letter", "url": "http://127.0.0.1:PORT/portal/jyta/2023/ti-494/",
//               "letter": true }]
// }
//
// Per page: axe-core violations (all rules axe runs by default: WCAG 2.0/2.1 A and AA and best
// practices), requests to any origin but the site's, failed requests, horizontal scrolling at 360 px
// (a phone), 640 px and 320 px (a 1280 px window at 200 % and 400 % zoom), in normal and large print,
// and whether every control is reached by the Tab key with a visible focus indicator. For letter
// pages also: screenshots (desktop, phone, print, large print) and a PDF, the compressed size of the
// CSS and JS the page loads, the large-print switch (applied, remembered without a cookie, kept
// after reload), and that the letter reads with JavaScript off.

import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
fs.mkdirSync(config.artifacts, { recursive: true });

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const WIDTHS = [
  { name: "phone 360px", width: 360, height: 740 },
  { name: "200% zoom", width: 640, height: 512 },
  { name: "400% zoom", width: 320, height: 256 },
];

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: FLAGS,
  headless: true,
});

const version = browser.version();
const results = [];
try {
  for (const page of config.pages) {
    results.push(await checkPage(page));
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ chromium: version, pages: results }, null, 1));

async function checkPage(spec) {
  const origin = new URL(spec.url).origin;
  const result = { name: spec.name, url: spec.url };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const requests = [];
  const failed = [];
  const assets = [];
  page.on("request", (r) => requests.push(r.url()));
  // A request the page itself cancelled (the search script aborts fetches a newer query or leaving
  // the page makes moot) is not a failure; anything else is.
  page.on("requestfailed", (r) => {
    const error = r.failure()?.errorText ?? "";
    if (error !== "net::ERR_ABORTED") failed.push(`${r.url()} (${error})`);
  });
  page.on("response", async (r) => {
    if (r.status() >= 400) failed.push(`${r.url()} (HTTP ${r.status()})`);
    const type = r.request().resourceType();
    if (type === "stylesheet" || type === "script") {
      try {
        assets.push({ url: r.url(), body: await r.body() });
      } catch {
        /* body gone with a navigation */
      }
    }
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

  await page.goto(spec.url, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  // Before axe adds its own script to the page.
  const inline = await page.evaluate(() =>
    [...document.querySelectorAll("script:not([src]), style")].map((e) => e.textContent).join("\n"),
  );
  result.title = await page.title();
  result.lang = await page.evaluate(() => document.documentElement.lang);
  result.axe = await runAxe(page);
  result.keyboard = await checkKeyboard(page);

  if (spec.letter) {
    await page.screenshot({ path: path.join(config.artifacts, "letter-desktop.png"), fullPage: true });
    result.assets = assetSizes(assets, inline);
    result.large = await checkLargePrint(page, context);
    result.axe_large = await runAxe(page);
    await page.screenshot({ path: path.join(config.artifacts, "letter-large.png"), fullPage: true });
    await page.evaluate(() => localStorage.removeItem("dafu-large"));
    await page.reload({ waitUntil: "load" });
  }

  result.reflow = [];
  for (const large of [false, true]) {
    await page.evaluate((on) => {
      if (on) localStorage.setItem("dafu-large", "1");
      else localStorage.removeItem("dafu-large");
    }, large);
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w.width, height: w.height });
      await page.reload({ waitUntil: "load" });
      const m = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .filter((e) => !e.closest(".table-scroll, .meta-wrap, .visually-hidden, .skip-link"))
          .slice(0, 5)
          .map((e) => e.outerHTML.slice(0, 120)),
      }));
      result.reflow.push({ viewport: w.name, large, ...m, ok: m.scrollWidth <= m.clientWidth });
      if (spec.letter && !large && w.width === 360) {
        await page.screenshot({ path: path.join(config.artifacts, "letter-phone.png"), fullPage: true });
      }
    }
  }
  await page.evaluate(() => localStorage.removeItem("dafu-large"));

  if (spec.letter) {
    // Print: A4 at 96 dpi with the print style sheet, then a real PDF with the @page rules.
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.reload({ waitUntil: "load" });
    await page.emulateMedia({ media: "print" });
    // A screenshot has no page margins: pad the page as the @page rule does, so the text block is
    // 156 mm wide as on paper (the PDF below is the real print).
    const pad = await page.addStyleTag({ content: "@media print{body{padding:30mm 26mm 35mm 28mm!important}}" });
    await page.screenshot({ path: path.join(config.artifacts, "letter-print.png"), fullPage: true });
    await pad.evaluate((e) => e.remove());
    result.print = await page.evaluate(() => {
      const visible = (s) => {
        const e = document.querySelector(s);
        return !!e && getComputedStyle(e).display !== "none";
      };
      const letter = getComputedStyle(document.querySelector(".letter"));
      return {
        header_hidden: !visible(".site-header"),
        footer_hidden: !visible(".site-footer"),
        metadata_hidden: !visible(".meta-wrap"),
        letter_shown: visible(".letter"),
        font_size_px: parseFloat(letter.fontSize),
        line_height_px: parseFloat(letter.lineHeight),
        letter_spacing_px: parseFloat(letter.letterSpacing),
        fangsong_first: letter.fontFamily.startsWith('"GW FangSong"'),
        chars_per_line: charsPerLine(),
      };
      // How many characters of a body paragraph fit on the first line of a 156 mm text block.
      function charsPerLine() {
        const body = document.querySelector(".letter-body") || document.querySelector(".letter");
        const box = document.createElement("div");
        box.style.width = "156mm";
        const p = document.createElement("p");
        p.style.textIndent = "0";
        p.textContent = "国".repeat(40);
        box.append(p);
        body.append(box);
        const range = document.createRange();
        const top = (i) => {
          range.setStart(p.firstChild, i);
          range.setEnd(p.firstChild, i + 1);
          return range.getBoundingClientRect().top;
        };
        let n = 1;
        while (n < 40 && Math.abs(top(n) - top(0)) < 1) n++;
        box.remove();
        return n;
      }
    });
    const pdf = path.join(config.artifacts, "letter.pdf");
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    result.print.pdf_bytes = fs.statSync(pdf).size;
    await page.emulateMedia({ media: "screen" });
    result.no_js = await checkWithoutJs(spec.url);
  }

  result.requests = requests.length;
  result.external_requests = requests.filter((u) => !u.startsWith("data:") && new URL(u).origin !== origin);
  result.failed_requests = failed;
  result.page_errors = errors;
  await context.close();
  return result;
}

async function runAxe(page) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return {
    version: r.testEngine.version,
    violations: r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.html.slice(0, 160)}`),
    })),
  };
}

// Tabs through the page: every visible link, button and field must take the focus, each with a
// visible indicator (an outline or a box shadow).
async function checkKeyboard(page) {
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const expected = await page.evaluate(() =>
    [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])")]
      .filter((e) => {
        const s = getComputedStyle(e);
        const hidden = s.display === "none" || s.visibility === "hidden" || e.closest("[hidden], [inert]");
        return !hidden && !e.disabled && (e.getClientRects().length > 0 || e.classList.contains("skip-link"));
      })
      .map((e, i) => {
        e.dataset.kbd = String(i);
        return i;
      }),
  );
  const reached = new Set();
  const noIndicator = [];
  for (let step = 0; step < expected.length + 5; step++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const s = getComputedStyle(e);
      const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
      return { id: e.dataset.kbd ?? null, ring, html: e.outerHTML.slice(0, 100) };
    });
    if (!f) continue;
    if (f.id !== null) reached.add(Number(f.id));
    if (!f.ring) noIndicator.push(f.html);
  }
  const missed = await page.evaluate(
    (ids) => ids.map((i) => document.querySelector(`[data-kbd="${i}"]`).outerHTML.slice(0, 100)),
    expected.filter((i) => !reached.has(i)),
  );
  return { controls: expected.length, missed, no_indicator: [...new Set(noIndicator)] };
}

// The CSS and JS a page loads, with its inline scripts and styles, as sent and compressed.
function assetSizes(assets, inline) {
  const files = assets.map((a) => ({
    url: a.url,
    bytes: a.body.length,
    gzip: zlib.gzipSync(a.body, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(a.body).length,
  }));
  const inlineGzip = inline ? zlib.gzipSync(Buffer.from(inline), { level: 9 }).length : 0;
  return {
    files,
    inline_gzip: inlineGzip,
    total_bytes: files.reduce((n, f) => n + f.bytes, 0),
    total_gzip: files.reduce((n, f) => n + f.gzip, 0) + inlineGzip,
    total_brotli: files.reduce((n, f) => n + f.brotli, 0),
  };
}

async function checkLargePrint(page, context) {
  await page.evaluate(() => localStorage.removeItem("dafu-large"));
  await page.reload({ waitUntil: "load" });
  const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const before = await size();
  const toggle = page.locator("[data-large-toggle]").first();
  const visible = await toggle.isVisible();
  await toggle.focus();
  await page.keyboard.press("Enter");
  const after = await size();
  const pressed = await toggle.getAttribute("aria-pressed");
  await page.reload({ waitUntil: "load" });
  const afterReload = await size();
  const pressedAfterReload = await page.locator("[data-large-toggle]").first().getAttribute("aria-pressed");
  // The class is set by the inline script in <head>, before the body is parsed: no flash.
  const inHead = await page.evaluate(() => {
    const s = [...document.head.querySelectorAll("script:not([src])")].find((e) => e.textContent.includes("dafu-large"));
    const css = document.head.querySelector("link[rel=stylesheet]");
    return !!s && !!css && !!(s.compareDocumentPosition(css) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  const cookies = await context.cookies();
  return {
    toggle_visible: visible,
    font_px_before: before,
    font_px_after: after,
    aria_pressed: pressed,
    font_px_after_reload: afterReload,
    aria_pressed_after_reload: pressedAfterReload,
    applied_in_head_before_css: inHead,
    stored: await page.evaluate(() => localStorage.getItem("dafu-large")),
    cookies: cookies.length,
  };
}

async function checkWithoutJs(url) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  const r = await page.evaluate(() => {
    const body = document.querySelector(".letter");
    const controls = [...document.querySelectorAll("[data-large-toggle], [data-print]")];
    return {
      letter_chars: body ? body.innerText.trim().length : 0,
      title: document.querySelector("h1")?.innerText ?? "",
      dead_controls_shown: controls.filter((e) => e.getClientRects().length > 0).length,
    };
  });
  await context.close();
  return r;
}
