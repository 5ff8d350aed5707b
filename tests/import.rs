//! `dafu import` with the real binary, over letters written for these tests in the shapes real
//! letters come in (tests/fixtures/import/letters), in every encoding, and as Word files built here.

mod common;

use std::fs;
use std::io::{Cursor, Write};

use common::{Site, snapshot};

const SEED_SHAPE: &str = include_str!("fixtures/import/letters/seed-shape.txt");

/// The front matter of the letter written from seed-shape.txt, exactly.
const SEED_SHAPE_FRONT: &str = "---
title: 关于市政协十三届三次会议第0217号提案的答复函
date: 2024-06-12
committee: 市政协
kind: 提案
session: 十三届三次会议
number: '0217'
proposal_title: 关于加快建设科技企业孵化器的提案
proposers:
- 林书恒
addressee: 林书恒委员
doc_number: 示科提复〔2024〕17号
issuer: 示例市科学技术局
contacts:
- role: 联系人
  name: 周明远
  phone: 86051288，13905551234
cc:
- 市府办
- 市政协提案委
extra:
  printed: 2024-06-12
  printed_by: 示例市科学技术局办公室
---
";

fn read(site: &Site, rel: &str) -> String {
    fs::read_to_string(site.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The Han characters of `text`, in order.
fn han(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\u{4E00}'..='\u{9FFF}'))
        .collect()
}

fn content(site: &Site) -> std::collections::BTreeMap<String, Vec<u8>> {
    snapshot(&site.path("content"))
}

#[test]
fn a_folder_of_letters_is_imported_and_builds() {
    let site = Site::fixture("import");
    let run = site.run(&["import", "letters"]);
    run.success();
    let out = run.stdout();
    for line in [
        "letters/seed-shape.txt: written to content/2024/ti-0217.md",
        "letters/indented-crlf.txt: written to content/2023/jian-qu-DH0271.md",
        "letters/county.md: written to content/2024/ti-xian-20240076.md",
        "letters/xieban.txt: written to content/2022/ti-207-xieban.md",
        "letters/seed-shape.txt: no reply class (答复类别) found",
        "letters/xieban.txt: no 文号 found",
        "letters/seed-shape.txt: note: joined a paragraph split by a page break: `…物医药的概念验证` + `中心，加快早期成…`",
        "letters/indented-crlf.txt: note: 文号 printed as `东科建复[2023]5`, written in the standard form `东科建复〔2023〕5号`",
        "4 imported, 0 already there, 0 to fix in _import, 0 not imported",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }
    assert!(
        !out.contains("letters/seed-shape.txt: no 文号 found"),
        "{out}"
    );

    let letter = read(&site, "content/2024/ti-0217.md");
    assert!(letter.starts_with(SEED_SHAPE_FRONT), "{letter}");
    let body = &letter[SEED_SHAPE_FRONT.len()..];
    assert!(body.starts_with("林书恒委员：\n\n"), "{body}");
    assert!(body.contains("概念验证中心，加快早期成果熟化。"));
    assert!(body.contains("青年科技人才来我市创新创业。"));
    // Every Chinese character of the letter's own text survives, in order.
    let from = SEED_SHAPE.find("林书恒委员").unwrap();
    let to = SEED_SHAPE.find("联系人：").unwrap();
    assert_eq!(han(body), han(&SEED_SHAPE[from..to]));

    let county = read(&site, "content/2024/ti-xian-20240076.md");
    for line in [
        "committee: 县政协\n",
        "session: 第十届五次会议\n",
        "number: '20240076'\n",
        "category: A\n",
        "disclosure: 全文公开\n",
        "- 县政府办\n- 县政协提案委\n",
        "\n- **分类选派。**根据产业需求",
    ] {
        assert!(county.contains(line), "missing `{line}` in:\n{county}");
    }
    let xieban = read(&site, "content/2022/ti-207-xieban.md");
    assert!(
        xieban.contains("role: 协办\n") && xieban.contains("proposers:\n- 郑海峰\n"),
        "{xieban}"
    );

    site.build().success();
    assert!(
        site.page("2024/ti-0217/index.html")
            .contains("示科提复〔2024〕17号")
    );
}

#[test]
fn importing_again_duplicates_nothing_and_force_replaces() {
    let site = Site::fixture("import");
    site.run(&["import", "letters"]).success();
    let first = content(&site);

    let again = site.run(&["import", "letters"]);
    again.success();
    assert!(
        again.stdout().contains("letters/seed-shape.txt: already imported as content/2024/ti-0217.md (the same 文号 示科提复〔2024〕17号); skipped, use --force to replace it"),
        "{}",
        again.stdout()
    );
    assert!(
        again.stdout().contains("0 imported, 4 already there"),
        "{}",
        again.stdout()
    );
    assert_eq!(content(&site), first, "a second run changes nothing");

    // An editor's change is kept unless --force.
    site.write("content/2024/ti-0217.md", "---\ntitle: 改过\ndate: 2024-06-12\ncommittee: 市政协\ndoc_number: 示科提复〔2024〕17号\n---\n改过的正文\n");
    site.run(&["import", "letters/seed-shape.txt"]).success();
    assert!(read(&site, "content/2024/ti-0217.md").contains("改过的正文"));
    let forced = site.run(&["import", "--force", "letters/seed-shape.txt"]);
    forced.success();
    assert!(
        forced
            .stdout()
            .contains("letters/seed-shape.txt: replaced content/2024/ti-0217.md"),
        "{}",
        forced.stdout()
    );
    assert!(read(&site, "content/2024/ti-0217.md").starts_with(SEED_SHAPE_FRONT));
    assert_eq!(content(&site), first);
}

#[test]
fn dry_run_writes_nothing() {
    let site = Site::fixture("import");
    let before = content(&site);
    let run = site.run(&["import", "--dry-run", "letters", "problems"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stdout()
            .contains("letters/seed-shape.txt: would be written to content/2024/ti-0217.md"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr()
            .contains("problems/incomplete.txt: would be written to content/_import/incomplete.md"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stdout()
            .contains("dry run, nothing written: 4 imported"),
        "{}",
        run.stdout()
    );
    assert_eq!(content(&site), before);
}

#[test]
fn a_letter_that_is_not_valid_yet_is_parked_with_the_reasons() {
    let site = Site::fixture("import");
    let run = site.run(&["import", "problems/incomplete.txt"]);
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains(
            "problems/incomplete.txt: written to content/_import/incomplete.md to be fixed"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "content/_import/incomplete.md:1: error: the required key `committee` is missing"
        ),
        "{err}"
    );
    assert!(
        err.contains("content/_import/incomplete.md:1: error: the required key `date` is missing"),
        "{err}"
    );
    let out = run.stdout();
    for line in [
        "problems/incomplete.txt: no 文号 found",
        "problems/incomplete.txt: no date (成文日期) found",
        "problems/incomplete.txt: note: the date `2023年2月30日` is not a real calendar day: left out, check the paper letter",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }
    let parked = read(&site, "content/_import/incomplete.md");
    assert!(
        parked.contains("issuer: 示例市科学技术局\n") && parked.contains("你们提出的意见收悉。"),
        "{parked}"
    );
    // The site still builds: `_import` is not part of it.
    site.build().success();
    // And the parked file is not written over by a second run.
    let again = site.run(&["import", "problems/incomplete.txt"]);
    again.success();
    assert!(
        again
            .stdout()
            .contains("already imported as content/_import/incomplete.md"),
        "{}",
        again.stdout()
    );
}

#[test]
fn gbk_and_utf16_files_import_like_utf8() {
    let site = Site::fixture("import");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(SEED_SHAPE);
    assert!(!unmappable);
    site.write("gbk/letter.txt", &gbk);
    let run = site.run(&["import", "gbk"]);
    run.success();
    assert!(
        run.stdout()
            .contains("gbk/letter.txt: note: read as GBK and converted to UTF-8"),
        "{}",
        run.stdout()
    );
    let from_gbk = read(&site, "content/2024/ti-0217.md");
    assert!(from_gbk.starts_with(SEED_SHAPE_FRONT), "{from_gbk}");

    for (name, big_endian) in [("le", false), ("be", true)] {
        let site = Site::fixture("import");
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in SEED_SHAPE.replace('\n', "\r\n").encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        site.write(&format!("{name}.txt"), &bytes);
        let run = site.run(&["import", &format!("{name}.txt")]);
        run.success();
        assert!(
            run.stdout().contains(&format!(
                "{name}.txt: note: read as UTF-16{} and converted to UTF-8",
                name.to_uppercase()
            )),
            "{}",
            run.stdout()
        );
        assert_eq!(read(&site, "content/2024/ti-0217.md"), from_gbk, "{name}");
    }
}

#[test]
fn unreadable_files_are_named_and_nothing_is_written() {
    let site = Site::fixture("import");
    site.write("bad/old.doc", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00");
    site.write(
        "bad/binary.txt",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00",
    );
    site.write(
        "bad/latin.txt",
        b"Caf\xE9 cr\xE8me br\xFBl\xE9e na\xEFve fa\xE7ade r\xE9sum\xE9",
    );
    site.write("bad/fake.docx", b"this is not a zip archive");
    site.write("bad/empty.txt", "\n\n");
    site.write("bad/letter.md", "---\ntitle: 已是内容文件\n---\n正文\n");
    let before = content(&site);
    let run = site.run(&["import", "bad"]);
    run.failure();
    let err = run.stderr();
    for line in [
        "bad/binary.txt: error: this is not a text file (it holds binary data)",
        "bad/latin.txt: error: cannot tell how the text is encoded: it is not UTF-8, UTF-16 or GBK/GB18030",
        "bad/fake.docx: error: this is not a Word .docx file (it is not a zip archive)",
        "bad/empty.txt: error: the file holds no text",
        "bad/letter.md: error: the file already starts with front matter (`---`): it looks like a content file, not an old letter",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    assert!(
        run.stdout().contains(
            "bad/old.doc: not imported: a .doc file: open it in Word or WPS and save it as .docx"
        ),
        "{}",
        run.stdout()
    );
    assert_eq!(content(&site), before);

    let missing = site.run(&["import", "no-such-folder"]);
    assert_eq!(missing.code(), 2);
    assert!(
        missing
            .stderr()
            .contains("error: `no-such-folder` does not exist"),
        "{}",
        missing.stderr()
    );
}

#[test]
fn a_letter_already_in_the_archive_is_not_imported_twice() {
    let site = Site::fixture("import");
    // content/2023/jian-96.md carries 示科建复〔2023〕8号; this copy prints it with other brackets.
    site.write(
        "old/0096.txt",
        "示科建复[2023]8号\n\n关于市十六届人大二次会议第96号建议的答复函\n\n许文静代表：\n\n您提出的建议收悉。\n\n示例市科学技术局\n2023年6月30日\n",
    );
    // Another letter with the same number but another 文号 gets its own name.
    site.write(
        "old/other.txt",
        "示科建复〔2023〕9号\n\n关于市十六届人大二次会议第96号建议的答复函\n\n许文静代表：\n\n又一封答复。\n\n示例市科学技术局\n2023年7月30日\n",
    );
    let before = read(&site, "content/2023/jian-96.md");
    let run = site.run(&["import", "old"]);
    run.success();
    let out = run.stdout();
    assert!(out.contains("old/0096.txt: already imported as content/2023/jian-96.md (the same 文号 示科建复〔2023〕8号)"), "{out}");
    assert!(
        out.contains("old/other.txt: written to content/2023/jian-96-2.md"),
        "{out}"
    );
    assert_eq!(read(&site, "content/2023/jian-96.md"), before);
    site.build().success();
}

#[test]
fn importing_the_site_folder_leaves_its_own_letters_alone() {
    let site = Site::fixture("import");
    let run = site.run(&["import", "."]);
    assert_eq!(run.code(), 1, "{}", run.stderr()); // problems/incomplete.txt
    assert!(
        !run.stdout().contains("content/2023/jian-96.md:"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("4 imported"), "{}", run.stdout());
}

// ---------------------------------------------------------------------------------------------
// Word files, built here part by part.

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn docx(document_body: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{document_body}<w:sectPr/></w:body></w:document>"#
    );
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut parts = vec![
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document.as_str()),
    ];
    parts.extend_from_slice(extra);
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn p(inner: &str) -> String {
    format!("<w:p>{inner}</w:p>")
}

fn r(text: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

fn b(text: &str) -> String {
    format!(r#"<w:r><w:rPr><w:b/></w:rPr><w:t>{text}</w:t></w:r>"#)
}

fn numbered(num: u32, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr></w:pPr>{}</w:p>"#,
        r(text)
    )
}

const NUMBERING: &str = r#"<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>"#;

const COMMENTS: &str = r#"<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="0" w:author="科室"><w:p><w:r><w:t>数字再核一下</w:t></w:r></w:p></w:comment></w:comments>"#;

fn word_letter() -> Vec<u8> {
    let cell = |t: &str| format!("<w:tc>{}</w:tc>", p(&r(t)));
    let row = |a: &str, b: &str| format!("<w:tr>{}{}</w:tr>", cell(a), cell(b));
    let body = [
        p(&r("答复类别：A类")),
        p(&r("示科提复〔2024〕21号")),
        p(&r("关于市政协十三届三次会议第0318号提案的")),
        p(&r("答复函")),
        p(&r("陈立、周敏委员：")),
        p(&r(
            "你们提出的《关于完善科技金融服务体系的提案》收悉。现答复如下：",
        )),
        numbered(1, "关于科技信贷"),
        p(&[
            b("一是扩大风险池。"),
            r("今年风险池规模"),
            r#"<w:ins w:id="1" w:author="科室">"#.into(),
            r("增加到"),
            "</w:ins>".into(),
            r#"<w:del w:id="2" w:author="科室"><w:r><w:delText>保持在</w:delText></w:r></w:del>"#
                .into(),
            r#"<w:commentRangeStart w:id="0"/>"#.into(),
            r("五亿元"),
            r#"<w:commentRangeEnd w:id="0"/>"#.into(),
            r("。"),
        ]
        .concat()),
        format!(
            "<w:tbl>{}{}{}</w:tbl>",
            row("产品", "发放额（亿元）"),
            row("科创贷", "12.5"),
            row("人才贷", "3.2")
        ),
        numbered(1, "关于科技保险"),
        numbered(2, "扩大首台套保险覆盖面；"),
        numbered(2, "试点研发费用损失保险。"),
        p(&r("感谢你们对科技金融工作的关心。")),
        p(&r("联系人：刘芳　联系电话：86051236")),
        p(&r("示例市科学技术局")),
        p(&r("2024年7月2日")),
        p(&r("抄送：市府办、市政协提案委、市金融办")),
    ]
    .concat();
    docx(
        &body,
        &[
            ("word/numbering.xml", NUMBERING),
            ("word/comments.xml", COMMENTS),
        ],
    )
}

#[test]
fn a_word_letter_with_tracked_changes_and_a_comment_is_imported() {
    let site = Site::fixture("import");
    site.write("word/答复函.docx", word_letter());
    let run = site.run(&["import", "word"]);
    run.success();
    let out = run.stdout();
    assert!(
        out.contains("word/答复函.docx: written to content/2024/ti-0318.md"),
        "{out}"
    );
    assert!(out.contains("word/答复函.docx: note: the Word file has tracked changes: imported its text as if every change were accepted (1 insertion kept, 1 deletion left out)"), "{out}");
    assert!(out.contains("word/答复函.docx: note: the Word file has 1 comment: comments are not part of the letter and were not imported"), "{out}");
    let letter = read(&site, "content/2024/ti-0318.md");
    let expected = "---
title: 关于市政协十三届三次会议第0318号提案的答复函
date: 2024-07-02
committee: 市政协
kind: 提案
session: 十三届三次会议
number: '0318'
proposal_title: 关于完善科技金融服务体系的提案
proposers:
- 陈立
- 周敏
addressee: 陈立、周敏委员
doc_number: 示科提复〔2024〕21号
issuer: 示例市科学技术局
category: A
contacts:
- role: 联系人
  name: 刘芳
  phone: '86051236'
cc:
- 市府办
- 市政协提案委
- 市金融办
---
陈立、周敏委员：

你们提出的《关于完善科技金融服务体系的提案》收悉。现答复如下：

一、关于科技信贷

**一是扩大风险池。**今年风险池规模增加到五亿元。

| 产品 | 发放额（亿元） |
| --- | --- |
| 科创贷 | 12.5 |
| 人才贷 | 3.2 |

二、关于科技保险

1. 扩大首台套保险覆盖面；

2. 试点研发费用损失保险。

感谢你们对科技金融工作的关心。
";
    assert_eq!(letter, expected);
    site.build().success();
    let page = site.page("2024/ti-0318/index.html");
    assert!(page.contains("<strong>一是扩大风险池。</strong>"), "{page}");
    assert!(page.contains("<td>科创贷</td>"), "{page}");
    assert!(page.contains("<li>"), "{page}");
}
