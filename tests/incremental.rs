//! An incremental rebuild must give exactly what a fresh build of the same files gives.

mod common;

use std::collections::BTreeMap;

use common::Site;
use dafu::archive::Mode;
use dafu::session::Session;

fn session_output(session: &Session) -> BTreeMap<String, Vec<u8>> {
    session
        .pages()
        .map(|(p, b)| (p.to_owned(), b.to_vec()))
        .collect()
}

#[track_caller]
fn assert_same_as_fresh_build(site: &Site, session: &Session) {
    site.build().success();
    let mut fresh = site.output();
    // The manifest is for publishing: the preview session does not make one.
    fresh.remove(dafu::manifest::MANIFEST_FILE);
    let incremental = session_output(session);
    let only_fresh: Vec<_> = fresh
        .keys()
        .filter(|k| !incremental.contains_key(*k))
        .collect();
    let only_incremental: Vec<_> = incremental
        .keys()
        .filter(|k| !fresh.contains_key(*k))
        .collect();
    assert!(
        only_fresh.is_empty() && only_incremental.is_empty(),
        "missing {only_fresh:?}, extra {only_incremental:?}"
    );
    for (path, bytes) in &fresh {
        assert!(
            incremental[path] == *bytes,
            "{path} differs from a fresh build"
        );
    }
}

#[test]
fn edits_adds_renames_and_deletes_give_the_same_bytes_as_a_fresh_build() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    let first = session.rebuild(&[]).unwrap();
    assert_eq!(
        first.changed.len(),
        first.total_pages,
        "a first build renders everything"
    );
    assert_same_as_fresh_build(&site, &session);

    // Edit one letter's title: its page, its neighbours, its lists and feeds change; not the rest.
    let path = site.path("content/2023/jian-0007.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("第0007号建议的答复函", "第0007号建议的答复函（修订）");
    site.write("content/2023/jian-0007.md", text);
    let edit = session.rebuild(&[path]).unwrap();
    assert!(
        edit.changed
            .contains(&"2023/jian-0007/index.html".to_owned())
    );
    assert!(
        edit.changed.contains(&"2023/ti-101/index.html".to_owned()),
        "the newer neighbour links to it"
    );
    assert!(
        edit.changed
            .contains(&"committees/shi-ren-da/index.html".to_owned())
    );
    assert!(
        !edit.changed.contains(&"2022/ti-202/index.html".to_owned()),
        "an unrelated letter is not re-rendered"
    );
    assert_eq!(edit.reparsed, 1);
    assert_same_as_fresh_build(&site, &session);

    // Add a letter with a new topic.
    site.write(
        "content/2024/new.md",
        "---\ntitle: 关于新增提案的答复函\ndate: 2024-02-02\ncommittee: 县政协\ntopics: [新主题]\n---\n某委员：\n\n新增正文。\n",
    );
    session.rebuild(&[]).unwrap();
    assert_same_as_fresh_build(&site, &session);

    // Rename a letter (its URL changes), then delete one.
    std::fs::rename(
        site.path("content/2022/ti-202.md"),
        site.path("content/2022/ti-202-renamed.md"),
    )
    .unwrap();
    let rename = session.rebuild(&[]).unwrap();
    assert!(
        rename
            .removed
            .contains(&"2022/ti-202/index.html".to_owned())
    );
    assert_same_as_fresh_build(&site, &session);
    site.remove("content/2024/new.md");
    let delete = session.rebuild(&[]).unwrap();
    assert!(
        delete
            .removed
            .contains(&"topics/xin-zhu-ti/index.html".to_owned())
    );
    assert_same_as_fresh_build(&site, &session);

    // Config and template changes re-render everything they touch.
    let config = std::fs::read_to_string(site.path("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        config.replace("paginate_by: 2", "paginate_by: 1"),
    );
    session.rebuild(&[]).unwrap();
    assert_same_as_fresh_build(&site, &session);
    site.write(
        "themes/default/templates/404.html",
        "<p>{{ site.title }}：找不到</p>",
    );
    let template = session.rebuild(&[]).unwrap();
    assert!(template.changed.contains(&"404.html".to_owned()));
    assert_same_as_fresh_build(&site, &session);
}

#[test]
fn a_failed_rebuild_keeps_the_last_good_pages() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    let good = session_output(&session);
    site.write("content/2023/broken.md", "---\ntitle: 坏\n");
    let problems = session.rebuild(&[]).unwrap_err();
    assert!(problems[0].to_string().starts_with(
        "content/2023/broken.md:1:1: error: the front matter opened here is never closed"
    ));
    assert_eq!(session_output(&session), good);
    site.remove("content/2023/broken.md");
    session.rebuild(&[]).unwrap();
    assert_same_as_fresh_build(&site, &session);
}

#[test]
fn preview_gives_a_withheld_letter_a_page_but_lists_it_nowhere() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Preview);
    session.rebuild(&[]).unwrap();
    let page =
        String::from_utf8(session.page("2022/withheld/index.html").unwrap().to_vec()).unwrap();
    assert!(page.contains("绝密演练"));
    assert!(
        session.page("2022/draft/index.html").is_some(),
        "drafts are previewed"
    );
    for (path, bytes) in session.pages() {
        if path != "2022/withheld/index.html" {
            assert!(
                !String::from_utf8_lossy(bytes).contains("绝密演练"),
                "{path} lists the 不予公开 letter"
            );
        }
    }
}

#[test]
fn preview_marks_a_withheld_letter_as_never_published() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Preview);
    session.rebuild(&[]).unwrap();
    let page =
        String::from_utf8(session.page("2022/withheld/index.html").unwrap().to_vec()).unwrap();
    assert!(
        page.contains("本件不会发布"),
        "loud banner on the 不予公开 letter"
    );
}
