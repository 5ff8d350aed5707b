//! The built site in a real browser. The repository's example site and the `basic` fixture are built,
//! placed under sub-paths of a portal (`/portal/jyta/`, `/fixture/`) and served from 127.0.0.1;
//! `tests/browser/check.mjs` loads pages in headless Chromium (playwright-core) and reports:
//! axe-core violations, requests to other hosts, failed requests, horizontal scrolling at phone width
//! and at 200 % and 400 % zoom (in normal and large print), keyboard reach and visible focus; for a
//! letter also the compressed size of its CSS and JS, the large-print switch, print layout, reading
//! without JavaScript, and screenshots (desktop, phone, print, large print) and a PDF, kept in
//! `target/tmp/browser/`.
//!
//! Needs `node`, the npm packages of package.json (`npm ci`) and Chromium (`/usr/bin/chromium`, or
//! the path in `CHROMIUM`). Without them the test says so and passes, except under `CI=true`, where it
//! fails: CI must run it (`.ci/run` installs all three).

mod common;
#[path = "common/static_site.rs"]
mod static_site;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
/// The compressed CSS and JS a letter page may load.
const LETTER_ASSET_BUDGET: u64 = 30 * 1024;

#[test]
fn pages_pass_axe_stay_on_the_site_reflow_and_print() {
    let Some(chromium) = prerequisites() else {
        return;
    };
    let served = tempfile::tempdir().unwrap();
    build(Path::new(MANIFEST), &served.path().join("portal/jyta"));
    let fixture = common::Site::fixture("basic");
    build(fixture.root(), &served.path().join("fixture"));
    let port = static_site::serve(served.path().to_owned());
    let site = format!("http://127.0.0.1:{port}/portal/jyta/");
    let pages = [
        ("home", String::new(), false),
        ("letter", "2023/ti-494/".to_owned(), true),
        ("year", "years/2023/".to_owned(), false),
        (
            "topic",
            "topics/ke-ji-cheng-guo-zhuan-hua/".to_owned(),
            false,
        ),
        ("stats", "stats/".to_owned(), false),
        ("search", "search/".to_owned(), false),
    ];
    let mut specs: Vec<Value> = pages
        .iter()
        .map(|(name, path, letter)| {
            assert!(
                served
                    .path()
                    .join("portal/jyta")
                    .join(path)
                    .join("index.html")
                    .is_file(),
                "the example site has no page {path}"
            );
            serde_json::json!({ "name": name, "url": format!("{site}{path}"), "letter": letter })
        })
        .collect();
    // A letter with a table, a link to another host and heading lines written as paragraphs.
    specs.push(serde_json::json!({
        "name": "fixture letter",
        "url": format!("http://127.0.0.1:{port}/fixture/2023/ti-101/"),
        "letter": false,
    }));
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let config = served.path().join("check.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "chromium": chromium,
            "artifacts": artifacts,
            "pages": specs,
        })
        .to_string(),
    )
    .unwrap();

    let output = Command::new("node")
        .arg(Path::new(MANIFEST).join("tests/browser/check.mjs"))
        .arg(&config)
        .current_dir(MANIFEST)
        .output()
        .expect("cannot run node");
    assert!(
        output.status.success(),
        "the browser check failed to run:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "unreadable report ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    std::fs::write(
        artifacts.join("report.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();

    let mut problems = Vec::new();
    for page in report["pages"].as_array().unwrap() {
        check_page(page, &mut problems);
    }
    let letter = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "letter")
        .unwrap();
    check_letter(letter, &artifacts, &mut problems);
    assert!(
        problems.is_empty(),
        "{} problems (full report in {}):\n{}",
        problems.len(),
        artifacts.join("report.json").display(),
        problems.join("\n")
    );
    eprintln!(
        "browser checks passed in Chromium {}: {} pages, axe-core {}; letter CSS+JS {:.1} KB gzip; screenshots in {}",
        report["chromium"].as_str().unwrap_or("?"),
        report["pages"].as_array().unwrap().len(),
        letter["axe"]["version"].as_str().unwrap_or("?"),
        letter["assets"]["total_gzip"].as_f64().unwrap_or(0.0) / 1024.0,
        artifacts.display()
    );
}

/// What every page must do.
fn check_page(page: &Value, problems: &mut Vec<String>) {
    let name = page["name"].as_str().unwrap();
    let mut fail = |what: String| problems.push(format!("{name}: {what}"));
    if page["lang"] != "zh-CN" {
        fail(format!("lang is {}", page["lang"]));
    }
    for key in ["axe", "axe_large"] {
        for v in page[key]["violations"].as_array().into_iter().flatten() {
            fail(format!(
                "axe {} ({}, {}): {}\n    {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                if key == "axe" {
                    "normal"
                } else {
                    "large print"
                },
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
                    .as_array()
                    .map(|n| n
                        .iter()
                        .map(|x| x.as_str().unwrap_or("").to_owned())
                        .collect::<Vec<_>>()
                        .join("\n    "))
                    .unwrap_or_default()
            ));
        }
    }
    for (key, what) in [
        ("external_requests", "request to another host"),
        ("failed_requests", "failed request"),
        ("page_errors", "script error"),
    ] {
        for r in page[key].as_array().unwrap() {
            fail(format!("{what}: {r}"));
        }
    }
    if page["requests"].as_u64().unwrap_or(0) == 0 {
        fail("no request seen: the request check saw nothing".into());
    }
    for r in page["reflow"].as_array().unwrap() {
        if r["ok"] != true {
            fail(format!(
                "scrolls sideways at {} (large print: {}): {} px content in {} px: {}",
                r["viewport"], r["large"], r["scrollWidth"], r["clientWidth"], r["wide"]
            ));
        }
    }
    let kbd = &page["keyboard"];
    for missed in kbd["missed"].as_array().unwrap() {
        fail(format!("not reached by Tab: {missed}"));
    }
    for bare in kbd["no_indicator"].as_array().unwrap() {
        fail(format!("focus not visible on {bare}"));
    }
    if kbd["controls"].as_u64().unwrap_or(0) < 5 {
        fail(format!("only {} controls found", kbd["controls"]));
    }
}

