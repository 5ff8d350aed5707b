//! `dafu serve` as a user meets it: the real binary on a free port of 127.0.0.1, files changed
//! under it, pages and reload events checked over HTTP.

mod common;
#[path = "common/server.rs"]
mod server;

use std::fs;
use std::time::{Duration, Instant};

use common::{Site, snapshot};
use server::{Server, strip_preview};

const LETTER: &str = "content/2023/jian-0007.md";
const LETTER_PAGE: &str = "2023/jian-0007/index.html";

fn new_letter(title: &str, date: &str, topic: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {date}\ncommittee: 县政协\ntopics: [{topic}]\n---\n某委员：\n\n{title}的正文。\n"
    )
}

/// What the server serves must be what `dafu build --drafts` writes for the same files, byte for
/// byte, plus the pages of 不予公开 letters that only the preview has (and lists nowhere).
#[track_caller]
fn assert_serves_a_fresh_build(server: &Server, site: &Site) {
    let out = tempfile::tempdir().unwrap();
    let out_path = out.path().join("public");
    site.run(&["build", "--drafts", "--out", out_path.to_str().unwrap()])
        .success();
    let mut built = snapshot(&out_path);
    // The manifest is a record of what a build published, for auditors: preview does not serve it.
    built.remove(dafu::manifest::MANIFEST_FILE);
    // After letters are added or removed the search index is made again just after the pages
    // are served: wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = server.status();
    while status["search_current"] != true && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        status = server.status();
    }
    assert_eq!(status["ok"], true, "{status}");
    let served: Vec<String> = status["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    for path in built.keys() {
        assert!(served.contains(path), "{path} is built but not served");
    }
    for path in &served {
        if !built.contains_key(path) {
            let page = server.get(path).text();
            assert!(
                page.contains("本件不会发布"),
                "{path} is served but not built, and is not a 不予公开 letter's page"
            );
        }
    }
    for (path, bytes) in &built {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{path}");
        assert!(
            strip_preview(&response.body) == *bytes,
            "{path} differs from a fresh build:\nserved:\n{}\nbuilt:\n{}",
            response.text(),
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn serves_the_preview_from_memory_with_reload_script_and_headers() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &[]);
    assert!(
        server.base.starts_with("http://127.0.0.1:") && server.base.ends_with("/jyta/"),
        "served under base_url's path, on loopback: {}",
        server.base
    );

    let home = server.get("");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(home.header("cache-control"), "no-store");
    let text = home.text();
    assert!(
        text.contains("<script data-dafu-live data-root=\"./\" data-generation=\"1\" data-ok=\"1\" data-watch=\"index.html\" src=\"./__dafu/reload.js\"></script>\n</body>"),
        "{text}"
    );
    assert!(text.contains("草稿"), "drafts are shown and marked");
    assert!(
        !text.contains("绝密演练"),
        "a 不予公开 letter is listed nowhere"
    );
    let withheld = server.get("2022/withheld/").text();
    assert!(withheld.contains("本件不会发布"));

    let letter = server.get("2023/jian-0007/");
    assert_eq!(letter.status, 200);
    assert!(letter.text().contains("data-root=\"../../\""));
    assert!(
        letter
            .text()
            .contains("data-watch=\"2023/jian-0007/index.html\"")
    );
    assert_eq!(server.get("2023/jian-0007/index.html").status, 200);

    // Not HTML: no script, the right type.
    let css = server.get("style.css");
    assert_eq!(
        (css.status, css.header("content-type")),
        (200, "text/css; charset=utf-8")
    );
    assert!(!css.text().contains("dafu-live"));
    let feed = server.get("feed.xml");
    assert_eq!(
        feed.header("content-type"),
        "application/xml; charset=utf-8"
    );
    assert!(!feed.text().contains("dafu-live"));
    let script = server.get("__dafu/reload.js");
    assert_eq!(
        script.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    assert!(script.text().contains("EventSource"));

    // Unknown pages: the site's 404 page, with status 404, still reloading.
    let missing = server.get("2023/no-such-letter/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), "no-store");
    assert!(missing.text().contains(&site_404_marker(&server)));
    assert!(
        missing
            .text()
            .contains("data-watch=\"404.html 2023/no-such-letter/index.html")
    );
    assert_eq!(server.get("/elsewhere/index.html").status, 404);

    // A folder without its slash is sent to the slash (pages link relatively).
    let no_slash = server.get("2023/jian-0007");
    assert_eq!(
        (no_slash.status, no_slash.header("location")),
        (302, "jian-0007/")
    );
    let root = server.get("/");
    assert_eq!((root.status, root.header("location")), (302, "/jyta/"));

    // HEAD gives the headers alone; other methods are refused.
    let head = server.head("2023/jian-0007/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), letter.body.len().to_string());
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let raw = server.raw(&format!(
            "{method} /jyta/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        assert!(raw.starts_with("HTTP/1.1 405"), "{method}: {raw}");
        assert!(
            raw.to_ascii_lowercase().contains("allow: get, head"),
            "{raw}"
        );
    }

    // Nothing was written: the preview lives in memory.
    assert!(!site.path("public").exists());
}

fn site_404_marker(server: &Server) -> String {
    // The built 404 page's title, whatever the theme says exactly.
    let page = server.get("404.html").text();
    let start = page.find("<title>").unwrap();
    let end = page.find("</title>").unwrap();
    page[start..end].to_owned()
}

#[test]
fn requests_outside_the_site_get_404() {
    let site = Site::fixture("basic");
    // A secret beside the site, and symbolic links from inside the site pointing at it.
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.txt");
    fs::write(&secret, "TOP-SECRET-CONTENT").unwrap();
    fs::create_dir_all(site.path("themes/default/static")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, site.path("themes/default/static/secret.txt")).unwrap();
        std::os::unix::fs::symlink(&secret, site.path("content/2023/evil.md")).unwrap();
        std::os::unix::fs::symlink(secret_dir.path(), site.path("content/linked")).unwrap();
    }
    site.write("site-secret.txt", "NOT-FOR-THE-WEB");
    let server = Server::start(site.root(), &[]);
    let request = |target: &str| {
        server.raw_status(&format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ))
    };
    for target in [
        "/jyta/../site.yaml",
        "/jyta/../../../../etc/passwd",
        "/jyta/2023/../../site.yaml",
        "/jyta/%2e%2e/site.yaml",
        "/jyta/%2E%2E/%2E%2E/etc/passwd",
        "/jyta/..%2fsite.yaml",
        "/jyta/%2e%2e%2fsite.yaml",
        "/jyta/..%5csite.yaml",
        "/jyta/..\\site.yaml",
        "/jyta/%5c..%5csite.yaml",
        "/jyta//etc/passwd",
        "/jyta/%2fetc%2fpasswd",
        "/etc/passwd",
        "/site.yaml",
        "/site-secret.txt",
        "/jyta/site-secret.txt",
        "/jyta/site.yaml",
        "/jyta/content/2023/jian-0007.md",
        "/jyta/C:/Windows/win.ini",
        "/jyta/C:%5cWindows%5cwin.ini",
        "/jyta/%00",
        "/jyta/secret.txt",
        "/jyta/2023/evil/",
        "/jyta/linked/secret/",
    ] {
        assert_eq!(request(target), 404, "{target}");
    }
    // An absolute URL as the request target names a path like any other.
    assert_eq!(request("http://127.0.0.1/etc/passwd"), 404);
    // Whatever was asked, the secret never comes back.
    for target in [
        "/jyta/secret.txt",
        "/jyta/2023/evil/",
        "/jyta/linked/secret/",
    ] {
        let raw = server.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ));
        assert!(!raw.contains("TOP-SECRET"), "{target}");
    }
    let pages = server.status()["pages"].to_string();
    assert!(
        !pages.contains("secret") && !pages.contains("evil"),
        "{pages}"
    );
}

