//! Statistics: letters by year, committee, kind (提案/建议), reply class and role (主办/协办), and the
//! top topics, for the `/stats/` page and each year page. Each breakdown is drawn as an SVG bar chart
//! here, at build time, so the browser needs no chart library; the template shows its numbers as a
//! table for screen readers.
//!
//! 不予公开 letters are counted from `Archive::withheld_facets`, which holds the groups a letter counts
//! in and nothing that names it. Topics are counted over published letters only: a topic with a
//! single withheld letter would say what that letter is about.

use std::collections::BTreeMap;

use ahash::AHashMap as HashMap;
use std::fmt::Write;

use crate::archive::{Archive, Facets, UNCLASSIFIED};
use crate::config::SiteConfig;
use crate::letter::{Disclosure, Kind, Letter, Role};
use crate::view::{ChartRow, ChartView, StatsView};

/// How many topics the topic chart shows.
pub const TOP_TOPICS: usize = 10;

const PUBLISHED: &str = "公开";
const WITHHELD: &str = "不予公开";

/// Statistics of the whole archive.
pub fn site_stats(archive: &Archive, config: &SiteConfig) -> StatsView {
    let published: Vec<&Letter> = archive.letters.iter().map(|l| &**l).collect();
    let withheld: Vec<&Facets> = archive.withheld_facets.iter().collect();
    let counted = Counted::new(&published, &withheld);
    let mut charts = vec![breakdown(
        "years",
        "按年度",
        "年度",
        &counted,
        |f| f.year,
        // Newest first.
        |year| {
            (
                format!("{:08}", 10_000_000 - i64::from(year)),
                format!("{year}年"),
            )
        },
        Vec::new(),
    )];
    // The topic index counts the letters of each topic already (a letter once for each of its
    // topics, as here), with the letters without topics put under 未分类.
    let untagged = published.iter().filter(|l| l.topics.is_empty()).count();
    let topics = archive.topics.iter().map(|t| {
        let n = t.letters.len();
        let n = if t.name == UNCLASSIFIED {
            n - untagged
        } else {
            n
        };
        (t.name.as_str(), n)
    });
    charts.extend(common_charts(&counted, config));
    charts.push(top_topics(topics));
    stats_view(&published, &withheld, charts)
}

/// Statistics of one year: its letters by committee, kind, reply class and role, and its top topics.
pub fn year_stats(archive: &Archive, config: &SiteConfig, year: i32) -> StatsView {
    // The year's term lists them: no need to look at the other years' letters.
    let name = year.to_string();
    let term = archive.years.iter().find(|t| t.name == name);
    let published: Vec<&Letter> = term
        .map(|t| t.letters.iter().map(|&i| &*archive.letters[i]).collect())
        .unwrap_or_default();
    let withheld: Vec<&Facets> = archive
        .withheld_facets
        .iter()
        .filter(|f| f.year == year)
        .collect();
    let counted = Counted::new(&published, &withheld);
    let mut charts = common_charts(&counted, config);
    let mut topics: HashMap<&str, usize> = HashMap::new();
    for topic in published.iter().flat_map(|l| &l.topics) {
        *topics.entry(topic).or_default() += 1;
    }
    charts.push(top_topics(topics.into_iter()));
    stats_view(&published, &withheld, charts)
}

fn stats_view(published: &[&Letter], withheld: &[&Facets], charts: Vec<ChartView>) -> StatsView {
    StatsView {
        total: published.len() + withheld.len(),
        published: published.len(),
        summary_only: published
            .iter()
            .filter(|l| l.disclosure == Disclosure::SummaryOnly)
            .count(),
        withheld: withheld.len(),
        charts,
    }
}

/// The groups a letter counts in, borrowed from a published letter or a withheld letter's facets, so
/// counting 50,000 letters copies no string.
#[derive(Clone, Copy)]
struct Facet<'a> {
    year: i32,
    committee: &'a str,
    kind: Kind,
    category: Option<&'a str>,
    role: Role,
}

/// The letters a statistic counts: published ones (series 0), then withheld ones (series 1).
struct Counted<'a> {
    facets: Vec<(Facet<'a>, usize)>,
    any_withheld: bool,
}

