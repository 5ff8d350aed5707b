//! A letter's text, from any source, into fields and a clean body.
//!
//! The text is a list of lines, each in two forms: Markdown (what goes into the body) and plain text
//! (what fields are read from). The lines before the salutation are the header (issuer, 文号, reply
//! class, title); the run of recognised lines at the end is the footer (contact, signature, date,
//! disclosure note, 抄送, 印发). What lies between, from the salutation on, is the body: its
//! paragraphs split by page breaks are joined again, and nothing else of it is changed or dropped.
//! Header or footer lines that are not recognised stay in the body, and the notes say so.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::fields::{
    self, ContactLine, DisclosureNote, DocNumber, Printed, PrintedDate, close_cjk_gaps,
    starts_with_enumerator,
};

/// What a line is, for the body's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Text,
    /// A Markdown list item (`- …`, `1. …`).
    ListItem,
    /// A row of a Markdown pipe table.
    TableRow,
}

/// One line of a source letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line as Markdown, for the body.
    pub md: String,
    /// The line as plain text, for reading fields.
    pub plain: String,
    /// A blank line (or a page-number line) came before it.
    pub blank_before: bool,
    /// The source marks it as starting a paragraph (a full-width indent; a Word paragraph).
    pub starts_paragraph: bool,
    pub block: Block,
}

impl Line {
    pub fn text(md: impl Into<String>, plain: impl Into<String>) -> Line {
        Line {
            md: md.into(),
            plain: plain.into(),
            blank_before: false,
            starts_paragraph: false,
            block: Block::Text,
        }
    }
}

static LIST_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[-*+]|\d{1,3}[.)])\s").expect("valid pattern"));

/// Splits plain text or Markdown (LF line ends) into lines. Leading indentation is dropped (it would
/// make Markdown code blocks), and remembered as the start of a paragraph.
pub fn lines_from_text(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut blank = false;
    for raw in text.lines() {
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if trimmed.is_empty() {
            blank = true;
            continue;
        }
        let indent = &raw[..raw.len() - raw.trim_start().len()];
        let indented = indent.contains(['\u{3000}', '\t'])
            || indent.chars().filter(|c| *c == ' ').count() >= 2;
        let block = if trimmed.starts_with('|') {
            Block::TableRow
        } else if LIST_MARKER.is_match(trimmed) {
            Block::ListItem
        } else {
            Block::Text
        };
        let plain = trimmed.trim_start_matches('#').trim_start();
        let plain = if trimmed.starts_with("# ") || trimmed.starts_with("##") {
            plain
        } else {
            trimmed
        };
        lines.push(Line {
            md: trimmed.to_owned(),
            plain: plain.replace("**", "").replace("__", ""),
            blank_before: blank,
            starts_paragraph: indented,
            block,
        });
        blank = false;
    }
    lines
}

/// The fields found in a letter. Everything is optional: what is not found stays `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    pub committee: Option<String>,
    pub kind: Option<&'static str>,
    pub session: Option<String>,
    pub number: Option<String>,
    pub proposal_title: Option<String>,
    pub proposers: Vec<String>,
    pub addressee: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub role: Option<&'static str>,
    pub category: Option<String>,
    pub disclosure: Option<&'static str>,
    pub contacts: Vec<ContactLine>,
    pub cc: Vec<String>,
    pub signer: Option<String>,
    /// 主题词, printed at the foot of older letters.
    pub keywords: Option<String>,
    pub printed_by: Option<String>,
    pub printed: Option<NaiveDate>,
}

/// A letter read from its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub fields: Fields,
    /// The body as Markdown, from the salutation to the closing words.
    pub body: String,
    /// What the editor should know: text kept or joined, values normalised, notes that need a decision.
    pub notes: Vec<String>,
}

/// What a line of the header or footer is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    DocNumber(DocNumber),
    Class(String),
    IssuerHeader(String),
    Signer(String),
    Keywords(String),
    Disclosure(DisclosureNote, String),
    Contact(ContactLine),
    Phone(String),
    Cc(Vec<String>, bool),
    Printed(Printed),
    Date(PrintedDate, Option<(DisclosureNote, String)>),
    OrgDate(String, PrintedDate),
    Org(String),
    Text,
}

static SIGNER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^签\s*发\s*人\s*[：:]\s*(?P<name>[\p{Han}·]{2,6})$").expect("valid pattern")
});

static KEYWORDS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^主\s*题\s*词\s*[：:]\s*(?P<words>\S.*)$").expect("valid pattern")
});

fn classify(lines: &[Line]) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let previous = kinds.last();
        let kind = if line.block != Block::Text {
            Kind::Text
        } else {
            classify_line(&line.plain, i == 0, previous)
        };
        kinds.push(kind);
    }
    kinds
}