#[test]
fn edits_adds_renames_and_deletes_through_the_server_match_a_fresh_build() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &[]);
    assert_serves_a_fresh_build(&server, &site);
    let events = server.events();
    let hello = events.next(Duration::from_secs(10)).unwrap();
    assert_eq!(
        (hello.name.as_str(), hello.json()["generation"].as_u64()),
        ("hello", Some(1))
    );

    // Edit: the page and the pages around it change; the event names them.
    let text = fs::read_to_string(site.path(LETTER)).unwrap();
    site.write(
        LETTER,
        text.replace("第0007号建议的答复函", "第0007号建议的答复函（修订）"),
    );
    let build = events.settle("an edit", |b| b["ok"] == true);
    let changed = build["changed"].to_string();
    assert!(changed.contains(LETTER_PAGE), "{build}");
    assert!(
        changed.contains("2023/ti-101/index.html"),
        "the neighbour: {build}"
    );
    assert!(
        !changed.contains("2022/ti-202/index.html"),
        "unrelated: {build}"
    );
    assert!(server.get("2023/jian-0007/").text().contains("（修订）"));
    assert_serves_a_fresh_build(&server, &site);

    // Add, with a new topic.
    site.write(
        "content/2024/new.md",
        new_letter("关于新增提案的答复函", "2024-02-02", "新主题"),
    );
    let build = events.settle("an added letter", |b| {
        b["changed"].to_string().contains("2024/new/index.html")
    });
    assert_eq!(build["ok"], true);
    assert_serves_a_fresh_build(&server, &site);

    // Rename: the old address is gone, the new one served.
    fs::rename(
        site.path("content/2022/ti-202.md"),
        site.path("content/2022/ti-202-renamed.md"),
    )
    .unwrap();
    events.settle("a rename", |b| {
        b["changed"]
            .to_string()
            .contains("2022/ti-202-renamed/index.html")
    });
    assert_eq!(server.get("2022/ti-202/").status, 404);
    assert_eq!(server.get("2022/ti-202-renamed/").status, 200);
    assert_serves_a_fresh_build(&server, &site);

    // Delete.
    site.remove("content/2024/new.md");
    events.settle("a deletion", |b| {
        b["changed"]
            .to_string()
            .contains("topics/xin-zhu-ti/index.html")
    });
    assert_eq!(server.get("2024/new/").status, 404);
    assert_serves_a_fresh_build(&server, &site);

    // Config and templates rebuild everything they touch.
    let config = fs::read_to_string(site.path("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        config.replace("paginate_by: 2", "paginate_by: 1"),
    );
    events.settle("a config change", |b| b["ok"] == true);
    assert_serves_a_fresh_build(&server, &site);
    site.write(
        "themes/default/templates/404.html",
        "<html><body><p>{{ site.title }}：此页不存在（新模板）</p></body></html>",
    );
    events.settle("a template override", |b| {
        b["changed"].to_string().contains("\"404.html\"")
    });
    assert!(server.get("nope/").text().contains("此页不存在（新模板）"));
    assert_serves_a_fresh_build(&server, &site);
    site.write("themes/default/static/style.css", "body { color: #123456 }");
    events.settle("a style sheet", |b| {
        b["changed"].to_string().contains("style.css")
    });
    assert_eq!(server.get("style.css").text(), "body { color: #123456 }");
    assert_serves_a_fresh_build(&server, &site);
}

