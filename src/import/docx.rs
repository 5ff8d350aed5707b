//! Word (.docx) letters into lines of Markdown: paragraphs, bold runs as `**`, numbered and bulleted
//! lists, and tables as pipe tables. The zip container is read with `zip`, the XML parts with
//! `quick-xml`. Tracked changes are read as accepted (insertions kept, deletions left out) and
//! comments are not imported; the notes say when a file had either.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::text::{Block, Line};

/// The largest XML part read from a Word file, against zip bombs: far above any real letter.
const PART_LIMIT: u64 = 64 * 1024 * 1024;

/// A Word file's text, as lines for field extraction, and what the editor should know about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docx {
    pub lines: Vec<Line>,
    pub notes: Vec<String>,
}

/// Why a .docx file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocxProblem {
    /// Not a zip archive at all (an old binary .doc renamed, a damaged download).
    NotZip,
    /// A zip archive without the Word document part.
    NoDocument,
    /// A part larger than any letter could be.
    TooLarge(String),
    /// A part that is not well-formed XML.
    BadXml(String, String),
}

impl DocxProblem {
    pub fn explain(&self) -> (String, String) {
        let resave = "open it in Word or WPS and save it again as .docx (另存为 → Word 文档)";
        match self {
            DocxProblem::NotZip => (
                "this is not a Word .docx file (it is not a zip archive); it may be an old .doc file renamed, or damaged".to_owned(),
                resave.to_owned(),
            ),
            DocxProblem::NoDocument => (
                "this zip archive holds no Word document (no word/document.xml)".to_owned(),
                resave.to_owned(),
            ),
            DocxProblem::TooLarge(part) => (
                format!("the part `{part}` is larger than 64 MiB: this is not a letter"),
                "check that this is the right file".to_owned(),
            ),
            DocxProblem::BadXml(part, error) => (
                format!("the part `{part}` is damaged: {error}"),
                resave.to_owned(),
            ),
        }
    }
}

