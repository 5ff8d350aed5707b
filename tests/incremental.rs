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
fn assert_same_as_fresh_build(site: &Site, session: &mut Session) {
    // After letters are added or removed, the search index is made again apart (see
    // `Session::refresh_search`); after edits it is updated with the pages.
    session.refresh_search();
    assert!(session.search_is_current());
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
    assert_same_as_fresh_build(&site, &mut session);

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
    assert!(
        session.search_is_current()
            && edit.changed.iter().any(|p| p.starts_with("search/l/"))
            && edit.changed.contains(&"search/manifest.z".to_owned()),
        "an edit updates the search index with the pages: {:?}",
        edit.changed
    );
    assert_same_as_fresh_build(&site, &mut session);

    // Add a letter with a new topic.
    site.write(
        "content/2024/new.md",
        "---\ntitle: 关于新增提案的答复函\ndate: 2024-02-02\ncommittee: 县政协\ntopics: [新主题]\n---\n某委员：\n\n新增正文。\n",
    );
    session.rebuild(&[]).unwrap();
    assert_same_as_fresh_build(&site, &mut session);

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
    assert_same_as_fresh_build(&site, &mut session);
    site.remove("content/2024/new.md");
    let delete = session.rebuild(&[]).unwrap();
    assert!(
        delete
            .removed
            .contains(&"topics/xin-zhu-ti/index.html".to_owned())
    );
    assert_same_as_fresh_build(&site, &mut session);

    // Config and template changes re-render everything they touch.
    let config = std::fs::read_to_string(site.path("site.yaml")).unwrap();
    site.write(
        "site.yaml",
        config.replace("paginate_by: 2", "paginate_by: 1"),
    );
    session.rebuild(&[]).unwrap();
    assert_same_as_fresh_build(&site, &mut session);
    site.write(
        "themes/default/templates/404.html",
        "<p>{{ site.title }}：找不到</p>",
    );
    let template = session.rebuild(&[]).unwrap();
    assert!(template.changed.contains(&"404.html".to_owned()));
    assert_same_as_fresh_build(&site, &mut session);
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
    assert_same_as_fresh_build(&site, &mut session);
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
                !String::from_utf8_lossy(&bytes).contains("绝密演练"),
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

#[test]
fn statistics_follow_a_withheld_letter_that_changes() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    // The 不予公开 letter has no page, but it is counted: moving it to another year and committee
    // must change the statistics and both years' first pages.
    let path = site.path("content/2022/withheld.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("date: 2022-11-02", "date: 2023-11-02")
        .replace("committee: 市政协", "committee: 区人大");
    site.write("content/2022/withheld.md", text);
    let edit = session.rebuild(&[path]).unwrap();
    for page in [
        "stats/index.html",
        "years/2022/index.html",
        "years/2023/index.html",
    ] {
        assert!(
            edit.changed.contains(&page.to_owned()),
            "{page} not re-rendered"
        );
    }
    assert!(
        !edit
            .changed
            .contains(&"years/2023/page/2/index.html".to_owned()),
        "a year's later pages show no statistics"
    );
    assert_same_as_fresh_build(&site, &mut session);
}
/// The preview server rebuilds from the paths its watcher names, without listing the folder again:
/// whatever the paths, the result must be what a fresh build gives.
#[test]
fn rebuilding_only_the_named_paths_gives_the_same_bytes_as_a_fresh_build() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    let root = session.root().to_path_buf();
    let abs = |rel: &str| root.join(rel);

    // An edit: that letter alone is read again.
    let text = std::fs::read_to_string(abs("content/2023/jian-0007.md"))
        .unwrap()
        .replace("第0007号建议的答复函", "第0007号建议的答复函（再修订）");
    site.write("content/2023/jian-0007.md", text);
    let edit = session
        .rebuild_content(&[abs("content/2023/jian-0007.md")])
        .unwrap();
    assert_eq!(edit.reparsed, 1);
    assert_same_as_fresh_build(&site, &mut session);

    // A letter added, with an editor's temporary file beside it that is gone by now, and a note.
    site.write(
        "content/2024/new.md",
        "---\ntitle: 关于新增提案的答复函\ndate: 2024-02-02\ncommittee: 县政协\ntopics: [新主题]\n---\n某委员：\n\n新增正文。\n",
    );
    site.write("content/2024/notes.txt", "not a letter");
    let added = session
        .rebuild_content(&[
            abs("content/2024/sedX1b2c3"),
            abs("content/2024/new.md"),
            abs("content/2024/notes.txt"),
        ])
        .unwrap();
    assert_eq!(added.reparsed, 1);
    assert_same_as_fresh_build(&site, &mut session);

    // Renamed (both names reported), then deleted.
    std::fs::rename(
        abs("content/2022/ti-202.md"),
        abs("content/2022/ti-202-renamed.md"),
    )
    .unwrap();
    session
        .rebuild_content(&[
            abs("content/2022/ti-202.md"),
            abs("content/2022/ti-202-renamed.md"),
        ])
        .unwrap();
    assert_same_as_fresh_build(&site, &mut session);
    site.remove("content/2024/new.md");
    session
        .rebuild_content(&[abs("content/2024/new.md")])
        .unwrap();
    assert_same_as_fresh_build(&site, &mut session);

    // A folder renamed, with only the folder's names reported: the letters are listed again.
    std::fs::rename(abs("content/2022"), abs("content/2022-old")).unwrap();
    session
        .rebuild_content(&[abs("content/2022"), abs("content/2022-old")])
        .unwrap();
    assert_same_as_fresh_build(&site, &mut session);

    // A letter moved into a drafts folder that is never listed.
    std::fs::create_dir_all(abs("content/_drafts")).unwrap();
    std::fs::rename(
        abs("content/2023/jian-0007.md"),
        abs("content/_drafts/jian-0007.md"),
    )
    .unwrap();
    session
        .rebuild_content(&[
            abs("content/2023/jian-0007.md"),
            abs("content/_drafts/jian-0007.md"),
        ])
        .unwrap();
    assert_same_as_fresh_build(&site, &mut session);

    // A broken letter, then fixed: the error shows, then the pages come back.
    site.write("content/2023/broken.md", "---\ntitle: 坏\n");
    assert!(
        session
            .rebuild_content(&[abs("content/2023/broken.md")])
            .is_err()
    );
    site.remove("content/2023/broken.md");
    session
        .rebuild_content(&[abs("content/2023/broken.md")])
        .unwrap();
    assert_same_as_fresh_build(&site, &mut session);
}

