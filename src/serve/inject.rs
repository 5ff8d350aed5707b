//! What the preview adds to an HTML page as it is served (never to the built files): the live-reload
//! script and, after a failed build, an overlay naming every problem. Pure string functions.

use std::fmt::Write;

use crate::diagnostic::Diagnostic;

/// The path, under the site, of the live-reload script and of the event stream.
pub const SCRIPT_PATH: &str = "__dafu/reload.js";
pub const EVENTS_PATH: &str = "__dafu/events";
pub const STATUS_PATH: &str = "__dafu/status";

/// The live-reload script, served at `SCRIPT_PATH`.
pub const RELOAD_JS: &str = include_str!("reload.js");

/// What a served page needs to know to reload itself.
pub struct PageInfo<'a> {
    /// The relative way from the page's folder to the site root (`../../`, or `./`).
    pub root: &'a str,
    pub generation: u64,
    /// The output paths whose change means this page must reload: the page served, and the page
    /// asked for when a 404 page was served in its place.
    pub watch: &'a [&'a str],
    pub problems: &'a [Diagnostic],
}

/// The page with the script (and the overlay, if the last build failed) put before `</body>`.
pub fn inject(html: &[u8], page: &PageInfo) -> Vec<u8> {
    let mut tail = String::new();
    if !page.problems.is_empty() {
        tail.push_str(&overlay(page.problems));
    }
    tail.push_str(&script_tag(page));
    insert_before_body_end(html, tail.as_bytes())
}

/// Inserts `tail` before the last `</body>` (any case), or at the end when there is none.
pub fn insert_before_body_end(html: &[u8], tail: &[u8]) -> Vec<u8> {
    const END: &[u8] = b"</body>";
    let at = html
        .windows(END.len())
        .rposition(|w| w.eq_ignore_ascii_case(END))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tail.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tail);
    out.extend_from_slice(&html[at..]);
    out
}

fn script_tag(page: &PageInfo) -> String {
    format!(
        "<script data-dafu-live data-root=\"{root}\" data-generation=\"{generation}\" data-ok=\"{ok}\" data-watch=\"{watch}\" src=\"{root}{SCRIPT_PATH}\"></script>\n",
        root = escape(page.root),
        generation = page.generation,
        ok = u8::from(page.problems.is_empty()),
        watch = escape(&page.watch.join(" ")),
    )
}

/// The list of problems, laid over the last good page.
pub fn overlay(problems: &[Diagnostic]) -> String {
    let mut html = String::from(
        "<div id=\"dafu-errors\" role=\"alert\" style=\"position:fixed;z-index:2147483647;inset:0;overflow:auto;background:rgba(40,0,0,.93);color:#fff;font:15px/1.6 system-ui,sans-serif;padding:2em\">\
         <h2 style=\"margin:0 0 .3em;font-size:1.4em;color:#ffb4b4\">构建出错，以下问题修正后页面会自动刷新</h2>\
         <p style=\"margin:0 0 1.2em;color:#ddd\">页面下方仍是上一次成功构建的内容。",
    );
    let _ = write!(
        html,
        "共 {} 处问题：</p><ol style=\"padding-left:1.5em\">",
        problems.len()
    );
    for problem in problems {
        let _ = write!(
            html,
            "<li style=\"margin-bottom:1em\"><code style=\"color:#ffd27f;font-size:1em\">{}</code><br><span>{}</span>",
            escape(&problem.location()),
            escape(&problem.message)
        );
        if let Some(hint) = &problem.hint {
            let _ = write!(
                html,
                "<pre style=\"white-space:pre-wrap;margin:.3em 0 0;color:#cfe8ff;font:inherit\">提示：{}</pre>",
                escape(hint)
            );
        }
        html.push_str("</li>");
    }
    html.push_str("</ol></div>\n");
    html
}

/// The page shown when no build has succeeded yet, so there is no last good page to show.
pub fn no_site_page() -> &'static [u8] {
    "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>站点尚未构建成功</title></head>\n<body><p>站点尚未构建成功。</p>\n</body></html>\n".as_bytes()
}

/// Text made safe inside HTML elements and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_end_tag() {
        let page = PageInfo {
            root: "../../",
            generation: 3,
            watch: &["2023/a/index.html"],
            problems: &[],
        };
        let html = b"<html><body><p>x</p><!-- </body> in a comment --></BODY></html>";
        let out = String::from_utf8(inject(html, &page)).unwrap();
        assert!(out.starts_with("<html><body><p>x</p><!-- </body> in a comment --><script data-dafu-live data-root=\"../../\" data-generation=\"3\" data-ok=\"1\" data-watch=\"2023/a/index.html\" src=\"../../__dafu/reload.js\"></script>\n</BODY></html>"), "{out}");
        assert!(!out.contains("dafu-errors"));
    }

    #[test]
    fn a_page_without_body_end_gets_the_script_at_the_end() {
        let out = insert_before_body_end(b"<p>x</p>", b"<script></script>");
        assert_eq!(out, b"<p>x</p><script></script>");
    }

    #[test]
    fn overlay_names_every_problem_escaped() {
        let problems = [
            Diagnostic::new("content/2023/<a>.md", 3, 7, "bad <b>date</b> & \"time\"")
                .with_hint("write YYYY-MM-DD, not <script>alert(1)</script>"),
            Diagnostic::file("site.yaml", "missing `title`"),
        ];
        let page = PageInfo {
            root: "./",
            generation: 9,
            watch: &["index.html"],
            problems: &problems,
        };
        let out = String::from_utf8(inject(b"<body></body>", &page)).unwrap();
        assert!(out.contains("构建出错，以下问题修正后页面会自动刷新"));
        assert!(out.contains("共 2 处问题"));
        assert!(out.contains("content/2023/&lt;a&gt;.md:3:7"));
        assert!(out.contains("bad &lt;b&gt;date&lt;/b&gt; &amp; &quot;time&quot;"));
        assert!(out.contains("提示：write YYYY-MM-DD, not &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(out.contains("site.yaml</code><br><span>missing `title`"));
        assert!(!out.contains("<script>alert"));
        assert!(out.contains("data-ok=\"0\""));
        assert!(out.find("dafu-errors").unwrap() < out.find("data-dafu-live").unwrap());
    }

    #[test]
    fn escape_covers_attribute_quotes() {
        assert_eq!(escape("a\"b'c<d>&"), "a&quot;b&#39;c&lt;d&gt;&amp;");
        assert_eq!(escape("答复函"), "答复函");
    }
}