/// Reads a .docx file's bytes.
pub fn read(bytes: &[u8]) -> Result<Docx, DocxProblem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| DocxProblem::NotZip)?;
    let main = part(&mut zip, "_rels/.rels")?
        .and_then(|rels| main_document(&rels))
        .unwrap_or_else(|| "word/document.xml".to_owned());
    let document = part(&mut zip, &main)?.ok_or(DocxProblem::NoDocument)?;
    let dir = main.rsplit_once('/').map_or("", |(d, _)| d);
    let sibling = |name: &str| {
        if dir.is_empty() {
            name.to_owned()
        } else {
            format!("{dir}/{name}")
        }
    };
    let styles = match part(&mut zip, &sibling("styles.xml"))? {
        Some(xml) => {
            Styles::parse(&xml).map_err(|e| DocxProblem::BadXml(sibling("styles.xml"), e))?
        }
        None => Styles::default(),
    };
    let numbering = match part(&mut zip, &sibling("numbering.xml"))? {
        Some(xml) => {
            Numbering::parse(&xml).map_err(|e| DocxProblem::BadXml(sibling("numbering.xml"), e))?
        }
        None => Numbering::default(),
    };
    let comments = match part(&mut zip, &sibling("comments.xml"))? {
        Some(xml) => count_elements(&xml, "comment")
            .map_err(|e| DocxProblem::BadXml(sibling("comments.xml"), e))?,
        None => 0,
    };
    let mut walker = Walker::new(&styles, numbering);
    walker
        .walk(&document)
        .map_err(|e| DocxProblem::BadXml(main.clone(), e))?;
    let mut notes = Vec::new();
    let (ins, del) = (walker.insertions, walker.deletions);
    if ins + del > 0 {
        notes.push(format!(
            "the Word file has tracked changes: imported its text as if every change were accepted ({ins} insertion{} kept, {del} deletion{} left out); check the result against the final letter",
            plural(ins),
            plural(del)
        ));
    }
    if comments > 0 {
        notes.push(format!(
            "the Word file has {comments} comment{}: comments are not part of the letter and were not imported",
            plural(comments)
        ));
    }
    if walker.footnotes > 0 {
        notes.push(format!(
            "the Word file has {} footnote{}: footnotes were not imported, add them to the body by hand if they belong to the letter",
            walker.footnotes,
            plural(walker.footnotes)
        ));
    }
    if walker.layout_tables > 0 {
        notes.push(format!(
            "{} table{} with a single row or column read as plain paragraphs (a layout table, not data)",
            walker.layout_tables,
            plural(walker.layout_tables)
        ));
    }
    Ok(Docx {
        lines: walker.out,
        notes,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A part of the archive as text, or `None` when it is not there.
fn part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, DocxProblem> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(DocxProblem::BadXml(name.to_owned(), e.to_string())),
    };
    if file.size() > PART_LIMIT {
        return Err(DocxProblem::TooLarge(name.to_owned()));
    }
    let mut bytes = Vec::new();
    file.take(PART_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DocxProblem::BadXml(name.to_owned(), e.to_string()))?;
    if bytes.len() as u64 > PART_LIMIT {
        return Err(DocxProblem::TooLarge(name.to_owned()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map(Some)
        .map_err(|_| DocxProblem::BadXml(name.to_owned(), "not UTF-8 text".to_owned()))
}

/// The main document's path from the package relationships.
fn main_document(rels: &str) -> Option<String> {
    let mut reader = Reader::from_str(rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if local(&e) == "Relationship"
                    && attr(&e, "Type").is_some_and(|t| t.ends_with("/officeDocument")) =>
            {
                return attr(&e, "Target").map(|t| t.trim_start_matches('/').to_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

fn local<'a>(e: &'a BytesStart<'_>) -> &'a str {
    e.local_name().into_inner()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// `<w:b/>`, `<w:b w:val="true"/>` are on; `w:val="0"`, `"false"`, `"off"` are off.
fn on(e: &BytesStart<'_>) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

fn count_elements(xml: &str, name: &str) -> Result<usize, String> {
    let mut reader = Reader::from_str(xml);
    let mut n = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) if local(&e) == name => n += 1,
            Event::Eof => return Ok(n),
            _ => {}
        }
    }
}

/// The XML elements open around an event, by local name.
type Path = Vec<String>;

fn parent(path: &Path, up: usize) -> &str {
    path.len()
        .checked_sub(up + 1)
        .map_or("", |i| path[i].as_str())
}

// ---------------------------------------------------------------------------------------------
// styles.xml: bold, numbering and heading levels that paragraphs and runs inherit.

#[derive(Debug, Clone, Default)]
struct Style {
    based_on: Option<String>,
    bold: Option<bool>,
    num: Option<(String, usize)>,
    heading: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Styles {
    by_id: HashMap<String, Style>,
    default_bold: bool,
}

impl Styles {
    fn parse(xml: &str) -> Result<Styles, String> {
        let mut styles = Styles::default();
        let mut reader = Reader::from_str(xml);
        let mut path: Path = Vec::new();
        let mut current: Option<(String, Style)> = None;
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            let (e, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    if path.pop().as_deref() == Some("style")
                        && let Some((id, style)) = current.take()
                    {
                        styles.by_id.insert(id, style);
                    }
                    continue;
                }
                Event::Eof => return Ok(styles),
                _ => continue,
            };
            let name = local(e);
            match name {
                "style" => current = attr(e, "styleId").map(|id| (id, Style::default())),
                "b" if parent(&path, 0) == "rPr" => {
                    if path.iter().any(|p| p == "docDefaults") {
                        styles.default_bold = on(e);
                    } else if let Some((_, s)) = &mut current {
                        s.bold = Some(on(e));
                    }
                }
                _ => {
                    if let Some((_, s)) = &mut current {
                        match name {
                            "basedOn" => s.based_on = attr(e, "val"),
                            "name" => {
                                let n = attr(e, "val").unwrap_or_default().to_ascii_lowercase();
                                s.heading = n
                                    .strip_prefix("heading ")
                                    .and_then(|l| l.trim().parse().ok());
                            }
                            "numId" if parent(&path, 0) == "numPr" => {
                                let level = s.num.as_ref().map_or(0, |n| n.1);
                                s.num = attr(e, "val").map(|id| (id, level));
                            }
                            "ilvl" if parent(&path, 0) == "numPr" => {
                                let level =
                                    attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                                let id = s.num.take().map(|n| n.0).unwrap_or_default();
                                s.num = Some((id, level));
                            }
                            _ => {}
                        }
                    }
                }
            }
            if !empty {
                path.push(name.to_owned());
            }
        }
    }

    /// Follows `basedOn` until a style says something about `get`.
    fn inherited<T>(&self, id: Option<&str>, get: impl Fn(&Style) -> Option<T>) -> Option<T> {
        let mut id = id?;
        for _ in 0..16 {
            let style = self.by_id.get(id)?;
            if let Some(v) = get(style) {
                return Some(v);
            }
            id = style.based_on.as_deref()?;
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------
// numbering.xml: list labels as Word prints them (`1.`, `一、`, `（一）`, `①`, bullets).

#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

#[derive(Debug, Clone, Default)]
struct Numbering {
    abstracts: HashMap<String, HashMap<usize, Level>>,
    /// numId → (abstractNumId, start overrides by level)
    nums: HashMap<String, (String, HashMap<usize, u32>)>,
    /// Counters per abstract list, per level.
    counters: HashMap<String, [u32; 9]>,
    restarted: std::collections::HashSet<String>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Numbering, String> {
        let mut n = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut path: Path = Vec::new();
        let mut abstract_id = String::new();
        let mut num_id = String::new();
        let mut level = 0usize;
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            let (e, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    path.pop();
                    continue;
                }
                Event::Eof => return Ok(n),
                _ => continue,
            };
            let name = local(e);
            let val = || attr(e, "val").unwrap_or_default();
            let in_abstract = path.iter().any(|p| p == "abstractNum");
            match name {
                "abstractNum" => abstract_id = attr(e, "abstractNumId").unwrap_or_default(),
                "num" => num_id = attr(e, "numId").unwrap_or_default(),
                "lvl" | "lvlOverride" => {
                    level = attr(e, "ilvl")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0)
                        .min(8)
                }
                "start" if in_abstract => {
                    n.level(&abstract_id, level).start = val().parse().unwrap_or(1)
                }
                "numFmt" if in_abstract => n.level(&abstract_id, level).format = val(),
                "lvlText" if in_abstract => n.level(&abstract_id, level).text = val(),
                "abstractNumId" if parent(&path, 0) == "num" => {
                    n.nums.entry(num_id.clone()).or_default().0 = val()
                }
                "startOverride" => {
                    let start = val().parse().unwrap_or(1);
                    n.nums
                        .entry(num_id.clone())
                        .or_default()
                        .1
                        .insert(level, start);
                }
                _ => {}
            }
            if !empty {
                path.push(name.to_owned());
            }
        }
    }

    fn level(&mut self, abstract_id: &str, level: usize) -> &mut Level {
        self.abstracts
            .entry(abstract_id.to_owned())
            .or_default()
            .entry(level)
            .or_insert_with(|| Level {
                start: 1,
                ..Level::default()
            })
    }

    /// The label of the next item of list `num_id` at `level`, and whether it is a bullet.
    fn next_label(&mut self, num_id: &str, level: usize) -> Option<(String, bool, bool)> {
        let (abstract_id, overrides) = self.nums.get(num_id)?.clone();
        let levels = self.abstracts.get(&abstract_id)?.clone();
        let level = level.min(8);
        let start_of = |l: usize| -> u32 {
            overrides
                .get(&l)
                .copied()
                .or_else(|| levels.get(&l).map(|x| x.start))
                .unwrap_or(1)
        };
        let fresh = !self.counters.contains_key(&abstract_id)
            || (!overrides.is_empty() && self.restarted.insert(num_id.to_owned()));
        let counters = self.counters.entry(abstract_id.clone()).or_insert([0; 9]);
        if fresh {
            for (l, c) in counters.iter_mut().enumerate() {
                *c = start_of(l).saturating_sub(1);
            }
        }
        counters[level] = counters[level].saturating_add(1);
        for (l, c) in counters.iter_mut().enumerate().skip(level + 1) {
            *c = start_of(l).saturating_sub(1);
        }
        let this = levels.get(&level)?;
        if this.format == "bullet" {
            return Some((String::new(), true, false));
        }
        let mut label = this.text.clone();
        for l in (0..=level).rev() {
            let format = levels.get(&l).map_or("decimal", |x| x.format.as_str());
            label = label.replace(&format!("%{}", l + 1), &format_number(counters[l], format));
        }
        let decimal = this.format == "decimal" || this.format.is_empty();
        Some((label, false, decimal))
    }
}

fn format_number(n: u32, format: &str) -> String {
    const CIRCLED: &str = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
    const STEMS: &str = "甲乙丙丁戊己庚辛壬癸";
    match format {
        "decimalZero" => format!("{n:02}"),
        "upperLetter" | "lowerLetter" if n <= 26 * 8 => {
            let letter = char::from(b'A' + ((n.max(1) - 1) % 26) as u8);
            let s = letter
                .to_string()
                .repeat(((n.max(1) - 1) / 26 + 1) as usize);
            if format == "lowerLetter" {
                s.to_lowercase()
            } else {
                s
            }
        }
        "upperRoman" | "lowerRoman" => {
            let r = roman(n);
            if format == "lowerRoman" {
                r.to_lowercase()
            } else {
                r
            }
        }
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographDigital"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese(n, "一二三四五六七八九", '十'),
        "chineseLegalSimplified" => chinese(n, "壹贰叁肆伍陆柒捌玖", '拾'),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            CIRCLED
                .chars()
                .nth(n as usize - 1)
                .map(String::from)
                .unwrap_or_default()
        }
        "ideographTraditional" if (1..=10).contains(&n) => STEMS
            .chars()
            .nth(n as usize - 1)
            .map(String::from)
            .unwrap_or_default(),
        "none" => String::new(),
        _ => n.to_string(),
    }
}

fn chinese(n: u32, digits: &str, ten: char) -> String {
    let digit = |d: u32| digits.chars().nth(d as usize - 1).unwrap_or('?');
    match n {
        1..=9 => digit(n).to_string(),
        10 => ten.to_string(),
        11..=19 => format!("{ten}{}", digit(n - 10)),
        20..=99 if n.is_multiple_of(10) => format!("{}{ten}", digit(n / 10)),
        20..=99 => format!("{}{ten}{}", digit(n / 10), digit(n % 10)),
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in table {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// document.xml

/// A paragraph being read: its runs (text, bold), line breaks as `\n`.
#[derive(Debug, Default)]
struct Paragraph {
    runs: Vec<(String, bool)>,
    style: Option<String>,
    num_id: Option<String>,
    level: Option<usize>,
    /// The paragraph mark is a tracked deletion: accepted, it joins the next paragraph.
    mark_deleted: bool,
}

/// One paragraph of a table cell, as (Markdown, plain text).
type CellLine = (String, String);

#[derive(Debug, Default)]
struct Table {
    rows: Vec<Vec<Vec<CellLine>>>,
    cell: Vec<CellLine>,
    span: usize,
}

struct Walker<'a> {
    styles: &'a Styles,
    numbering: Numbering,
    out: Vec<Line>,
    paragraphs: Vec<Paragraph>,
    tables: Vec<Table>,
    /// A paragraph whose mark was deleted, waiting to be joined to the next one.
    carry: Vec<(String, bool)>,
    bold: Option<bool>,
    run_style: Option<String>,
    /// Depth inside content that is not part of the accepted text (deletions, field codes …).
    skip: usize,
    insertions: usize,
    deletions: usize,
    footnotes: usize,
    layout_tables: usize,
    list_depth: Option<usize>,
}

/// Elements whose content is not the letter's accepted text.
const SKIPPED: &[&str] = &[
    "Fallback",
    "pPrChange",
    "rPrChange",
    "sectPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "numberingChange",
    "instrText",
    "delInstrText",
    "delText",
    "sectPr",
];

impl<'a> Walker<'a> {
    fn new(styles: &'a Styles, numbering: Numbering) -> Self {
        Walker {
            styles,
            numbering,
            out: Vec::new(),
            paragraphs: Vec::new(),
            tables: Vec::new(),
            carry: Vec::new(),
            bold: None,
            run_style: None,
            skip: 0,
            insertions: 0,
            deletions: 0,
            footnotes: 0,
            layout_tables: 0,
            list_depth: None,
        }
    }

    fn walk(&mut self, xml: &str) -> Result<(), String> {
        let mut reader = Reader::from_str(xml);
        let mut path: Path = Vec::new();
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(e) => {
                    let name = local(&e).to_owned();
                    if self.skip > 0 {
                        self.skip += 1;
                    } else {
                        self.start(&e, &name, &path, false);
                    }
                    path.push(name);
                }
                Event::Empty(e) if self.skip == 0 => {
                    let name = local(&e).to_owned();
                    self.start(&e, &name, &path, true);
                    // An empty skipped element has no content to skip.
                    self.skip = 0;
                }
                Event::End(_) => {
                    let name = path.pop().unwrap_or_default();
                    if self.skip > 0 {
                        self.skip -= 1;
                    } else {
                        self.end(&name);
                    }
                }
                Event::Text(t) if self.skip == 0 && parent(&path, 0) == "t" => {
                    self.text(&t.xml10_content());
                }
                Event::CData(t) if self.skip == 0 && parent(&path, 0) == "t" => {
                    self.text(&t.xml10_content());
                }
                Event::GeneralRef(r) if self.skip == 0 && parent(&path, 0) == "t" => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                            .unwrap_or_default()
                            .to_owned(),
                    };
                    self.text(&resolved);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        // Unclosed paragraphs of a truncated file still count.
        while !self.paragraphs.is_empty() {
            self.end("p");
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, name: &str, path: &Path, empty: bool) {
        let up = parent(path, 0);
        match name {
            "del" | "moveFrom" if up == "rPr" => {
                if parent(path, 1) == "pPr"
                    && let Some(p) = self.paragraphs.last_mut()
                {
                    p.mark_deleted = true;
                }
            }
            "del" | "moveFrom" => {
                self.deletions += 1;
                self.skip = 1;
            }
            "ins" | "moveTo" if up != "rPr" => self.insertions += 1,
            n if SKIPPED.contains(&n) => self.skip = 1,
            "footnoteReference" | "endnoteReference" => self.footnotes += 1,
            "p" if !empty => self.paragraphs.push(Paragraph::default()),
            "r" => {
                self.bold = None;
                self.run_style = None;
            }
            "b" if up == "rPr" && parent(path, 1) == "r" => self.bold = Some(on(e)),
            "rStyle" if up == "rPr" => self.run_style = attr(e, "val"),
            "pStyle" if up == "pPr" => {
                if let Some(p) = self.paragraphs.last_mut() {
                    p.style = attr(e, "val");
                }
            }
            "numId" if up == "numPr" && parent(path, 1) == "pPr" => {
                if let Some(p) = self.paragraphs.last_mut() {
                    p.num_id = attr(e, "val");
                }
            }
            "ilvl" if up == "numPr" && parent(path, 1) == "pPr" => {
                if let Some(p) = self.paragraphs.last_mut() {
                    p.level = attr(e, "val").and_then(|v| v.parse().ok());
                }
            }
            "tab" if up == "r" => self.text("\t"),
            "br" | "cr"
                if up == "r" && !matches!(attr(e, "type").as_deref(), Some("page" | "column")) =>
            {
                self.text("\n")
            }
            "noBreakHyphen" if up == "r" => self.text("-"),
            "tbl" if !empty => self.tables.push(Table::default()),
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell.clear();
                    t.span = 1;
                }
            }
            "gridSpan" if up == "tcPr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.span = attr(e, "val")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1)
                        .clamp(1, 64);
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        let bold = self.bold_now();
        if let Some(p) = self.paragraphs.last_mut() {
            match p.runs.last_mut() {
                Some((t, b)) if *b == bold => t.push_str(text),
                _ => p.runs.push((text.to_owned(), bold)),
            }
        }
    }

    fn bold_now(&self) -> bool {
        let paragraph_style = self.paragraphs.last().and_then(|p| p.style.as_deref());
        if self
            .styles
            .inherited(paragraph_style, |s| s.heading)
            .is_some()
        {
            return false; // a heading is marked as a heading, not as bold
        }
        self.bold
            .or_else(|| self.styles.inherited(self.run_style.as_deref(), |s| s.bold))
            .or_else(|| self.styles.inherited(paragraph_style, |s| s.bold))
            .unwrap_or(self.styles.default_bold)
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" => {
                if let Some(p) = self.paragraphs.pop() {
                    self.finish_paragraph(p);
                }
            }
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    let cell = std::mem::take(&mut t.cell);
                    let span = t.span;
                    if let Some(row) = t.rows.last_mut() {
                        row.push(cell);
                        row.extend((1..span).map(|_| Vec::new()));
                    }
                }
            }
            "tbl" => {
                if let Some(t) = self.tables.pop() {
                    self.finish_table(t);
                }
            }
            _ => {}
        }
    }

    fn finish_paragraph(&mut self, mut p: Paragraph) {
        if !self.carry.is_empty() {
            let mut runs = std::mem::take(&mut self.carry);
            runs.append(&mut p.runs);
            p.runs = runs;
        }
        if p.mark_deleted {
            self.carry = p.runs;
            return;
        }
        let style = p.style.as_deref();
        let num_id = p.num_id.clone().or_else(|| {
            self.styles
                .inherited(style, |s| s.num.as_ref().map(|n| n.0.clone()))
        });
        let level = p
            .level
            .or_else(|| {
                self.styles
                    .inherited(style, |s| s.num.as_ref().map(|n| n.1))
            })
            .unwrap_or(0);
        let heading = self.styles.inherited(style, |s| s.heading);
        let has_text = p.runs.iter().any(|(t, _)| !t.trim().is_empty());
        let label = match num_id.as_deref() {
            Some(id) if id != "0" && has_text => self.numbering.next_label(id, level),
            _ => None,
        };
        let mut first = true;
        for runs in split_lines(&p.runs) {
            let plain: String = runs.iter().map(|(t, _)| t.as_str()).collect();
            let plain = plain.trim().to_owned();
            if plain.is_empty() {
                continue;
            }
            let mut md = inline_markdown(&runs);
            let mut plain = plain;
            let mut block = Block::Text;
            if first {
                if let Some((label, bullet, decimal)) = &label {
                    let ordered = *decimal
                        && label.len() > 1
                        && label[..label.len() - 1].chars().all(|c| c.is_ascii_digit())
                        && label.ends_with(['.', ')']);
                    if *bullet || ordered {
                        let nested = self.list_depth.is_some() && level > 0;
                        let indent = if nested {
                            "   ".repeat(level.min(3))
                        } else {
                            String::new()
                        };
                        let marker = if *bullet {
                            "-".to_owned()
                        } else {
                            label.clone()
                        };
                        md = format!("{indent}{marker} {md}");
                        block = Block::ListItem;
                    } else {
                        md = format!("{}{md}", escape(label));
                    }
                    plain = format!(
                        "{label}{}{plain}",
                        if *bullet || ordered { " " } else { "" }
                    );
                } else if let Some(h) = heading {
                    md = format!("{} {md}", "#".repeat((h + 1).min(6)));
                }
            }
            self.list_depth = (block == Block::ListItem).then_some(level);
            let line = Line {
                md,
                plain,
                blank_before: first,
                starts_paragraph: first,
                block,
            };
            first = false;
            self.push_line(line);
        }
    }

    /// A finished line goes into the table cell being read, or into the document.
    fn push_line(&mut self, line: Line) {
        match self.tables.last_mut() {
            Some(t) => t.cell.push((line.md, line.plain)),
            None => self.out.push(line),
        }
    }

    fn finish_table(&mut self, t: Table) {
        let rows: Vec<Vec<Vec<CellLine>>> = t
            .rows
            .into_iter()
            .filter(|r| r.iter().flatten().any(|line| !line.1.is_empty()))
            .collect();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        if rows.is_empty() {
            return;
        }
        if let Some(outer) = self.tables.last_mut() {
            // A table inside a cell: its text joins the cell.
            outer.cell.extend(rows.into_iter().flatten().flatten());
            return;
        }
        if rows.len() == 1 || columns == 1 {
            // A layout table: its cells hold paragraphs, not data.
            self.layout_tables += 1;
            for (md, plain) in rows.into_iter().flatten().flatten() {
                self.out.push(Line {
                    md,
                    plain,
                    blank_before: true,
                    starts_paragraph: true,
                    block: Block::Text,
                });
            }
            return;
        }
        let cell_md = |cell: &Vec<CellLine>| {
            let parts: Vec<&str> = cell.iter().map(|l| l.0.as_str()).collect();
            parts.join(" ")
        };
        for (i, row) in rows.iter().enumerate() {
            let mut cells: Vec<String> = row.iter().map(cell_md).collect();
            cells.resize(columns, String::new());
            let plain: Vec<&str> = row.iter().flatten().map(|l| l.1.as_str()).collect();
            self.out.push(Line {
                md: format!("| {} |", cells.join(" | ")),
                plain: plain.join(" "),
                blank_before: i == 0,
                starts_paragraph: i == 0,
                block: Block::TableRow,
            });
            if i == 0 {
                self.out.push(Line {
                    md: format!("|{}", " --- |".repeat(columns)),
                    plain: String::new(),
                    blank_before: false,
                    starts_paragraph: false,
                    block: Block::TableRow,
                });
            }
        }
    }
}

/// Splits a paragraph's runs at line breaks (`\n`), tabs becoming spaces.
fn split_lines(runs: &[(String, bool)]) -> Vec<Vec<(String, bool)>> {
    let mut lines = vec![Vec::new()];
    for (text, bold) in runs {
        let text = text.replace('\t', " ");
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if !piece.is_empty()
                && let Some(line) = lines.last_mut()
            {
                line.push((piece.to_owned(), *bold));
            }
        }
    }
    lines
}