#[test]
fn a_broken_template_is_not_forgotten_by_a_letter_only_rebuild() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    site.write("themes/default/templates/404.html", "{% if %}");
    assert!(session.rebuild(&[]).is_err());
    let letter = session.root().join("content/2023/jian-0007.md");
    let text = std::fs::read_to_string(&letter).unwrap();
    site.write(
        "content/2023/jian-0007.md",
        text.replace("答复函", "答复函。"),
    );
    let problems = session.rebuild_content(&[letter]).unwrap_err();
    assert!(problems[0].to_string().contains("404.html"), "{problems:?}");
}

/// Letters edited in place (text, title, anything but date, topics, committee, file name, 文号,
/// draft or disclosure) reuse the last arrangement; whatever is edited, the bytes are a fresh build's.
#[test]
fn letters_edited_in_place_give_the_same_bytes_as_a_fresh_build() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    let root = session.root().to_path_buf();
    let edit = |session: &mut Session, rel: &str, from: &str, to: &str| {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        session.rebuild_content(&[path]).unwrap()
    };
    // Body, title, a 摘要公开 letter's summary, a draft (not published here), two letters at once.
    let body = edit(
        &mut session,
        "content/2023/jian-0007.md",
        "感谢您的关心。",
        "感谢您的关心与支持。",
    );
    assert!(
        body.changed
            .contains(&"2023/jian-0007/index.html".to_owned())
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2023/ti-101.md",
        "title: ",
        "title: 【修订】",
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2023/summary-only.md",
        "summary: ",
        "summary: 修订：",
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2022/draft.md",
        "title: ",
        "title: 草稿修订",
    );
    assert_same_as_fresh_build(&site, &mut session);
    // What moves a letter: its date, its topics, its committee, draft or not.
    edit(
        &mut session,
        "content/2023/jian-0007.md",
        "date: 2023-03-10",
        "date: 2021-01-01",
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2023/jian-0007.md",
        "topics: [科技金融]",
        "topics: [科技金融, 新主题]",
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2023/jian-0007.md",
        "committee: 市人大",
        "committee: 市政协",
    );
    assert_same_as_fresh_build(&site, &mut session);
    edit(
        &mut session,
        "content/2023/ti-101.md",
        "---\n",
        "---\ndraft: true\n",
    );
    assert_same_as_fresh_build(&site, &mut session);
    // An edit after a failed one starts from the letters, not from the last arrangement.
    let path = root.join("content/2023/jian-0007.md");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, "---\ntitle: 坏\n").unwrap();
    assert!(
        session
            .rebuild_content(std::slice::from_ref(&path))
            .is_err()
    );
    site.remove("content/2022/ti-202.md");
    assert!(
        session
            .rebuild_content(&[root.join("content/2022/ti-202.md")])
            .is_err()
    );
    std::fs::write(&path, good.replace("感谢您的关心与支持。", "感谢。")).unwrap();
    session.rebuild_content(&[path]).unwrap();
    assert_same_as_fresh_build(&site, &mut session);
}