impl<'a> Counted<'a> {
    fn new(published: &[&'a Letter], withheld: &[&'a Facets]) -> Counted<'a> {
        let shown = published.iter().map(|l| {
            let facet = Facet {
                year: l.year(),
                committee: &l.committee,
                kind: l.kind,
                category: l.category.as_deref(),
                role: l.role,
            };
            (facet, 0)
        });
        let kept = withheld.iter().map(|f| {
            let facet = Facet {
                year: f.year,
                committee: &f.committee,
                kind: f.kind,
                category: f.category.as_deref(),
                role: f.role,
            };
            (facet, 1)
        });
        Counted {
            facets: shown.chain(kept).collect(),
            any_withheld: !withheld.is_empty(),
        }
    }
}

/// The charts of the site's and a year's statistics but the topics'.
fn common_charts(counted: &Counted, config: &SiteConfig) -> Vec<ChartView> {
    let kind_order = |k: Kind| k as u8;
    let role_order = |r: Role| r as u8;
    // Every reply class the site defines gets a row, even with no letters; unclassified letters last.
    let defined: Vec<(String, String)> = config
        .categories
        .keys()
        .map(|code| (code.clone(), category_label(code, config)))
        .collect();
    vec![
        breakdown(
            "committees",
            "按来文单位",
            "来文单位",
            counted,
            |f| f.committee,
            |committee| (committee.to_owned(), committee.to_owned()),
            Vec::new(),
        ),
        breakdown(
            "kinds",
            "按类型（提案/建议）",
            "类型",
            counted,
            |f| f.kind,
            |kind| (kind_order(kind).to_string(), kind.label().to_owned()),
            Vec::new(),
        ),
        breakdown(
            "categories",
            "按答复类别",
            "答复类别",
            counted,
            |f| f.category,
            |category| match category {
                Some(code) => (format!("0{code}"), category_label(code, config)),
                None => ("1".to_owned(), "未标注类别".to_owned()),
            },
            defined
                .into_iter()
                .map(|(code, label)| (format!("0{code}"), label))
                .collect(),
        ),
        breakdown(
            "roles",
            "按办理类型（主办/协办）",
            "办理类型",
            counted,
            |f| f.role,
            |role| (role_order(role).to_string(), role.label().to_owned()),
            Vec::new(),
        ),
    ]
}

fn category_label(code: &str, config: &SiteConfig) -> String {
    match config.categories.get(code) {
        Some(label) if !label.is_empty() => format!("{code}类（{label}）"),
        _ => format!("{code}类"),
    }
}

/// Counts letters into groups. `group` gives a letter's group and `name` that group's sort key and
/// label (named once per group, not per letter); `always` lists groups shown even when empty.
/// Committees sort by count (most first), the other groups by their key.
fn breakdown<'a, K: Eq + std::hash::Hash>(
    key: &'static str,
    title: &str,
    label: &'static str,
    counted: &Counted<'a>,
    group: impl Fn(&Facet<'a>) -> K,
    name: impl Fn(K) -> (String, String),
    always: Vec<(String, String)>,
) -> ChartView {
    let mut by_group: HashMap<K, [usize; 2]> = HashMap::new();
    for (facet, series) in &counted.facets {
        by_group.entry(group(facet)).or_default()[*series] += 1;
    }
    let mut counts: BTreeMap<String, (String, [usize; 2])> = always
        .into_iter()
        .map(|(sort, label)| (sort, (label, [0, 0])))
        .collect();
    for (group, values) in by_group {
        let (sort, label) = name(group);
        let total = &mut counts.entry(sort).or_insert_with(|| (label, [0, 0])).1;
        total[0] += values[0];
        total[1] += values[1];
    }
    let mut rows: Vec<ChartRow> = counts
        .into_values()
        .map(|(label, values)| ChartRow {
            label,
            values: values.to_vec(),
            total: values[0] + values[1],
        })
        .collect();
    if key == "committees" {
        rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.label.cmp(&b.label)));
    }
    let series = if counted.any_withheld {
        vec![PUBLISHED, WITHHELD]
    } else {
        for row in &mut rows {
            row.values.truncate(1);
        }
        vec![PUBLISHED]
    };
    chart(key, title, label, series, rows, String::new())
}

