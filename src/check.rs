//! Publication checks: what an editor must catch before a letter goes out, as pure functions over a
//! letter's text. Each returns findings at byte offsets of the text it was given; `site_check` maps
//! them to file lines and columns and adds what needs the whole site (links between pages).
//!
//! - private data: a phone number or an ID card number (身份证号) in the published text, other than
//!   the bureau's own numbers listed under `contacts:`;
//! - `**` that the Markdown leaves as two literal asterisks;
//! - half-width punctuation inside Chinese text (`,` `:` `;` `?` `!` `()` between Chinese characters);
//! - the links of a body, and where a link leads (`resolve_link`).

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::diagnostic::Severity;

pub const RULE_PHONE: &str = "private-phone";
pub const RULE_ID_NUMBER: &str = "private-id-number";
pub const RULE_EMPHASIS: &str = "unrendered-emphasis";
pub const RULE_PUNCTUATION: &str = "mixed-punctuation";
pub const RULE_LINK: &str = "broken-link";

/// One problem at a place in the text checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the text given to the check.
    pub offset: usize,
    pub severity: Severity,
    pub rule: &'static str,
    pub message: String,
    pub hint: String,
}

// ---------------------------------------------------------------------------
// Private data: phone and ID card numbers

/// Phone numbers (mobile `1[3-9]` + 9 digits, landlines with an area code, a bare local number after
/// 电话/手机/传真 …) and 18-digit ID card numbers whose GB 11643 check digit is right. `own` holds the
/// bureau's own numbers (the `phone` of each contact): those may be printed.
///
/// Numbers that only look alike are left alone: amounts (`13800000000元`, `¥…`), serial and proposal
/// numbers (`第20240076号`), years, 文号, digits inside a longer code (`DH0271`, a URL's digits glued
/// to letters), and bare 7–8 digit numbers with no phone word before them.
pub fn private_numbers(text: &str, own: &[String]) -> Vec<Finding> {
    let runs = digit_runs(text);
    let own = own_numbers(own);
    let mut findings = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let (found, used) = match_number(text, &runs, i);
        match found {
            Some(number) if !number.is_own(&own) => {
                findings.push(number.finding(runs[i].start));
                i += used;
            }
            Some(_) => i += used,
            None => i += 1,
        }
    }
    findings
}

/// A maximal run of digits (ASCII or full-width), with its digits in ASCII.
#[derive(Debug, Clone)]
struct DigitRun {
    start: usize,
    end: usize,
    digits: String,
}

fn digit_value(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

fn digit_runs(text: &str) -> Vec<DigitRun> {
    let mut runs: Vec<DigitRun> = Vec::new();
    let mut current: Option<DigitRun> = None;
    for (at, c) in text.char_indices() {
        match digit_value(c) {
            Some(d) => {
                let run = current.get_or_insert_with(|| DigitRun {
                    start: at,
                    end: at,
                    digits: String::new(),
                });
                run.digits.push(d);
                run.end = at + c.len_utf8();
            }
            None => runs.extend(current.take()),
        }
    }
    runs.extend(current);
    runs
}

/// Letters and digits, ASCII or full-width: a number glued to one is part of a longer code.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '_'
        || ('０'..='９').contains(&c)
        || ('Ａ'..='Ｚ').contains(&c)
        || ('ａ'..='ｚ').contains(&c)
}

/// Units and counters after a number: it is an amount or a count, not a phone number.
const COUNT_SUFFIXES: &str = "元万亿千百个件人次年月日号%％米吨项户家名台套亩条期批届倍分秒时岁度";

fn is_amount(text: &str, run: &DigitRun) -> bool {
    let mut after = text[run.end..].chars();
    let next = after.next();
    let next2 = after.next();
    let before = text[..run.start].chars().next_back();
    next.is_some_and(|c| COUNT_SUFFIXES.contains(c))
        || (matches!(next, Some('.' | ',' | '，')) && next2.and_then(digit_value).is_some())
        || before.is_some_and(|c| matches!(c, '¥' | '￥' | '$' | '第' | '.'))
}

