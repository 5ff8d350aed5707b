//! Renders a letter body from Markdown to HTML and to plain text.
//!
//! pulldown-cmark does the CommonMark work. This module rewrites its event
//! stream so that Chinese text comes out the way its authors meant it:
//!
//! * Emphasis follows the CJK-friendly amendment to CommonMark
//!   (<https://github.com/tats-u/markdown-cjk-friendly/blob/main/specification.md>).
//!   Plain CommonMark leaves `**二是加快推进。**按照……` as literal asterisks,
//!   because a delimiter run between `。` and a Han character is not
//!   "flanking". The amended rules treat CJK characters like letters for
//!   that purpose.
//! * A soft line break between two CJK characters renders as nothing, not
//!   as a space: Chinese has no spaces between words.
//! * The full-width spaces that editors put at the start of a paragraph are
//!   dropped; the theme indents paragraphs with CSS.
//! * Raw HTML is shown as text unless the site allows it.
//!
//! Bodies pasted from word processors start paragraphs with a tab, four
//! spaces or full-width spaces, often with no blank line between them: a line
//! of Chinese text opening with such an indent becomes a paragraph of its own
//! (CommonMark would read a tab-indented line as code). Indented lines that do
//! not start with Chinese text keep their CommonMark meaning.

use std::ops::Range;

use std::borrow::Cow;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Options from site.yaml that change how a letter body renders.
#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    pub allow_html: bool,
}

/// A letter body rendered once, in the forms the site needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
}

/// Renders `markdown` to HTML and to plain text (for search and summaries).
pub fn render(markdown: &str, options: &MarkdownOptions) -> Rendered {
    let markdown = &*split_indented_paragraphs(markdown);
    let events = rewrite_events(markdown, resolve_emphasis);
    let mut text = plain_text(&events);
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    let allow_html = options.allow_html;
    pulldown_cmark::html::push_html(
        &mut html,
        events.into_iter().map(demote_heading).map(|event| {
            if allow_html {
                event
            } else {
                escape_raw_html(event)
            }
        }),
    );
    // Every letter's body is held until its page is rendered: keep only what is used.
    html.shrink_to_fit();
    text.shrink_to_fit();
    Rendered { html, text }
}

/// Byte offsets, in `markdown`, of every `**` that its HTML would show as two literal asterisks: an
/// emphasis the author meant that did not match (`**一是……。` never closed, or `** 加粗**`). Code
/// spans and code blocks are skipped, and so are escaped asterisks (`\*\*`), which are meant to show.
pub fn literal_double_asterisks(markdown: &str) -> Vec<usize> {
    if !markdown.contains("**") {
        return Vec::new();
    }
    let prepared = split_indented_paragraphs(markdown);
    let events = rewrite_events(&prepared, resolve_emphasis);
    let base = prepared.as_ptr() as usize;
    let mut found = Vec::new();
    let mut in_code_block = false;
    // The source offset just after the last literal `*` seen, when a text event ended with one.
    let mut star_end: Option<usize> = None;
    for event in &events {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(text) if !in_code_block => {
                let at = text.as_ptr() as usize;
                // Only text taken verbatim from the source has a position; escapes and entities
                // are owned strings, and an escaped `*` is meant to show.
                if at < base || at + text.len() > base + prepared.len() {
                    star_end = None;
                    continue;
                }
                let start = at - base;
                if text.starts_with('*') && star_end == Some(start) {
                    found.push(start - 1);
                }
                let bytes = text.as_bytes();
                let mut i = 0;
                while i + 1 < bytes.len() {
                    if bytes[i] == b'*' && bytes[i + 1] == b'*' {
                        found.push(start + i);
                        // `****` is one unrendered run, not three.
                        while i < bytes.len() && bytes[i] == b'*' {
                            i += 1;
                        }
                    } else {
                        i += 1;
                    }
                }
                star_end = text.ends_with('*').then_some(start + text.len());
                continue;
            }
            _ => {}
        }
        star_end = None;
    }
    found.sort_unstable();
    found.dedup();
    if let Cow::Owned(prepared) = &prepared {
        let map = OffsetMap::new(markdown, prepared);
        found.iter_mut().for_each(|o| *o = map.original(*o));
    }
    found
}

/// Maps offsets in the text `split_indented_paragraphs` made back to the text it was given. That
/// function only inserts empty lines and removes the indent at the start of a line, so every line
/// it gives is an empty inserted line or the end of one original line.
struct OffsetMap {
    /// (start of a line in the prepared text, what to add to get the original offset).
    lines: Vec<(usize, isize)>,
}

impl OffsetMap {
    fn new(original: &str, prepared: &str) -> OffsetMap {
        let mut lines = Vec::new();
        let mut prepared_lines = prepared.split_inclusive('\n').peekable();
        let mut p = 0usize;
        let mut o = 0usize;
        for line in original.split_inclusive('\n') {
            if line != "\n" && prepared_lines.peek() == Some(&"\n") {
                prepared_lines.next();
                lines.push((p, o as isize - p as isize));
                p += 1;
            }
            let Some(kept) = prepared_lines.next() else {
                break;
            };
            let cut = line.len().saturating_sub(kept.len());
            lines.push((p, (o + cut) as isize - p as isize));
            p += kept.len();
            o += line.len();
        }
        OffsetMap { lines }
    }

    fn original(&self, offset: usize) -> usize {
        let i = self.lines.partition_point(|(start, _)| *start <= offset);
        let shift = i.checked_sub(1).map_or(0, |i| self.lines[i].1);
        (offset as isize + shift).max(0) as usize
    }
}

/// Text pasted from a word processor keeps one paragraph per line, each opened with a full-width
/// indent (`　　`) or a tab and no blank line between: in Markdown that would run together as one
/// paragraph, and a tab or four spaces would even make it a code block. A line of Chinese text
/// opening with such an indent starts a paragraph of its own, without the indent (the theme indents).
fn split_indented_paragraphs(markdown: &str) -> Cow<'_, str> {
    if !markdown.contains("\n\u{3000}") && !markdown.contains('\t') && !markdown.contains("\n    ")
    {
        return Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + 256);
    let mut previous = "";
    let mut in_fence = false;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t', '\u{3000}']).len()];
        let code_like = indent.contains('\t') || indent.starts_with("    ");
        let opens_chinese = line[indent.len()..].chars().next().is_some_and(is_cjk);
        let indented_paragraph =
            !in_fence && opens_chinese && (indent.starts_with('\u{3000}') || code_like);
        if indented_paragraph {
            let continues_text =
                !previous.trim().is_empty() && !previous.trim_start().starts_with('|');
            if continues_text {
                out.push('\n');
            }
            // A full-width indent alone is dropped later, with the paragraph's other leading
            // full-width spaces; a tab or spaces must go now, or CommonMark reads a code block.
            out.push_str(if code_like {
                &line[indent.len()..]
            } else {
                line
            });
        } else {
            out.push_str(line);
        }
        previous = line;
    }
    Cow::Owned(out)
}

/// Tables, GitHub-style footnotes and strikethrough. Smart punctuation stays
/// off: it would rewrite ASCII quotes and dashes inside Chinese text.
fn parser_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// The page's only `<h1>` is the letter's title, so a body's `#` heading becomes `<h2>`, `##` `<h3>`…
fn demote_heading(event: Event<'_>) -> Event<'_> {
    use pulldown_cmark::HeadingLevel::*;
    let lower = |level| match level {
        H1 => H2,
        H2 => H3,
        H3 => H4,
        H4 => H5,
        H5 | H6 => H6,
    };
    match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: lower(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
        other => other,
    }
}

fn escape_raw_html(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        // An escaped block still needs a box of its own, like a paragraph.
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        other => other,
    }
}

type Spanned<'a> = (Event<'a>, Range<usize>);

/// Rewrites the emphasis of one stretch of inline events into `out`.
type EmphasisResolver = for<'a> fn(&'a str, &mut Vec<Spanned<'a>>, &mut Vec<Event<'a>>);

/// Runs the parser and rewrites each stretch of inline events (the content
/// of one paragraph, heading, table cell or tight list item) as a unit.
fn rewrite_events(src: &str, resolve: EmphasisResolver) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(src.len() / 16);
    let mut inline = Vec::new();
    let mut in_code_block = false;
    for (event, range) in Parser::new_ext(src, parser_options()).into_offset_iter() {
        if !in_code_block && is_inline(&event) {
            inline.push((event, range));
            continue;
        }
        if !inline.is_empty() {
            flush_inline(src, &mut inline, &mut out, resolve);
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            _ => {}
        }
        out.push(event);
    }
    if !inline.is_empty() {
        flush_inline(src, &mut inline, &mut out, resolve);
    }
    out
}

fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::InlineHtml(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::TaskListMarker(_) => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Html(_) | Event::Rule => false,
    }
}

fn flush_inline<'a>(
    src: &'a str,
    seq: &mut Vec<Spanned<'a>>,
    out: &mut Vec<Event<'a>>,
    resolve: EmphasisResolver,
) {
    let first = out.len();
    resolve(src, seq, out);
    strip_indent(&mut out[first..]);
    drop_cjk_soft_breaks(out, first);
}

