//! `dafu check`: what build validates plus the publication checks, every finding at its file, line and
//! column, in four formats, with the documented exit status, and nothing written.

mod common;

use common::{Site, snapshot_dir};

const HEAD: &str = "---\ntitle: 关于检查的答复函\ndate: 2023-07-01\ncommittee: 市政协\n";

/// A letter with `front` added to the front matter and `body` as its text. The body starts on line 6
/// when `front` is empty.
fn letter(front: &str, body: &str) -> String {
    format!("{HEAD}{front}---\n{body}")
}

fn check(site: &Site, args: &[&str]) -> common::Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    site.run(&all)
}

#[test]
fn a_clean_site_passes_and_nothing_is_written() {
    let site = Site::fixture("basic");
    let before = snapshot_dir(site.root());
    let run = check(&site, &[]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr()
            .contains("check: 0 errors, 0 warnings in 7 letters"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        snapshot_dir(site.root()),
        before,
        "check must not write anything"
    );
}

#[test]
fn a_private_mobile_number_is_an_error_at_its_line_and_column() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/phone.md",
        letter("", "某委员：\n\n如有疑问请联系办事员，手机13812345678。\n"),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let out = run.stdout();
    assert!(
        out.starts_with("content/2023/phone.md:8:14: error: a mobile phone number (138****5678) in the published text is not one of the bureau's contacts"),
        "{out}"
    );
    assert!(
        !out.contains("13812345678"),
        "the number is never printed whole"
    );
    assert!(out.contains("  help: remove it or mask it"), "{out}");
}

#[test]
fn the_bureau_s_own_contact_numbers_may_appear_in_the_body() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/contact.md",
        letter(
            "contacts:\n  - {name: 林晓, phone: \"0577-88000001，13750908558\"}\n",
            "某委员：\n\n正文。\n\n联系人：林晓，联系电话：88000001，手机：137-5090-8558\n",
        ),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
}

#[test]
fn an_id_number_with_a_valid_check_digit_is_an_error_and_other_numbers_are_not() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/id.md",
        letter(
            "",
            "某委员：\n\n身份证号：11010519491231002X。\n\n温科提复〔2023〕98号，第20240076号建议，2023年投入13800000000元，账号110105194912310021。\n",
        ),
    );
    let run = check(&site, &["--format", "json"]);
    assert_eq!(run.code(), 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let found = report["diagnostics"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "private-id-number");
    assert_eq!(
        (found[0]["line"].as_u64(), found[0]["column"].as_u64()),
        (Some(8), Some(6))
    );
}

#[test]
fn what_is_not_published_is_not_checked_for_private_data() {
    let site = Site::fixture("basic");
    // A 摘要公开 letter publishes only its summary: its body may hold a number, its summary may not.
    site.write(
        "content/2023/summary.md",
        letter(
            "disclosure: 摘要公开\nsummary: 已办理，联系手机13812345678。\n",
            "某委员：\n\n内部：手机13912345678。\n",
        ),
    );
    site.write(
        "content/2023/withheld2.md",
        letter(
            "doc_number: 测科提复〔2023〕77号\ndisclosure: 不予公开\n",
            "某委员：\n\n手机13912345678。\n",
        ),
    );
    let run = check(&site, &[]);
    let out = run.stdout();
    assert_eq!(
        out.lines().filter(|l| l.contains(": error: ")).count(),
        1,
        "{out}"
    );
    assert!(
        out.starts_with("content/2023/summary.md:6:18: error: a mobile phone number"),
        "{out}"
    );
}

#[test]
fn unrendered_double_asterisks_are_errors() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/bold.md",
        letter(
            "",
            "某委员：\n\n　　**一是加快推进。**按计划实施。\n\n　　**二是完善机制。按计划实施。\n",
        ),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1);
    let out = run.stdout();
    assert!(
        out.starts_with(
            "content/2023/bold.md:10:3: error: `**` would be published as two asterisks"
        ),
        "{out}"
    );
    assert_eq!(out.matches(": error: ").count(), 1, "{out}");
}

#[test]
fn mixed_punctuation_is_a_warning_that_fails_only_when_warnings_are_denied() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/punct.md",
        letter("", "某委员:\n\n我们认为,该建议可行。\n"),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 0, "{}", run.stdout());
    let out = run.stdout();
    assert!(
        out.contains("content/2023/punct.md:6:4: warning: half-width `:` in Chinese text\n  help: in Chinese text write the full-width `：`"),
        "{out}"
    );
    assert!(
        out.contains("content/2023/punct.md:8:5: warning: half-width `,`"),
        "{out}"
    );
    assert!(
        run.stderr().contains("0 errors, 2 warnings"),
        "{}",
        run.stderr()
    );
    assert_eq!(check(&site, &["--deny-warnings"]).code(), 1);
}