fn free_standing(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(is_word_char)
        && !text[end..].chars().next().is_some_and(is_word_char)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NumberKind {
    Mobile,
    Landline,
    IdCard,
}

#[derive(Debug, Clone)]
struct FoundNumber {
    kind: NumberKind,
    /// All its digits, without separators (an ID's final X kept).
    digits: String,
}

impl FoundNumber {
    /// Whether it is one of the bureau's own numbers (the same digits, or one ends the other, as
    /// `0577-88962078` and `88962078` do).
    fn is_own(&self, own: &[String]) -> bool {
        self.kind != NumberKind::IdCard
            && own.iter().any(|o| {
                *o == self.digits
                    || (o.len().min(self.digits.len()) >= 7
                        && (o.ends_with(&self.digits) || self.digits.ends_with(o.as_str())))
            })
    }

    fn finding(&self, offset: usize) -> Finding {
        let shown = mask(&self.digits);
        match self.kind {
            NumberKind::IdCard => Finding {
                offset,
                severity: Severity::Error,
                rule: RULE_ID_NUMBER,
                message: format!(
                    "an ID card number ({shown}) in the published text would expose a private person's identity"
                ),
                hint: "remove it, or mask it as printed here; an ID number never belongs on the public site".into(),
            },
            NumberKind::Mobile | NumberKind::Landline => Finding {
                offset,
                severity: Severity::Error,
                rule: RULE_PHONE,
                message: format!(
                    "a {} number ({shown}) in the published text is not one of the bureau's contacts: it may be a private person's",
                    if self.kind == NumberKind::Mobile { "mobile phone" } else { "phone" }
                ),
                hint: "remove it or mask it as printed here; if it is the bureau's own number, add it to `contacts:` in the front matter (role, name, phone)".into(),
            },
        }
    }
}

/// Shows the first three and last four digits, never the whole number (reports end up in CI logs).
fn mask(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// The bureau's numbers: every run of 7 or more digits in the contacts' phones, and runs joined
/// across one separator (`0577-88962078` gives `88962078` and `057788962078`).
fn own_numbers(phones: &[String]) -> Vec<String> {
    let mut own = Vec::new();
    for phone in phones {
        let runs = digit_runs(phone);
        for (i, run) in runs.iter().enumerate() {
            own.push(run.digits.clone());
            let mut joined = run.digits.clone();
            for next in runs.iter().skip(i + 1).take(2) {
                let gap = &phone[runs[i].end..next.start];
                if gap.chars().count() > 2 || gap.contains(['，', ',', '、', ';', '；', '/']) {
                    break;
                }
                joined.push_str(&next.digits);
                own.push(joined.clone());
            }
        }
    }
    own.retain(|o| o.len() >= 7);
    own
}

/// Words that make a bare 7–8 digit number a phone number.
const PHONE_WORDS: [&str; 8] = [
    "电话",
    "手机",
    "联系方式",
    "传真",
    "座机",
    "Tel",
    "TEL",
    "tel",
];

fn after_phone_word(text: &str, start: usize) -> bool {
    let before: Vec<char> = text[..start].chars().rev().take(12).collect();
    let before: String = before.into_iter().rev().collect();
    PHONE_WORDS.iter().any(|word| {
        before.rfind(word).is_some_and(|at| {
            let gap = &before[at + word.len()..];
            gap.chars().count() <= 4
                && !gap
                    .chars()
                    .any(|c| digit_value(c).is_some() || "。，；,;".contains(c))
        })
    })
}

/// Tries every phone and ID pattern starting at run `i`; returns the number and how many runs it used.
fn match_number(text: &str, runs: &[DigitRun], i: usize) -> (Option<FoundNumber>, usize) {
    let run = &runs[i];
    let d = run.digits.as_str();
    let found = |kind, digits: String| Some(FoundNumber { kind, digits });
    let next_char = text[run.end..].chars().next();

    // ID card: 17 digits and a check character, or 18 digits.
    if d.len() == 17 && matches!(next_char, Some('X' | 'x' | 'Ｘ' | 'ｘ')) {
        let x_end = run.end + next_char.map_or(0, char::len_utf8);
        let digits = format!("{d}X");
        if free_standing(text, run.start, x_end) && is_id_number(&digits) {
            return (found(NumberKind::IdCard, digits), 1);
        }
    }
    let standalone = free_standing(text, run.start, run.end) && !is_amount(text, run);
    if !standalone {
        return (None, 1);
    }
    if d.len() == 18 && is_id_number(d) {
        return (found(NumberKind::IdCard, d.to_owned()), 1);
    }
    // Mobile: 11 digits, or 13 with the country code 86.
    if is_mobile(d) {
        return (found(NumberKind::Mobile, d.to_owned()), 1);
    }
    if d.len() == 13 && d.starts_with("86") && is_mobile(&d[2..]) {
        return (found(NumberKind::Mobile, d[2..].to_owned()), 1);
    }
    // Mobile written 3-4-4: 138-1234-5678, 138 1234 5678.
    if d.len() == 3
        && is_mobile(&format!("{d}00000000"))
        && let Some(group) = grouped(text, runs, i, &[4, 4])
    {
        return (found(NumberKind::Mobile, group), 3);
    }
    // Landline with its area code: 0577-88962078, (0577)88962078, 0577 88962078, 057788962078.
    if (3..=4).contains(&d.len())
        && d.starts_with('0')
        && !d.starts_with("00")
        && let Some(local) = runs.get(i + 1)
    {
        let gap = &text[run.end..local.start];
        let opened = text[..run.start].ends_with(['(', '（']);
        let separator = matches!(gap, "-" | "－" | "—" | " " | "‐")
            || (opened && matches!(gap, ")" | "）" | ") " | "） "));
        if separator
            && (7..=8).contains(&local.digits.len())
            && !local.digits.starts_with(['0', '1'])
            && free_standing(text, local.start, local.end)
            && !is_amount(text, local)
        {
            return (
                found(NumberKind::Landline, format!("{d}{}", local.digits)),
                2,
            );
        }
    }
    if (11..=12).contains(&d.len()) && d.starts_with('0') && !d.starts_with("00") {
        return (found(NumberKind::Landline, d.to_owned()), 1);
    }
    // A local number alone only after a word that says it is a phone number.
    if (7..=8).contains(&d.len()) && !d.starts_with(['0', '1']) && after_phone_word(text, run.start)
    {
        return (found(NumberKind::Landline, d.to_owned()), 1);
    }
    (None, 1)
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// Runs `i+1…` of the given lengths, each after the same one-character separator as the first.
fn grouped(text: &str, runs: &[DigitRun], i: usize, lengths: &[usize]) -> Option<String> {
    let mut digits = runs[i].digits.clone();
    let mut separator: Option<&str> = None;
    for (k, &len) in lengths.iter().enumerate() {
        let prev = &runs[i + k];
        let next = runs.get(i + k + 1)?;
        let gap = &text[prev.end..next.start];
        if !matches!(gap, "-" | " " | "－") || separator.is_some_and(|s| s != gap) {
            return None;
        }
        separator = Some(gap);
        if next.digits.len() != len {
            return None;
        }
        digits.push_str(&next.digits);
    }
    let last = &runs[i + lengths.len()];
    free_standing(text, runs[i].start, last.end).then_some(digits)
}

/// A resident ID number (GB 11643-1999): region, date of birth, sequence, check character.
pub fn is_id_number(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| u32::from(c - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != b[17].to_ascii_uppercase() {
        return false;
    }
    // The first digit of a region code is 1–8 (9 for foreigners' permanent residence cards), and the
    // birth date must be a real date: together these rule out most account and serial numbers.
    let region_ok = (b'1'..=b'9').contains(&b[0]);
    let year: i32 = id[6..10].parse().unwrap_or(0);
    let month: u32 = id[10..12].parse().unwrap_or(0);
    let day: u32 = id[12..14].parse().unwrap_or(0);
    region_ok
        && (1900..=2099).contains(&year)
        && chrono::NaiveDate::from_ymd_opt(year, month, day).is_some()
}

// ---------------------------------------------------------------------------
// Unrendered emphasis

/// `**` that the body's HTML would show as literal asterisks (offsets in `markdown`).
pub fn unrendered_emphasis(markdown: &str) -> Vec<Finding> {
    crate::markdown::literal_double_asterisks(markdown)
        .into_iter()
        .map(|offset| Finding {
            offset,
            severity: Severity::Error,
            rule: RULE_EMPHASIS,
            message: "`**` would be published as two asterisks: this bold text is never closed, or its `**` stands next to a space".into(),
            hint: "close the bold text with a second `**` right after its last character, with no space inside the asterisks (`**一是加快推进。**`); write `\\*\\*` for asterisks meant to show".into(),
        })
        .collect()
}

/// `**` in a plain-text field (title, summary): those are never rendered as Markdown.
pub fn literal_asterisks_in_plain_text(text: &str) -> Vec<Finding> {
    text.match_indices("**")
        .map(|(offset, _)| Finding {
            offset,
            severity: Severity::Error,
            rule: RULE_EMPHASIS,
            message:
                "`**` would be published as two asterisks: this field is plain text, not Markdown"
                    .into(),
            hint: "remove the asterisks; bold text is only possible in the letter's body".into(),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Mixed half-width and full-width punctuation

/// Han characters (and the other CJK letters a Chinese text uses), not punctuation.
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Full-width punctuation that closes or opens Chinese text around a half-width mark.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—')
}

fn full_width(c: char) -> char {
    match c {
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '?' => '？',
        '!' => '！',
        '(' => '（',
        ')' => '）',
        other => other,
    }
}

/// Half-width `,` `:` `;` `?` `!` after a Chinese character and before another (or at the end of
/// the line), and half-width brackets around Chinese text next to Chinese text, or a bracket pair
/// with one half of each width. Code, link addresses and raw HTML are not looked at.
pub fn mixed_punctuation(markdown: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (segment, start) in text_segments(markdown) {
        mixed_in_text(segment, start, &mut findings);
    }
    findings
}

/// The same check over plain text (a summary).
pub fn mixed_punctuation_in_plain_text(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    mixed_in_text(text, 0, &mut findings);
    findings
}

fn punctuation_finding(offset: usize, found: char, message: String) -> Finding {
    Finding {
        offset,
        severity: Severity::Warning,
        rule: RULE_PUNCTUATION,
        message,
        hint: format!(
            "in Chinese text write the full-width `{}`",
            full_width(found)
        ),
    }
}

fn mixed_in_text(text: &str, base: usize, findings: &mut Vec<Finding>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(at, c)) in chars.iter().enumerate() {
        let before = k.checked_sub(1).map(|j| chars[j].1);
        match c {
            ',' | ':' | ';' | '?' | '!' => {
                let after = chars.get(k + 1).map(|x| x.1);
                let after = match after {
                    Some(' ') => chars.get(k + 2).map(|x| x.1),
                    other => other,
                };
                let chinese_before = before.is_some_and(is_han);
                let chinese_after = after.is_none_or(|a| a == '\n' || is_han(a));
                if chinese_before && chinese_after {
                    findings.push(punctuation_finding(
                        base + at,
                        c,
                        format!("half-width `{c}` in Chinese text"),
                    ));
                }
            }
            '(' | '（' => {
                let Some(close) = chars[k + 1..]
                    .iter()
                    .take_while(|(_, x)| *x != '\n')
                    .position(|(_, x)| matches!(x, ')' | '）'))
                    .map(|p| k + 1 + p)
                else {
                    continue;
                };
                let closing = chars[close].1;
                let inner = &chars[k + 1..close];
                let after = chars.get(close + 1).map(|x| x.1);
                if (c == '(') != (closing == ')') {
                    let half = if c == '(' { c } else { closing };
                    findings.push(punctuation_finding(
                        base + at,
                        half,
                        format!("the brackets `{c}…{closing}` mix half-width and full-width"),
                    ));
                } else if c == '('
                    && inner.iter().any(|(_, x)| is_han(*x))
                    && (before.is_some_and(|b| is_han(b) || is_cjk_punctuation(b))
                        || after.is_some_and(|a| is_han(a) || is_cjk_punctuation(a)))
                {
                    findings.push(punctuation_finding(
                        base + at,
                        c,
                        "half-width brackets `(…)` around Chinese text".to_owned(),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// The text of a Markdown document that is read as prose, with the offset of each piece: text
/// outside code, link addresses and HTML. Pieces with no place in the source (entities) are skipped.
fn text_segments(markdown: &str) -> Vec<(&str, usize)> {
    let base = markdown.as_ptr() as usize;
    let mut segments = Vec::new();
    let mut in_code = false;
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code = false,
            Event::Text(text) if !in_code => {
                // The source of a text event is the text itself, except for escapes and entities.
                let source = &markdown[range.clone()];
                if *source == *text {
                    segments.push((source, source.as_ptr() as usize - base));
                }
            }
            _ => {}
        }
    }
    segments
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

// ---------------------------------------------------------------------------
// Links

/// A link or image in a body: where its address is written and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Byte offset of the address in the Markdown (of the link's `[` when the address is elsewhere,
    /// as with reference links).
    pub offset: usize,
    pub dest: String,
    pub image: bool,
}

pub fn links(markdown: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let (dest, image) = match event {
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url, false),
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url, true),
            _ => continue,
        };
        let source = &markdown[range.clone()];
        let offset = source
            .rfind(&*dest)
            .filter(|_| !dest.is_empty())
            .map_or(range.start, |i| range.start + i);
        links.push(Link {
            offset,
            dest: dest.into_string(),
            image,
        });
    }
    links
}

/// Where a link leads, seen from a page of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Another site, an e-mail address, a phone link: not ours to check.
    External,
    /// A page of the portal outside this archive (an absolute path above `base_url`'s path).
    OutsideArchive,
    /// A path under the archive's root (no leading slash, `2023/ti-494/` or `style.css`), maybe with
    /// a fragment.
    Internal {
        path: String,
        fragment: Option<String>,
    },
}

/// Resolves `dest` as written on the page at `page_dir` (`2023/ti-494/`), for a site published at
/// `base_url` (`https://kjj.example.gov.cn/jyta/`).
pub fn resolve_link(dest: &str, page_dir: &str, base_url: &str) -> Target {
    let dest = dest.trim();
    let (dest, fragment) = match dest.split_once('#') {
        Some((d, f)) => (d, Some(percent_decode(f))),
        None => (dest, None),
    };
    let dest = dest.split_once('?').map_or(dest, |(d, _)| d);
    let without_scheme = |url: &str| url.split_once("://").map(|(_, rest)| rest.to_owned());
    let site = without_scheme(base_url).unwrap_or_default();
    let base_path = site
        .find('/')
        .map_or("/".to_owned(), |i| site[i..].to_owned());
    let rooted: String = if has_scheme(dest) || dest.starts_with("//") {
        let rest = if let Some(rest) = dest.strip_prefix("//") {
            rest.to_owned()
        } else if dest.starts_with("http://") || dest.starts_with("https://") {
            without_scheme(dest).unwrap_or_default()
        } else {
            return Target::External;
        };
        match rest.strip_prefix(&site) {
            Some(inside) => inside.to_owned(),
            None if format!("{rest}/") == site => String::new(),
            None => return Target::External,
        }
    } else if let Some(absolute) = dest.strip_prefix('/') {
        match format!("/{absolute}").strip_prefix(&base_path) {
            Some(inside) => inside.to_owned(),
            None if format!("/{absolute}/") == base_path => String::new(),
            None => return Target::OutsideArchive,
        }
    } else {
        format!("{page_dir}{dest}")
    };
    let mut parts: Vec<String> = Vec::new();
    for part in rooted.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::OutsideArchive;
                }
            }
            p => parts.push(percent_decode(p)),
        }
    }
    let mut path = parts.join("/");
    let is_dir = rooted.is_empty() || rooted.ends_with('/') || rooted.ends_with("/.");
    if is_dir && !path.is_empty() {
        path.push('/');
    }
    Target::Internal { path, fragment }
}

fn has_scheme(dest: &str) -> bool {
    let Some((scheme, _)) = dest.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// The output files a site path may be served from: `a/` → `a/index.html`; `a` → `a` or `a/index.html`.
pub fn candidate_files(path: &str) -> Vec<String> {
    if path.is_empty() || path.ends_with('/') {
        vec![format!("{path}index.html")]
    } else {
        vec![path.to_owned(), format!("{path}/index.html")]
    }
}

/// The `id`s (and `name`s) of the elements of an HTML page, which a `#fragment` may point at.
pub fn anchors(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in [" id=\"", " name=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(findings: &[Finding]) -> Vec<(&'static str, usize)> {
        findings.iter().map(|f| (f.rule, f.offset)).collect()
    }

    fn phones(text: &str) -> Vec<&'static str> {
        private_numbers(text, &[]).iter().map(|f| f.rule).collect()
    }

    #[test]
    fn mobile_numbers_in_every_usual_form_are_found() {
        for text in [
            "请联系13812345678。",
            "手机：138-1234-5678",
            "手机 138 1234 5678，",
            "+86 13812345678",
            "+8613812345678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(phones(text), [RULE_PHONE], "{text}");
        }
    }

    #[test]
    fn landlines_with_area_code_or_after_a_phone_word_are_found() {
        for text in [
            "电话0577-88962078",
            "（0577）88962078",
            "(010)62345678",
            "0577 88962078",
            "057788962078",
            "联系电话：88962078",
            "Tel: 88962078",
        ] {
            assert_eq!(phones(text), [RULE_PHONE], "{text}");
        }
    }

    #[test]
    fn numbers_that_only_look_like_phones_are_left_alone() {
        for text in [
            "温科提复〔2023〕98号",
            "2023年6月28日",
            "第20240076号建议",
            "建议号DH0271",
            "累计兑现政策资金13800000000元",
            "投入¥13812345678",
            "合计13,812,345,678",
            "邮编325000",
            "共88962078人次",
            "编号88962078",
            "统一社会信用代码91330300MA2AB3CD4X",
            "https://example.gov.cn/art/13812345678abc",
            "比例为13812345678.5",
        ] {
            assert_eq!(phones(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn the_bureau_s_own_numbers_may_be_printed() {
        let own = vec!["88962078，13750908558".to_owned()];
        assert!(private_numbers("联系人：刘焕斌，联系电话：88962078", &own).is_empty());
        assert!(private_numbers("电话：0577-88962078", &own).is_empty());
        assert!(private_numbers("手机13750908558", &own).is_empty());
        assert_eq!(private_numbers("手机13750908559", &own).len(), 1);
        let own = vec!["0577-88962078".to_owned()];
        assert!(private_numbers("联系电话：88962078", &own).is_empty());
    }

    #[test]
    fn id_numbers_need_a_valid_check_digit_and_birth_date() {
        // 11010519491231002X is the standard's own example.
        assert!(is_id_number("11010519491231002X"));
        assert!(!is_id_number("110105194912310021"));
        assert_eq!(
            rules(&private_numbers("身份证号11010519491231002X，", &[])),
            [(RULE_ID_NUMBER, 12)]
        );
        assert_eq!(
            rules(&private_numbers("身份证号11010519491231002x", &[])),
            [(RULE_ID_NUMBER, 12)]
        );
        // A wrong check digit, an impossible birth date: not an ID number.
        assert!(private_numbers("账号110105194912310021", &[]).is_empty());
        assert!(private_numbers("账号110105194913310021", &[]).is_empty());
        assert_eq!(phones("身份证330302198001011230。"), [RULE_ID_NUMBER]);
    }

    #[test]
    fn a_found_number_is_never_printed_whole() {
        let f = &private_numbers("13812345678", &[])[0];
        assert!(f.message.contains("138****5678"), "{}", f.message);
        assert!(!f.message.contains("13812345678"));
        let f = &private_numbers("11010519491231002X", &[])[0];
        assert!(f.message.contains("110***********002X"), "{}", f.message);
    }

    #[test]
    fn half_width_punctuation_between_chinese_characters_is_a_warning() {
        let f = mixed_punctuation("现答复如下:\n\n我们认为,该建议可行;将于明年实施。");
        assert_eq!(
            rules(&f),
            [
                (RULE_PUNCTUATION, 15),
                (RULE_PUNCTUATION, 30),
                (RULE_PUNCTUATION, 46)
            ]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(f[1].hint, "in Chinese text write the full-width `，`");
    }

    #[test]
    fn half_width_brackets_around_chinese_and_mismatched_pairs_are_warnings() {
        assert_eq!(mixed_punctuation("《办法(试行)》已印发").len(), 1);
        assert_eq!(mixed_punctuation("《办法（试行)》已印发").len(), 1);
        assert!(mixed_punctuation("《办法（试行）》已印发").is_empty());
    }

    #[test]
    fn ascii_punctuation_in_ascii_text_code_and_numbers_is_fine() {
        for text in [
            "时间为9:30,地点待定",
            "温科提复(2023)98号",
            "see `a,b` and R&D, AI(人工智能)",
            "```\n关于,测试\n```\n",
            "[链接](https://example.gov.cn/a,b)",
            "第一，第二；第三：完。",
        ] {
            assert_eq!(mixed_punctuation(text), Vec::new(), "{text}");
        }
    }

    #[test]
    fn links_and_images_are_found_with_their_address_position() {
        let md = "见[答复](../ti-101/)与![图](图.png)及<https://x.example/>。\n\n[参考][r]\n\n[r]: ../../2022/a/\n";
        let found = links(md);
        assert_eq!(found.len(), 4);
        assert_eq!(&md[found[0].offset..found[0].offset + 9], "../ti-101");
        assert!(found[1].image);
        assert_eq!(found[3].dest, "../../2022/a/");
    }

    #[test]
    fn links_resolve_against_the_page_and_the_base_url() {
        let base = "https://kjj.example.gov.cn/jyta/";
        let internal = |path: &str, fragment: Option<&str>| Target::Internal {
            path: path.to_owned(),
            fragment: fragment.map(str::to_owned),
        };
        let page = "2023/ti-494/";
        assert_eq!(
            resolve_link("../ti-101/", page, base),
            internal("2023/ti-101/", None)
        );
        assert_eq!(
            resolve_link("../../2022/ti-202/#正文", page, base),
            internal("2022/ti-202/", Some("正文"))
        );
        assert_eq!(
            resolve_link("#top", page, base),
            internal("2023/ti-494/", Some("top"))
        );
        assert_eq!(
            resolve_link("/jyta/topics/", page, base),
            internal("topics/", None)
        );
        assert_eq!(
            resolve_link("https://kjj.example.gov.cn/jyta/2022/x/", page, base),
            internal("2022/x/", None)
        );
        assert_eq!(
            resolve_link("https://kjj.example.gov.cn/jyta", page, base),
            internal("", None)
        );
        assert_eq!(
            resolve_link("/other/index.html", page, base),
            Target::OutsideArchive
        );
        assert_eq!(
            resolve_link("../../../x/", page, base),
            Target::OutsideArchive
        );
        assert_eq!(
            resolve_link("https://www.gov.cn/", page, base),
            Target::External
        );
        assert_eq!(
            resolve_link("mailto:kjj@example.gov.cn", page, base),
            Target::External
        );
        assert_eq!(
            resolve_link("../ti-101?from=list", page, base),
            internal("2023/ti-101", None)
        );
        assert_eq!(
            candidate_files("2023/ti-101"),
            ["2023/ti-101", "2023/ti-101/index.html"]
        );
    }
}