/// In preview (drafts listed, 不予公开 letters on pages of their own), repeated in-place edits of the
/// same letters give what a fresh preview session gives.
#[test]
fn repeated_edits_in_preview_give_what_a_fresh_session_gives() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Preview);
    session.rebuild(&[]).unwrap();
    session.refresh_search();
    let root = session.root().to_path_buf();
    let files = [
        "content/2023/jian-0007.md",
        "content/2022/withheld.md",
        "content/2022/draft.md",
        "content/2023/summary-only.md",
    ];
    for round in 0..3 {
        for rel in files {
            let path = root.join(rel);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{text}\n第{round}轮修改。\n")).unwrap();
            let rebuilt = session
                .rebuild_content(std::slice::from_ref(&path))
                .unwrap();
            assert_eq!(rebuilt.reparsed, 1);
            assert!(
                session.search_is_current(),
                "an edit updates the search index in place"
            );
            let mut fresh = Session::new(site.root(), Mode::Preview);
            fresh.rebuild(&[]).unwrap();
            fresh.refresh_search();
            assert_eq!(
                session_output(&session),
                session_output(&fresh),
                "after round {round} of {rel}"
            );
        }
    }
}

/// A letter of the pagination tests: 市政协 or 市人大, with topics from a small set.
fn listed_letter(n: usize, date: &str, committee: &str, topics: &str) -> String {
    format!(
        "---\ntitle: 关于第{n}号提案的答复函\ndate: {date}\ncommittee: {committee}\nnumber: \"{n}\"\n\
         doc_number: 测科复〔2023〕{n}号\ntopics: [{topics}]\n---\n某委员：\n\n第{n}号的正文。\n"
    )
}

