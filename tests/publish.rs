//! Incremental publishing (`build --cache`, `--changes`), the manifest, and reproducibility: whatever
//! the cache reuses, `public/` is byte for byte what a clean build of the same files gives.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{Site, snapshot, snapshot_dir};

const CACHE: &str = ".dafu-cache";

/// A clean build of the site as it is now, into a folder of its own (removed afterwards).
fn clean_build(site: &Site) -> BTreeMap<String, Vec<u8>> {
    site.run(&["build", "--out", "clean-build"]).success();
    let out = snapshot(&site.path("clean-build"));
    fs::remove_dir_all(site.path("clean-build")).unwrap();
    out
}

fn cached_build(site: &Site) -> common::Run {
    let run = site.run(&["build", "--cache", CACHE, "--changes", "changes.txt"]);
    run.success();
    run
}

/// Pages of the site, from a build's summary line.
fn pages(run: &common::Run) -> usize {
    let out = run.stdout();
    let before = out.split(" pages").next().unwrap();
    before.rsplit('(').next().unwrap().parse().unwrap()
}

/// (rendered, parsed) from a cached build's summary line.
fn work_done(run: &common::Run) -> (usize, usize) {
    let out = run.stdout();
    let after = out
        .split("; rendered ")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    let rendered = after.split(',').next().unwrap().trim().parse().unwrap();
    let parsed = after
        .split("parsed ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (rendered, parsed)
}

fn changes(site: &Site) -> Vec<String> {
    fs::read_to_string(site.path("changes.txt"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_same_as_clean_build(site: &Site) {
    let public = site.output();
    let clean = clean_build(site);
    let only_public: Vec<_> = public.keys().filter(|k| !clean.contains_key(*k)).collect();
    let only_clean: Vec<_> = clean.keys().filter(|k| !public.contains_key(*k)).collect();
    assert!(
        only_public.is_empty() && only_clean.is_empty(),
        "extra in public/: {only_public:?}, missing: {only_clean:?}"
    );
    for (path, bytes) in &clean {
        assert!(public[path] == *bytes, "{path} differs from a clean build");
    }
    // No folder left empty by a removed page, no staging or temporary file left behind.
    for entry in walkdir::WalkDir::new(site.path("public")) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        assert!(
            !name.contains(".dafu-"),
            "left behind: {}",
            entry.path().display()
        );
        if entry.file_type().is_dir() {
            assert!(
                fs::read_dir(entry.path()).unwrap().next().is_some(),
                "empty folder left: {}",
                entry.path().display()
            );
        }
    }
    let stray: Vec<_> = fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("dafu-staging") || n.contains("dafu-old"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

fn edit(site: &Site, rel: &str, from: &str, to: &str) {
    let text = fs::read_to_string(site.path(rel)).unwrap();
    assert!(text.contains(from), "{rel} has no {from}");
    site.write(rel, text.replace(from, to));
}

#[test]
fn cached_builds_after_edits_adds_deletes_and_renames_equal_clean_builds() {
    let site = Site::fixture("basic");
    let first = cached_build(&site);
    let (rendered, parsed) = work_done(&first);
    assert_eq!(parsed, 7, "a first build parses every letter");
    assert!(rendered > 20, "a first build renders every page");
    assert_eq!(changes(&site)[0], "# dafu-changes 1 base=none");
    assert!(changes(&site).iter().skip(1).all(|l| l.starts_with("A ")));
    assert_same_as_clean_build(&site);

    // Nothing changed: nothing parsed, nothing rendered, nothing to upload.
    let again = cached_build(&site);
    assert_eq!(work_done(&again), (0, 0));
    assert_eq!(changes(&site), ["# dafu-changes 1 base=cache"]);
    assert_same_as_clean_build(&site);

    // One letter's body edited: its page, and what shows its text, change; nothing else.
    edit(
        &site,
        "content/2023/ti-101.md",
        "感谢您对科技工作的支持。",
        "感谢您对科技工作的关心和支持。",
    );
    let run = cached_build(&site);
    let (rendered, _) = work_done(&run);
    assert!(rendered * 2 < pages(&run), "{}", run.stdout());
    let list = changes(&site);
    assert!(
        list.contains(&"M 2023/ti-101/index.html".to_owned()),
        "{list:?}"
    );
    assert!(list.contains(&"M manifest.json".to_owned()), "{list:?}");
    assert!(
        !list.iter().any(|l| l.contains("2022/ti-202/")),
        "an unrelated page is not listed: {list:?}"
    );
    assert_same_as_clean_build(&site);

    // A new letter with a new topic.
    site.write(
        "content/2024/new.md",
        "---\ntitle: 关于新增提案的答复函\ndate: 2024-02-02\ncommittee: 县政协\ntopics: [新主题]\n---\n某委员：\n\n新增正文。\n",
    );
    cached_build(&site);
    let list = changes(&site);
    assert!(
        list.contains(&"A 2024/new/index.html".to_owned()),
        "{list:?}"
    );
    assert!(
        list.contains(&"A topics/xin-zhu-ti/index.html".to_owned()),
        "{list:?}"
    );
    assert_same_as_clean_build(&site);

    // A renamed letter moves to a new address; a deleted one goes.
    fs::rename(
        site.path("content/2022/ti-202.md"),
        site.path("content/2022/ti-202-renamed.md"),
    )
    .unwrap();
    cached_build(&site);
    let list = changes(&site);
    assert!(
        list.contains(&"D 2022/ti-202/index.html".to_owned()),
        "{list:?}"
    );
    assert!(
        list.contains(&"A 2022/ti-202-renamed/index.html".to_owned()),
        "{list:?}"
    );
    assert!(!site.exists("2022/ti-202"), "the old page's folder is gone");
    assert_same_as_clean_build(&site);
    site.remove("content/2022/jian-0010.md");
    cached_build(&site);
    assert!(changes(&site).contains(&"D 2022/jian-0010/index.html".to_owned()));
    assert_same_as_clean_build(&site);

    // public/ deleted between runs, the cache kept (as on a CI runner), and a letter edited.
    fs::remove_dir_all(site.path("public")).unwrap();
    edit(
        &site,
        "content/2023/jian-0007.md",
        "感谢您的关心。",
        "感谢您的关注。",
    );
    let run = cached_build(&site);
    assert!(work_done(&run).0 * 2 < pages(&run), "{}", run.stdout());
    let list = changes(&site);
    assert_eq!(list[0], "# dafu-changes 1 base=cache");
    assert!(list.contains(&"M 2023/jian-0007/index.html".to_owned()));
    assert!(
        list[1..].iter().all(|l| l.starts_with("M ")) && list.len() < 20,
        "the list is relative to the last published output, kept in the cache: {list:?}"
    );
    // Of the search index, only the letter's result file, the chunks of the terms it gained or
    // lost, and the manifest.
    let search: Vec<&String> = list.iter().filter(|l| l.contains(" search/")).collect();
    assert!(
        search.contains(&&"M search/manifest.z".to_owned()) && search.len() <= 8,
        "{search:?}"
    );
    assert_same_as_clean_build(&site);

    // Site config and template changes re-render what they touch; a config that changes what
    // letters are parsed into (the default issuer) has every letter parsed again.
    edit(&site, "site.yaml", "paginate_by: 2", "paginate_by: 1");
    cached_build(&site);
    assert_same_as_clean_build(&site);
    edit(
        &site,
        "site.yaml",
        "issuer: 测试市科学技术局",
        "issuer: 测试市科技局",
    );
    let run = cached_build(&site);
    assert_eq!(
        work_done(&run).1,
        7,
        "every letter parsed again: {}",
        run.stdout()
    );
    assert_same_as_clean_build(&site);
    // And back: the cache kept nothing of the letters as parsed with the other issuer.
    edit(
        &site,
        "site.yaml",
        "issuer: 测试市科技局",
        "issuer: 测试市科学技术局",
    );
    cached_build(&site);
    assert_same_as_clean_build(&site);
    site.write(
        "themes/default/templates/404.html",
        "<p>{{ site.title }}：找不到</p>",
    );
    cached_build(&site);
    assert_eq!(changes(&site)[1..], ["M 404.html"]);
    assert_same_as_clean_build(&site);
}

#[test]
fn a_draft_published_later_and_a_letter_withheld_later_are_handled() {
    let site = Site::fixture("basic");
    cached_build(&site);
    edit(&site, "content/2022/draft.md", "draft: true\n", "");
    cached_build(&site);
    assert!(changes(&site).contains(&"A 2022/draft/index.html".to_owned()));
    assert_same_as_clean_build(&site);
    edit(
        &site,
        "content/2023/ti-101.md",
        "category: A\n",
        "category: A\ndisclosure: 不予公开\n",
    );
    cached_build(&site);
    assert!(changes(&site).contains(&"D 2023/ti-101/index.html".to_owned()));
    assert_same_as_clean_build(&site);
}

#[test]
fn hand_edits_to_public_are_undone_by_the_next_cached_build() {
    let site = Site::fixture("basic");
    cached_build(&site);
    // In place, so the hard-linked copy in the cache changes too.
    let mut index = fs::OpenOptions::new()
        .append(true)
        .open(site.path("public/index.html"))
        .unwrap();
    std::io::Write::write_all(&mut index, b"<!-- edited by hand -->").unwrap();
    drop(index);
    site.write("public/stray.html", "stray");
    fs::remove_file(site.path("public/2023/ti-101/index.html")).unwrap();
    cached_build(&site);
    assert_same_as_clean_build(&site);
}

/// After a cached build of the fixture, `break_site` makes the next cached build fail with an error
/// at `error_at`: the site, the cache and the changes file must be as they were.
fn assert_failed_cached_build_changes_nothing(break_site: impl Fn(&Site) -> &Site, error_at: &str) {
    let site = Site::fixture("basic");
    cached_build(&site);
    let public = site.output();
    let cache = snapshot_dir(&site.path(CACHE));
    break_site(&site);
    let run = site.run(&["build", "--cache", CACHE, "--changes", "changes2.txt"]);
    run.failure();
    assert!(run.stderr().starts_with(error_at), "{}", run.stderr());
    assert_eq!(site.output(), public);
    assert_eq!(snapshot_dir(&site.path(CACHE)), cache);
    assert!(!site.path("changes2.txt").exists());
}

#[test]
fn a_failed_cached_build_changes_nothing() {
    assert_failed_cached_build_changes_nothing(
        |site| site.write("content/2023/broken.md", "---\ntitle: 坏\n"),
        "content/2023/broken.md:1:1: error:",
    );
}

#[test]
fn a_cached_build_that_fails_in_a_template_leaves_the_cache_and_the_site_as_they_were() {
    // Only the letters' pages fail: the other pages are rendered, and written beside the cache's
    // copies, before the build stops.
    assert_failed_cached_build_changes_nothing(
        |site| {
            site.write(
                "themes/default/templates/letter.html",
                "{% extends \"default/letter.html\" %}\n{% block title %}{{ letter.no_such_field.deeper }}{% endblock %}\n",
            )
        },
        "themes/default/templates/letter.html:2:",
    );
}

#[test]
fn without_a_cache_changes_are_relative_to_the_output_folder() {
    let site = Site::fixture("basic");
    site.run(&["build", "--changes", "changes.txt"]).success();
    assert_eq!(changes(&site)[0], "# dafu-changes 1 base=none");
    edit(
        &site,
        "content/2023/jian-0007.md",
        "感谢您的关心。",
        "感谢您的关注。",
    );
    site.remove("content/2022/jian-0010.md");
    let run = site.run(&["build", "--changes", "changes.txt"]);
    run.success();
    assert!(
        run.stdout().contains(" removed: listed in changes.txt"),
        "{}",
        run.stdout()
    );
    let list = changes(&site);
    assert_eq!(list[0], "# dafu-changes 1 base=output");
    assert!(
        list.contains(&"M 2023/jian-0007/index.html".to_owned()),
        "{list:?}"
    );
    assert!(
        list.contains(&"D 2022/jian-0010/index.html".to_owned()),
        "{list:?}"
    );
    assert!(
        list.windows(2).skip(1).all(|w| w[0][2..] < w[1][2..]),
        "sorted by path"
    );
}

#[test]
fn a_cache_inside_the_output_is_refused() {
    let site = Site::fixture("basic");
    let run = site.run(&["build", "--cache", "public/cache"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("must not be inside one another"),
        "{}",
        run.stderr()
    );
}

#[test]
fn the_manifest_lists_each_published_letter_with_its_page_hash() {
    let site = Site::fixture("basic");
    site.run(&["build", "--drafts"]).success();
    let manifest: serde_json::Value = serde_json::from_str(&site.page("manifest.json")).unwrap();
    assert_eq!(manifest["format"], 1);
    assert_eq!(manifest["base_url"], "https://kjj.example.gov.cn/jyta/");
    let letters = manifest["letters"].as_array().unwrap();
    let paths: Vec<&str> = letters
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "2022/jian-0010/index.html",
            "2022/ti-202/index.html",
            "2023/jian-0007/index.html",
            "2023/summary-only/index.html",
            "2023/ti-101/index.html",
        ],
        "sorted, with no draft (even with --drafts) and no 不予公开 letter"
    );
    for letter in letters {
        let page = fs::read(site.path("public").join(letter["path"].as_str().unwrap())).unwrap();
        assert_eq!(letter["sha256"], dafu::manifest::sha256_hex(&page));
    }
    let ti101 = &letters[4];
    assert_eq!(ti101["url"], "https://kjj.example.gov.cn/jyta/2023/ti-101/");
    assert_eq!(ti101["doc_number"], "测科提复〔2023〕11号");
    assert_eq!(ti101["date"], "2023-05-20");
    assert_eq!(ti101["published"], "2023-06-01");
    assert!(!site.page("manifest.json").contains("绝密演练"));
}

/// Copies the basic fixture into `dir`, creating files in reverse order with their own times.
fn fixture_reversed(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    let mut files: Vec<_> = walkdir::WalkDir::new(&from)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&from).unwrap().to_path_buf())
        .collect();
    files.reverse();
    for (i, rel) in files.iter().enumerate() {
        let to = dir.join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(&to, fs::read(from.join(rel)).unwrap()).unwrap();
        let time =
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000 + 7919 * i as u64);
        fs::File::options()
            .write(true)
            .open(&to)
            .unwrap()
            .set_modified(time)
            .unwrap();
    }
}

#[test]
fn the_same_sources_give_the_same_bytes_from_any_folder_in_any_order() {
    let a = Site::fixture("basic");
    a.build().success();
    let b = tempfile::tempdir().unwrap();
    let nested = b.path().join("另一个 目录/site");
    fs::create_dir_all(&nested).unwrap();
    fixture_reversed(&nested);
    common::run_in(&nested, &["build"]).success();
    let from_a = a.output();
    assert_eq!(snapshot(&nested.join("public")), from_a);
    // And through the cache, from yet another folder.
    common::run_in(
        &nested,
        &["build", "--cache", "../cache", "--out", "../out"],
    )
    .success();
    assert_eq!(snapshot(&b.path().join("另一个 目录/out")), from_a);
}