// ---------------------------------------------------------------------------
// CJK-friendly emphasis
//
// pulldown-cmark has already matched emphasis with the plain CommonMark
// rules. We find every `*` and `_` delimiter run of the inline stretch again
// (both the ones it left as text and the ones it turned into Emphasis/Strong
// tags, whose positions the source offsets give us), and compute whether
// each run can open or close under plain CommonMark and under the amended
// rules. If no run differs, pulldown-cmark's result is already right and
// passes through untouched, which is the case for almost every paragraph.
// Otherwise the whole stretch is re-matched with CommonMark's "process
// emphasis" algorithm using the amended flags. Links, images and
// strikethrough bound the matching the way link text does in CommonMark;
// code spans, autolinks and raw HTML are never looked into.

/// One delimiter run: a maximal sequence of the same `*` or `_` character.
#[derive(Debug, Clone)]
struct Run {
    /// Byte offset of its first character in the source.
    start: usize,
    len: usize,
    ch: u8,
    /// Nothing but the start of a line comes before it.
    line_start: bool,
    /// Nothing but the end of a line comes after it.
    line_end: bool,
    commonmark: Flags,
    cjk: Flags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Flags {
    open: bool,
    close: bool,
}

fn resolve_emphasis<'a>(src: &'a str, seq: &mut Vec<Spanned<'a>>, out: &mut Vec<Event<'a>>) {
    match find_runs(src, seq) {
        Some(runs) if runs.iter().any(|run| run.cjk != run.commonmark) => {
            rematch(src, seq, &runs, true, out)
        }
        _ => out.extend(seq.drain(..).map(|(event, _)| event)),
    }
}

/// Tracks whether we are inside an autolink, whose text is a URL and never
/// contains emphasis.
#[derive(Default)]
struct LinkNesting {
    autolink: Vec<bool>,
    opaque: usize,
}

impl LinkNesting {
    fn enter(&mut self, link_type: LinkType) {
        let opaque = matches!(link_type, LinkType::Autolink | LinkType::Email);
        self.autolink.push(opaque);
        self.opaque += usize::from(opaque);
    }

    fn leave(&mut self) {
        if self.autolink.pop() == Some(true) {
            self.opaque -= 1;
        }
    }

    /// Whether a text event here may hold delimiter runs.
    fn scans(&self, src: &str, text: &str, range: &Range<usize>) -> bool {
        // Text that differs from its source came from an entity or an
        // escape; its characters are literal.
        self.opaque == 0 && has_delimiter(text) && src.get(range.clone()) == Some(text)
    }
}

/// Whether `text` contains `*` or `_`. Every text event goes through this,
/// so it is written in chunks the compiler can vectorize.
fn has_delimiter(text: &str) -> bool {
    text.as_bytes().chunks(32).any(|chunk| {
        let hits = chunk.iter().fold(0u8, |hits, &b| {
            hits | u8::from(b == b'*') | u8::from(b == b'_')
        });
        hits != 0
    })
}

/// Finds the delimiter runs of an inline stretch, in source order, with
/// their flags. `None` means the events look unlike what we expect, and the
/// stretch is best left alone.
fn find_runs(src: &str, seq: &[Spanned<'_>]) -> Option<Vec<Run>> {
    let mut runs: Vec<Run> = Vec::new();
    let mut links = LinkNesting::default();
    let bytes = src.as_bytes();
    for (i, (event, range)) in seq.iter().enumerate() {
        // CommonMark treats the start and end of a line as whitespace.
        let after_break = i == 0 || matches!(seq[i - 1].0, Event::SoftBreak | Event::HardBreak);
        let before_break = i + 1 == seq.len() || matches!(seq[i + 1].0, Event::SoftBreak);
        let (pos, count) = match event {
            Event::Text(text) => {
                if links.scans(src, text, range) {
                    let last = text.len() - 1;
                    for (k, b) in text.bytes().enumerate() {
                        let pos = range.start + k;
                        if (b == b'*' || b == b'_') && !is_escaped(bytes, pos) {
                            let line_start = k == 0 && after_break;
                            add_delimiter(&mut runs, pos, b, line_start, k == last && before_break);
                        }
                    }
                }
                continue;
            }
            Event::Start(Tag::Link { link_type, .. }) => {
                links.enter(*link_type);
                continue;
            }
            Event::End(TagEnd::Link) => {
                links.leave();
                continue;
            }
            Event::Start(Tag::Emphasis) => (range.start, 1),
            Event::Start(Tag::Strong) => (range.start, 2),
            Event::End(TagEnd::Emphasis) => (range.end.checked_sub(1)?, 1),
            Event::End(TagEnd::Strong) => (range.end.checked_sub(2)?, 2),
            _ => continue,
        };
        let ch = *bytes.get(pos)?;
        if !(ch == b'*' || ch == b'_') || bytes.get(pos..pos + count)?.iter().any(|&b| b != ch) {
            return None;
        }
        for k in 0..count {
            let line_start = k == 0 && after_break;
            add_delimiter(
                &mut runs,
                pos + k,
                ch,
                line_start,
                k + 1 == count && before_break,
            );
        }
    }
    for run in &mut runs {
        let before = if run.line_start {
            None
        } else {
            src[..run.start].chars().next_back()
        };
        // Only needed when `before` is a variation selector.
        let before_base = before.and_then(|c| src[..run.start - c.len_utf8()].chars().next_back());
        let after = if run.line_end {
            None
        } else {
            src[run.start + run.len..].chars().next()
        };
        run.commonmark = commonmark_flags(run.ch, before, after);
        run.cjk = cjk_friendly_flags(run.ch, run.len, before, before_base, after);
    }
    Some(runs)
}

/// Whether the byte at `pos` is escaped by an odd number of backslashes.
fn is_escaped(bytes: &[u8], pos: usize) -> bool {
    bytes[..pos]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

fn add_delimiter(runs: &mut Vec<Run>, pos: usize, ch: u8, line_start: bool, line_end: bool) {
    if let Some(last) = runs.last_mut()
        && last.ch == ch
        && last.start + last.len == pos
    {
        last.len += 1;
        last.line_end = line_end;
        return;
    }
    runs.push(Run {
        start: pos,
        len: 1,
        ch,
        line_start,
        line_end,
        commonmark: Flags::default(),
        cjk: Flags::default(),
    });
}

/// Plain CommonMark flanking rules, as pulldown-cmark applies them.
fn commonmark_flags(ch: u8, before: Option<char>, after: Option<char>) -> Flags {
    let space_before = before.is_none_or(char::is_whitespace);
    let space_after = after.is_none_or(char::is_whitespace);
    let punct_before = before.is_some_and(is_punctuation);
    let punct_after = after.is_some_and(is_punctuation);
    let left = !space_after && (!punct_after || space_before || punct_before);
    let right = !space_before && (!punct_before || space_after || punct_after);
    emphasis_flags(ch, left, right, punct_before, punct_after)
}

/// The flanking rules of the CJK-friendly amendment.
fn cjk_friendly_flags(
    ch: u8,
    len: usize,
    before: Option<char>,
    before_base: Option<char>,
    after: Option<char>,
) -> Flags {
    // Deliberate deviation from CommonMark: `2*3*4` or `30cm*40cm` is
    // arithmetic or a size, never intraword emphasis.
    if ch == b'*' && len == 1 && is_between_numbers(before, after) {
        return Flags::default();
    }
    let b = Side::before(before, before_base);
    let a = Side::after(after);
    let left = !a.space && (!a.non_cjk_punct || b.space || b.non_cjk_punct || b.cjk);
    let right = !b.space && (!b.non_cjk_punct || a.space || a.non_cjk_punct || a.cjk);
    emphasis_flags(ch, left, right, b.punct, a.punct)
}

/// `*` only needs to flank; `_` must not be inside a word.
fn emphasis_flags(ch: u8, left: bool, right: bool, punct_before: bool, punct_after: bool) -> Flags {
    if ch == b'*' {
        Flags {
            open: left,
            close: right,
        }
    } else {
        Flags {
            open: left && (!right || punct_before),
            close: right && (!left || punct_after),
        }
    }
}

fn is_between_numbers(before: Option<char>, after: Option<char>) -> bool {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let word = |c: char| c.is_ascii_alphanumeric() || digit(c);
    match (before, after) {
        (Some(b), Some(a)) => word(b) && word(a) && (digit(b) || digit(a)),
        _ => false,
    }
}

/// What sits on one side of a delimiter run, in the terms of the amendment.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    /// Unicode whitespace, or the start or end of the line.
    space: bool,
    /// A Unicode punctuation character (or sequence, before the run).
    punct: bool,
    /// Punctuation that is not CJK.
    non_cjk_punct: bool,
    /// A CJK character (or sequence, or an ideographic variation selector).
    cjk: bool,
}

impl Side {
    fn of_char(c: char) -> Side {
        let punct = is_punctuation(c);
        let cjk = is_cjk(c);
        Side {
            space: false,
            punct,
            non_cjk_punct: punct && !cjk,
            cjk,
        }
    }

    fn after(after: Option<char>) -> Side {
        match after {
            Some(c) if !c.is_whitespace() => Side::of_char(c),
            _ => Side {
                space: true,
                ..Side::default()
            },
        }
    }

    /// Before the run the amendment looks at sequences: a character plus the
    /// variation selector that may follow it.
    fn before(before: Option<char>, base: Option<char>) -> Side {
        match before {
            None => Side {
                space: true,
                ..Side::default()
            },
            Some(c) if c.is_whitespace() => Side {
                space: true,
                ..Side::default()
            },
            Some(c) if is_ideographic_variation_selector(c) => Side {
                cjk: true,
                ..Side::default()
            },
            Some(c) if is_text_variation_selector(c) => match base {
                // A full-width form of “ ” ‘ ’ acts as CJK punctuation.
                Some(b) if c == '\u{FE01}' && matches!(b, '‘' | '’' | '“' | '”') => Side {
                    punct: true,
                    cjk: true,
                    ..Side::default()
                },
                Some(b) if !b.is_whitespace() => Side::of_char(b),
                _ => Side::default(),
            },
            Some(c) => Side::of_char(c),
        }
    }
}

/// U+FE00–U+FE0E: variation selectors other than the emoji one.
fn is_text_variation_selector(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0E}').contains(&c)
}