/// The most frequent topics of the published letters (a letter counts once for each of its topics),
/// from each topic and its count (topics with none left out).
fn top_topics<'a>(counts: impl Iterator<Item = (&'a str, usize)>) -> ChartView {
    let mut rows: Vec<ChartRow> = counts
        .filter(|&(_, n)| n > 0)
        .map(|(topic, n)| ChartRow {
            label: topic.to_owned(),
            values: vec![n],
            total: n,
        })
        .collect();
    // Names are distinct, so this order does not depend on the map's.
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.label.cmp(&b.label)));
    let title = if rows.len() > TOP_TOPICS {
        format!("按主题（前{TOP_TOPICS}位）")
    } else {
        "按主题".to_owned()
    };
    rows.truncate(TOP_TOPICS);
    chart(
        "topics",
        &title,
        "主题",
        vec![PUBLISHED],
        rows,
        "主题只统计已公开的答复函；一件答复函可有多个主题。".to_owned(),
    )
}

fn chart(
    key: &'static str,
    title: &str,
    label: &'static str,
    series: Vec<&'static str>,
    rows: Vec<ChartRow>,
    note: String,
) -> ChartView {
    let svg = bar_chart(&series, &rows);
    ChartView {
        key,
        title: title.to_owned(),
        label,
        series,
        rows,
        svg,
        note,
    }
}

/// Height of one row of a chart (label line and bar), in em.
const ROW_EM: f64 = 2.7;