/// Escapes what Markdown would read as syntax in literal Word text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line's runs as Markdown: bold runs between `**`, with their outer spaces moved outside.
fn inline_markdown(runs: &[(String, bool)]) -> String {
    // Merge neighbours of the same weight; a run of spaces does not break a bold run.
    let mut merged: Vec<(String, bool)> = Vec::new();
    for (text, bold) in runs {
        let bold = *bold && !text.trim().is_empty()
            || (text.trim().is_empty() && merged.last().is_some_and(|m| m.1));
        match merged.last_mut() {
            Some((t, b)) if *b == bold => t.push_str(text),
            _ => merged.push((text.clone(), bold)),
        }
    }
    let mut md = String::new();
    for (text, bold) in &merged {
        if *bold {
            let inner = text.trim();
            let lead = &text[..text.len() - text.trim_start().len()];
            let trail = &text[text.trim_end().len()..];
            md.push_str(lead);
            if !inner.is_empty() {
                md.push_str("**");
                md.push_str(&escape(inner));
                md.push_str("**");
            }
            md.push_str(trail);
        } else {
            md.push_str(&escape(text));
        }
    }
    let md = md.trim().to_owned();
    // A line starting with what Markdown reads as a list marker or a rule is text here.
    let after_marker = |rest: &str| rest.is_empty() || rest.starts_with(char::is_whitespace);
    let digits = md.chars().take_while(char::is_ascii_digit).count();
    let at = if md.starts_with(['-', '+']) && after_marker(&md[1..])
        || md.chars().all(|c| c == '=' || c == '-')
    {
        Some(0)
    } else if (1..=9).contains(&digits)
        && md[digits..].starts_with(['.', ')'])
        && after_marker(&md[digits + 1..])
    {
        Some(digits)
    } else {
        None
    };
    match at {
        Some(at) => format!("{}\\{}", &md[..at], &md[at..]),
        None => md,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn zip(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            out.start_file(*name, options).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn document(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}<w:sectPr><w:pgSz w:w="11906"/></w:sectPr></w:body></w:document>"#
        )
    }

    fn p(runs: &str) -> String {
        format!("<w:p>{runs}</w:p>")
    }

    fn r(text: &str) -> String {
        format!(r#"<w:r><w:t xml:space="preserve">{text}</w:t></w:r>"#)
    }

    fn b(text: &str) -> String {
        format!(r#"<w:r><w:rPr><w:b/></w:rPr><w:t>{text}</w:t></w:r>"#)
    }

    fn read_body(body: &str) -> Docx {
        read(&zip(&[("word/document.xml", &document(body))])).unwrap()
    }

    fn md(d: &Docx) -> Vec<&str> {
        d.lines.iter().map(|l| l.md.as_str()).collect()
    }

    #[test]
    fn paragraphs_bold_runs_breaks_and_escapes() {
        let d = read_body(
            &[
                p(&[b("一是"), b("建设平台。"), r("推动"), r("成果转化。")].concat()),
                p(&[
                    r("联系人：张晓东"),
                    "<w:r><w:br/></w:r>".into(),
                    r("联系电话：86051234"),
                ]
                .concat()),
                p(&r("星号*与下划线_以及&amp;符号&#x4E2D;")),
                p(&r("3. 不是列表")),
                p(r#"<w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>不加粗</w:t></w:r>"#),
                p(""),
            ]
            .concat(),
        );
        assert_eq!(
            md(&d),
            vec![
                "**一是建设平台。**推动成果转化。",
                "联系人：张晓东",
                "联系电话：86051234",
                r"星号\*与下划线\_以及\&符号中",
                r"3\. 不是列表",
                "不加粗",
            ]
        );
        assert_eq!(d.lines[0].plain, "一是建设平台。推动成果转化。");
        assert!(d.lines[0].starts_paragraph && d.lines[1].starts_paragraph);
        assert!(
            !d.lines[2].starts_paragraph,
            "a line break continues the paragraph"
        );
        assert!(d.notes.is_empty());
    }

    const NUMBERING: &str = r#"<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
        <w:abstractNum w:abstractNumId="0">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="2">
          <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
        </w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
        <w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
      </w:numbering>"#;

    fn item(num: u32, level: u32, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>{}</w:p>"#,
            r(text)
        )
    }

    #[test]
    fn numbered_and_bulleted_lists_as_printed() {
        let body = [
            item(1, 0, "关于技术攻关"),
            item(1, 1, "设立专题"),
            item(1, 1, "发布榜单"),
            item(1, 0, "关于人才"),
            item(1, 1, "引进人才"),
            item(2, 0, "第一项"),
            item(2, 0, "第二项"),
            item(3, 0, "要点"),
        ]
        .concat();
        let d = read(&zip(&[
            ("word/document.xml", &document(&body)),
            ("word/numbering.xml", NUMBERING),
        ]))
        .unwrap();
        assert_eq!(
            md(&d),
            vec![
                "一、关于技术攻关",
                "（一）设立专题",
                "（二）发布榜单",
                "二、关于人才",
                "（一）引进人才",
                "1. 第一项",
                "2. 第二项",
                "- 要点",
            ]
        );
        assert_eq!(d.lines[5].block, Block::ListItem);
        assert_eq!(d.lines[0].block, Block::Text);
        assert_eq!(d.lines[0].plain, "一、关于技术攻关");
    }

    #[test]
    fn data_tables_become_pipe_tables_and_layout_tables_paragraphs() {
        let cell = |t: &str| format!("<w:tc>{}</w:tc>", p(&r(t)));
        let row = |cells: &[&str]| {
            format!(
                "<w:tr>{}</w:tr>",
                cells.iter().map(|c| cell(c)).collect::<String>()
            )
        };
        let data = format!(
            "<w:tbl>{}{}{}</w:tbl>",
            row(&["项目", "金额|万元"]),
            row(&["孵化器奖励", "500"]),
            row(&["运营补助", "120"])
        );
        let layout = format!(
            "<w:tbl>{}</w:tbl>",
            row(&["示科提复〔2024〕17号", "签发人：王建国"])
        );
        let d = read_body(&format!("{layout}{}{data}", p(&r("正文。"))));
        assert_eq!(
            md(&d),
            vec![
                "示科提复〔2024〕17号",
                "签发人：王建国",
                "正文。",
                r"| 项目 | 金额\|万元 |",
                "| --- | --- |",
                "| 孵化器奖励 | 500 |",
                "| 运营补助 | 120 |",
            ]
        );
        assert_eq!(d.lines[3].block, Block::TableRow);
        assert!(
            d.notes[0].starts_with("1 table with a single row or column read as plain paragraphs")
        );
    }

    #[test]
    fn tracked_changes_are_accepted_and_comments_counted() {
        let body = [
            p(&[
                r("我局将"),
                format!(r#"<w:ins w:id="1" w:author="审核人">{}</w:ins>"#, r("加快")),
                r#"<w:del w:id="2" w:author="审核人"><w:r><w:delText>逐步</w:delText></w:r></w:del>"#.to_owned(),
                r("推进"),
                r#"<w:commentRangeStart w:id="0"/>"#.into(),
                r("成果转化"),
                r#"<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>"#.into(),
                r("。"),
            ]
            .concat()),
            // A paragraph whose mark was deleted joins the next one.
            format!(r#"<w:p><w:pPr><w:rPr><w:del w:id="3" w:author="a"/></w:rPr></w:pPr>{}</w:p>"#, r("第一段的前半")),
            p(&r("和后半。")),
            format!(r#"<w:p>{}<w:moveFrom w:id="4">{}</w:moveFrom></w:p>"#, r("保留"), r("移走的文字")),
            p(&[r("字段结果"), r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#.into()].concat()),
        ]
        .concat();
        let comments = r#"<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="0" w:author="审核人"><w:p><w:r><w:t>这里要改</w:t></w:r></w:p></w:comment></w:comments>"#;
        let d = read(&zip(&[
            ("word/document.xml", &document(&body)),
            ("word/comments.xml", comments),
        ]))
        .unwrap();
        assert_eq!(
            md(&d),
            vec![
                "我局将加快推进成果转化。",
                "第一段的前半和后半。",
                "保留",
                "字段结果"
            ]
        );
        assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
        assert!(d.notes[0].starts_with("the Word file has tracked changes: imported its text as if every change were accepted (1 insertion kept, 2 deletions left out)"), "{}", d.notes[0]);
        assert_eq!(
            d.notes[1],
            "the Word file has 1 comment: comments are not part of the letter and were not imported"
        );
    }

    #[test]
    fn styles_give_headings_and_bold() {
        let styles = r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
            <w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:rPr><w:b/></w:rPr></w:style>
            <w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
            <w:style w:type="character" w:styleId="MyStrong"><w:basedOn w:val="Strong"/></w:style>
          </w:styles>"#;
        let body = [
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="2"/></w:pPr>{}</w:p>"#,
                r("一、关于平台建设")
            ),
            p(&[
                r#"<w:r><w:rPr><w:rStyle w:val="MyStrong"/></w:rPr><w:t>重点</w:t></w:r>"#
                    .to_owned(),
                r("工作"),
            ]
            .concat()),
        ]
        .concat();
        let d = read(&zip(&[
            ("word/document.xml", &document(&body)),
            ("word/styles.xml", styles),
        ]))
        .unwrap();
        assert_eq!(md(&d), vec!["### 一、关于平台建设", "**重点**工作"]);
        assert_eq!(d.lines[0].plain, "一、关于平台建设");
    }

    #[test]
    fn text_boxes_are_read_once() {
        let textbox = format!(
            r#"<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>{}</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>{}</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"#,
            p(&r("示例市科学技术局文件")),
            p(&r("示例市科学技术局文件"))
        );
        let d = read_body(&p(&[textbox, r("正文")].concat()));
        assert_eq!(md(&d), vec!["示例市科学技术局文件", "正文"]);
    }

    #[test]
    fn unreadable_files_say_why() {
        assert_eq!(read(b"not a zip"), Err(DocxProblem::NotZip));
        assert_eq!(
            read(&zip(&[("other.xml", "<a/>")])),
            Err(DocxProblem::NoDocument)
        );
        let broken = read(&zip(&[(
            "word/document.xml",
            "<w:document><w:body><w:p></w:body>",
        )]));
        assert!(
            matches!(broken, Err(DocxProblem::BadXml(ref part, _)) if part == "word/document.xml"),
            "{broken:?}"
        );
        // A package naming another main part is followed.
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/main.xml"/></Relationships>"#;
        let d = read(&zip(&[
            ("_rels/.rels", rels),
            ("word/main.xml", &document(&p(&r("正文")))),
        ]))
        .unwrap();
        assert_eq!(md(&d), vec!["正文"]);
    }

    #[test]
    fn chinese_numbers_for_labels() {
        let labels: Vec<String> = [1, 9, 10, 11, 20, 21, 99]
            .iter()
            .map(|&n| format_number(n, "chineseCounting"))
            .collect();
        assert_eq!(
            labels,
            vec!["一", "九", "十", "十一", "二十", "二十一", "九十九"]
        );
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(4, "lowerRoman"), "iv");
        assert_eq!(format_number(28, "upperLetter"), "BB");
        assert_eq!(format_number(2, "chineseLegalSimplified"), "贰");
        assert_eq!(format_number(u32::MAX, "upperLetter"), "4294967295");
        assert_eq!(format_number(u32::MAX, "chineseCounting"), "4294967295");
    }
}