fn is_ideographic_variation_selector(c: char) -> bool {
    ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

/// Delimiter state during matching, one per run.
struct Delimiter {
    ch: u8,
    original: usize,
    remaining: usize,
    flags: Flags,
    /// Links of the doubly linked delimiter stack; `NONE` at the ends.
    prev: usize,
    next: usize,
    alive: bool,
    /// Tags this run closes, in order of matching; `true` is Strong.
    closes: Vec<bool>,
    /// Tags this run opens, innermost first.
    opens: Vec<bool>,
}

const NONE: usize = usize::MAX;

struct DelimiterStack {
    d: Vec<Delimiter>,
}

impl DelimiterStack {
    fn new(runs: &[Run], cjk: bool) -> Self {
        let last = runs.len().wrapping_sub(1);
        let d = runs
            .iter()
            .enumerate()
            .map(|(i, run)| Delimiter {
                ch: run.ch,
                original: run.len,
                remaining: run.len,
                flags: if cjk { run.cjk } else { run.commonmark },
                prev: if i == 0 { NONE } else { i - 1 },
                next: if i == last { NONE } else { i + 1 },
                alive: true,
                closes: Vec::new(),
                opens: Vec::new(),
            })
            .collect();
        DelimiterStack { d }
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.d[i].prev, self.d[i].next);
        if prev != NONE {
            self.d[prev].next = next;
        }
        if next != NONE {
            self.d[next].prev = prev;
        }
        self.d[i].alive = false;
    }

    fn first_alive(&self, bottom: usize, top: usize) -> usize {
        (bottom..top).find(|&i| self.d[i].alive).unwrap_or(NONE)
    }

    /// CommonMark's "process emphasis" over the runs `bottom..top`, which
    /// belong to one link text (or the whole stretch). Afterwards those runs
    /// are off the stack; what is left of them is literal text.
    fn process(&mut self, bottom: usize, top: usize) {
        // Per closer kind (char, can open, length mod 3): the lowest run
        // still worth searching, so that failed searches are not repeated.
        let mut floors = [[[bottom; 3]; 2]; 2];
        let mut closer = self.first_alive(bottom, top);
        while closer < top {
            let c = &self.d[closer];
            if !c.flags.close {
                closer = c.next;
                continue;
            }
            let floor =
                &mut floors[usize::from(c.ch == b'_')][usize::from(c.flags.open)][c.original % 3];
            let mut opener = c.prev;
            while opener != NONE && opener >= *floor {
                let o = &self.d[opener];
                // The "rule of three" for runs that can both open and close.
                let odd = (c.flags.open || o.flags.close)
                    && !c.original.is_multiple_of(3)
                    && (o.original + c.original).is_multiple_of(3);
                if o.ch == c.ch && o.flags.open && !odd {
                    break;
                }
                opener = o.prev;
            }
            if opener == NONE || opener < *floor {
                *floor = closer;
                let next = c.next;
                if !c.flags.open {
                    self.unlink(closer);
                }
                closer = next;
                continue;
            }
            let strong = self.d[opener].remaining >= 2 && c.remaining >= 2;
            let used = if strong { 2 } else { 1 };
            self.d[opener].remaining -= used;
            self.d[opener].opens.push(strong);
            self.d[closer].remaining -= used;
            self.d[closer].closes.push(strong);
            // Delimiters between the pair can no longer match anything.
            let mut between = self.d[opener].next;
            while between != closer {
                let next = self.d[between].next;
                self.unlink(between);
                between = next;
            }
            if self.d[opener].remaining == 0 {
                self.unlink(opener);
            }
            if self.d[closer].remaining == 0 {
                let next = self.d[closer].next;
                self.unlink(closer);
                closer = next;
            }
        }
        let mut rest = self.first_alive(bottom, top);
        while rest < top {
            let next = self.d[rest].next;
            self.unlink(rest);
            rest = next;
        }
    }
}

enum Piece<'a> {
    Event(Event<'a>),
    Run(usize),
}

/// Splits the stretch into text, delimiter runs and other events, in order.
struct Pieces<'a, 'r> {
    src: &'a str,
    runs: &'r [Run],
    /// First run not yet fully seen.
    next_run: usize,
    /// Runs whose first character has been seen.
    seen: usize,
    pieces: Vec<Piece<'a>>,
}

impl<'a> Pieces<'a, '_> {
    /// Adds `src[start..end]`, a text event or the delimiter characters of
    /// an emphasis tag, with each run it starts as a piece of its own.
    fn span(&mut self, start: usize, end: usize, is_text: bool) {
        let mut pos = start;
        while let Some(run) = self.runs.get(self.next_run) {
            if run.start >= end {
                break;
            }
            if run.start >= start {
                if is_text && run.start > pos {
                    self.text(pos, run.start);
                }
                self.pieces.push(Piece::Run(self.next_run));
                self.seen += 1;
            }
            let run_end = run.start + run.len;
            pos = run_end.min(end);
            if run_end > end {
                break;
            }
            self.next_run += 1;
        }
        if is_text && pos < end {
            self.text(pos, end);
        }
    }

    fn text(&mut self, start: usize, end: usize) {
        let text = CowStr::Borrowed(&self.src[start..end]);
        self.pieces.push(Piece::Event(Event::Text(text)));
    }
}

