//! Bad input: every problem reported as `path:line:col: error: …` with what to do, exit status 1,
//! and the previous output left exactly as it was.

mod common;

use common::Site;

/// Builds the basic fixture once (so there is a published site to protect), applies `change`, builds
/// again, and returns the failed build's stderr after checking `public/` did not change.
fn failing_build(change: impl FnOnce(&Site)) -> String {
    let site = Site::fixture("basic");
    site.build().success();
    let before = site.output();
    change(&site);
    let run = site.build();
    run.failure();
    assert_eq!(site.output(), before, "a failed build changed public/");
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("dafu"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    run.stderr()
}

const GOOD_HEAD: &str = "---\ntitle: 关于测试的答复函\ndate: 2023-07-01\ncommittee: 市政协\n";

fn letter(extra_front: &str, body: &str) -> String {
    format!("{GOOD_HEAD}{extra_front}---\n{body}")
}

#[test]
fn letter_without_front_matter() {
    let err = failing_build(|s| {
        s.write("content/2023/bad.md", "项委员：\n\n您好。\n");
    });
    assert_eq!(
        err,
        "content/2023/bad.md:1:1: error: the letter does not start with front matter\n  \
         help: the first line must be `---`, followed by the letter's fields (title, date, committee …) and another `---` line. Did you forget to add `---`?\n\
         \nbuild failed: 1 problem in 1 file; public was left as it was\n"
    );
}

#[test]
fn front_matter_never_closed() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            "---\ntitle: 关于测试的答复函\ndate: 2023-07-01\n\n项委员：\n",
        );
    });
    assert!(
        err.starts_with(
            "content/2023/bad.md:1:1: error: the front matter opened here is never closed\n  \
         help: add a line with only `---` after the last field, before the letter's text\n"
        ),
        "{err}"
    );
}

#[test]
fn yaml_syntax_error_names_the_line() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            "---\ntitle: \"关于测试的答复函\ndate: 2023-07-01\ncommittee: 市政协\n---\n正文\n",
        );
    });
    assert!(err.starts_with("content/2023/bad.md:"), "{err}");
    assert!(
        err.contains("error: the front matter is not valid YAML: "),
        "{err}"
    );
    assert!(
        err.contains("help: check this line's quotes, colons and indentation"),
        "{err}"
    );
}

#[test]
fn tab_in_indentation() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            letter("contacts:\n\t- {name: 林晓}\n", "正文\n"),
        );
    });
    assert!(
        err.starts_with(
            "content/2023/bad.md:6:1: error: a tab is used for indentation\n  \
         help: YAML allows only spaces for indentation: replace the tab with two spaces\n"
        ),
        "{err}"
    );
}

#[test]
fn misspelt_key_is_an_error_with_a_suggestion() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            letter("topcis: [科技金融]\n", "正文\n"),
        );
    });
    assert!(
        err.starts_with(
            "content/2023/bad.md:5:1: error: unknown key `topcis`\n  \
         help: did you mean `topics`? Keys are spelt exactly as in the content format\n"
        ),
        "{err}"
    );
}

#[test]
fn wrong_type_of_value() {
    let err = failing_build(|s| {
        s.write("content/2023/bad.md", letter("draft: 是的\n", "正文\n"));
    });
    assert!(err.starts_with("content/2023/bad.md:5:"), "{err}");
    assert!(
        err.contains(
            "error: wrong kind of value: invalid type: string \"是的\", expected a boolean"
        ),
        "{err}"
    );
    assert!(err.contains("help: write `true` or `false`"), "{err}");
}

#[test]
fn impossible_date() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            letter("", "正文\n").replace("2023-07-01", "2023-02-30"),
        );
    });
    assert!(err.starts_with(
        "content/2023/bad.md:3: error: `date: 2023-02-30` is not a real calendar date\n  \
         help: write the date as YYYY-MM-DD, e.g. `2023-06-28`, and check the day exists in that month\n"
    ), "{err}");
}

#[test]
fn missing_required_field() {
    let err = failing_build(|s| {
        s.write(
            "content/2023/bad.md",
            "---\ntitle: 关于测试的答复函\ncommittee: 市政协\n---\n正文\n",
        );
    });
    assert!(
        err.starts_with(
            "content/2023/bad.md:1: error: the required key `date` is missing\n  \
         help: add a line `date: 2023-06-28` to the front matter\n"
        ),
        "{err}"
    );
}

