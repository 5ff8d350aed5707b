//! Search in a real browser: the built example site is served on 127.0.0.1 by a tiny static file
//! server in this test, and headless Chromium (Debian's `chromium`) opens `/search/?q=…`, runs
//! `search.js` and prints the page as it then is (`--dump-dom`), which the tests read.
//!
//! Without Chromium the tests are skipped with a message; on CI (CI=true) they fail instead, so a
//! machine without the browser can never pass for one that checked the page.

mod common;
#[path = "common/static_site.rs"]
mod static_site;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium is required on CI for the browser tests: apt-get install -y chromium"
        );
        eprintln!("chromium not found: browser search tests not run");
    }
    found
}

/// The page at `url` after its scripts ran, as HTML.
fn dump(browser: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args(common::CHROMIUM_FLAGS)
        .arg("--virtual-time-budget=10000")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish loading {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The repository's example site, built once and served for every test here.
fn example() -> &'static (u16, tempfile::TempDir) {
    static SITE: OnceLock<(u16, tempfile::TempDir)> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let public = out.path().join("public");
        let build = Command::new(env!("CARGO_BIN_EXE_dafu"))
            .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--out"])
            .arg(&public)
            .output()
            .unwrap();
        assert!(
            build.status.success(),
            "{}",
            String::from_utf8_lossy(&build.stderr)
        );
        (static_site::serve(public), out)
    })
}

fn search(query: &str) -> Option<String> {
    let browser = chromium()?;
    let (port, _) = example();
    Some(dump(
        &browser,
        &format!("http://127.0.0.1:{port}/search/?{query}"),
    ))
}

/// The text of the status line (`找到 3 件答复函。`).
fn status(page: &str) -> String {
    let start = page
        .find("data-search-status")
        .unwrap_or_else(|| panic!("no status in:\n{page}"));
    let from = start + page[start..].find('>').unwrap() + 1;
    let to = from + page[from..].find("</p>").unwrap();
    page[from..to].to_owned()
}