#[test]
fn editors_that_save_through_a_temporary_file_or_a_backup_are_seen() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &[]);
    let events = server.events();
    let original = fs::read_to_string(site.path(LETTER)).unwrap();
    type Save<'a> = (&'a str, &'a dyn Fn(&str));
    let saves: [Save; 3] = [
        // Write a temporary file beside it, then rename it over the letter (most editors, sed -i).
        ("a temporary file renamed over it", &|text: &str| {
            let tmp = site.path("content/2023/.jian-0007.md.tmp123");
            fs::write(&tmp, text).unwrap();
            fs::rename(&tmp, site.path(LETTER)).unwrap();
        }),
        // Vim: rename the letter to a backup, write a new file, delete the backup; plus its probe.
        ("a backup then a new file", &|text: &str| {
            fs::write(site.path("content/2023/4913"), "").unwrap();
            fs::remove_file(site.path("content/2023/4913")).unwrap();
            fs::rename(site.path(LETTER), site.path("content/2023/jian-0007.md~")).unwrap();
            fs::write(site.path(LETTER), text).unwrap();
            fs::remove_file(site.path("content/2023/jian-0007.md~")).unwrap();
        }),
        // Truncate and write in place.
        ("writing in place", &|text: &str| {
            fs::write(site.path(LETTER), text).unwrap();
        }),
    ];
    for (i, (how, save)) in saves.iter().enumerate() {
        let marker = format!("第{i}次保存");
        save(&original.replace("感谢您的关心。", &format!("感谢您的关心。{marker}")));
        events.settle(how, |b| b["changed"].to_string().contains(LETTER_PAGE));
        assert!(
            server.get("2023/jian-0007/").text().contains(&marker),
            "{how}"
        );
    }
    // Swap and backup files alone do not rebuild.
    let generation = server.status()["generation"].as_u64().unwrap();
    site.write("content/2023/.jian-0007.md.swp", "swap");
    site.write("content/2023/jian-0007.md~", "backup");
    site.write("content/2023/#jian-0007.md#", "autosave");
    site.write("public/index.html", "stale output");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(server.status()["generation"].as_u64().unwrap(), generation);
}