/// What the letter page must do besides.
fn check_letter(letter: &Value, artifacts: &Path, problems: &mut Vec<String>) {
    let mut fail = |what: String| problems.push(format!("letter: {what}"));
    let assets = &letter["assets"];
    let gzip = assets["total_gzip"].as_u64().unwrap_or(u64::MAX);
    if gzip >= LETTER_ASSET_BUDGET {
        fail(format!(
            "CSS + JS is {gzip} bytes compressed, over {LETTER_ASSET_BUDGET}"
        ));
    }
    let files = assets["files"].as_array().unwrap();
    if files.len() < 2 {
        fail(format!(
            "expected a style sheet and a script, got {files:?}"
        ));
    }
    for f in files {
        let url = f["url"].as_str().unwrap();
        let name = url.rsplit('/').next().unwrap();
        let fingerprinted = name
            .split('.')
            .nth(1)
            .is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if !fingerprinted {
            fail(format!("asset not fingerprinted: {url}"));
        }
        if !url.contains("/portal/jyta/") {
            fail(format!("asset outside the portal sub-path: {url}"));
        }
    }

    let large = &letter["large"];
    if large["toggle_visible"] != true {
        fail("no visible 长者模式 control".into());
    }
    let before = large["font_px_before"].as_f64().unwrap_or(0.0);
    for key in ["font_px_after", "font_px_after_reload"] {
        if large[key].as_f64().unwrap_or(0.0) < before * 1.25 {
            fail(format!(
                "large print not larger ({key}: {} vs {before})",
                large[key]
            ));
        }
    }
    for key in ["aria_pressed", "aria_pressed_after_reload"] {
        if large[key] != "true" {
            fail(format!("{key} is {}", large[key]));
        }
    }
    if large["applied_in_head_before_css"] != true {
        fail("large print is not applied by a script in <head> before the style sheet".into());
    }
    if large["stored"] != "1" || large["cookies"] != 0 {
        fail(format!(
            "large print must be kept in localStorage without cookies: {large}"
        ));
    }

    let print = &letter["print"];
    for key in [
        "header_hidden",
        "footer_hidden",
        "metadata_hidden",
        "letter_shown",
        "fangsong_first",
    ] {
        if print[key] != true {
            fail(format!("print: {key} is {}", print[key]));
        }
    }
    // 16 pt, and 22 lines in a 225 mm text block: at 96 px per inch.
    let px_per_mm = 96.0 / 25.4;
    let font = print["font_size_px"].as_f64().unwrap_or(0.0);
    if (font - 16.0 * 96.0 / 72.0).abs() > 0.1 {
        fail(format!("print font size {font} px is not 16 pt"));
    }
    let lines = 225.0 * px_per_mm / print["line_height_px"].as_f64().unwrap_or(1.0);
    if (lines - 22.0).abs() > 0.05 {
        fail(format!("print: {lines:.2} lines per page, not 22"));
    }
    let per_line = 156.0 * px_per_mm / (font + print["letter_spacing_px"].as_f64().unwrap_or(0.0));
    if (per_line - 28.0).abs() > 0.05 {
        fail(format!("print: {per_line:.2} characters per line, not 28"));
    }
    match print["chars_per_line"].as_u64() {
        Some(28) => {}
        other => fail(format!("print: a line holds {other:?} characters, not 28")),
    }

    let no_js = &letter["no_js"];
    if no_js["letter_chars"].as_u64().unwrap_or(0) < 300
        || no_js["title"] != "关于市政协十三届二次会议第494号提案的答复函"
    {
        fail(format!(
            "the letter does not read without JavaScript: {no_js}"
        ));
    }
    if no_js["dead_controls_shown"] != 0 {
        fail("controls that need JavaScript are shown without it".into());
    }

    for shot in [
        "letter-desktop.png",
        "letter-phone.png",
        "letter-print.png",
        "letter-large.png",
        "letter.pdf",
    ] {
        let size = std::fs::metadata(artifacts.join(shot)).map_or(0, |m| m.len());
        if size < 10_000 {
            fail(format!("{shot} missing or empty ({size} bytes)"));
        }
    }
}

/// Chromium's path, or None when the browser test cannot run here (allowed only outside CI).
fn prerequisites() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let modules = Path::new(MANIFEST).join("node_modules");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut missing = Vec::new();
    if !node {
        missing.push("node".to_owned());
    }
    for package in ["axe-core", "playwright-core"] {
        if !modules.join(package).join("package.json").is_file() {
            missing.push(format!("the npm package {package} (run `npm ci`)"));
        }
    }
    if !Path::new(&chromium).is_file() {
        missing.push(format!(
            "Chromium at {chromium} (`apt-get install chromium`, or set CHROMIUM)"
        ));
    }
    if missing.is_empty() {
        return Some(chromium);
    }
    let message = format!("browser checks cannot run: missing {}", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI must run them (.ci/run installs everything)");
    }
    eprintln!("SKIPPED: {message}");
    None
}

fn build(root: &Path, out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_dafu"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