/// Letters added, deleted and moved where they shift the list pages of their year, committee and
/// topics across more than one page boundary (two letters a page here), newest, oldest and in
/// between: after each, the bytes are a fresh build's (and a fresh preview session's, in preview).
#[test]
fn adds_and_deletes_across_page_boundaries_give_the_same_bytes_as_a_fresh_build() {
    for mode in [Mode::Publish, Mode::Preview] {
        let site = Site::fixture("basic");
        for n in 0..17 {
            let date = format!("2023-0{}-{:02}", 2 + n % 6, 1 + n % 3);
            let committee = ["市政协", "市人大"][n % 2];
            let topics = ["人才引育", "科技金融, 人才引育", "科技孵化"][n % 3];
            site.write(
                &format!("content/2023/p{n:02}.md"),
                listed_letter(n, &date, committee, topics),
            );
        }
        let mut session = Session::new(site.root(), mode);
        session.rebuild(&[]).unwrap();
        let root = session.root().to_path_buf();
        let check = |session: &mut Session| match mode {
            Mode::Preview => {
                session.refresh_search();
                let mut fresh = Session::new(site.root(), Mode::Preview);
                fresh.rebuild(&[]).unwrap();
                fresh.refresh_search();
                assert_eq!(session_output(session), session_output(&fresh));
            }
            _ => assert_same_as_fresh_build(&site, session),
        };
        let save = |session: &mut Session, rel: &str, text: Option<String>| {
            match text {
                Some(text) => site.write(rel, text),
                None => site.remove(rel),
            };
            session.rebuild_content(&[root.join(rel)]).unwrap()
        };
        let letter = listed_letter;

        // The newest letter of all: every list page of its terms shifts by one.
        let added = save(
            &mut session,
            "content/2023/z-newest.md",
            Some(letter(90, "2023-12-31", "市政协", "人才引育, 科技金融")),
        );
        assert!(
            added
                .changed
                .contains(&"committees/shi-zheng-xie/page/3/index.html".to_owned()),
            "{:?}",
            added.changed
        );
        check(&mut session);
        // The oldest: a new last page for its lists.
        save(
            &mut session,
            "content/2023/a-oldest.md",
            Some(letter(91, "2023-01-01", "市人大", "科技孵化")),
        );
        check(&mut session);
        // Between, on a date other letters have (ordered among them by address).
        save(
            &mut session,
            "content/2023/p07-b.md",
            Some(letter(92, "2023-03-02", "市人大", "科技金融")),
        );
        check(&mut session);
        // Two at once, one of them in a year of its own.
        site.write(
            "content/2024/two.md",
            letter(93, "2024-01-05", "市政协", "新主题"),
        );
        site.write(
            "content/2023/three.md",
            letter(94, "2023-04-03", "市政协", "人才引育"),
        );
        session
            .rebuild_content(&[
                root.join("content/2024/two.md"),
                root.join("content/2023/three.md"),
            ])
            .unwrap();
        check(&mut session);
        // Deleted: the newest, the oldest, one between; lists lose their last pages.
        for rel in [
            "content/2023/z-newest.md",
            "content/2023/a-oldest.md",
            "content/2023/p07-b.md",
            "content/2024/two.md",
        ] {
            let deleted = save(&mut session, rel, None);
            assert!(!deleted.removed.is_empty() || rel != "content/2024/two.md");
            check(&mut session);
        }
        // Moved: redated from the middle to the newest, then to another committee and topic.
        let moved = letter(8, "2023-11-30", "市人大", "科技孵化");
        save(&mut session, "content/2023/p08.md", Some(moved));
        check(&mut session);
        let moved = letter(8, "2023-11-30", "市政协", "新主题");
        save(&mut session, "content/2023/p08.md", Some(moved));
        check(&mut session);
        // Renamed: same date as others, a new place among them.
        std::fs::rename(
            root.join("content/2023/p03.md"),
            root.join("content/2023/a03.md"),
        )
        .unwrap();
        session
            .rebuild_content(&[
                root.join("content/2023/p03.md"),
                root.join("content/2023/a03.md"),
            ])
            .unwrap();
        check(&mut session);
    }
}

/// After letters change, list pages after the first are left for later: rendered when asked for,
/// or all at once by `complete`, and in either case what a fresh build gives. A page left for later
/// that fails to render (a template that fails on one letter's values) is a problem `complete`
/// reports, and the next rebuild renders it again.
#[test]
fn pages_left_for_later_are_rendered_when_asked_for_or_completed_and_report_their_problems() {
    let site = Site::fixture("basic");
    // A template that fails on one title, on list pages after the first only.
    let term = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/term.html"
    );
    let term = std::fs::read_to_string(term).unwrap();
    let trap = "{% if pager.current > 1 %}{% for item in letters %}{% if item.title == \"陷阱\" %}{{ item.title | round }}{% endif %}{% endfor %}{% endif %}";
    site.write(
        "themes/default/templates/term.html",
        term.replacen(
            "{%- block content %}",
            &format!("{{%- block content %}}{trap}"),
            1,
        ),
    );
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    session.complete(|| false).unwrap();
    assert_same_as_fresh_build(&site, &mut session);
    let root = session.root().to_path_buf();
    let newest = "content/2023/z.md";
    site.write(newest, listed_letter(1, "2023-12-01", "市政协", "人才引育"));
    let added = session.rebuild_content(&[root.join(newest)]).unwrap();
    assert!(
        added.later > 0 && added.later < added.changed.len(),
        "{added:?}"
    );
    // Asked for before `complete`: rendered then.
    let page = "years/2023/page/2/index.html";
    assert!(added.changed.contains(&page.to_owned()));
    let fresh = {
        site.build().success();
        site.output().remove(page).unwrap()
    };
    assert_eq!(session.page(page).unwrap().to_vec(), fresh);
    // `complete` stops when told to, and goes on at the next call.
    session.complete(|| true).unwrap();
    session.complete(|| false).unwrap();
    assert_same_as_fresh_build(&site, &mut session);

    // An old letter with the trap's title lands on a later page only.
    let old = "content/2022/a.md";
    let mut text = listed_letter(2, "2022-01-01", "市政协", "人才引育");
    text = text.replace("关于第2号提案的答复函", "陷阱");
    site.write(old, text);
    session.rebuild_content(&[root.join(old)]).unwrap();
    let problems = session.complete(|| false).unwrap_err();
    assert!(problems[0].to_string().contains("round"), "{problems:?}");
    // Fixed: the failed pages are rendered again.
    site.write(old, listed_letter(2, "2022-01-01", "市政协", "人才引育"));
    session.rebuild_content(&[root.join(old)]).unwrap();
    session.complete(|| false).unwrap();
    assert_same_as_fresh_build(&site, &mut session);
}