/// A horizontal bar chart as inline SVG: per row a label with its total, then a bar (stacked when
/// there are two series, with a legend); the exact split is in the table beside it. Lengths are in em and bar widths in percent, so the chart follows the
/// page's font size (large-print mode included) and reflows to any width without scaling its text.
/// Colours come from the style sheet through the classes `chart-bar s0`, `s1`.
pub fn bar_chart(series: &[&str], rows: &[ChartRow]) -> String {
    if rows.iter().all(|r| r.total == 0) {
        return String::new();
    }
    let max = rows.iter().map(|r| r.total).max().unwrap_or(1).max(1) as f64;
    let legend = series.len() > 1;
    let top = if legend { 2.2 } else { 0.0 };
    let height = top + ROW_EM * rows.len() as f64;
    let mut svg = String::with_capacity(256 + rows.len() * 320);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" width=\"100%\" height=\"{}em\" aria-hidden=\"true\" focusable=\"false\">",
        num(height)
    );
    if legend {
        let mut x = 0.0;
        for (i, name) in series.iter().enumerate() {
            let _ = write!(
                svg,
                "<rect class=\"chart-bar s{i}\" x=\"{}em\" y=\".45em\" width=\"1em\" height=\"1em\"/><text class=\"chart-legend\" x=\"{}em\" y=\"1.3em\">{}</text>",
                num(x),
                num(x + 1.4),
                escape(name)
            );
            x += 1.4 + name.chars().count() as f64 + 1.6;
        }
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + ROW_EM * i as f64;
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"0\" y=\"{}em\">{}<tspan class=\"chart-value\" dx=\".6em\">{}件</tspan></text>",
            num(y + 1.1),
            escape(&row.label),
            row.total
        );
        let mut x = 0.0;
        for (s, &value) in row.values.iter().enumerate() {
            if value == 0 {
                continue;
            }
            // A sliver stays visible however small its share.
            let width = (value as f64 / max * 100.0).max(0.6);
            let _ = write!(
                svg,
                "<rect class=\"chart-bar s{s}\" x=\"{}%\" y=\"{}em\" width=\"{}%\" height=\".9em\"/>",
                num(x),
                num(y + 1.45),
                num(width)
            );
            x += width;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A length with at most two decimals and no trailing zeros: `2.7`, `12.5`, `100`.
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Mode, arrange};
    use std::path::Path;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            "title: t\nbase_url: https://x.example/\nissuer: 局\ncategories: {A: 已解决或采纳, B: 正在解决}\n",
        )
        .unwrap()
    }

    fn letter(file: &str, date: &str, extra: &str) -> Letter {
        let text = format!("---\ntitle: 标题{file}\ndate: {date}\n{extra}---\n正文内容\n");
        Letter::parse(&text, Path::new(file), &config()).unwrap()
    }

    fn archive() -> Archive {
        let letters = vec![
            letter(
                "a.md",
                "2023-03-01",
                "committee: 市政协\ncategory: A\ntopics: [人才, 金融]\n",
            ),
            letter(
                "b.md",
                "2023-04-01",
                "committee: 市人大\ncategory: A\nrole: 协办\ntopics: [人才]\n",
            ),
            letter("c.md", "2022-04-01", "committee: 市政协\n"),
            letter(
                "secret.md",
                "2023-05-01",
                "committee: 区人大\ncategory: B\ntopics: [机密主题]\ndisclosure: 不予公开\n",
            ),
        ];
        arrange(
            letters.into_iter().map(std::sync::Arc::new).collect(),
            &config(),
            Mode::Publish,
        )
    }

    fn rows(stats: &StatsView, key: &str) -> Vec<(String, Vec<usize>)> {
        stats
            .charts
            .iter()
            .find(|c| c.key == key)
            .unwrap()
            .rows
            .iter()
            .map(|r| (r.label.clone(), r.values.clone()))
            .collect()
    }

    fn row(label: &str, values: &[usize]) -> (String, Vec<usize>) {
        (label.to_owned(), values.to_vec())
    }

    #[test]
    fn site_stats_count_withheld_letters_without_naming_them() {
        let stats = site_stats(&archive(), &config());
        assert_eq!((stats.total, stats.published, stats.withheld), (4, 3, 1));
        assert_eq!(
            rows(&stats, "years"),
            [row("2023年", &[2, 1]), row("2022年", &[1, 0])]
        );
        assert_eq!(
            rows(&stats, "committees"),
            [
                row("市政协", &[2, 0]),
                row("区人大", &[0, 1]),
                row("市人大", &[1, 0])
            ]
        );
        assert_eq!(
            rows(&stats, "kinds"),
            [row("提案", &[2, 0]), row("建议", &[1, 1])]
        );
        assert_eq!(
            rows(&stats, "categories"),
            [
                row("A类（已解决或采纳）", &[2, 0]),
                row("B类（正在解决）", &[0, 1]),
                row("未标注类别", &[1, 0])
            ]
        );
        assert_eq!(
            rows(&stats, "roles"),
            [row("主办", &[2, 1]), row("协办", &[1, 0])]
        );
        assert_eq!(
            rows(&stats, "topics"),
            [row("人才", &[2]), row("金融", &[1])]
        );
        let everything = format!("{stats:?}");
        assert!(!everything.contains("secret") && !everything.contains("机密主题"));
    }

    #[test]
    fn year_stats_hold_only_that_year() {
        let stats = year_stats(&archive(), &config(), 2022);
        assert_eq!((stats.total, stats.withheld), (1, 0));
        assert_eq!(rows(&stats, "committees"), [row("市政协", &[1])]);
        let series = &stats.charts[0].series;
        assert_eq!(
            series,
            &["公开"],
            "no withheld column in a year without any"
        );
        assert!(stats.charts.iter().all(|c| c.key != "years"));
    }

    #[test]
    fn chart_is_svg_scaled_to_the_largest_row_in_em_and_percent() {
        let rows = vec![
            ChartRow {
                label: "市政协<&>".into(),
                values: vec![4, 0],
                total: 4,
            },
            ChartRow {
                label: "市人大".into(),
                values: vec![1, 1],
                total: 2,
            },
        ];
        let svg = bar_chart(&["公开", "不予公开"], &rows);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-hidden=\"true\""));
        assert!(svg.contains("市政协&lt;&amp;&gt;"));
        assert!(svg.contains("x=\"0\" y=\"3.3em\">市政协"), "{svg}");
        assert!(
            svg.contains("x=\"0%\" y=\"3.65em\" width=\"100%\""),
            "{svg}"
        );
        assert!(
            svg.contains("x=\"25%\" y=\"6.35em\" width=\"25%\""),
            "{svg}"
        );
        assert_eq!(
            svg,
            bar_chart(&["公开", "不予公开"], &rows),
            "deterministic"
        );
        assert_eq!(bar_chart(&["公开"], &[]), "");
    }

    #[test]
    fn lengths_print_without_trailing_zeros() {
        assert_eq!(num(2.7), "2.7");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(1.0 / 3.0), "0.33");
    }
}