#[test]
fn links_that_lead_nowhere_are_errors_and_good_links_pass() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/links.md",
        letter(
            "",
            "某委员：\n\n\
             参见[第101号提案答复](../ti-101/)、[首页](../../)、[年度](/jyta/years/2023/)、\
             [政府网](https://www.gov.cn/)和[同站全址](https://kjj.example.gov.cn/jyta/2022/ti-202/)。\n\n\
             另见[旧答复](../ti-999/)与[源文件](ti-101.md)，[内部](../../2022/withheld/)，\
             [锚点](../ti-101/#no-such-anchor)。\n",
        ),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    let out = run.stdout();
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 4, "{out}");
    assert!(
        errors[0].starts_with("content/2023/links.md:10:9: error: the link `../ti-999/` leads nowhere: the build makes no page `/2023/ti-999/`"),
        "{out}"
    );
    assert!(
        errors[1].contains("the link `ti-101.md` leads nowhere"),
        "{out}"
    );
    assert!(
        out.contains("help: link to the letter's page, not to its file: `../../2023/ti-101/`"),
        "{out}"
    );
    assert!(
        errors[2].contains("leads to a 不予公开 letter, which is never published"),
        "{out}"
    );
    assert!(
        errors[3].contains("leads to a page without the anchor `#no-such-anchor`"),
        "{out}"
    );
}

#[test]
fn a_reply_class_that_site_yaml_does_not_list_is_an_error() {
    let site = Site::fixture("basic");
    site.write("content/2023/class.md", letter("category: D\n", "正文。\n"));
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stdout().starts_with(
            "content/2023/class.md:5: error: `category: D` is not a reply class of this site\n  help: use one of A, B, C"
        ),
        "{}",
        run.stdout()
    );
}

#[test]
fn template_errors_are_found_by_rendering_in_memory() {
    let site = Site::fixture("basic");
    site.write(
        "themes/default/templates/letter.html",
        "{% extends \"default/letter.html\" %}{% block content %}{{ letter.no_such_field | upper }}{% endblock %}",
    );
    let before = snapshot_dir(site.root());
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stdout()
            .starts_with("themes/default/templates/letter.html:1:"),
        "{}",
        run.stdout()
    );
    assert_eq!(snapshot_dir(site.root()), before, "nothing written");
}

#[test]
fn build_errors_are_check_errors_too() {
    let site = Site::fixture("basic");
    site.write("content/2023/bad.md", "项委员：\n\n您好。\n");
    site.write(
        "content/2023/dup.md",
        letter("doc_number: 测科提复〔2023〕11号\n", "正文。\n"),
    );
    let run = check(&site, &[]);
    assert_eq!(run.code(), 1);
    let out = run.stdout();
    assert!(
        out.contains("content/2023/bad.md:1:1: error: the letter does not start with front matter"),
        "{out}"
    );
    assert!(out.contains("content/2023/dup.md:5: error: 文号 `测科提复〔2023〕11号` is also used by content/2023/ti-101.md"), "{out}");
}

#[test]
fn ci_formats_carry_file_line_and_column() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/phone.md",
        letter("", "某委员：\n\n手机13812345678。\n\n我们认为,可行。\n"),
    );
    let github = check(&site, &["--format", "github"]);
    assert_eq!(github.code(), 1);
    let lines: Vec<String> = github.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("::error file=content/2023/phone.md,line=8,col=3,title=dafu/private-phone::a mobile phone number"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("%0Ahelp: "), "{}", lines[0]);
    assert!(
        lines[1].starts_with(
            "::warning file=content/2023/phone.md,line=10,col=5,title=dafu/mixed-punctuation::"
        ),
        "{}",
        lines[1]
    );

    let gitlab = check(&site, &["--format", "gitlab"]);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&gitlab.stdout()).unwrap();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["location"]["path"], "content/2023/phone.md");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 8);
    assert_eq!(issues[0]["severity"], "critical");
    assert_eq!(issues[1]["severity"], "minor");
    assert_eq!(issues[0]["fingerprint"].as_str().unwrap().len(), 64);

    let json = check(&site, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(report["schema"], "dafu-check/1");
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["warnings"], 1);
    assert_eq!(report["summary"]["letters"], 8);
}

#[test]
fn paths_are_relative_to_where_dafu_runs() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/phone.md",
        letter("", "某委员：\n\n手机13812345678。\n"),
    );
    let run = common::run_in(
        site.root().parent().unwrap(),
        &[
            "check",
            "--root",
            site.root().file_name().unwrap().to_str().unwrap(),
            "--format",
            "github",
        ],
    );
    let name = site
        .root()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        run.stdout().starts_with(&format!(
            "::error file={name}/content/2023/phone.md,line=8,"
        )),
        "{}",
        run.stdout()
    );
}

#[test]
fn usage_errors_exit_with_status_2() {
    let site = Site::fixture("basic");
    assert_eq!(check(&site, &["--format", "xml"]).code(), 2);
    assert_eq!(check(&site, &["--no-such-flag"]).code(), 2);
}