/// The preview makes the whole search index on a thread of its own after letters are added or
/// removed; saves that come meanwhile must not leave it behind. An index made for an earlier build
/// is brought up to date with the letters edited since, and one made before letters were added or
/// removed again is dropped (the next job makes the newer one).
#[test]
fn a_search_index_made_for_an_earlier_build_is_brought_up_to_date_or_dropped() {
    let site = Site::fixture("basic");
    let mut session = Session::new(site.root(), Mode::Publish);
    session.rebuild(&[]).unwrap();
    session.refresh_search();
    let root = session.root().to_path_buf();
    let (added, edited) = ("content/2023/new.md", "content/2023/ti-101.md");
    site.write(added, listed_letter(1, "2023-05-01", "市政协", "人才引育"));
    session.rebuild_content(&[root.join(added)]).unwrap();
    assert!(
        !session.search_is_current(),
        "an add makes the index again apart"
    );
    let job = session.search_job().expect("a job to make the index");
    site.write(edited, listed_letter(2, "2023-06-01", "市人大", "科技孵化"));
    session.rebuild_content(&[root.join(edited)]).unwrap();
    let applied = session.apply_search(job.run()).expect("brought up to date");
    assert!(!applied.changed.is_empty());
    assert!(session.search_is_current());
    assert_same_as_fresh_build(&site, &mut session);

    // Made, then a letter is added before it is served: dropped, and made again.
    site.write(edited, listed_letter(3, "2023-07-01", "市人大", "科技孵化"));
    session.rebuild_content(&[root.join(edited)]).unwrap();
    let other = "content/2022/other.md";
    site.write(other, listed_letter(4, "2022-07-01", "市政协", "人才引育"));
    session.rebuild_content(&[root.join(other)]).unwrap();
    let job = session.search_job().expect("a job to make the index");
    site.remove(other);
    session.rebuild_content(&[root.join(other)]).unwrap();
    let third = "content/2022/third.md";
    site.write(third, listed_letter(5, "2022-08-01", "市政协", "人才引育"));
    session.rebuild_content(&[root.join(third)]).unwrap();
    // Same letter count as when made, but not the same letters: updated in place all the same.
    assert!(session.apply_search(job.run()).is_some());
    assert_same_as_fresh_build(&site, &mut session);
    let another = "content/2022/another.md";
    site.write(
        another,
        listed_letter(6, "2022-09-01", "市政协", "人才引育"),
    );
    session.rebuild_content(&[root.join(another)]).unwrap();
    let job = session.search_job().expect("a job to make the index");
    site.write(
        "content/2022/more.md",
        listed_letter(7, "2022-10-01", "市政协", "人才引育"),
    );
    session
        .rebuild_content(&[root.join("content/2022/more.md")])
        .unwrap();
    assert!(session.apply_search(job.run()).is_none(), "dropped");
    assert!(!session.search_is_current());
    assert_same_as_fresh_build(&site, &mut session);
}