fn classify_line(plain: &str, first: bool, previous: Option<&Kind>) -> Kind {
    let line = plain.trim();
    if let Some(Kind::Cc(_, true)) = previous
        && !line.contains(['：', ':'])
    {
        let (items, open) = fields::cc_items(line);
        return Kind::Cc(items, open);
    }
    if let Some(d) = fields::doc_number_line(line) {
        return Kind::DocNumber(d);
    }
    if let Some(c) = fields::class_line(line, first) {
        return Kind::Class(c);
    }
    if let Some(org) = fields::issuer_header(line) {
        return Kind::IssuerHeader(org);
    }
    if let Some(c) = KEYWORDS_LINE.captures(line) {
        let words: Vec<&str> = c["words"].split_whitespace().collect();
        return Kind::Keywords(words.join(" "));
    }
    if let Some(c) = SIGNER_LINE.captures(line) {
        return Kind::Signer(c["name"].to_owned());
    }
    if let Some((note, text)) = fields::disclosure_line(line) {
        return Kind::Disclosure(note, text);
    }
    if let Some(c) = fields::contact_line(line) {
        return Kind::Contact(c);
    }
    if let Some(Kind::Contact(_) | Kind::Phone(_)) = previous
        && let Some(p) = fields::phone_line(line)
    {
        return Kind::Phone(p);
    }
    if let Some((items, open)) = fields::cc_line(line) {
        return Kind::Cc(items, open);
    }
    if let Some(p) = fields::printed_line(line) {
        return Kind::Printed(p);
    }
    let (main, note) = split_trailing_note(line);
    if let Some(d) = fields::date(main) {
        return Kind::Date(d, note);
    }
    if note.is_none()
        && let Some((org, d)) = fields::text_then_date(line)
        && fields::organisation(&org)
    {
        return Kind::OrgDate(org, d);
    }
    if fields::organisation(line) {
        return Kind::Org(close_cjk_gaps(line));
    }
    Kind::Text
}

/// `2023年6月28日（此件公开发布）` → the date part and the note.
fn split_trailing_note(line: &str) -> (&str, Option<(DisclosureNote, String)>) {
    if let Some(open) = line.rfind(['（', '('])
        && let Some(note) = fields::disclosure_line(&line[open..])
    {
        return (line[..open].trim_end(), Some(note));
    }
    (line, None)
}

fn is_footer(kind: &Kind) -> bool {
    !matches!(
        kind,
        Kind::Text | Kind::DocNumber(_) | Kind::IssuerHeader(_) | Kind::Org(_)
    )
}

/// Where the body's prose clearly begins: a sentence, or a line too long for a header.
fn is_prose(line: &Line) -> bool {
    line.block != Block::Text || line.plain.contains('。') || line.plain.chars().count() > 80
}