/// The result links in order (`2023/ti-494/`).
fn results(page: &str) -> Vec<String> {
    page.split("class=\"letter-item-title\"><a href=\"../")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

#[test]
fn substring_of_a_word_finds_every_letter_holding_it() {
    let Some(page) = search("q=%E9%80%A0%E4%B8%9A") else {
        return;
    }; // 造业, inside 制造业
    assert_eq!(status(&page), "找到 3 件答复函。", "{page}");
    assert_eq!(results(&page).len(), 3);
    assert!(page.contains("<mark>造业</mark>"), "match highlighted");
    assert!(page.contains("<select id=\"facet-year\""), "facets shown");
    assert!(page.contains("年（"), "with a count per value: {page}");
    assert!(!page.contains("至多"), "exact counts: {page}");
}

#[test]
fn counts_not_yet_checked_against_the_text_say_at_most() {
    // 现答复如下: five units, in more letters than a page shows; only the shown ones are checked.
    let Some(page) = search("q=%E7%8E%B0%E7%AD%94%E5%A4%8D%E5%A6%82%E4%B8%8B") else {
        return;
    };
    assert!(status(&page).starts_with("找到至多 "), "{page}");
    assert!(
        page.contains("（至多 "),
        "facet counts are upper bounds: {page}"
    );
}

#[test]
fn doc_number_typed_with_square_brackets_ranks_its_letter_first() {
    // 示科提复[2023]12号
    let Some(page) = search("q=%E7%A4%BA%E7%A7%91%E6%8F%90%E5%A4%8D%5B2023%5D12%E5%8F%B7") else {
        return;
    };
    assert_eq!(
        results(&page).first().map(String::as_str),
        Some("2023/ti-494/"),
        "{page}"
    );
    assert!(page.contains("<mark>示科提复〔2023〕12号</mark>"), "{page}");
}

#[test]
fn proposer_name_and_proposal_number_rank_their_letter_first() {
    let Some(page) = search("q=%E9%92%B1%E6%99%93%E8%95%BE") else {
        return;
    }; // 钱晓蕾
    assert_eq!(results(&page)[0], "2023/ti-494/", "{page}");
    let Some(page) = search("q=dh0271") else {
        return;
    };
    assert_eq!(results(&page)[0], "2023/jian-dh0271/", "{page}");
}

#[test]
fn filter_in_the_url_narrows_results_and_shows_in_its_control() {
    let Some(page) = search("q=%E5%88%B6%E9%80%A0%E4%B8%9A&year=2024") else {
        return;
    }; // 制造业, 2024
    assert_eq!(status(&page), "找到 1 件答复函。", "{page}");
    assert_eq!(results(&page), ["2024/jian-0127/"]);
    assert!(
        page.contains("<option value=\"2024\" selected=\"\">"),
        "{page}"
    );
}

#[test]
fn query_with_no_match_says_so() {
    let Some(page) = search("q=%E9%87%8F%E5%AD%90%E5%BC%95%E5%8A%9B%E6%B3%A2") else {
        return;
    }; // 量子引力波
    assert!(status(&page).starts_with("没有找到"), "{page}");
    assert!(results(&page).is_empty());
}

#[test]
fn long_query_shows_only_letters_holding_the_whole_phrase() {
    // 科技成果转化: five units, looked up by its four-unit grams, then checked against the text.
    let Some(page) = search("q=%E7%A7%91%E6%8A%80%E6%88%90%E6%9E%9C%E8%BD%AC%E5%8C%96") else {
        return;
    };
    let found = results(&page);
    assert!(!found.is_empty(), "{page}");
    assert!(status(&page).starts_with("找到 "), "exact count: {page}");
    for url in found {
        let letter = std::fs::read_to_string(
            example()
                .1
                .path()
                .join("public")
                .join(&url)
                .join("index.html"),
        )
        .unwrap();
        assert!(
            letter.contains("科技成果转化"),
            "{url} does not hold the phrase"
        );
    }
}

#[test]
fn content_is_inserted_as_text_never_as_markup() {
    let Some(browser) = chromium() else {
        return;
    };
    let site = common::Site::fixture("basic");
    site.write(
        "content/2023/xss.md",
        "---\ntitle: 关于<img src=x onerror=alert(1)>注入测试的答复函\ndate: 2023-02-01\ncommittee: 市政协\n---\n注入测试正文<script>alert(2)</script>。\n",
    );
    site.build().success();
    let port = static_site::serve(site.path("public"));
    // 注入测试
    let page = dump(
        &browser,
        &format!("http://127.0.0.1:{port}/search/?q=%E6%B3%A8%E5%85%A5%E6%B5%8B%E8%AF%95"),
    );
    assert_eq!(results(&page).len(), 1, "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(!page.contains("<img src=\"x\""), "{page}");
}

#[test]
fn a_query_with_few_hits_among_many_candidates_checks_a_few_letters_a_screen() {
    let Some(browser) = chromium() else {
        return;
    };
    // 30 letters hold 服务体系建设 before a comma, and only the oldest before `；`: the index
    // finds the run, not the semicolon, so all 31 are candidates, each checked against its text.
    let site = common::Site::fixture("basic");
    for i in 0..30 {
        site.write(
            &format!("content/2024/fuwu-{i:02}.md"),
            format!(
                "---\ntitle: 关于服务体系的答复函{i}\ndate: 2024-01-{:02}\ncommittee: 市政协\n---\n推进服务体系建设，提升质量。\n",
                i + 1
            ),
        );
    }
    site.write(
        "content/2020/fuwu-old.md",
        "---\ntitle: 关于服务体系的答复函\ndate: 2020-01-01\ncommittee: 市政协\n---\n推进服务体系建设；提升质量。\n",
    );
    site.build().success();
    let port = static_site::serve(site.path("public"));
    // 服务体系建设；
    let url = format!(
        "http://127.0.0.1:{port}/search/?q=%E6%9C%8D%E5%8A%A1%E4%BD%93%E7%B3%BB%E5%BB%BA%E8%AE%BE%EF%BC%9B"
    );
    let page = dump(&browser, &url);
    // The screen checked its budget of letters, the 10 newest, none of which holds the query: it
    // shows none, says the rest is unchecked, and offers "more" instead of fetching all 31.
    assert!(results(&page).is_empty(), "{page}");
    assert!(status(&page).contains("尚待核对"), "{page}");
    let more = &page[page.find("data-search-more").unwrap()..];
    assert!(
        !more[..more.find('>').unwrap()].contains("hidden"),
        "{page}"
    );
}
