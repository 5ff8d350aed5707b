//! What templates see: plain, serialisable views of the archive, one per kind of page. Every string
//! here is text, escaped by Tera when rendered, except `LetterView::body_html`, which the Markdown stage
//! produced (with raw HTML escaped unless the site allows it).
//!
//! Every page also gets `site` (the `SiteConfig`), `root` (the relative prefix from this page to the
//! site root, e.g. `../../`, so links work under any sub-path), `path` (this page's path under the
//! root, e.g. `2023/ti-494/`) and `canonical` (its absolute URL); and two helpers: the function
//! `asset(path="style.css")` (a static file's published, fingerprinted name) and the filter `digits`.
//!
//! Per template: `index.html` gets `latest`, `indexes`, `total`; `letter.html` `letter`, `newer`,
//! `older`; `term.html` `index`, `term`, `letters`, `pager`, `feed_url` and `year_stats` (a
//! `StatsView` on the first page of a year, else none); `terms.html` `index`; `stats.html` `stats`;
//! `search.html` `indexes`; feeds `feed`; the sitemap `urls`.

use serde::Serialize;

use crate::frontmatter::Contact;

/// A link to an index term, with its letter count: `{ name: "市政协", url: "committees/shi-zheng-xie/", count: 12 }`.
#[derive(Debug, Clone, Serialize)]
pub struct TermLink {
    pub name: String,
    /// Relative to the site root: write `{{ root }}{{ term.url }}`.
    pub url: String,
    pub count: usize,
}

/// An index (years, committees, topics) as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct IndexView {
    /// `years`, `committees` or `topics`.
    pub key: &'static str,
    /// `年度`, `来文单位` or `主题`.
    pub label: &'static str,
    /// The overview page: `years/`, `committees/`, `topics/`.
    pub url: String,
    pub terms: Vec<TermLink>,
}

/// One letter as a row of a list.
#[derive(Debug, Clone, Serialize)]
pub struct LetterItem {
    pub title: String,
    /// Relative to the site root: `2023/ti-494/`.
    pub url: String,
    /// 成文日期, `2023-06-28`.
    pub date: String,
    pub doc_number: Option<String>,
    pub committee: String,
    /// 提案, 建议 or 议案.
    pub kind: &'static str,
    pub number: Option<String>,
    pub proposers: Vec<String>,
    pub topics: Vec<String>,
    /// The first sentences of the published text, plain.
    pub excerpt: String,
    pub draft: bool,
}

/// A reply class: `{ code: "A", label: "已解决或采纳" }`.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub code: String,
    pub label: String,
}

/// Everything about one letter, for its own page.
#[derive(Debug, Clone, Serialize)]
pub struct LetterView {
    pub title: String,
    pub url: String,
    /// 成文日期, `2023-06-28`, and as printed on a letter, `2023年6月28日`.
    pub date: String,
    pub date_cn: String,
    /// 发布日期.
    pub published: String,
    pub year: i32,
    pub year_url: String,
    pub committee: String,
    pub committee_url: String,
    pub kind: &'static str,
    /// 提案号 or 建议号: the label to show before `number`.
    pub number_label: String,
    pub session: Option<String>,
    pub number: Option<String>,
    pub proposal_title: Option<String>,
    pub proposers: Vec<String>,
    pub addressee: Option<String>,
    /// 文号, with the year in 〔〕 whatever brackets the file used.
    pub doc_number: Option<String>,
    pub issuer: String,
    /// 主办, 协办, 会办 or 分办.
    pub role: &'static str,
    pub topics: Vec<TermLink>,
    pub category: Option<CategoryView>,
    /// 全文公开 or 摘要公开 (不予公开 letters are never published).
    pub disclosure: &'static str,
    /// Set for 摘要公开 letters: the only text published.
    pub summary: Option<String>,
    /// The body as HTML (empty for 摘要公开 letters), typeset for the page (`typeset::body`: heading
    /// classes `gw-1`…`gw-4`, links to other hosts marked `external`): output it with `| safe`.
    pub body_html: String,
    pub contacts: Vec<Contact>,
    pub cc: Vec<String>,
    pub draft: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Links between pages of a paginated list. Page 1 is the term's own URL, page n is `…/page/n/`.
/// `pages` is a window (first, last, and two either side of the current page), so a list of
/// thousands of pages does not put thousands of links on each of them.
#[derive(Debug, Clone, Serialize)]
pub struct Pager {
    pub current: usize,
    pub total: usize,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub pages: Vec<PageLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    /// Pages are left out between the previous link and this one (show `…`).
    pub gap_before: bool,
}

/// An entry of an Atom feed; URLs are absolute.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    pub title: String,
    pub url: String,
    /// RFC 3339, at midnight China time: `2023-06-28T00:00:00+08:00`.
    pub updated: String,
    pub published: String,
    pub summary: String,
    pub committee: String,
    pub topics: Vec<String>,
}

/// A feed: the whole archive, or one committee's or topic's letters.
#[derive(Debug, Clone, Serialize)]
pub struct FeedView {
    pub title: String,
    /// The feed's own absolute URL, and the HTML page it follows.
    pub self_url: String,
    pub page_url: String,
    /// The newest entry's date: no build timestamps, so unchanged content gives unchanged feeds.
    pub updated: String,
    pub entries: Vec<FeedEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<String>,
}

/// Statistics of the whole archive (the `/stats/` page) or of one year (its year page). 不予公开 letters
/// are counted, never named.
#[derive(Debug, Clone, Serialize)]
pub struct StatsView {
    /// Letters answered: published + withheld.
    pub total: usize,
    /// Published letters, 摘要公开 ones included.
    pub published: usize,
    /// Of the published, those published as their summary only.
    pub summary_only: usize,
    /// Letters kept back (不予公开).
    pub withheld: usize,
    /// Breakdowns, each drawn as a chart and given as a table.
    pub charts: Vec<ChartView>,
}

/// One breakdown: by year, committee, kind, reply class, role, or the top topics.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    /// `years`, `committees`, `kinds`, `categories`, `roles` or `topics`: for ids and classes.
    pub key: &'static str,
    /// `按来文单位`: the chart's title.
    pub title: String,
    /// Header of the first column: `来文单位`.
    pub label: &'static str,
    /// What the numbers of a row are: `["公开", "不予公开"]`, or `["公开"]` when nothing is withheld.
    pub series: Vec<&'static str>,
    pub rows: Vec<ChartRow>,
    /// The chart as inline SVG, drawn at build time: output it with `| safe`. Hidden from screen
    /// readers (`aria-hidden`), which read the table of the same numbers instead.
    pub svg: String,
    /// A note under the chart (what is and is not counted), or empty.
    pub note: String,
}

/// A row of a breakdown: `{ label: "市政协", values: [6, 1], total: 7 }`.
#[derive(Debug, Clone, Serialize)]
pub struct ChartRow {
    pub label: String,
    /// One number per series.
    pub values: Vec<usize>,
    pub total: usize,
}