/// Reads a letter's lines into fields and a body.
pub fn extract(source: &[Line]) -> Extraction {
    let mut notes = Vec::new();
    // Page numbers and "此页无正文" are page furniture, not text: drop them, keeping the break.
    let mut lines: Vec<Line> = Vec::with_capacity(source.len());
    let mut debris = 0;
    let mut pending_break = false;
    for line in source {
        if line.block != Block::TableRow && fields::page_debris(&line.plain) {
            debris += 1;
            pending_break = true;
            continue;
        }
        let mut line = line.clone();
        line.blank_before |= pending_break;
        pending_break = false;
        lines.push(line);
    }
    if debris > 0 {
        notes.push(format!(
            "removed {debris} page-number line{} (such as `- 3 -` or `（此页无正文）`)",
            plural(debris)
        ));
    }
    let kinds = classify(&lines);
    let mut f = Fields::default();

    // The salutation: the first short line ending in a colon, before any prose.
    let salutation = lines
        .iter()
        .position(|l| {
            l.block == Block::Text && fields::salutation(&l.plain).is_some() || is_prose(l)
        })
        .filter(|&i| !is_prose(&lines[i]));
    let header_end =
        salutation.unwrap_or_else(|| lines.iter().position(is_prose).unwrap_or(lines.len()));

    // Header: fields, then title lines; anything else stays in the body.
    let mut kept_before: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut issuer_header = None;
    let mut last_was_text = false;
    for (i, kind) in kinds.iter().enumerate().take(header_end) {
        match kind {
            Kind::Text => {
                if last_was_text && let Some(g) = groups.last_mut() {
                    g.push(i);
                } else {
                    groups.push(vec![i]);
                }
                last_was_text = true;
                continue;
            }
            Kind::DocNumber(d) => {
                if f.doc_number.is_none() {
                    if let Some(printed) = &d.printed {
                        notes.push(format!(
                            "文号 printed as `{printed}`, written in the standard form `{}`",
                            d.value
                        ));
                    }
                    f.doc_number = Some(d.value.clone());
                    f.category = f.category.take().or(d.class.clone());
                    f.signer = f.signer.take().or(d.signer.clone());
                } else {
                    kept_before.push(i);
                }
            }
            Kind::Class(c) => f.category = Some(c.clone()),
            Kind::IssuerHeader(org) | Kind::Org(org) if issuer_header.is_none() => {
                issuer_header = Some(org.clone())
            }
            Kind::Signer(name) => f.signer = Some(name.clone()),
            Kind::Disclosure(note, text) => set_disclosure(&mut f, &mut notes, *note, text),
            _ => kept_before.push(i),
        }
        last_was_text = false;
    }
    for group in &groups {
        match f
            .title
            .is_none()
            .then(|| title_lines(group, &lines))
            .flatten()
        {
            Some(title_range) => {
                let joined: Vec<&str> = group[title_range.clone()]
                    .iter()
                    .map(|&i| lines[i].plain.trim())
                    .collect();
                let title = close_cjk_gaps(&joined.join(" "));
                if joined.len() > 1 {
                    notes.push(format!(
                        "title joined from {} lines: `{title}`",
                        joined.len()
                    ));
                } else if title != joined[0] {
                    notes.push(format!("spaces removed from the title: `{title}`"));
                }
                f.title = Some(title);
                kept_before.extend(&group[..title_range.start]);
                kept_before.extend(&group[title_range.end..]);
            }
            None => kept_before.extend(group),
        }
    }
    kept_before.sort_unstable();
    if !kept_before.is_empty() {
        let shown: Vec<String> = kept_before
            .iter()
            .map(|&i| format!("`{}`", short(&lines[i].plain, 30)))
            .collect();
        notes.push(format!(
            "kept {} line{} found before the salutation at the top of the body, not knowing what {} ({}): remove {} if {} not part of the letter",
            kept_before.len(),
            plural(kept_before.len()),
            if kept_before.len() == 1 { "it is" } else { "they are" },
            shown.join(", "),
            if kept_before.len() == 1 { "it" } else { "them" },
            if kept_before.len() == 1 { "it is" } else { "they are" },
        ));
    }

    // Footer: the recognised lines at the end, after the body. A few unrecognised lines after a
    // signed footer (a web page's `【关闭窗口】`) do not hide it: they stay in the body.
    let body_start = salutation.unwrap_or(header_end);
    let first_possible = (body_start + usize::from(salutation.is_some())).min(lines.len());
    let footer_start_from = |end: usize| {
        let mut start = end;
        while start > first_possible {
            let i = start - 1;
            let in_footer = match &kinds[i] {
                Kind::Org(_) => {
                    start < end
                        && matches!(
                            kinds[start],
                            Kind::Date(..) | Kind::Printed(_) | Kind::OrgDate(..) | Kind::Org(_)
                        )
                }
                k => is_footer(k),
            };
            if !in_footer {
                break;
            }
            start = i;
        }
        start
    };
    let signed = |range: std::ops::Range<usize>| {
        kinds[range]
            .iter()
            .any(|k| matches!(k, Kind::Date(..) | Kind::OrgDate(..)))
    };
    let mut footer_end = lines.len();
    let mut footer_start = footer_start_from(footer_end);
    if !signed(footer_start..footer_end) {
        let trailing = (1..=6.min(lines.len()))
            .map(|n| lines.len() - n)
            .take_while(|&i| i >= first_possible && kinds[i] == Kind::Text)
            .last();
        if let Some(first_trailing) = trailing {
            let start = footer_start_from(first_trailing);
            if start < first_trailing && signed(start..first_trailing) {
                footer_start = start;
                footer_end = first_trailing;
                let shown: Vec<String> = lines[footer_end..]
                    .iter()
                    .map(|l| format!("`{}`", short(&l.plain, 20)))
                    .collect();
                notes.push(format!(
                    "kept {} line{} found after the signature at the end of the body ({}): remove {} if {} not part of the letter",
                    shown.len(),
                    plural(shown.len()),
                    shown.join(", "),
                    if shown.len() == 1 { "it" } else { "them" },
                    if shown.len() == 1 { "it is" } else { "they are" },
                ));
            }
        }
    }
    read_footer(
        &lines[..footer_end],
        &kinds,
        footer_start,
        &mut f,
        &mut notes,
    );
    if f.issuer.is_none() {
        f.issuer = issuer_header;
    } else if let (Some(header), Some(signed)) = (&issuer_header, &f.issuer)
        && header != signed
    {
        notes.push(format!(
            "the header names `{header}` but the letter is signed by `{signed}`: `issuer` is the signature"
        ));
    }

    // Body: the kept header lines, then everything from the salutation to the footer.
    let body_lines: Vec<&Line> = kept_before
        .iter()
        .map(|&i| &lines[i])
        .chain(lines[body_start.min(footer_start)..footer_start].iter())
        .chain(lines[footer_end..].iter())
        .collect();
    let paragraphs = paragraphs(&body_lines, &mut notes);
    f.addressee = salutation.and_then(|i| fields::salutation(&lines[i].plain));
    if let Some(a) = &f.addressee {
        f.proposers = fields::proposers(a);
        if !f.proposers.is_empty() && a.contains('等') {
            notes.push(format!(
                "`{a}`: only {} named; add the other proposers to `proposers` if the proposal lists them",
                f.proposers.join("、")
            ));
        }
    }
    let opening: Vec<&Paragraph> = paragraphs
        .iter()
        .filter(|p| p.block == Block::Text)
        .skip_while(|p| f.addressee.is_some() && fields::salutation(&p.plain).is_none())
        .skip(usize::from(f.addressee.is_some()))
        .take(3)
        .collect();
    if f.proposers.is_empty()
        && let Some(first) = opening.first()
    {
        f.proposers = fields::proposers_in_text(&first.plain);
    }
    read_proposal(&mut f, &opening, &mut notes);
    Extraction {
        body: render(&paragraphs),
        fields: f,
        notes,
    }
}

