//! TEMPORARY STUB (being replaced by the CJK-aware renderer).
#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    pub allow_html: bool,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
}
pub fn render(markdown: &str, _options: &MarkdownOptions) -> Rendered {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    Rendered {
        html,
        text: markdown.to_owned(),
    }
}