#[test]
fn problems_show_over_the_last_good_page_and_go_when_fixed() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &[]);
    let events = server.events();
    let good = server.get("2023/jian-0007/").text();

    // A letter with a bad date whose text would be markup if it were not escaped.
    let text = fs::read_to_string(site.path(LETTER)).unwrap();
    site.write(
        LETTER,
        text.replace("date: 2023-03-10", "date: <script>alert(1)</script>"),
    );
    let build = events.settle("a broken letter", |b| b["ok"] == false);
    assert_eq!(build["changed"], serde_json::json!([]));
    let page = server.get("2023/jian-0007/");
    assert_eq!(page.status, 200, "the last good page is still served");
    let shown = page.text();
    assert!(
        shown.contains("构建出错，以下问题修正后页面会自动刷新"),
        "{shown}"
    );
    assert!(
        shown.contains("content/2023/jian-0007.md:3"),
        "file and line: {shown}"
    );
    assert!(
        shown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped: {shown}"
    );
    assert!(!shown.contains("<script>alert(1)</script>"));
    assert!(shown.contains("提示："), "the hint is shown");
    assert!(shown.contains("data-ok=\"0\""));
    assert_eq!(
        strip_overlay(&shown),
        strip_overlay(&good).replace(
            "data-generation=\"1\" data-ok=\"1\"",
            &format!("data-generation=\"{}\" data-ok=\"0\"", build["generation"])
        )
    );
    // Every page shows the problems, the 404 page too.
    assert!(server.get("nope/").text().contains("构建出错"));
    let status = server.status();
    assert_eq!(status["ok"], false);
    assert!(
        status["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("content/2023/jian-0007.md:3")
    );

    // Two problems at once: both named.
    site.write("content/2023/second.md", "---\ntitle: 第二个\n");
    let build = events.settle("a second broken letter", |b| b["ok"] == false);
    assert_eq!(build["ok"], false);
    let shown = server.get("").text();
    assert!(shown.contains("共 2 处问题"), "{shown}");
    assert!(shown.contains("content/2023/second.md:1:1"));

    // Fixed: the overlay goes.
    site.remove("content/2023/second.md");
    site.write(LETTER, &text);
    events.settle("the fix", |b| b["ok"] == true);
    let fixed = server.get("2023/jian-0007/").text();
    assert!(!fixed.contains("构建出错"));
    assert!(fixed.contains("data-ok=\"1\""));
    assert_serves_a_fresh_build(&server, &site);
}

/// A page rendered after the build was announced (a list page after the first) that fails on one
/// letter's values: the problem is announced as a failed build and shown, and goes when fixed.
#[test]
fn a_page_rendered_after_the_build_that_fails_shows_its_problem_until_fixed() {
    let site = Site::fixture("basic");
    let term = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/term.html"
    );
    let trap = "{% if pager.current > 1 %}{% for item in letters %}{% if item.title == \"陷阱\" %}{{ item.title | round }}{% endif %}{% endfor %}{% endif %}";
    site.write(
        "themes/default/templates/term.html",
        fs::read_to_string(term).unwrap().replacen(
            "{%- block content %}",
            &format!("{{%- block content %}}{trap}"),
            1,
        ),
    );
    let server = Server::start(site.root(), &[]);
    let events = server.events();
    // An old letter: on the second page of its year's list, which is left for later.
    site.write(
        "content/2022/old.md",
        new_letter("陷阱", "2022-01-01", "人才引育"),
    );
    let build = events.settle("a letter the template fails on", |b| b["ok"] == false);
    assert_eq!(build["changed"], serde_json::json!([]));
    let shown = server.get("years/2022/page/2/").text();
    assert!(shown.contains("构建出错"), "{shown}");
    assert!(shown.contains("round"), "{shown}");
    assert_eq!(server.status()["ok"], false);

    site.write(
        "content/2022/old.md",
        new_letter("不是陷阱", "2022-01-01", "人才引育"),
    );
    events.settle("the fix", |b| b["ok"] == true);
    assert_serves_a_fresh_build(&server, &site);
}

/// The overlay and script removed, for comparing what is under them.
fn strip_overlay(html: &str) -> String {
    match (
        html.find("<div id=\"dafu-errors\""),
        html.find("</ol></div>\n"),
    ) {
        (Some(start), Some(end)) => format!("{}{}", &html[..start], &html[end + 12..]),
        _ => html.to_owned(),
    }
}