const TITLE_ENDINGS: &[&str] = &["答复函", "答复", "复函", "意见", "的函", "办理情况", "报告"];

/// Which lines of a group of header lines make the title: from the first that starts like one
/// (`关于…`, `对…`) or names a reply, to the first that ends like one (`…答复函`).
fn title_lines(group: &[usize], lines: &[Line]) -> Option<std::ops::Range<usize>> {
    let text = |k: usize| {
        lines[group[k]]
            .plain
            .trim()
            .trim_start_matches(['*', '#', ' '])
    };
    let start = (0..group.len())
        .find(|&k| text(k).starts_with("关于") || text(k).starts_with('对'))
        .or_else(|| {
            (0..group.len()).find(|&k| {
                ["答复", "复函", "意见", "的函"]
                    .iter()
                    .any(|w| text(k).contains(w))
            })
        })?;
    let mut end = start;
    while end < group.len() {
        end += 1;
        if TITLE_ENDINGS
            .iter()
            .any(|e| text(end - 1).trim_end().ends_with(e))
        {
            break;
        }
    }
    Some(start..end)
}

fn set_disclosure(f: &mut Fields, notes: &mut Vec<String>, note: DisclosureNote, text: &str) {
    match note {
        DisclosureNote::Public => f.disclosure = Some("全文公开"),
        DisclosureNote::NotPublic => {
            f.disclosure = Some("不予公开");
            notes.push(format!(
                "the letter says `{text}`: imported as `disclosure: 不予公开`, so it is never published; change it if the bureau decides otherwise"
            ));
        }
        DisclosureNote::Reduced => {
            f.disclosure = Some("不予公开");
            notes.push(format!(
                "the letter says `{text}`: imported as `disclosure: 不予公开` for now; to publish part of it, set `disclosure: 摘要公开` and write a `summary`"
            ));
        }
    }
}

fn read_footer(
    lines: &[Line],
    kinds: &[Kind],
    start: usize,
    f: &mut Fields,
    notes: &mut Vec<String>,
) {
    let mut signed = false;
    let mut orgs: Vec<String> = Vec::new();
    let impossible = |notes: &mut Vec<String>, what: &str, printed: &str| {
        notes.push(format!(
            "the {what} `{printed}` is not a real calendar day: left out, check the paper letter"
        ))
    };
    for i in start..lines.len() {
        match &kinds[i] {
            Kind::Org(org) => {
                orgs.push(org.clone());
                continue;
            }
            Kind::Date(d, note) if !signed => {
                signed = true;
                match d {
                    PrintedDate::Valid(d) => f.date = Some(*d),
                    PrintedDate::Impossible(p) => impossible(notes, "date", p),
                }
                if !orgs.is_empty() {
                    f.issuer = Some(orgs.join(" "));
                }
                if let Some((note, text)) = note {
                    set_disclosure(f, notes, *note, text);
                }
            }
            Kind::OrgDate(org, d) if !signed => {
                signed = true;
                match d {
                    PrintedDate::Valid(d) => f.date = Some(*d),
                    PrintedDate::Impossible(p) => impossible(notes, "date", p),
                }
                f.issuer = Some(org.clone());
            }
            Kind::Printed(p) => {
                match &p.date {
                    PrintedDate::Valid(d) => f.printed = Some(*d),
                    PrintedDate::Impossible(printed) => impossible(notes, "printing date", printed),
                }
                f.printed_by =
                    p.by.clone()
                        .or_else(|| (!orgs.is_empty()).then(|| orgs.join(" ")));
            }
            Kind::Contact(c) => f.contacts.push(c.clone()),
            Kind::Phone(p) => {
                if let Some(last) = f.contacts.last_mut() {
                    if last.phone.is_empty() {
                        last.phone = p.clone();
                    } else {
                        last.phone = format!("{}，{p}", last.phone);
                    }
                }
            }
            Kind::Cc(items, _) => {
                for item in items {
                    if !f.cc.contains(item) {
                        f.cc.push(item.clone());
                    }
                }
            }
            Kind::Disclosure(note, text) => set_disclosure(f, notes, *note, text),
            Kind::Class(c) => f.category = Some(c.clone()),
            Kind::Signer(name) => f.signer = Some(name.clone()),
            Kind::Keywords(words) => f.keywords = Some(words.clone()),
            _ => notes.push(format!(
                "left out a line after the signature that reads as a second date: `{}`",
                lines[i].plain.trim()
            )),
        }
        orgs.clear();
    }
}