#[test]
fn duplicate_doc_number_names_both_letters() {
    let err = failing_build(|s| {
        // The same 文号 as ti-101, typed with square brackets.
        s.write(
            "content/2023/bad.md",
            letter("doc_number: 测科提复[2023]11号\n", "正文\n"),
        );
    });
    assert_eq!(
        err,
        "content/2023/bad.md:5: error: 文号 `测科提复[2023]11号` is also used by content/2023/ti-101.md\n  \
         help: each letter has its own 文号: correct the number in one of the letters\n\
         content/2023/ti-101.md:11: error: 文号 `测科提复〔2023〕11号` is also used by content/2023/bad.md\n  \
         help: each letter has its own 文号: correct the number in one of the letters\n\
         \nbuild failed: 2 problems in 2 files; public was left as it was\n"
    );
}

#[test]
fn two_letters_on_one_url() {
    let err = failing_build(|s| {
        s.write("content/2023/other.md", letter("slug: ti-101\n", "正文\n"));
    });
    assert!(err.starts_with(
        "content/2023/other.md:5: error: the page /2023/ti-101/ would also be written by content/2023/ti-101.md\n  \
         help: give one of the letters another file name, or set `slug:` in its front matter\n"
    ), "{err}");
}

#[test]
fn slug_with_slash_or_dots() {
    for slug in ["a/b", "..", "../../etc"] {
        let err = failing_build(|s| {
            s.write(
                "content/2023/bad.md",
                letter(&format!("slug: \"{slug}\"\n"), "正文\n"),
            );
        });
        assert!(
            err.starts_with(&format!(
                "content/2023/bad.md:5: error: `slug: {slug}` cannot be used in a web address\n"
            )),
            "{err}"
        );
    }
}

#[test]
fn gbk_file_is_named_with_how_to_convert() {
    let err = failing_build(|s| {
        let text = letter("", "周委员：\n\n您好。\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        s.write("content/2023/gbk.md", gbk);
    });
    assert!(err.starts_with(
        "content/2023/gbk.md: error: the file is not UTF-8: it looks like GBK (GB2312/GB18030), the default of many Chinese Windows editors\n  \
         help: save it again as UTF-8"
    ), "{err}");
}

#[test]
fn empty_file() {
    let err = failing_build(|s| {
        s.write("content/2023/empty.md", "");
    });
    assert!(
        err.starts_with("content/2023/empty.md: error: the file is empty\n"),
        "{err}"
    );
}

#[test]
fn every_bad_letter_is_reported_not_only_the_first() {
    let err = failing_build(|s| {
        s.write("content/2023/a.md", "");
        s.write("content/2023/b.md", letter("topcis: []\n", ""));
        s.write(
            "content/2022/c.md",
            letter("", "").replace("2023-07-01", "2022-13-01"),
        );
    });
    let located: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(located.len(), 3, "{err}");
    assert!(located[0].starts_with("content/2022/c.md:3: "), "{err}");
    assert!(located[1].starts_with("content/2023/a.md: "), "{err}");
    assert!(located[2].starts_with("content/2023/b.md:5:1: "), "{err}");
    assert!(
        err.ends_with("build failed: 3 problems in 3 files; public was left as it was\n"),
        "{err}"
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/windows.md",
        format!(
            "\u{feff}{}",
            letter("slug: windows\n", "周委员：\r\n\r\n您好。\r\n").replace('\n', "\r\n")
        ),
    );
    site.build().success();
    assert!(site.page("2023/windows/index.html").contains("您好。"));
}

#[test]
fn template_error_names_template_file_line_and_column() {
    let err = failing_build(|s| {
        s.write("themes/default/templates/letter.html", "{% extends \"default/letter.html\" %}\n{% block title %}{{ letter.title | nosuchfilter }}{% endblock %}\n");
    });
    assert!(
        err.starts_with("themes/default/templates/letter.html:2:"),
        "{err}"
    );
    assert!(err.contains("template error"), "{err}");
}

#[test]
fn template_rendering_error_fails_the_whole_build() {
    let err = failing_build(|s| {
        s.write("themes/default/templates/letter.html", "{% extends \"default/letter.html\" %}\n{% block title %}{{ letter.no_such_field.deeper }}{% endblock %}\n");
    });
    assert!(
        err.starts_with("themes/default/templates/letter.html:2:"),
        "{err}"
    );
}

#[test]
fn bad_site_config_is_reported_at_its_line() {
    let err = failing_build(|s| {
        let config = std::fs::read_to_string(s.path("site.yaml")).unwrap();
        s.write(
            "site.yaml",
            config.replace("paginate_by: 2", "paginate_by: 2\npagniate: 3"),
        );
    });
    assert!(
        err.starts_with("site.yaml:5:1: error: unknown key `pagniate`\n"),
        "{err}"
    );
}