#[test]
fn survives_a_deleted_content_folder_a_half_written_file_and_a_renamed_folder() {
    let site = Site::fixture("basic");
    let mut server = Server::start(site.root(), &[]);
    let events = server.events();
    let saved = tempfile::tempdir().unwrap();
    let backup = saved.path().join("content");

    // content/ gone at once, moved out of the site: the problem is shown, the last pages still
    // served. (Deleted file by file, a loaded machine builds in between, from the letters not yet
    // deleted, and those are then the last pages.)
    fs::rename(site.path("content"), &backup).unwrap();
    events.settle("deleting content/", |b| b["ok"] == false);
    let shown = server.get("").text();
    assert!(
        shown.contains("构建出错") && shown.contains("there is no `content/` folder"),
        "{shown}"
    );
    assert_eq!(server.get("2023/jian-0007/").status, 200);
    // …and back: watched again, so later edits are seen too.
    fs::rename(&backup, site.path("content")).unwrap();
    events.settle("restoring content/", |b| b["ok"] == true);
    assert_serves_a_fresh_build(&server, &site);
    let text = fs::read_to_string(site.path(LETTER)).unwrap();
    site.write(
        LETTER,
        text.replace("感谢您的关心。", "感谢您的关心。恢复后修改"),
    );
    events.settle("an edit in the restored folder", |b| {
        b["changed"].to_string().contains(LETTER_PAGE)
    });
    assert!(server.get("2023/jian-0007/").text().contains("恢复后修改"));

    // A file saved half-written, then completed.
    let letter = new_letter("关于半截文件的答复函", "2024-03-03", "新主题");
    let (first, second) = letter.split_at(letter.find("committee").unwrap());
    site.write("content/2024/half.md", first);
    std::thread::sleep(Duration::from_millis(300));
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(site.path("content/2024/half.md"))
        .unwrap();
    std::io::Write::write_all(&mut file, second.as_bytes()).unwrap();
    drop(file);
    events.settle("a file written in two steps", |b| {
        b["ok"] == true && b["changed"].to_string().contains("2024/half/index.html")
    });
    assert_serves_a_fresh_build(&server, &site);

    // A folder renamed under the server, then a letter in it edited: still seen.
    fs::rename(site.path("content/2022"), site.path("content/2022-archive")).unwrap();
    events.settle("a renamed folder", |b| b["ok"] == true);
    assert_serves_a_fresh_build(&server, &site);
    let moved = site.path("content/2022-archive/ti-202.md");
    let text = fs::read_to_string(&moved).unwrap();
    fs::write(&moved, text.replacen("\n---\n", "\n---\n移动后修改。\n", 1)).unwrap();
    events.settle("an edit in the renamed folder", |b| {
        b["changed"].to_string().contains("2022/ti-202/index.html")
    });
    assert!(server.get("2022/ti-202/").text().contains("移动后修改"));
    assert_serves_a_fresh_build(&server, &site);

    // site.yaml deleted and restored.
    let config = fs::read_to_string(site.path("site.yaml")).unwrap();
    site.remove("site.yaml");
    events.settle("deleting site.yaml", |b| b["ok"] == false);
    site.write("site.yaml", &config);
    events.settle("restoring site.yaml", |b| b["ok"] == true);
    assert_serves_a_fresh_build(&server, &site);
    assert!(server.is_running());
}

#[test]
fn survives_thousands_of_events_at_once_from_a_git_checkout() {
    if !git_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "git is needed for this test in CI"
        );
        eprintln!("skipped: no git");
        return;
    }
    let site = Site::fixture("basic");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(site.root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "main"]);
    git(&["checkout", "-q", "-b", "many"]);
    for i in 0..1500 {
        let year = 2010 + i % 10;
        site.write(
            &format!("content/{year}/bulk-{i:04}.md"),
            new_letter(
                &format!("关于第{i}号批量提案的答复函"),
                &format!("{year}-0{}-1{}", 1 + i % 9, i % 10),
                &format!("批量主题{}", i % 20),
            ),
        );
    }
    site.remove("content/2023/ti-101.md");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "many"]);
    git(&["checkout", "-q", "main"]);

    let mut server = Server::start(site.root(), &[]);
    let events = server.events();
    assert_serves_a_fresh_build(&server, &site);
    let started = Instant::now();
    git(&["checkout", "-q", "many"]);
    events.settle("checking out 1,500 more letters", |b| {
        b["ok"] == true && server.status()["pages"].to_string().contains("bulk-1499")
    });
    eprintln!(
        "1,500 letters checked out, served in {:?}",
        started.elapsed()
    );
    assert_serves_a_fresh_build(&server, &site);
    git(&["checkout", "-q", "main"]);
    events.settle("checking out main again", |b| {
        b["ok"] == true && !server.status()["pages"].to_string().contains("bulk-")
    });
    assert_serves_a_fresh_build(&server, &site);
    assert!(server.is_running());
}