/// Re-matches the emphasis of a stretch with the given flags (`cjk` picks
/// the amended ones) and writes the resulting events to `out`.
fn rematch<'a>(
    src: &'a str,
    seq: &mut Vec<Spanned<'a>>,
    runs: &[Run],
    cjk: bool,
    out: &mut Vec<Event<'a>>,
) {
    let mut stack = DelimiterStack::new(runs, cjk);
    let mut pieces = Pieces {
        src,
        runs,
        next_run: 0,
        seen: 0,
        pieces: Vec::with_capacity(seq.len() + 2 * runs.len()),
    };
    let mut links = LinkNesting::default();
    // For each open link, image or strikethrough: the first run inside it.
    let mut bottoms = Vec::new();
    for (event, range) in seq.drain(..) {
        match event {
            Event::Text(ref text) if links.scans(src, text, &range) => {
                pieces.span(range.start, range.end, true);
                continue;
            }
            Event::Start(Tag::Emphasis) => pieces.span(range.start, range.start + 1, false),
            Event::Start(Tag::Strong) => pieces.span(range.start, range.start + 2, false),
            Event::End(TagEnd::Emphasis) => pieces.span(range.end - 1, range.end, false),
            Event::End(TagEnd::Strong) => pieces.span(range.end - 2, range.end, false),
            Event::Start(
                Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript,
            ) => {
                if let Event::Start(Tag::Link { link_type, .. }) = &event {
                    links.enter(*link_type);
                }
                bottoms.push(pieces.seen);
                pieces.pieces.push(Piece::Event(event));
            }
            Event::End(
                TagEnd::Link
                | TagEnd::Image
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {
                if matches!(event, Event::End(TagEnd::Link)) {
                    links.leave();
                }
                let bottom = bottoms.pop().unwrap_or(0);
                stack.process(bottom, pieces.seen);
                pieces.pieces.push(Piece::Event(event));
            }
            other => pieces.pieces.push(Piece::Event(other)),
        }
    }
    debug_assert_eq!(pieces.seen, runs.len());
    stack.process(0, pieces.seen);

    for piece in pieces.pieces {
        match piece {
            Piece::Event(event) => out.push(event),
            Piece::Run(i) => {
                let d = &stack.d[i];
                for &strong in &d.closes {
                    out.push(Event::End(if strong {
                        TagEnd::Strong
                    } else {
                        TagEnd::Emphasis
                    }));
                }
                if d.remaining > 0 {
                    let start = runs[i].start;
                    let literal = CowStr::Borrowed(&src[start..start + d.remaining]);
                    out.push(Event::Text(literal));
                }
                for &strong in d.opens.iter().rev() {
                    out.push(Event::Start(if strong {
                        Tag::Strong
                    } else {
                        Tag::Emphasis
                    }));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Indents and line breaks

/// Drops the full-width spaces (and any spaces after them) that start the
/// first text of a paragraph, or of a heading, list item or table cell.
fn strip_indent(events: &mut [Event<'_>]) {
    for event in events {
        match event {
            Event::Text(text) => {
                if text.starts_with('\u{3000}') {
                    let is_indent = |c: char| c == '\u{3000}' || c == ' ' || c == '\t';
                    *text = match std::mem::replace(text, CowStr::Borrowed("")) {
                        CowStr::Borrowed(s) => CowStr::Borrowed(s.trim_start_matches(is_indent)),
                        other => CowStr::from(other.trim_start_matches(is_indent).to_string()),
                    };
                }
                return;
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. }) => {}
            _ => return,
        }
    }
}

/// Removes soft breaks that join two CJK characters (and empty text events)
/// from `out[first..]`.
fn drop_cjk_soft_breaks(out: &mut Vec<Event<'_>>, first: usize) {
    let droppable = |event: &Event<'_>| match event {
        Event::SoftBreak => true,
        Event::Text(text) => text.is_empty(),
        _ => false,
    };
    // Most paragraphs of a letter are a single line.
    if !out[first..].iter().any(droppable) {
        return;
    }
    let mut write = first;
    for read in first..out.len() {
        let drop = match &out[read] {
            Event::SoftBreak => {
                let before = last_char(&out[first..write]);
                let after = first_char(&out[read + 1..]);
                matches!((before, after), (Some(b), Some(a)) if joins_without_space(b, a))
            }
            Event::Text(text) => text.is_empty(),
            _ => false,
        };
        if !drop {
            if write != read {
                out.swap(write, read);
            }
            write += 1;
        }
    }
    out.truncate(write);
}

/// Whether a line break between `before` and `after` is no word gap: both
/// are CJK, or one is and the other is punctuation that Chinese text shares
/// with Western text (curly quotes, ellipsis, dashes, middle dot).
fn joins_without_space(before: char, after: char) -> bool {
    let shared = |c: char| matches!(c, '‘' | '’' | '“' | '”' | '…' | '—' | '―' | '·');
    let (b, a) = (is_cjk(before), is_cjk(after));
    (b && (a || shared(after))) || (a && shared(before))
}

/// Whether an event is markup around text that a line break does not see.
fn is_transparent(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link)
            | Event::FootnoteReference(_)
    )
}

fn last_char(events: &[Event<'_>]) -> Option<char> {
    for event in events.iter().rev() {
        match event {
            Event::Text(text) | Event::Code(text) => {
                if let Some(c) = text.chars().next_back() {
                    return Some(c);
                }
            }
            e if is_transparent(e) => {}
            _ => return None,
        }
    }
    None
}

fn first_char(events: &[Event<'_>]) -> Option<char> {
    for event in events {
        match event {
            Event::Text(text) | Event::Code(text) => {
                if let Some(c) = text.chars().next() {
                    return Some(c);
                }
            }
            e if is_transparent(e) => {}
            _ => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Plain text

/// The body as plain text: blocks on lines of their own, table cells
/// separated by tabs, no markup, entities decoded.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    let mut image_depth = 0usize;
    let mut in_tag = false;
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) if image_depth == 0 => text.push_str(t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::InlineHtml(html) => push_without_tags(&mut text, html, &mut in_tag),
            Event::Html(html) => {
                let mut stripped = String::new();
                push_without_tags(&mut stripped, html, &mut in_tag);
                for line in stripped.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    end_line(&mut text);
                    text.push_str(line);
                }
            }
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Start(Tag::TableCell) if !text.is_empty() && !text.ends_with('\n') => {
                text.push('\t');
            }
            // Cells stay on their row's line.
            Event::Start(Tag::TableCell) | Event::End(TagEnd::TableCell) => {}
            Event::Start(_) | Event::End(_) | Event::Rule if !is_inline(event) => {
                in_tag = false;
                end_line(&mut text);
            }
            _ => {}
        }
    }
    text.truncate(text.trim_end().len());
    text
}

fn end_line(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// Appends the text outside of tags in `html`. `in_tag` carries an
/// unfinished tag over to the next piece of the same block.
fn push_without_tags(out: &mut String, html: &str, in_tag: &mut bool) {
    let mut rest = html;
    loop {
        if *in_tag {
            match rest.find('>') {
                Some(i) => {
                    rest = &rest[i + 1..];
                    *in_tag = false;
                }
                None => return,
            }
        } else {
            match rest.find('<') {
                Some(i) => {
                    push_decoded(out, &rest[..i]);
                    rest = &rest[i + 1..];
                    *in_tag = true;
                }
                None => {
                    push_decoded(out, rest);
                    return;
                }
            }
        }
    }
}

/// Appends `s` with the common character references decoded (raw HTML is
/// not decoded by the parser).
fn push_decoded(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match decode_reference(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Decodes a character reference at the start of `s` (which starts with
/// `&`), returning the character and the reference's length.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')?
        }
    };
    Some((c, end + 1))
}

// ---------------------------------------------------------------------------
// Character classes

/// A CJK character as the amendment defines it: East Asian Width W, F or H
/// and not an emoji by default, or Hangul. Ranges from the amendment's
/// `ranges.md` (Unicode 16).
fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x1100..=0x11FF
            | 0x20A9
            | 0x2329..=0x232A
            | 0x2630..=0x2637
            | 0x268A..=0x268F
            | 0x2E80..=0x2E99
            | 0x2E9B..=0x2EF3
            | 0x2F00..=0x2FD5
            | 0x2FF0..=0x303E
            | 0x3041..=0x3096
            | 0x3099..=0x30FF
            | 0x3105..=0x312F
            | 0x3131..=0x318E
            | 0x3190..=0x31E5
            | 0x31EF..=0x321E
            | 0x3220..=0x3247
            | 0x3250..=0xA48C
            | 0xA490..=0xA4C6
            | 0xA960..=0xA97C
            | 0xAC00..=0xD7A3
            | 0xD7B0..=0xD7C6
            | 0xD7CB..=0xD7FB
            | 0xF900..=0xFAFF
            | 0xFE10..=0xFE19
            | 0xFE30..=0xFE52
            | 0xFE54..=0xFE66
            | 0xFE68..=0xFE6B
            | 0xFF01..=0xFFBE
            | 0xFFC2..=0xFFC7
            | 0xFFCA..=0xFFCF
            | 0xFFD2..=0xFFD7
            | 0xFFDA..=0xFFDC
            | 0xFFE0..=0xFFE6
            | 0xFFE8..=0xFFEE
            | 0x16FE0..=0x16FE4
            | 0x16FF0..=0x16FF6
            | 0x17000..=0x18CD5
            | 0x18CFF..=0x18D1E
            | 0x18D80..=0x18DF2
            | 0x1AFF0..=0x1AFF3
            | 0x1AFF5..=0x1AFFB
            | 0x1AFFD..=0x1AFFE
            | 0x1B000..=0x1B122
            | 0x1B132
            | 0x1B150..=0x1B152
            | 0x1B155
            | 0x1B164..=0x1B167
            | 0x1B170..=0x1B2FB
            | 0x1D300..=0x1D356
            | 0x1D360..=0x1D376
            | 0x1F200
            | 0x1F202
            | 0x1F210..=0x1F219
            | 0x1F21B..=0x1F22E
            | 0x1F230..=0x1F231
            | 0x1F237
            | 0x1F23B
            | 0x1F240..=0x1F248
            | 0x1F260..=0x1F265
            | 0x20000..=0x3FFFD
    )
}

/// A Unicode punctuation character in CommonMark's sense: general category
/// P (punctuation) or S (symbol).
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    let cp = c as u32;
    // The CJK Unified Ideographs and Extension A hold no punctuation.
    if (0x3400..=0x4DBF).contains(&cp) || (0x4E00..=0x9FFF).contains(&cp) {
        return false;
    }
    PUNCTUATION
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Non-ASCII code point ranges of general category P or S (Unicode 14),
/// generated with Python's `unicodedata`:
/// `[cp for cp in range(0x80, 0x110000) if category(chr(cp))[0] in "PS"]`.
#[rustfmt::skip]
const PUNCTUATION: &[(u32, u32)] = &[
    (0x00A1, 0x00A9), (0x00AB, 0x00AC), (0x00AE, 0x00B1), (0x00B4, 0x00B4), (0x00B6, 0x00B8),
    (0x00BB, 0x00BB), (0x00BF, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7), (0x02C2, 0x02C5),
    (0x02D2, 0x02DF), (0x02E5, 0x02EB), (0x02ED, 0x02ED), (0x02EF, 0x02FF), (0x0375, 0x0375),
    (0x037E, 0x037E), (0x0384, 0x0385), (0x0387, 0x0387), (0x03F6, 0x03F6), (0x0482, 0x0482),
    (0x055A, 0x055F), (0x0589, 0x058A), (0x058D, 0x058F), (0x05BE, 0x05BE), (0x05C0, 0x05C0),
    (0x05C3, 0x05C3), (0x05C6, 0x05C6), (0x05F3, 0x05F4), (0x0606, 0x060F), (0x061B, 0x061B),
    (0x061D, 0x061F), (0x066A, 0x066D), (0x06D4, 0x06D4), (0x06DE, 0x06DE), (0x06E9, 0x06E9),
    (0x06FD, 0x06FE), (0x0700, 0x070D), (0x07F6, 0x07F9), (0x07FE, 0x07FF), (0x0830, 0x083E),
    (0x085E, 0x085E), (0x0888, 0x0888), (0x0964, 0x0965), (0x0970, 0x0970), (0x09F2, 0x09F3),
    (0x09FA, 0x09FB), (0x09FD, 0x09FD), (0x0A76, 0x0A76), (0x0AF0, 0x0AF1), (0x0B70, 0x0B70),
    (0x0BF3, 0x0BFA), (0x0C77, 0x0C77), (0x0C7F, 0x0C7F), (0x0C84, 0x0C84), (0x0D4F, 0x0D4F),
    (0x0D79, 0x0D79), (0x0DF4, 0x0DF4), (0x0E3F, 0x0E3F), (0x0E4F, 0x0E4F), (0x0E5A, 0x0E5B),
    (0x0F01, 0x0F17), (0x0F1A, 0x0F1F), (0x0F34, 0x0F34), (0x0F36, 0x0F36), (0x0F38, 0x0F38),
    (0x0F3A, 0x0F3D), (0x0F85, 0x0F85), (0x0FBE, 0x0FC5), (0x0FC7, 0x0FCC), (0x0FCE, 0x0FDA),
    (0x104A, 0x104F), (0x109E, 0x109F), (0x10FB, 0x10FB), (0x1360, 0x1368), (0x1390, 0x1399),
    (0x1400, 0x1400), (0x166D, 0x166E), (0x169B, 0x169C), (0x16EB, 0x16ED), (0x1735, 0x1736),
    (0x17D4, 0x17D6), (0x17D8, 0x17DB), (0x1800, 0x180A), (0x1940, 0x1940), (0x1944, 0x1945),
    (0x19DE, 0x19FF), (0x1A1E, 0x1A1F), (0x1AA0, 0x1AA6), (0x1AA8, 0x1AAD), (0x1B5A, 0x1B6A),
    (0x1B74, 0x1B7E), (0x1BFC, 0x1BFF), (0x1C3B, 0x1C3F), (0x1C7E, 0x1C7F), (0x1CC0, 0x1CC7),
    (0x1CD3, 0x1CD3), (0x1FBD, 0x1FBD), (0x1FBF, 0x1FC1), (0x1FCD, 0x1FCF), (0x1FDD, 0x1FDF),
    (0x1FED, 0x1FEF), (0x1FFD, 0x1FFE), (0x2010, 0x2027), (0x2030, 0x205E), (0x207A, 0x207E),
    (0x208A, 0x208E), (0x20A0, 0x20C0), (0x2100, 0x2101), (0x2103, 0x2106), (0x2108, 0x2109),
    (0x2114, 0x2114), (0x2116, 0x2118), (0x211E, 0x2123), (0x2125, 0x2125), (0x2127, 0x2127),
    (0x2129, 0x2129), (0x212E, 0x212E), (0x213A, 0x213B), (0x2140, 0x2144), (0x214A, 0x214D),
    (0x214F, 0x214F), (0x218A, 0x218B), (0x2190, 0x2426), (0x2440, 0x244A), (0x249C, 0x24E9),
    (0x2500, 0x2775), (0x2794, 0x2B73), (0x2B76, 0x2B95), (0x2B97, 0x2BFF), (0x2CE5, 0x2CEA),
    (0x2CF9, 0x2CFC), (0x2CFE, 0x2CFF), (0x2D70, 0x2D70), (0x2E00, 0x2E2E), (0x2E30, 0x2E5D),
    (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x2FF0, 0x2FFB), (0x3001, 0x3004),
    (0x3008, 0x3020), (0x3030, 0x3030), (0x3036, 0x3037), (0x303D, 0x303F), (0x309B, 0x309C),
    (0x30A0, 0x30A0), (0x30FB, 0x30FB), (0x3190, 0x3191), (0x3196, 0x319F), (0x31C0, 0x31E3),
    (0x3200, 0x321E), (0x322A, 0x3247), (0x3250, 0x3250), (0x3260, 0x327F), (0x328A, 0x32B0),
    (0x32C0, 0x33FF), (0x4DC0, 0x4DFF), (0xA490, 0xA4C6), (0xA4FE, 0xA4FF), (0xA60D, 0xA60F),
    (0xA673, 0xA673), (0xA67E, 0xA67E), (0xA6F2, 0xA6F7), (0xA700, 0xA716), (0xA720, 0xA721),
    (0xA789, 0xA78A), (0xA828, 0xA82B), (0xA836, 0xA839), (0xA874, 0xA877), (0xA8CE, 0xA8CF),
    (0xA8F8, 0xA8FA), (0xA8FC, 0xA8FC), (0xA92E, 0xA92F), (0xA95F, 0xA95F), (0xA9C1, 0xA9CD),
    (0xA9DE, 0xA9DF), (0xAA5C, 0xAA5F), (0xAA77, 0xAA79), (0xAADE, 0xAADF), (0xAAF0, 0xAAF1),
    (0xAB5B, 0xAB5B), (0xAB6A, 0xAB6B), (0xABEB, 0xABEB), (0xFB29, 0xFB29), (0xFBB2, 0xFBC2),
    (0xFD3E, 0xFD4F), (0xFDCF, 0xFDCF), (0xFDFC, 0xFDFF), (0xFE10, 0xFE19), (0xFE30, 0xFE52),
    (0xFE54, 0xFE66), (0xFE68, 0xFE6B), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40),
    (0xFF5B, 0xFF65), (0xFFE0, 0xFFE6), (0xFFE8, 0xFFEE), (0xFFFC, 0xFFFD), (0x10100, 0x10102),
    (0x10137, 0x1013F), (0x10179, 0x10189), (0x1018C, 0x1018E), (0x10190, 0x1019C),
    (0x101A0, 0x101A0), (0x101D0, 0x101FC), (0x1039F, 0x1039F), (0x103D0, 0x103D0),
    (0x1056F, 0x1056F), (0x10857, 0x10857), (0x10877, 0x10878), (0x1091F, 0x1091F),
    (0x1093F, 0x1093F), (0x10A50, 0x10A58), (0x10A7F, 0x10A7F), (0x10AC8, 0x10AC8),
    (0x10AF0, 0x10AF6), (0x10B39, 0x10B3F), (0x10B99, 0x10B9C), (0x10EAD, 0x10EAD),
    (0x10F55, 0x10F59), (0x10F86, 0x10F89), (0x11047, 0x1104D), (0x110BB, 0x110BC),
    (0x110BE, 0x110C1), (0x11140, 0x11143), (0x11174, 0x11175), (0x111C5, 0x111C8),
    (0x111CD, 0x111CD), (0x111DB, 0x111DB), (0x111DD, 0x111DF), (0x11238, 0x1123D),
    (0x112A9, 0x112A9), (0x1144B, 0x1144F), (0x1145A, 0x1145B), (0x1145D, 0x1145D),
    (0x114C6, 0x114C6), (0x115C1, 0x115D7), (0x11641, 0x11643), (0x11660, 0x1166C),
    (0x116B9, 0x116B9), (0x1173C, 0x1173F), (0x1183B, 0x1183B), (0x11944, 0x11946),
    (0x119E2, 0x119E2), (0x11A3F, 0x11A46), (0x11A9A, 0x11A9C), (0x11A9E, 0x11AA2),
    (0x11C41, 0x11C45), (0x11C70, 0x11C71), (0x11EF7, 0x11EF8), (0x11FD5, 0x11FF1),
    (0x11FFF, 0x11FFF), (0x12470, 0x12474), (0x12FF1, 0x12FF2), (0x16A6E, 0x16A6F),
    (0x16AF5, 0x16AF5), (0x16B37, 0x16B3F), (0x16B44, 0x16B45), (0x16E97, 0x16E9A),
    (0x16FE2, 0x16FE2), (0x1BC9C, 0x1BC9C), (0x1BC9F, 0x1BC9F), (0x1CF50, 0x1CFC3),
    (0x1D000, 0x1D0F5), (0x1D100, 0x1D126), (0x1D129, 0x1D164), (0x1D16A, 0x1D16C),
    (0x1D183, 0x1D184), (0x1D18C, 0x1D1A9), (0x1D1AE, 0x1D1EA), (0x1D200, 0x1D241),
    (0x1D245, 0x1D245), (0x1D300, 0x1D356), (0x1D6C1, 0x1D6C1), (0x1D6DB, 0x1D6DB),
    (0x1D6FB, 0x1D6FB), (0x1D715, 0x1D715), (0x1D735, 0x1D735), (0x1D74F, 0x1D74F),
    (0x1D76F, 0x1D76F), (0x1D789, 0x1D789), (0x1D7A9, 0x1D7A9), (0x1D7C3, 0x1D7C3),
    (0x1D800, 0x1D9FF), (0x1DA37, 0x1DA3A), (0x1DA6D, 0x1DA74), (0x1DA76, 0x1DA83),
    (0x1DA85, 0x1DA8B), (0x1E14F, 0x1E14F), (0x1E2FF, 0x1E2FF), (0x1E95E, 0x1E95F),
    (0x1ECAC, 0x1ECAC), (0x1ECB0, 0x1ECB0), (0x1ED2E, 0x1ED2E), (0x1EEF0, 0x1EEF1),
    (0x1F000, 0x1F02B), (0x1F030, 0x1F093), (0x1F0A0, 0x1F0AE), (0x1F0B1, 0x1F0BF),
    (0x1F0C1, 0x1F0CF), (0x1F0D1, 0x1F0F5), (0x1F10D, 0x1F1AD), (0x1F1E6, 0x1F202),
    (0x1F210, 0x1F23B), (0x1F240, 0x1F248), (0x1F250, 0x1F251), (0x1F260, 0x1F265),
    (0x1F300, 0x1F6D7), (0x1F6DD, 0x1F6EC), (0x1F6F0, 0x1F6FC), (0x1F700, 0x1F773),
    (0x1F780, 0x1F7D8), (0x1F7E0, 0x1F7EB), (0x1F7F0, 0x1F7F0), (0x1F800, 0x1F80B),
    (0x1F810, 0x1F847), (0x1F850, 0x1F859), (0x1F860, 0x1F887), (0x1F890, 0x1F8AD),
    (0x1F8B0, 0x1F8B1), (0x1F900, 0x1FA53), (0x1FA60, 0x1FA6D), (0x1FA70, 0x1FA74),
    (0x1FA78, 0x1FA7C), (0x1FA80, 0x1FA86), (0x1FA90, 0x1FAAC), (0x1FAB0, 0x1FABA),
    (0x1FAC0, 0x1FAC5), (0x1FAD0, 0x1FAD9), (0x1FAE0, 0x1FAE7), (0x1FAF0, 0x1FAF6),
    (0x1FB00, 0x1FB92), (0x1FB94, 0x1FBCA),
];

#[cfg(test)]
mod tests {
    #[test]
    fn unmatched_double_asterisks_are_found_where_they_were_typed() {
        use super::literal_double_asterisks as find;
        assert_eq!(find("**一是加快推进。**按照要求"), Vec::<usize>::new());
        assert_eq!(find("正文 **未闭合的加粗"), vec![7]);
        assert_eq!(find("`**代码**` 与 \\*\\*转义"), Vec::<usize>::new());
        assert_eq!(find("```\n**代码块**\n```\n"), Vec::<usize>::new());
        // Offsets stay right when indented paragraphs are split apart.
        let text = "首段\n　　二是**未闭合。\n";
        let at = find(text);
        assert_eq!(at.len(), 1);
        assert_eq!(&text[at[0]..at[0] + 2], "**");
        let text = "首段\n\t三是**未闭合。\n　　第二段 ** 又一处\n";
        let at = find(text);
        assert_eq!(at.len(), 2, "{at:?}");
        assert!(at.iter().all(|&o| &text[o..o + 2] == "**"));
    }

    use super::*;

    fn html(markdown: &str) -> String {
        render(markdown, &MarkdownOptions::default()).html
    }

    fn text(markdown: &str) -> String {
        render(markdown, &MarkdownOptions::default()).text
    }

    /// The HTML of a document that is one paragraph.
    fn para(inner: &str) -> String {
        format!("<p>{inner}</p>\n")
    }

    /// Asserts that each `(markdown, paragraph body)` pair renders as given.
    fn assert_paragraphs(cases: &[(&str, &str)]) {
        for &(markdown, expected) in cases {
            assert_eq!(html(markdown), para(expected), "input: {markdown:?}");
        }
    }

    // --- Bold lead-ins as letters write them -------------------------------

    #[test]
    fn bold_lead_in_before_chinese_text_becomes_strong() {
        assert_eq!(
            html("**一是完善工作机制。**我们将定期召开联席会议。"),
            para("<strong>一是完善工作机制。</strong>我们将定期召开联席会议。")
        );
    }

    #[test]
    fn bold_lead_in_after_a_full_stop_in_mid_paragraph_becomes_strong() {
        assert_eq!(
            html("相关工作已经部署。**二是强化资金保障。**积极争取上级补助。"),
            para("相关工作已经部署。<strong>二是强化资金保障。</strong>积极争取上级补助。")
        );
    }

    #[test]
    fn several_lead_ins_in_one_paragraph_pair_up_in_order() {
        assert_eq!(
            html("总体情况良好。**一是抓统筹。**成立专班。**二是抓落实。**逐项销号。"),
            para(
                "总体情况良好。<strong>一是抓统筹。</strong>成立专班。\
                 <strong>二是抓落实。</strong>逐项销号。"
            )
        );
    }

    #[test]
    fn lead_in_followed_by_a_title_in_book_quotes_becomes_strong() {
        assert_eq!(
            html("推进平台建设。**一是提升创新能力。**深入实施《行动方案》，取得实效。"),
            para(
                "推进平台建设。<strong>一是提升创新能力。</strong>\
                 深入实施《行动方案》，取得实效。"
            )
        );
    }

    #[test]
    fn bold_wrapped_in_chinese_quotes_becomes_strong() {
        assert_eq!(
            html("全面推行**“揭榜挂帅”**模式。"),
            para("全面推行<strong>“揭榜挂帅”</strong>模式。")
        );
    }

    #[test]
    fn bold_ending_in_a_closing_parenthesis_becomes_strong() {
        assert_eq!(
            html("印发了**《管理办法（试行）》**并组织实施。"),
            para("印发了<strong>《管理办法（试行）》</strong>并组织实施。")
        );
        assert_eq!(
            html("**（一）加强组织领导**各单位要高度重视。"),
            para("<strong>（一）加强组织领导</strong>各单位要高度重视。")
        );
    }

    #[test]
    fn bold_ending_in_any_chinese_punctuation_becomes_strong() {
        for p in [
            "，", "。", "、", "；", "：", "？", "！", "“", "”", "‘", "’", "（", "）", "【", "】",
            "《", "》", "—", "～", "…", "·", "〃", "-", "々",
        ] {
            let markdown = format!("**办理{p}**其后");
            assert_eq!(
                html(&markdown),
                para(&format!("<strong>办理{p}</strong>其后")),
                "input: {markdown:?}"
            );
        }
    }

    #[test]
    fn bold_starting_with_an_opening_bracket_after_chinese_becomes_strong() {
        assert_paragraphs(&[
            ("办理**（答复）**", "办理<strong>（答复）</strong>"),
            ("办理**【答复】**", "办理<strong>【答复】</strong>"),
            ("办理**《答复》**", "办理<strong>《答复》</strong>"),
            ("办理**（答复**", "办理<strong>（答复</strong>"),
        ]);
    }

    #[test]
    fn bold_next_to_spaces_and_punctuation_still_follows_the_rules() {
        assert_paragraphs(&[
            ("**办理**答复", "<strong>办理</strong>答复"),
            ("**办理，** 答复", "<strong>办理，</strong> 答复"),
            ("**办理**，答复", "<strong>办理</strong>，答复"),
        ]);
    }

    #[test]
    fn nested_emphasis_inside_a_lead_in_is_kept() {
        assert_eq!(
            html("**一是落实《*暂行条例*》。**按照要求执行。"),
            para("<strong>一是落实《<em>暂行条例</em>》。</strong>按照要求执行。")
        );
    }

    #[test]
    fn triple_asterisks_become_emphasis_around_strong() {
        assert_eq!(
            html("***一是重点任务。***按计划推进。"),
            para("<em><strong>一是重点任务。</strong></em>按计划推进。")
        );
    }

    #[test]
    fn pairs_that_plain_commonmark_matched_wrongly_are_rematched() {
        // Plain CommonMark nests the second pair inside the first here.
        assert_eq!(
            html("**一是加强。**推进**重点**工作"),
            para("<strong>一是加强。</strong>推进<strong>重点</strong>工作")
        );
    }

    #[test]
    fn emphasis_that_commonmark_already_matches_is_unchanged() {
        assert_paragraphs(&[
            ("这是*强调*文字", "这是<em>强调</em>文字"),
            ("**加粗**和*斜体*", "<strong>加粗</strong>和<em>斜体</em>"),
            (
                "Plain **bold** and *italic* and __under__ text.",
                "Plain <strong>bold</strong> and <em>italic</em> and <strong>under</strong> text.",
            ),
        ]);
    }

    #[test]
    fn full_width_indented_lines_are_paragraphs_of_their_own() {
        assert_eq!(
            html("　　第一段。\n　　第二段。\n"),
            "<p>第一段。</p>\n<p>第二段。</p>\n"
        );
        // A soft break without an indent still joins the lines of one paragraph.
        assert_eq!(html("第一行\n第二行\n"), "<p>第一行第二行</p>\n");
        assert_eq!(
            html("```\n代码\n\u{3000}缩进\n```\n"),
            "<pre><code>代码\n\u{3000}缩进\n</code></pre>\n"
        );
    }

    #[test]
    fn tab_or_space_indented_chinese_paragraphs_are_not_code() {
        assert_eq!(
            html("\t第一段。\n\t第二段。\n"),
            "<p>第一段。</p>\n<p>第二段。</p>\n"
        );
        assert_eq!(
            html("首行。\n    第二段。\n"),
            "<p>首行。</p>\n<p>第二段。</p>\n"
        );
        // Indented code that is not Chinese text stays code.
        assert_eq!(
            html("    let x = 1;\n"),
            "<pre><code>let x = 1;\n</code></pre>\n"
        );
    }

    #[test]
    fn body_headings_sit_below_the_page_title() {
        assert_eq!(html("# 一、总体情况"), "<h2>一、总体情况</h2>\n");
        assert_eq!(html("###### 细目"), "<h6>细目</h6>\n");
    }

    #[test]
    fn bold_lead_in_works_in_headings_list_items_quotes_and_table_cells() {
        assert_eq!(
            html("## **一是加强。**推进"),
            "<h3><strong>一是加强。</strong>推进</h3>\n"
        );
        assert_eq!(
            html("1. **一是加强。**推进\n2. **二是落实。**到位"),
            "<ol>\n<li><strong>一是加强。</strong>推进</li>\n\
             <li><strong>二是落实。</strong>到位</li>\n</ol>\n"
        );
        assert_eq!(
            html("> **一是加强。**推进"),
            "<blockquote>\n<p><strong>一是加强。</strong>推进</p>\n</blockquote>\n"
        );
        assert_eq!(
            html("| 事项 | 说明 |\n|---|---|\n| **一是加强。**推进 | 完成 |"),
            "<table><thead><tr><th>事项</th><th>说明</th></tr></thead><tbody>\n\
             <tr><td><strong>一是加强。</strong>推进</td><td>完成</td></tr>\n\
             </tbody></table>\n"
        );
    }

    #[test]
    fn run_at_the_start_of_a_line_cannot_close() {
        // The second line starts right after `>`; a line start counts as
        // whitespace, so its `**` opens rather than closing the first line's.
        assert_eq!(
            html("> **甲\n>**“乙”**丙"),
            "<blockquote>\n<p>**甲<strong>“乙”</strong>丙</p>\n</blockquote>\n"
        );
    }

    #[test]
    fn bold_inside_and_around_links_becomes_strong() {
        assert_paragraphs(&[
            (
                "**[办事指南](./guide)**请查阅",
                "<strong><a href=\"./guide\">办事指南</a></strong>请查阅",
            ),
            (
                "见[**一是加强。**推进](./a)全文",
                "见<a href=\"./a\"><strong>一是加强。</strong>推进</a>全文",
            ),
        ]);
    }

    #[test]
    fn no_invisible_characters_are_added() {
        let rendered = render(
            "**一是加强。**推进工作\n**二是落实。**到位",
            &MarkdownOptions::default(),
        );
        let invisible = |c: char| matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{AD}');
        assert!(!rendered.html.contains(invisible), "{:?}", rendered.html);
        assert!(!rendered.text.contains(invisible), "{:?}", rendered.text);
        assert_eq!(
            rendered.html,
            para("<strong>一是加强。</strong>推进工作<strong>二是落实。</strong>到位")
        );
    }

    // --- Things that must not become emphasis ------------------------------

    #[test]
    fn multiplication_and_sizes_are_not_emphasis() {
        assert_paragraphs(&[
            ("2*3*4", "2*3*4"),
            ("规格为30cm*40cm*50cm的箱子", "规格为30cm*40cm*50cm的箱子"),
            ("３*４*５", "３*４*５"),
            ("a * b * c", "a * b * c"),
        ]);
    }

    #[test]
    fn lone_or_unmatched_delimiters_stay_literal() {
        assert_paragraphs(&[
            ("**", "**"),
            ("项目**启动", "项目**启动"),
            ("**一是加强。", "**一是加强。"),
            ("推进。**", "推进。**"),
            ("文件_编号_说明", "文件_编号_说明"),
            ("附件_1.doc和附件_2.doc", "附件_1.doc和附件_2.doc"),
        ]);
    }

    #[test]
    fn escaped_asterisks_stay_literal() {
        assert_paragraphs(&[
            ("\\*\\*一是加强。\\*\\*推进", "**一是加强。**推进"),
            // The second run is one star long, which cannot close a double.
            ("**一是加强。\\**推进", "**一是加强。**推进"),
        ]);
    }

    #[test]
    fn delimiters_inside_code_spans_and_autolinks_are_untouched() {
        assert_paragraphs(&[
            ("`**一是。**推进`", "<code>**一是。**推进</code>"),
            (
                "**一是。**推进`**代码**`",
                "<strong>一是。</strong>推进<code>**代码**</code>",
            ),
            (
                "<https://example.com/*a*_b_>。**一是。**推进",
                "<a href=\"https://example.com/*a*_b_\">https://example.com/*a*_b_</a>。\
                 <strong>一是。</strong>推进",
            ),
        ]);
    }

    #[test]
    fn entity_encoded_asterisks_are_not_delimiters() {
        assert_eq!(html("&#42;&#42;一是。**推进"), para("**一是。**推进"));
    }

    // --- The amendment's own test cases (markdown-cjk-friendly) ------------

    #[test]
    fn spec_cases_with_han_and_kana_become_strong() {
        assert_paragraphs(&[
            (
                "这是**我想做的事。**所以做了。",
                "这是<strong>我想做的事。</strong>所以做了。",
            ),
            (
                "**[产品甲](./a)**和**[产品乙](./b)**欢迎试用",
                "<strong><a href=\"./a\">产品甲</a></strong>和\
                 <strong><a href=\"./b\">产品乙</a></strong>欢迎试用",
            ),
            (
                "词语**[链接词](w)**词语",
                "词语<strong><a href=\"w\">链接词</a></strong>词语",
            ),
            (
                "括号要注意**（不会加粗）**后面有字。",
                "括号要注意<strong>（不会加粗）</strong>后面有字。",
            ),
            (
                "开头的**\\`代码\\`也要注意。**",
                "开头的<strong>`代码`也要注意。</strong>",
            ),
            (
                "**结尾的\\`代码\\`**也要注意。",
                "<strong>结尾的`代码`</strong>也要注意。",
            ),
            (
                "含税**¥10,000**即可购得。",
                "含税<strong>¥10,000</strong>即可购得。",
            ),
            ("正确答案是**④**。", "正确答案是<strong>④</strong>。"),
            ("他说**「你好」**然后", "他说<strong>「你好」</strong>然后"),
            ("他说**\"你好\"**然后", "他说<strong>\"你好\"</strong>然后"),
            ("他说**“Hello”**然后", "他说<strong>“Hello”</strong>然后"),
            (
                "他说**\"Oh my god\"**然后",
                "他说<strong>\"Oh my god\"</strong>然后",
            ),
            ("他说**Hello**然后", "他说<strong>Hello</strong>然后"),
            (
                "**C#**和**F#**运行在**「.NET」**平台上。",
                "<strong>C#</strong>和<strong>F#</strong>运行在<strong>「.NET」</strong>平台上。",
            ),
            ("编号为**001号**的", "编号为<strong>001号</strong>的"),
            ("编号为**００１号**的", "编号为<strong>００１号</strong>的"),
            ("Go**「入门」**教程", "Go<strong>「入门」</strong>教程"),
            ("**⻲田**先生", "<strong>⻲田</strong>先生"),
            ("・**㋐**:第一项", "・<strong>㋐</strong>:第一项"),
            ("**再见︙**他说。", "<strong>再见︙</strong>他说。"),
            (
                ".NET**（.NET Framework不可）**中",
                ".NET<strong>（.NET Framework不可）</strong>中",
            ),
            (
                "偏旁不是示而是**礻**。",
                "偏旁不是示而是<strong>礻</strong>。",
            ),
            (
                "Git**（注：不是GitHub）**",
                "Git<strong>（注：不是GitHub）</strong>",
            ),
            (
                "𰻞𰻞**（biangbiang）**面",
                "𰻞𰻞<strong>（biangbiang）</strong>面",
            ),
            (
                "𰻞𰻞**(biangbiang)**面",
                "𰻞𰻞<strong>(biangbiang)</strong>面",
            ),
            (
                "超文本咖啡壶控制协议**(HTCPCP)**",
                "超文本咖啡壶控制协议<strong>(HTCPCP)</strong>",
            ),
            ("﨑**(崎)**", "﨑<strong>(崎)</strong>"),
            (
                "国际标准**[ECMA-262](https://tc39.es/ecma262/)**",
                "国际标准<strong><a href=\"https://tc39.es/ecma262/\">ECMA-262</a></strong>",
            ),
            (
                "**推荐几个框架：**React、Vue等。",
                "<strong>推荐几个框架：</strong>React、Vue等。",
            ),
        ]);
    }

    #[test]
    fn spec_cases_with_variation_selectors_become_strong() {
        assert_paragraphs(&[
            // Ideographic variation selector after the Han character.
            (
                "葛\u{E0100}**(正式写法)**城市",
                "葛\u{E0100}<strong>(正式写法)</strong>城市",
            ),
            // Standard variation selector after the Han character.
            (
                "大塚\u{FE00}**(异体)**",
                "大塚\u{FE00}<strong>(异体)</strong>",
            ),
            (
                "〽\u{FE0E}**(庵点)**是",
                "〽\u{FE0E}<strong>(庵点)</strong>是",
            ),
            // Full-width forms of curly quotes act as CJK punctuation.
            (
                "**“\u{FE01}Git”\u{FE01}**Hub",
                "<strong>“\u{FE01}Git”\u{FE01}</strong>Hub",
            ),
        ]);
        // Without the selector the closing quote is Western punctuation.
        assert_eq!(html("**“Git”**Hub"), para("**“Git”**Hub"));
    }

    #[test]
    fn spec_cases_with_korean_become_strong() {
        assert_paragraphs(&[
            (
                "**이 [링크](https://example.kr/)**만을 강조하고 싶다.",
                "<strong>이 <a href=\"https://example.kr/\">링크</a></strong>만을 강조하고 싶다.",
            ),
            (
                "**스크립트(script)**라고",
                "<strong>스크립트(script)</strong>라고",
            ),
            (
                "패키지를 발행하려면 **`npm publish`**를 실행하십시오.",
                "패키지를 발행하려면 <strong><code>npm publish</code></strong>를 실행하십시오.",
            ),
            (
                "**안녕(hello)**하세요.",
                "<strong>안녕(hello)</strong>하세요.",
            ),
            ("\u{1161}**(a)**", "\u{1161}<strong>(a)</strong>"),
            ("**(k)**\u{110F}", "<strong>(k)</strong>\u{110F}"),
        ]);
    }

    #[test]
    fn spec_cases_with_cjk_symbols_that_look_like_emoji_become_strong() {
        for symbol in ["〰", "〽", "🈂", "🈷", "㊗", "㊙"] {
            let markdown = format!("a**{symbol}**a");
            assert_eq!(
                html(&markdown),
                para(&format!("a<strong>{symbol}</strong>a")),
                "input: {markdown:?}"
            );
        }
        assert_paragraphs(&[
            ("a**〰\u{FE0E}a**a", "a<strong>〰\u{FE0E}a</strong>a"),
            ("a**a〰\u{FE0E}**a", "a<strong>a〰\u{FE0E}</strong>a"),
            ("a**〰\u{FE0F}a**a", "a<strong>〰\u{FE0F}a</strong>a"),
        ]);
    }

    #[test]
    fn spec_cases_with_emoji_and_western_symbols_stay_literal() {
        for markdown in [
            "a**🈯a**a",
            "a**a🈯**a",
            "a**⭕a**a",
            "a**a⭕**a",
            "a**❌a**a",
            "a**a🈯\u{FE0E}**a",
            "a**a«**a",
            "a**»a**a",
            "a**a∇**a",
            "a**∇a**a",
            "a**a𝜵**a",
            "a**𝜵a**a",
            "a**𐬻a**a",
            "a**a𐬻**a",
        ] {
            assert_eq!(html(markdown), para(markdown), "input: {markdown:?}");
        }
    }

    #[test]
    fn spec_cases_with_underscores_next_to_chinese_punctuation() {
        assert_paragraphs(&[
            ("__注意__：注意事项", "<strong>注意</strong>：注意事项"),
            ("注意：__注意事项__", "注意：<strong>注意事项</strong>"),
            (
                "正體字。\u{FE01}_Traditional._",
                "正體字。\u{FE01}<em>Traditional.</em>",
            ),
            (
                "正體字。\u{FE01}__Hong Kong and Taiwan.__",
                "正體字。\u{FE01}<strong>Hong Kong and Taiwan.</strong>",
            ),
            (
                "简体字。\u{FE00}_Simplified._",
                "简体字。\u{FE00}<em>Simplified.</em>",
            ),
        ]);
    }

    #[test]
    fn underscores_inside_chinese_words_stay_literal() {
        assert_paragraphs(&[("中_文_字", "中_文_字"), ("文__件__名", "文__件__名")]);
    }

    // --- Line breaks and indents -------------------------------------------

    #[test]
    fn soft_break_between_chinese_characters_disappears() {
        let rendered = render("第一行文字\n第二行文字", &MarkdownOptions::default());
        assert_eq!(rendered.html, para("第一行文字第二行文字"));
        assert_eq!(rendered.text, "第一行文字第二行文字");
    }

    #[test]
    fn soft_break_after_chinese_punctuation_or_quotes_disappears() {
        assert_paragraphs(&[
            ("推进工作。\n下一步", "推进工作。下一步"),
            ("实施“揭榜挂帅”\n模式", "实施“揭榜挂帅”模式"),
            (
                "按照要求\n**二是落实。**到位",
                "按照要求<strong>二是落实。</strong>到位",
            ),
        ]);
    }

    #[test]
    fn soft_break_between_latin_words_stays() {
        let rendered = render("first line\nsecond line", &MarkdownOptions::default());
        assert_eq!(rendered.html, para("first line\nsecond line"));
        assert_eq!(rendered.text, "first line second line");
        assert_eq!(html("中文\nEnglish"), para("中文\nEnglish"));
        assert_eq!(html("English\n中文"), para("English\n中文"));
    }

    #[test]
    fn full_width_indent_at_paragraph_start_is_dropped() {
        let rendered = render(
            "　　我局高度重视。\n\n　　**一是加强。**推进",
            &MarkdownOptions::default(),
        );
        assert_eq!(
            rendered.html,
            "<p>我局高度重视。</p>\n<p><strong>一是加强。</strong>推进</p>\n"
        );
        assert_eq!(rendered.text, "我局高度重视。\n一是加强。推进");
    }

    #[test]
    fn full_width_space_inside_a_paragraph_is_kept() {
        assert_eq!(html("联系人：张三　电话"), para("联系人：张三　电话"));
    }

    // --- Raw HTML -----------------------------------------------------------

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        assert_eq!(html("<b>粗</b>体"), para("&lt;b&gt;粗&lt;/b&gt;体"));
        assert_eq!(
            html("<div>\n内容\n</div>"),
            para("&lt;div&gt;\n内容\n&lt;/div&gt;")
        );
        let allowed = MarkdownOptions { allow_html: true };
        assert_eq!(render("<b>粗</b>体", &allowed).html, para("<b>粗</b>体"));
        assert_eq!(
            render("<div>\n内容\n</div>", &allowed).html,
            "<div>\n内容\n</div>"
        );
    }

    #[test]
    fn plain_text_never_contains_html_tags() {
        for allow_html in [false, true] {
            let options = MarkdownOptions { allow_html };
            assert_eq!(render("<b>粗</b>体", &options).text, "粗体");
            assert_eq!(
                render("<div class=\"x\">\n内容 &amp; 附件\n</div>", &options).text,
                "内容 & 附件"
            );
        }
    }

    // --- Other Markdown -----------------------------------------------------

    #[test]
    fn pipe_table_renders_with_a_header() {
        assert_eq!(
            html("| 序号 | 事项 |\n|---|---|\n| 1 | 推进 |"),
            "<table><thead><tr><th>序号</th><th>事项</th></tr></thead><tbody>\n\
             <tr><td>1</td><td>推进</td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn numbered_list_renders_as_ordered_list() {
        assert_eq!(
            html("1. 加强领导\n2. 落实责任"),
            "<ol>\n<li>加强领导</li>\n<li>落实责任</li>\n</ol>\n"
        );
    }

    #[test]
    fn footnotes_render() {
        assert_eq!(
            html("依据有关规定[^1]。\n\n[^1]: 见第三条。"),
            "<p>依据有关规定<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>。</p>\n\
             <div class=\"footnote-definition\" id=\"1\">\
             <sup class=\"footnote-definition-label\">1</sup>\n<p>见第三条。</p>\n</div>\n"
        );
    }

    #[test]
    fn strikethrough_renders() {
        assert_eq!(html("~~删除~~的文字"), para("<del>删除</del>的文字"));
    }

    #[test]
    fn punctuation_is_not_made_smart() {
        assert_eq!(
            html("\"quoted\" -- and 'single' ..."),
            para("\"quoted\" -- and 'single' ...")
        );
    }

    #[test]
    fn plain_text_puts_blocks_on_lines_and_decodes_entities() {
        assert_eq!(
            text("# 标题\n\n**一是加强。**推进 A &amp; B &lt;C&gt;\n\n- 甲\n- 乙\n\n`代码`段"),
            "标题\n一是加强。推进 A & B <C>\n甲\n乙\n代码段"
        );
        assert_eq!(
            text("| 序号 | 事项 |\n|---|---|\n| 1 | 推进 |"),
            "序号\t事项\n1\t推进"
        );
    }

    #[test]
    fn plain_text_leaves_out_images() {
        assert_eq!(text("见图![示意图](a.png)所示"), "见图所示");
    }

    // --- The matcher against pulldown-cmark ---------------------------------

    /// Re-matches every stretch with the plain CommonMark flags.
    fn rematch_commonmark<'a>(src: &'a str, seq: &mut Vec<Spanned<'a>>, out: &mut Vec<Event<'a>>) {
        match find_runs(src, seq) {
            Some(runs) => rematch(src, seq, &runs, false, out),
            None => out.extend(seq.drain(..).map(|(event, _)| event)),
        }
    }

    /// A small deterministic generator of Markdown-ish strings.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn string(&mut self, alphabet: &[&str], max_len: u64) -> String {
            let len = self.next() % max_len + 1;
            (0..len)
                .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
                .collect()
        }
    }

    const LATIN: &[&str] = &[
        "a", "b", " ", "*", "*", "**", "_", "__", ".", "(", ")", "[", "](u)", "`", "\\", "\n", "!",
        "1", "~~", "&amp;", "<i>",
    ];

    #[test]
    fn matcher_with_commonmark_flags_agrees_with_pulldown_cmark() {
        let mut generator = Gen(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let src = generator.string(LATIN, 24);
            let mut expected = String::new();
            pulldown_cmark::html::push_html(&mut expected, Parser::new_ext(&src, parser_options()));
            let mut actual = String::new();
            pulldown_cmark::html::push_html(
                &mut actual,
                rewrite_events(&src, rematch_commonmark).into_iter(),
            );
            assert_eq!(actual, expected, "input: {src:?}");
        }
    }

    #[test]
    fn rewritten_events_nest_and_keep_all_text() {
        let alphabet: &[&str] = &[
            "中", "文", "。", "“", "”", "（", "）", "a", " ", "*", "**", "***", "_", "__", "\n",
            "[", "](u)", "`", "\\", "2", "~~",
        ];
        let strip = |s: &str| s.replace(['*', '_'], "");
        let mut generator = Gen(0x2545_F491_4F6C_DD1D);
        for _ in 0..3000 {
            let src = generator.string(alphabet, 24);
            let events = rewrite_events(&src, resolve_emphasis);
            let mut open = Vec::new();
            for event in &events {
                match event {
                    Event::Start(tag) => open.push(tag.to_end()),
                    Event::End(end) => assert_eq!(open.pop(), Some(*end), "input: {src:?}"),
                    _ => {}
                }
            }
            assert!(open.is_empty(), "input: {src:?}");
            let words = |events: &mut dyn Iterator<Item = Event<'_>>| -> String {
                events
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(strip(&t)),
                        _ => None,
                    })
                    .collect()
            };
            assert_eq!(
                words(&mut events.into_iter()),
                words(&mut Parser::new_ext(&src, parser_options())),
                "input: {src:?}"
            );
        }
    }
}
