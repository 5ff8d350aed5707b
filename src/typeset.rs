//! Typesetting a letter for its page, the way GB/T 9704-2012 sets an official document. Works on the
//! body HTML the Markdown stage wrote (its tags have a known shape: `<p>`, `<h3>`, `<a href="…">`);
//! anything else, raw HTML a site allowed included, passes through unchanged.
//!
//! - Numbered headings get the class of their level in the standard's sequence, which decides their
//!   face: `一、` → `gw-1` (black-body), `（一）` → `gw-2` (kai), `1.` → `gw-3`, `（1）` → `gw-4`.
//! - A short paragraph that is only a `一、` or `（一）` heading, as letters pasted from word processors
//!   write them, gets the same class and is exposed as a heading (`role="heading"`).
//! - Heading levels are shifted so the body's first level sits right under the page's `<h1>`.
//! - Links to other hosts are marked as leaving the site, visibly (class `external`) and in words for
//!   screen readers.
//! - Tables sit in a region that scrolls sideways on a narrow screen and can be reached by keyboard.

/// Words read out after a link to another host.
pub const EXTERNAL_NOTE: &str = "（外部链接，将离开本站）";

/// The longest paragraph, in characters, taken for a heading line.
const HEADING_LINE_MAX: usize = 40;

/// Typesets a letter body. `site_url` is the archive's `base_url`: links under it stay on the site.
pub fn body(html: &str, site_url: &str) -> String {
    let headings = scan_headings(html);
    let top = headings.iter().copied().min().unwrap_or(2);
    let shift = top.saturating_sub(2);
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    // The heading being rewritten: (level in the input, level written).
    let mut open_heading: Option<(u8, u8)> = None;
    let mut in_external_link = false;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[..tag_end];
        if let Some(level) = heading_open(tag) {
            let inner = element_text(&rest[tag_end..], &format!("</h{level}>"));
            let written = level - shift;
            open_heading = Some((level, written));
            out.push_str(&format!("<h{written}"));
            if let Some(n) = numbering(&inner) {
                out.push_str(&format!(" class=\"gw-{n}\""));
            }
            out.push('>');
        } else if let Some((_, written)) =
            open_heading.filter(|(level, _)| tag == format!("</h{level}>"))
        {
            out.push_str(&format!("</h{written}>"));
            open_heading = None;
        } else if tag == "<p>" {
            // Only a paragraph opening with a numeral can be a heading line: look no further
            // into the others (this runs over every paragraph of every letter).
            match paragraph_heading(&rest[tag_end..]) {
                Some(n) => out.push_str(&format!(
                    "<p class=\"gw-{n}\" role=\"heading\" aria-level=\"{}\">",
                    n + 1 - shift
                )),
                None => out.push_str(tag),
            }
        } else if let Some(href) = tag.strip_prefix("<a href=\"") {
            if is_external(href, site_url) {
                out.push_str("<a class=\"external\" rel=\"external noopener\" href=\"");
                out.push_str(href);
                in_external_link = true;
            } else {
                out.push_str(tag);
            }
        } else if tag == "</a>" && in_external_link {
            out.push_str("<span class=\"visually-hidden\">");
            out.push_str(EXTERNAL_NOTE);
            out.push_str("</span></a>");
            in_external_link = false;
        } else if tag == "<table>" {
            out.push_str(
                "<div class=\"table-scroll\" role=\"region\" aria-label=\"表格\" tabindex=\"0\"><table>",
            );
        } else if tag == "</table>" {
            out.push_str("</table></div>");
        } else {
            out.push_str(tag);
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

/// The levels of the body's headings, real (`<h3>` → 3) and paragraph lines (`一、` → 2, `（一）` → 3).
fn scan_headings(html: &str) -> Vec<u8> {
    let mut levels = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some(level) = heading_open(rest.get(..4).unwrap_or("")) {
            levels.push(level);
        } else if rest.starts_with("<p>")
            && let Some(n) = paragraph_heading(&rest[3..])
        {
            levels.push(n + 1);
        }
        rest = &rest[1..];
    }
    levels
}

/// `<h3>` → 3, for the plain heading tags the Markdown stage writes (levels 2 to 6).
fn heading_open(tag: &str) -> Option<u8> {
    let b = tag.as_bytes();
    (b.len() == 4 && b[0] == b'<' && b[1] == b'h' && (b'2'..=b'6').contains(&b[2]) && b[3] == b'>')
        .then(|| b[2] - b'0')
}

/// The text of an element's content up to `close`, without tags.
/// The heading level of a paragraph (`after` starts right after its `<p>`) that is only a heading
/// line. This runs over every paragraph of every letter, so it looks no further than a heading
/// line could reach, and only at paragraphs that open with a numeral or a tag.
fn paragraph_heading(after: &str) -> Option<u8> {
    let first = after.chars().next()?;
    if !"一二三四五六七八九十（(<".contains(first) {
        return None;
    }
    let mut window = after.len().min(HEADING_LINE_MAX * 3 + 200);
    while !after.is_char_boundary(window) {
        window -= 1;
    }
    if !after[..window].contains("</p>") {
        return None;
    }
    heading_line(&element_text(after, "</p>"))
}

fn element_text(html: &str, close: &str) -> String {
    let inner = html.find(close).map_or(html, |i| &html[..i]);
    let mut text = String::with_capacity(inner.len());
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// A paragraph that is only a first- or second-level heading: `一、关于人才引育` (a full stop may end it).
fn heading_line(text: &str) -> Option<u8> {
    let n = numbering(text).filter(|&n| n <= 2)?;
    let chars = text.chars().count();
    let body = text.trim_end_matches(['。', '；', '：', ';', ':']);
    let sentence_inside = body.contains(['。', '；', ';', '！', '？']);
    (chars <= HEADING_LINE_MAX && !sentence_inside).then_some(n)
}

/// The level of a heading's number in GB/T 9704's sequence: `一、` 1, `（一）` 2, `1.` 3, `（1）` 4.
pub fn numbering(text: &str) -> Option<u8> {
    const HAN_NUMERALS: &str = "一二三四五六七八九十百零〇两";
    let han = |c: char| HAN_NUMERALS.contains(c);
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut chars = text.chars().peekable();
    let first = *chars.peek()?;
    let bracketed = matches!(first, '（' | '(');
    if bracketed {
        chars.next();
    }
    let mut han_count = 0;
    let mut digit_count = 0;
    while let Some(&c) = chars.peek() {
        if han(c) && digit_count == 0 {
            han_count += 1;
        } else if digit(c) && han_count == 0 {
            digit_count += 1;
        } else {
            break;
        }
        chars.next();
    }
    let close = chars.next()?;
    let after = chars.next();
    match (bracketed, han_count > 0, digit_count > 0, close) {
        (false, true, _, '、') => Some(1),
        (true, true, _, '）' | ')') => Some(2),
        // `1.` but not `1.5亿`.
        (false, _, true, '.' | '．' | '、') if !after.is_some_and(digit) && digit_count <= 2 => {
            Some(3)
        }
        (true, _, true, '）' | ')') => Some(4),
        _ => None,
    }
}

/// Whether a link leaves the archive: an absolute web address not under the site's own.
fn is_external(href: &str, site_url: &str) -> bool {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    let absolute =
        lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//");
    absolute && !href.starts_with(site_url)
}

/// A 文号 with its year in the standard's hexagonal brackets: `示科提复[2023]12号` →
/// `示科提复〔2023〕12号` (also for `【】`, `［］`, `()` and `（）` around a four-digit year).
pub fn doc_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let mut out = String::with_capacity(number.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let year_in_brackets = i + 5 < chars.len()
            && matches!(chars[i], '[' | '【' | '［' | '(' | '（' | '〔')
            && chars[i + 1..i + 5].iter().all(char::is_ascii_digit)
            && matches!(chars[i + 5], ']' | '】' | '］' | ')' | '）' | '〕');
        if year_in_brackets {
            out.push('〔');
            out.extend(&chars[i + 1..i + 5]);
            out.push('〕');
            i += 6;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://kjj.example.gov.cn/jyta/";

    #[test]
    fn numbering_follows_the_standard_sequence() {
        for (text, level) in [
            ("一、关于人才", Some(1)),
            ("十二、其他", Some(1)),
            ("（一）实施攻关", Some(2)),
            ("(三)推进", Some(2)),
            ("1.加大投入", Some(3)),
            ("2．完善机制", Some(3)),
            ("（1）资金", Some(4)),
            ("(12)资金", Some(4)),
            ("1.5亿元已拨付", None),
            ("2023年", None),
            ("一是扩大空间", None),
            ("（注：无）", None),
            ("", None),
        ] {
            assert_eq!(numbering(text), level, "{text}");
        }
    }

    #[test]
    fn headings_get_their_level_class_and_sit_under_the_title() {
        let html = "<h3>一、关于攻关</h3>\n<p>正文。</p>\n<h4>（一）榜单</h4>\n<h3>结语</h3>\n";
        assert_eq!(
            body(html, SITE),
            "<h2 class=\"gw-1\">一、关于攻关</h2>\n<p>正文。</p>\n<h3 class=\"gw-2\">（一）榜单</h3>\n<h2>结语</h2>\n"
        );
        // Already right under the title: unchanged levels.
        assert_eq!(
            body("<h2>一、甲</h2>", SITE),
            "<h2 class=\"gw-1\">一、甲</h2>"
        );
    }

    #[test]
    fn heading_lines_written_as_paragraphs_become_headings() {
        let html = "<p>一、关于强化关键核心技术攻关</p>\n<p>（一）实施榜单制度。</p>\n<p>一、我局高度重视，成立专班。下一步将继续推进。</p>\n<p><strong>二、关于人才</strong></p>\n";
        assert_eq!(
            body(html, SITE),
            "<p class=\"gw-1\" role=\"heading\" aria-level=\"2\">一、关于强化关键核心技术攻关</p>\n<p class=\"gw-2\" role=\"heading\" aria-level=\"3\">（一）实施榜单制度。</p>\n<p>一、我局高度重视，成立专班。下一步将继续推进。</p>\n<p class=\"gw-1\" role=\"heading\" aria-level=\"2\"><strong>二、关于人才</strong></p>\n"
        );
        // Second-level lines only: they are the first level under the title.
        assert_eq!(
            body("<p>（一）甲</p>", SITE),
            "<p class=\"gw-2\" role=\"heading\" aria-level=\"2\">（一）甲</p>"
        );
    }

    #[test]
    fn links_to_other_hosts_are_marked_as_leaving_the_site() {
        let html = "<p>见<a href=\"https://www.gov.cn/zhengce/\">政策</a>和<a href=\"https://kjj.example.gov.cn/jyta/2023/ti-1/\">答复</a>、<a href=\"../x/\">本站</a>。</p>";
        assert_eq!(
            body(html, SITE),
            "<p>见<a class=\"external\" rel=\"external noopener\" href=\"https://www.gov.cn/zhengce/\">政策<span class=\"visually-hidden\">（外部链接，将离开本站）</span></a>和<a href=\"https://kjj.example.gov.cn/jyta/2023/ti-1/\">答复</a>、<a href=\"../x/\">本站</a>。</p>"
        );
    }

    #[test]
    fn tables_scroll_in_a_keyboard_reachable_region() {
        let out = body("<table><thead></thead></table>", SITE);
        assert_eq!(
            out,
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"表格\" tabindex=\"0\"><table><thead></thead></table></div>"
        );
    }

    #[test]
    fn other_markup_passes_through() {
        let html = "<pre><code>&lt;h2&gt;x&lt;/h2&gt;\n</code></pre>\n<ul>\n<li>甲</li>\n</ul>\n<p>a &lt; b</p>\n<h2 class=\"x\">raw</h2>";
        assert_eq!(body(html, SITE), html);
    }

    #[test]
    fn doc_numbers_use_hexagonal_brackets_around_the_year() {
        for (given, shown) in [
            ("示科提复〔2023〕12号", "示科提复〔2023〕12号"),
            ("示科提复[2023]12号", "示科提复〔2023〕12号"),
            ("示科提复【2023】12号", "示科提复〔2023〕12号"),
            ("示科提复（2023）12号", "示科提复〔2023〕12号"),
            ("示科提复(23)12号", "示科提复(23)12号"),
            ("第[12345]号", "第[12345]号"),
        ] {
            assert_eq!(doc_number(given), shown);
        }
    }
}