fn read_proposal(f: &mut Fields, opening: &[&Paragraph], notes: &mut Vec<String>) {
    let title = f.title.clone().unwrap_or_default();
    let from_title = fields::committee(&title, true);
    let from_text = opening
        .iter()
        .find_map(|p| fields::committee(&p.plain, false))
        .or_else(|| {
            opening
                .first()
                .and_then(|p| fields::committee(&p.plain, true))
        });
    match (from_title, from_text) {
        (Some(t), text) => {
            let session = t.session.clone().or_else(|| {
                text.filter(|x| x.committee == t.committee)
                    .and_then(|x| x.session)
            });
            f.committee = Some(t.committee);
            f.session = session;
        }
        (None, Some(x)) => {
            f.committee = Some(x.committee);
            f.session = x.session;
        }
        (None, None) => {}
    }
    let in_title = fields::proposal_number(&title);
    let in_text = opening
        .iter()
        .find_map(|p| fields::proposal_number(&p.plain));
    if let (Some(a), Some(b)) = (&in_title, &in_text)
        && a.number != b.number
    {
        notes.push(format!(
            "the title gives proposal number {} and the text {}: used the title's",
            a.number, b.number
        ));
    }
    let number = in_title.or(in_text);
    f.number = number.as_ref().map(|n| n.number.clone());
    f.kind = match (f.committee.as_deref(), number.and_then(|n| n.kind)) {
        (_, Some("议案")) => Some("议案"),
        (Some(c), _) if c.contains("政协") => Some("提案"),
        (Some(c), _) if c.contains("人大") => Some("建议"),
        (_, kind) => kind,
    };
    f.proposal_title = opening
        .iter()
        .find_map(|p| fields::proposal_title(&p.plain))
        .or_else(|| fields::proposal_title(&title));
    f.role = ["协办", "会办", "分办"]
        .into_iter()
        .find(|r| title.contains(r));
}

/// A paragraph of the body: joined lines, or a table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Paragraph {
    md: String,
    plain: String,
    block: Block,
}

const CONTINUING: &[char] = &[
    '，', '。', '、', '；', '：', '！', '？', '）', '》', '」', '』', ',', ';',
];
const SENTENCE_END: &[char] = &['。', '！', '？', '!', '?', '；', ';', '：', ':', '…', '.'];
const CLOSING_QUOTES: &[char] = &['”', '’', '」', '』', '"'];

/// Whether a paragraph's text ends a sentence (`。`, `！`, `：`, or a quote closed after one).
fn ends_sentence(text: &str) -> bool {
    let mut chars = text.trim_end().chars().rev();
    match chars.next() {
        Some(c) if SENTENCE_END.contains(&c) => true,
        Some(c) if CLOSING_QUOTES.contains(&c) => {
            chars.next().is_some_and(|b| SENTENCE_END.contains(&b))
        }
        Some(_) => false,
        None => true,
    }
}

/// Headings and other lines that end without punctuation on purpose.
fn is_heading(p: &Paragraph) -> bool {
    let text = p.plain.trim();
    let len = text.chars().count();
    let md = p.md.trim();
    (starts_with_enumerator(text) && len <= 40 && !text.contains('。'))
        || (len <= 20 && !text.contains(['，', '。', ',', '、', '；']))
        || (md.starts_with("**") && md.ends_with("**"))
        || md.starts_with('#')
}

fn starts_block(md: &str) -> bool {
    md.starts_with(['#', '>', '|']) || md.starts_with("```") || LIST_MARKER.is_match(md)
}

/// Whether line `q` continues paragraph `p`: `p` stops mid-sentence (a page break, a wrapped line)
/// and `q` does not start anything of its own.
fn continues(p: &Paragraph, q: &Line) -> bool {
    if p.block != Block::Text || q.block != Block::Text {
        return false;
    }
    let qt = q.plain.trim_start();
    if fields::salutation(qt).is_some() {
        return false;
    }
    if qt.starts_with(CONTINUING) {
        return true;
    }
    !(q.starts_paragraph
        || ends_sentence(&p.plain)
        || is_heading(p)
        || starts_block(&p.md)
        || starts_block(&q.md)
        || starts_with_enumerator(qt))
}

/// Appends `b` to `a`, with a space only between two Latin words or numbers.
fn glue(a: &mut String, b: &str) {
    let space = a
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && b.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if space {
        a.push(' ');
    }
    a.push_str(b);
}