fn git_available() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn slow_and_broken_clients_do_not_stall_others() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &[]);
    let addr = server.origin.trim_start_matches("http://").to_owned();
    // Clients that send half a request and wait, that never read their event stream, that go away
    // in the middle of a request.
    let mut idle = Vec::new();
    for _ in 0..50 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        std::io::Write::write_all(&mut s, b"GET /jyta/ HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
        idle.push(s);
    }
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        std::io::Write::write_all(
            &mut s,
            b"GET /jyta/__dafu/events HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
        idle.push(s);
    }
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        std::io::Write::write_all(&mut s, b"GET /jyta/ HTT").unwrap();
        drop(s);
    }
    // Meanwhile a reader gets every page promptly and every build is announced.
    let events = server.events();
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(server.get("2023/jian-0007/").status, 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for i in 0..5 {
        let text = fs::read_to_string(site.path(LETTER)).unwrap();
        site.write(
            LETTER,
            text.replace("感谢您的关心。", &format!("感谢您的关心。{i}")),
        );
        events.settle("an edit while clients hang", |b| {
            b["changed"].to_string().contains(LETTER_PAGE)
        });
    }
    assert!(
        server
            .get("2023/jian-0007/")
            .text()
            .contains("感谢您的关心。4")
    );
    drop(idle);
}

#[test]
fn polling_sees_changes_too() {
    let site = Site::fixture("basic");
    let server = Server::start(site.root(), &["--poll"]);
    let events = server.events();
    let text = fs::read_to_string(site.path(LETTER)).unwrap();
    site.write(LETTER, text.replace("感谢您的关心。", "感谢您的关心。轮询"));
    events.settle("an edit seen by polling", |b| {
        b["changed"].to_string().contains(LETTER_PAGE)
    });
    assert!(server.get("2023/jian-0007/").text().contains("轮询"));
    site.write(
        "content/2024/new.md",
        new_letter("关于轮询新增的答复函", "2024-05-05", "轮询"),
    );
    events.settle("a letter added, seen by polling", |b| {
        b["changed"].to_string().contains("2024/new/index.html")
    });
    assert_serves_a_fresh_build(&server, &site);
    assert!(server.log().contains("(polling)"), "{}", server.log());
}

#[test]
fn a_taken_port_is_reported_with_a_free_one() {
    let site = Site::fixture("basic");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = site.run(&["serve", "--port", &port]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "error: port {port} on 127.0.0.1 is already in use"
        )),
        "{stderr}"
    );
    let free: u16 = stderr
        .split("dafu serve --port ")
        .nth(1)
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no free port suggested: {stderr}"));
    assert_ne!(free.to_string(), port);
}

#[test]
fn a_folder_without_a_site_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dafu"))
        .args(["serve", "--port", "0", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no site.yaml"));
}

#[cfg(unix)]
#[test]
fn open_starts_the_browser_and_ctrl_c_stops_cleanly() {
    let site = Site::fixture("basic");
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser.sh");
    fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut server = Server::start_with_env(
        site.root(),
        &["--open"],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !opened.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(fs::read_to_string(&opened).unwrap().trim(), server.base);

    // Ctrl-C with a page listening: the server ends at once, with status 0.
    let _events = server.events();
    assert_eq!(server.interrupt(), Some(0));
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.log().contains("stopped"), "{}", server.log());
}

#[test]
fn a_site_broken_from_the_start_shows_its_problems_until_fixed() {
    let site = Site::fixture("basic");
    let good = fs::read_to_string(site.path(LETTER)).unwrap();
    site.write(LETTER, "---\ntitle: 坏\n");
    let server = Server::start(site.root(), &[]);
    assert!(server.base.ends_with("/jyta/"), "{}", server.base);
    let page = server.get("");
    assert_eq!(page.status, 404, "no page has been built yet");
    let text = page.text();
    assert!(
        text.contains("构建出错") && text.contains("content/2023/jian-0007.md:1:1"),
        "{text}"
    );
    assert!(text.contains("data-dafu-live"));
    let events = server.events();
    site.write(LETTER, &good);
    events.settle("the fix", |b| b["ok"] == true);
    assert_eq!(server.get("").status, 200);
    assert_serves_a_fresh_build(&server, &site);
}