fn paragraphs(lines: &[&Line], notes: &mut Vec<String>) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::new();
    let mut wrapped = 0;
    for line in lines {
        if let Some(p) = out.last_mut() {
            if p.block == Block::TableRow && line.block == Block::TableRow && !line.blank_before {
                p.md.push('\n');
                p.md.push_str(&line.md);
                p.plain.push(' ');
                p.plain.push_str(&line.plain);
                continue;
            }
            if continues(p, line) {
                if line.blank_before {
                    notes.push(format!(
                        "joined a paragraph split by a page break: `…{}` + `{}`",
                        tail(&p.plain, 8),
                        short(&line.plain, 8)
                    ));
                } else {
                    wrapped += 1;
                }
                glue(&mut p.md, &line.md);
                glue(&mut p.plain, &line.plain);
                continue;
            }
        }
        out.push(Paragraph {
            md: line.md.clone(),
            plain: line.plain.clone(),
            block: line.block,
        });
    }
    if wrapped > 0 {
        notes.push(format!(
            "joined {wrapped} line{} wrapped inside paragraphs",
            plural(wrapped)
        ));
    }
    out
}

fn render(paragraphs: &[Paragraph]) -> String {
    let mut body = paragraphs
        .iter()
        .map(|p| p.md.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    if !body.is_empty() {
        body.push('\n');
    }
    body
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The first `n` characters of `s`, with `…` when cut.
pub fn short(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn tail(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SHAPE: &str = include_str!("../../tests/fixtures/import/letters/seed-shape.txt");
    const INDENTED: &str = include_str!("../../tests/fixtures/import/letters/indented-crlf.txt");
    const COUNTY: &str = include_str!("../../tests/fixtures/import/letters/county.md");
    const INCOMPLETE: &str = include_str!("../../tests/fixtures/import/problems/incomplete.txt");
    const XIEBAN: &str = include_str!("../../tests/fixtures/import/letters/xieban.txt");

    fn read(text: &str) -> Extraction {
        extract(&lines_from_text(text))
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn contact(role: &str, name: &str, phone: &str) -> ContactLine {
        ContactLine {
            role: role.into(),
            name: name.into(),
            phone: phone.into(),
        }
    }

    /// The Han characters of `text`, in order.
    fn han(text: &str) -> String {
        text.chars()
            .filter(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}'))
            .collect()
    }

    /// The letter's own text in a source: from the salutation line to the line starting `last`.
    fn letter_text(source: &str, salutation: &str, last: &str) -> String {
        let from = source.find(salutation).unwrap();
        let to = from + source[from..].find(last).unwrap();
        let end = to + source[to..].find('\n').unwrap_or(source.len() - to);
        source[from..end].to_owned()
    }

    #[test]
    fn seed_shaped_letter_gives_every_field() {
        let e = read(SEED_SHAPE);
        let expected = Fields {
            title: Some("关于市政协十三届三次会议第0217号提案的答复函".into()),
            date: day(2024, 6, 12),
            committee: Some("市政协".into()),
            kind: Some("提案"),
            session: Some("十三届三次会议".into()),
            number: Some("0217".into()),
            proposal_title: Some("关于加快建设科技企业孵化器的提案".into()),
            proposers: vec!["林书恒".into()],
            addressee: Some("林书恒委员".into()),
            doc_number: Some("示科提复〔2024〕17号".into()),
            issuer: Some("示例市科学技术局".into()),
            contacts: vec![contact("联系人", "周明远", "86051288，13905551234")],
            cc: vec!["市府办".into(), "市政协提案委".into()],
            printed_by: Some("示例市科学技术局办公室".into()),
            printed: day(2024, 6, 12),
            ..Fields::default()
        };
        assert_eq!(e.fields, expected);
    }

    #[test]
    fn seed_shaped_body_is_rejoined_and_keeps_every_character() {
        let e = read(SEED_SHAPE);
        assert!(
            e.body.starts_with("林书恒委员：\n\n您在市政协"),
            "{}",
            e.body
        );
        assert!(
            e.body
                .ends_with("最后，感谢您对科技创新工作的关心和支持。\n"),
            "{}",
            e.body
        );
        assert!(
            e.body
                .contains("面向智能装备和生物医药的概念验证中心，加快早期成果熟化。")
        );
        assert!(e.body.contains("吸引更多青年科技人才来我市创新创业。"));
        assert!(e.body.contains("**二是拓展孵化空间。**全市"));
        // Paragraphs that end a sentence stay apart.
        assert!(e.body.contains("一是完善政策体系。\n\n2023年出台"));
        for gone in ["联系人", "抄送", "印发", "示科提复", "文件", "答复函"] {
            assert!(!e.body.contains(gone), "{gone} left in the body");
        }
        assert_eq!(
            han(&e.body),
            han(&letter_text(SEED_SHAPE, "林书恒委员", "最后，感谢"))
        );
        assert!(e.notes.contains(&"joined a paragraph split by a page break: `…物医药的概念验证` + `中心，加快早期成…`".to_owned()), "{:#?}", e.notes);
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("`…引更多青年科技人` + `才来我市创新创业…`")),
            "{:#?}",
            e.notes
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.starts_with("the title gives proposal number 0217 and the text 217")),
            "{:#?}",
            e.notes
        );
    }

    #[test]
    fn indented_lines_with_class_first_and_a_chinese_date() {
        let e = read(INDENTED);
        let expected = Fields {
            title: Some("关于区人大十八届第四次会议第DH0271号建议的答复".into()),
            date: day(2023, 7, 5),
            committee: Some("区人大".into()),
            kind: Some("建议"),
            session: Some("十八届第四次会议".into()),
            number: Some("DH0271".into()),
            proposal_title: Some("关于加强社区科普阵地建设的建议".into()),
            proposers: vec!["王建华".into()],
            addressee: Some("王建华等6位代表".into()),
            doc_number: Some("东科建复〔2023〕5号".into()),
            issuer: Some("示例市东湖区科学技术局".into()),
            category: Some("B".into()),
            disclosure: Some("全文公开"),
            contacts: vec![contact("经办人", "陈晨", "0577-86051240")],
            cc: vec![
                "区政府办".into(),
                "区人大常委会代表工委".into(),
                "区科协".into(),
            ],
            ..Fields::default()
        };
        assert_eq!(e.fields, expected);
        // Headings without punctuation stay headings; every indented line is its own paragraph.
        assert_eq!(e.body.split("\n\n").count(), 7, "{}", e.body);
        assert!(e.body.contains("\n\n一、关于科普场馆建设\n\n近年来"));
        assert!(
            e.notes.iter().any(|n| n.contains("`东科建复[2023]5`")),
            "{:#?}",
            e.notes
        );
        assert!(e.notes.contains(&"`王建华等6位代表`: only 王建华 named; add the other proposers to `proposers` if the proposal lists them".to_owned()), "{:#?}", e.notes);
        assert_eq!(
            han(&e.body),
            han(&letter_text(INDENTED, "王建华等6位代表", "　　感谢"))
        );
    }

    #[test]
    fn markdown_letter_keeps_headings_bold_and_lists() {
        let e = read(COUNTY);
        let expected = Fields {
            title: Some("关于政协示例县第十届委员会五次会议第20240076号提案的答复".into()),
            date: day(2024, 5, 30),
            committee: Some("县政协".into()),
            kind: Some("提案"),
            session: Some("第十届五次会议".into()),
            number: Some("20240076".into()),
            proposal_title: Some("关于推进农业科技特派员服务全覆盖的提案".into()),
            proposers: vec!["马丽娟".into()],
            addressee: Some("马丽娟委员".into()),
            doc_number: Some("示县科函〔2024〕12号".into()),
            issuer: Some("示例县科学技术局".into()),
            category: Some("A".into()),
            disclosure: Some("全文公开"),
            contacts: vec![contact("联系人", "赵磊", "86051236")],
            cc: vec!["县政府办".into(), "县政协提案委".into()],
            ..Fields::default()
        };
        assert_eq!(e.fields, expected);
        assert!(e.body.starts_with("尊敬的马丽娟委员：\n\n"), "{}", e.body);
        assert!(e.body.contains("\n\n## 一、工作进展\n\n我县选派"));
        assert!(
            e.body
                .contains("主要做法：\n\n- **分类选派。**根据产业需求")
        );
        assert!(
            e.body
                .contains("\n\n- **考核激励。**将服务成效纳入年度考核。\n\n")
        );
        assert_eq!(han(&e.body), han(&letter_text(COUNTY, "尊敬的", "感谢您")));
    }

    #[test]
    fn missing_and_impossible_values_are_left_out_not_guessed() {
        let e = read(INCOMPLETE);
        assert_eq!(e.fields.doc_number, None);
        assert_eq!(e.fields.date, None);
        assert_eq!(e.fields.committee, None);
        assert_eq!(e.fields.number, None);
        assert!(e.fields.proposers.is_empty());
        assert_eq!(e.fields.addressee.as_deref(), Some("各位委员"));
        assert_eq!(e.fields.issuer.as_deref(), Some("示例市科学技术局"));
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("`2023年2月30日` is not a real calendar day")),
            "{:#?}",
            e.notes
        );
    }

    #[test]
    fn co_handling_letter_names_its_proposer_in_the_text() {
        let e = read(XIEBAN);
        assert_eq!(e.fields.role, Some("协办"));
        assert_eq!(e.fields.addressee.as_deref(), Some("市发展改革委"));
        assert_eq!(e.fields.proposers, vec!["郑海峰"]);
        assert_eq!(e.fields.number.as_deref(), Some("207"));
        assert_eq!(e.fields.committee.as_deref(), Some("市政协"));
        assert_eq!(e.fields.session.as_deref(), Some("十三届一次会议"));
        assert_eq!(e.fields.date, day(2022, 5, 18));
        assert_eq!(
            e.fields.contacts,
            vec![contact("联系人", "张晓东", "86051234")]
        );
        assert_eq!(e.fields.cc, vec!["市政协提案委"]);
        assert!(!e.body.contains("- 3 -"));
        assert!(e.body.contains("十二项。\n\n二、关于培育"), "{}", e.body);
        assert!(
            e.notes
                .iter()
                .any(|n| n.starts_with("removed 1 page-number line"))
        );
    }

    #[test]
    fn title_split_over_lines_is_joined() {
        let e = read(
            "示科建复〔2023〕9号\n\n关于市十六届人大二次会议\n第0043号建议的\n答复函\n\n张三代表：\n\n您提出的建议收悉。\n",
        );
        assert_eq!(
            e.fields.title.as_deref(),
            Some("关于市十六届人大二次会议第0043号建议的答复函")
        );
        assert_eq!(e.fields.committee.as_deref(), Some("市人大"));
        assert_eq!(e.fields.session.as_deref(), Some("十六届二次会议"));
        assert_eq!(e.fields.number.as_deref(), Some("0043"));
        assert_eq!(e.body, "张三代表：\n\n您提出的建议收悉。\n");
    }

    #[test]
    fn unknown_header_lines_stay_in_the_body_with_a_note() {
        let e =
            read("发布时间 2023-07-10 来源 市科技局\n关于第1号提案的答复函\n张三委员：\n收悉。\n");
        assert!(
            e.body
                .starts_with("发布时间 2023-07-10 来源 市科技局\n\n张三委员："),
            "{}",
            e.body
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.starts_with("kept 1 line found before the salutation")),
            "{:#?}",
            e.notes
        );
    }

    #[test]
    fn web_page_copy_keeps_its_debris_in_the_body_and_finds_the_footer() {
        let e = read(
            "首页 > 信息公开 > 建议提案办理\n关于市政协第12号提案的答复函\n发布日期：2023-07-10\n张三委员：\n您的提案收悉，现答复如下。\n感谢您的支持。\n示例市科学技术局\n2023年7月1日\n抄送：市府办\n【打印本页】 【关闭窗口】\n",
        );
        assert_eq!(
            e.fields.title.as_deref(),
            Some("关于市政协第12号提案的答复函")
        );
        assert_eq!(e.fields.date, day(2023, 7, 1));
        assert_eq!(e.fields.cc, vec!["市府办"]);
        assert_eq!(e.fields.issuer.as_deref(), Some("示例市科学技术局"));
        assert_eq!(
            e.body,
            "首页 > 信息公开 > 建议提案办理\n\n发布日期：2023-07-10\n\n张三委员：\n\n您的提案收悉，现答复如下。\n\n感谢您的支持。\n\n【打印本页】 【关闭窗口】\n"
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.starts_with("kept 2 lines found before the salutation")),
            "{:#?}",
            e.notes
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.starts_with("kept 1 line found after the signature")),
            "{:#?}",
            e.notes
        );
    }

    #[test]
    fn subject_words_at_the_foot_do_not_hide_the_signature() {
        let e = read(
            "张三委员：\n\n收悉。\n\n示例市科学技术局\n2023年6月1日\n\n主题词：科技　提案　答复\n\n抄送：市府办\n",
        );
        assert_eq!(e.fields.date, day(2023, 6, 1));
        assert_eq!(e.fields.keywords.as_deref(), Some("科技 提案 答复"));
        assert_eq!(e.body, "张三委员：\n\n收悉。\n");
    }

    #[test]
    fn letter_spaced_red_header_names_the_issuer() {
        let e = read("示 例 市 科 学 技 术 局 文 件\n\n张三委员：\n\n收悉。\n");
        assert_eq!(e.fields.issuer.as_deref(), Some("示例市科学技术局"));
        assert_eq!(e.body, "张三委员：\n\n收悉。\n");
    }

    #[test]
    fn restricted_disclosure_is_never_published_by_default() {
        let e =
            read("张三委员：\n\n收悉。\n\n示例市科学技术局\n2023年6月1日\n（此件依申请公开）\n");
        assert_eq!(e.fields.disclosure, Some("不予公开"));
        let e = read("张三委员：\n\n收悉。\n\n示例市科学技术局\n2023年6月1日（此件删减后公开）\n");
        assert_eq!(e.fields.disclosure, Some("不予公开"));
        assert_eq!(e.fields.date, day(2023, 6, 1));
        assert!(e.notes.iter().any(|n| n.contains("摘要公开")));
    }

    #[test]
    fn signature_and_date_on_one_line_and_cc_over_two_lines() {
        let e = read(
            "张三委员：\n\n收悉。\n\n示例市科学技术局　2023年6月1日\n抄送：市府办，市政协提案委，\n市经信局。\n",
        );
        assert_eq!(e.fields.issuer.as_deref(), Some("示例市科学技术局"));
        assert_eq!(e.fields.date, day(2023, 6, 1));
        assert_eq!(e.fields.cc, vec!["市府办", "市政协提案委", "市经信局"]);
        assert_eq!(e.body, "张三委员：\n\n收悉。\n");
    }

    #[test]
    fn empty_and_odd_input_gives_no_fields() {
        assert_eq!(read(""), Extraction::default());
        let e = read("：\n**\n|\n- \n");
        assert_eq!(e.fields.title, None);
    }
}
