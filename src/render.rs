//! Rendering: the archive planned as a list of pages, each rendered on its own through the theme with
//! only the data it shows (a paginated list gets its own slice, never the whole term), so pages can be
//! rendered in parallel and written as they come.

use chrono::NaiveDate;
use tera::Context;

use crate::archive::{Archive, Index, Term};
use crate::config::SiteConfig;
use crate::letter::{Kind, Letter};
use crate::stats;
use crate::theme::Theme;
use crate::typeset;
use crate::view::*;

/// How many letters the home page lists.
pub const LATEST_ON_HOME: usize = 10;
/// How many of the newest letters a feed carries.
pub const FEED_ENTRIES: usize = 50;
/// Length of a list row's excerpt, in characters.
const EXCERPT_CHARS: usize = 120;

/// One output file to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Output path, `/`-separated: `2023/ti-494/index.html`.
    pub path: String,
    pub kind: PageKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Home,
    Letter(usize),
    /// A letter listed nowhere (a 不予公开 letter in preview), by position in `Archive::unlisted`.
    Unlisted(usize),
    /// Page `page` (1-based) of a term's list.
    TermPage {
        index: Index,
        term: usize,
        page: usize,
    },
    Overview(Index),
    /// The statistics page, `/stats/`.
    Stats,
    Search,
    NotFound,
    /// The archive's feed, or a committee's or topic's.
    Feed(Option<(Index, usize)>),
    Sitemap,
}

/// Every page of the site, in a fixed order.
pub fn plan(archive: &Archive, config: &SiteConfig) -> Vec<Page> {
    let dir = |url: &str, kind| Page {
        path: format!("{url}index.html"),
        kind,
    };
    let mut pages = vec![
        dir("", PageKind::Home),
        dir("search/", PageKind::Search),
        dir("stats/", PageKind::Stats),
    ];
    pages.push(Page {
        path: "404.html".into(),
        kind: PageKind::NotFound,
    });
    pages.push(Page {
        path: "feed.xml".into(),
        kind: PageKind::Feed(None),
    });
    pages.push(Page {
        path: "sitemap.xml".into(),
        kind: PageKind::Sitemap,
    });
    pages.extend(
        archive
            .letters
            .iter()
            .enumerate()
            .map(|(i, l)| dir(&l.url_path(), PageKind::Letter(i))),
    );
    pages.extend(
        archive
            .unlisted
            .iter()
            .enumerate()
            .map(|(i, l)| dir(&l.url_path(), PageKind::Unlisted(i))),
    );
    for index in Index::ALL {
        pages.push(dir(&format!("{}/", index.key()), PageKind::Overview(index)));
        for (t, term) in archive.terms(index).iter().enumerate() {
            for page in 1..=page_count(term, config) {
                pages.push(dir(
                    &page_url(&term.url_path(index), page),
                    PageKind::TermPage {
                        index,
                        term: t,
                        page,
                    },
                ));
            }
            if index != Index::Years {
                pages.push(Page {
                    path: format!("{}feed.xml", term.url_path(index)),
                    kind: PageKind::Feed(Some((index, t))),
                });
            }
        }
    }
    pages
}

fn page_count(term: &Term, config: &SiteConfig) -> usize {
    term.letters.len().div_ceil(config.paginate_by).max(1)
}

fn page_url(first: &str, page: usize) -> String {
    if page == 1 {
        first.to_owned()
    } else {
        format!("{first}page/{page}/")
    }
}

/// Renders one page to its bytes.
pub fn render(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    theme: &Theme,
) -> Result<Vec<u8>, tera::Error> {
    let dir = page.path.strip_suffix("index.html").unwrap_or("");
    let mut ctx = Context::new();
    ctx.insert("site", config);
    ctx.insert("path", dir);
    ctx.insert("canonical", &format!("{}{dir}", config.base_url));
    let root = match page.kind {
        // 404.html is served at any address, so only an absolute path reaches the assets.
        PageKind::NotFound => config.base_path().to_owned(),
        _ => "../".repeat(dir.matches('/').count()),
    };
    ctx.insert("root", &root);
    let template = match page.kind {
        PageKind::Home => {
            let latest: Vec<LetterItem> = archive
                .letters
                .iter()
                .take(LATEST_ON_HOME)
                .map(|l| item(l))
                .collect();
            ctx.insert("latest", &latest);
            ctx.insert("indexes", &Index::ALL.map(|i| index_view(archive, i, true)));
            ctx.insert("total", &archive.letters.len());
            "index.html"
        }
        PageKind::Unlisted(i) => {
            ctx.insert(
                "letter",
                &letter_view(&archive.unlisted[i], archive, config),
            );
            ctx.insert("newer", &None::<LetterItem>);
            ctx.insert("older", &None::<LetterItem>);
            "letter.html"
        }
        PageKind::Letter(i) => {
            let letter = &archive.letters[i];
            ctx.insert("letter", &letter_view(letter, archive, config));
            ctx.insert(
                "newer",
                &i.checked_sub(1).map(|n| item(&archive.letters[n])),
            );
            ctx.insert("older", &archive.letters.get(i + 1).map(|l| item(l)));
            "letter.html"
        }
        PageKind::TermPage { index, term, page } => {
            let t = &archive.terms(index)[term];
            let per = config.paginate_by;
            let letters: Vec<LetterItem> = t
                .letters
                .iter()
                .skip((page - 1) * per)
                .take(per)
                .map(|&i| item(&archive.letters[i]))
                .collect();
            ctx.insert("index", &index_view(archive, index, false));
            ctx.insert("term", &term_link(t, index));
            ctx.insert("letters", &letters);
            ctx.insert("pager", &pager(t, index, page, config));
            ctx.insert(
                "feed_url",
                &(index != Index::Years).then(|| format!("{}feed.xml", t.url_path(index))),
            );
            // A year's first page opens with that year's statistics.
            let year = t
                .name
                .parse()
                .ok()
                .filter(|_| index == Index::Years && page == 1);
            ctx.insert(
                "year_stats",
                &year.map(|y| stats::year_stats(archive, config, y)),
            );
            "term.html"
        }
        PageKind::Overview(index) => {
            ctx.insert("index", &index_view(archive, index, true));
            "terms.html"
        }
        PageKind::Stats => {
            ctx.insert("stats", &stats::site_stats(archive, config));
            "stats.html"
        }
        PageKind::Search => {
            ctx.insert("indexes", &Index::ALL.map(|i| index_view(archive, i, true)));
            "search.html"
        }
        PageKind::NotFound => "404.html",
        PageKind::Feed(scope) => {
            ctx.insert("feed", &feed(archive, config, scope));
            "atom.xml"
        }
        PageKind::Sitemap => {
            ctx.insert("urls", &sitemap(archive, config));
            "sitemap.xml"
        }
    };
    // Straight to bytes: `render` would check the whole page is UTF-8 once more (Tera writes only
    // UTF-8), which cost a tenth of the build.
    let mut out = Vec::with_capacity(16 * 1024);
    theme.tera.render_to(template, &ctx, &mut out)?;
    Ok(out)
}

fn term_link(term: &Term, index: Index) -> TermLink {
    TermLink {
        name: term.name.clone(),
        url: term.url_path(index),
        count: term.letters.len(),
    }
}

fn index_view(archive: &Archive, index: Index, with_terms: bool) -> IndexView {
    let terms = if with_terms {
        archive
            .terms(index)
            .iter()
            .map(|t| term_link(t, index))
            .collect()
    } else {
        Vec::new()
    };
    IndexView {
        key: index.key(),
        label: index.label(),
        url: format!("{}/", index.key()),
        terms,
    }
}

fn pager(term: &Term, index: Index, current: usize, config: &SiteConfig) -> Pager {
    let first = term.url_path(index);
    let total = page_count(term, config);
    let url = |n: usize| page_url(&first, n);
    Pager {
        current,
        total,
        prev_url: (current > 1).then(|| url(current - 1)),
        next_url: (current < total).then(|| url(current + 1)),
        pages: page_window(current, total)
            .into_iter()
            .scan(0, |last, number| {
                let gap_before = number > *last + 1 && *last > 0;
                *last = number;
                Some(PageLink {
                    number,
                    url: url(number),
                    gap_before,
                })
            })
            .collect(),
    }
}

/// The page numbers a pager links to: the first, the last, and two either side of the current.
fn page_window(current: usize, total: usize) -> Vec<usize> {
    let near = current.saturating_sub(2).max(1)..=(current + 2).min(total);
    let mut pages: Vec<usize> = std::iter::once(1)
        .chain(near)
        .chain(std::iter::once(total))
        .collect();
    pages.dedup();
    pages
}

fn item(letter: &Letter) -> LetterItem {
    LetterItem {
        title: letter.title.clone(),
        url: letter.url_path(),
        date: letter.date.to_string(),
        doc_number: letter.doc_number.as_deref().map(typeset::doc_number),
        committee: letter.committee.clone(),
        kind: letter.kind.label(),
        number: letter.number.clone(),
        proposers: letter.proposers.clone(),
        topics: letter.topics.clone(),
        excerpt: excerpt(&letter.body_text),
        draft: letter.draft,
    }
}

/// The opening of the letter's text, without the salutation line (`项奕豪委员：`). Reads only as
/// far as it needs: lists call it for every row.
pub fn excerpt(text: &str) -> String {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    if lines
        .peek()
        .is_some_and(|first| first.ends_with(['：', ':']) && first.chars().count() <= 40)
    {
        lines.next();
    }
    let mut out = String::with_capacity(EXCERPT_CHARS * 3 + 3);
    let mut count = 0;
    for line in lines {
        for c in line.chars() {
            if count == EXCERPT_CHARS {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

fn date_cn(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn letter_view(letter: &Letter, archive: &Archive, config: &SiteConfig) -> LetterView {
    let slug_of = |index: Index, name: &str| {
        archive
            .terms(index)
            .iter()
            .find(|t| t.name == name)
            .map(|t| term_link(t, index))
    };
    LetterView {
        title: letter.title.clone(),
        url: letter.url_path(),
        date: letter.date.to_string(),
        date_cn: date_cn(letter.date),
        published: letter.published.to_string(),
        year: letter.year(),
        year_url: format!("years/{}/", letter.year()),
        committee: letter.committee.clone(),
        committee_url: slug_of(Index::Committees, &letter.committee)
            .map(|t| t.url)
            .unwrap_or_default(),
        kind: letter.kind.label(),
        number_label: match letter.kind {
            Kind::Proposal => "提案号",
            Kind::Suggestion => "建议号",
            Kind::Motion => "议案号",
        }
        .to_owned(),
        session: letter.session.clone(),
        number: letter.number.clone(),
        proposal_title: letter.proposal_title.clone(),
        proposers: letter.proposers.clone(),
        addressee: letter.addressee.clone(),
        doc_number: letter.doc_number.as_deref().map(typeset::doc_number),
        issuer: letter.issuer.clone(),
        role: letter.role.label(),
        topics: letter
            .topics
            .iter()
            .filter_map(|t| slug_of(Index::Topics, t))
            .collect(),
        category: letter.category.as_ref().map(|code| CategoryView {
            code: code.clone(),
            label: config.categories.get(code).cloned().unwrap_or_default(),
        }),
        disclosure: letter.disclosure.label(),
        summary: letter.summary.clone(),
        body_html: typeset::body(&letter.body_html, &config.base_url),
        contacts: letter.contacts.clone(),
        cc: letter.cc.clone(),
        draft: letter.draft,
        extra: letter.extra.clone(),
    }
}

/// What a page is made of, hashed: two builds that give a page the same fingerprint render it to
/// the same bytes, so an incremental rebuild re-renders only pages whose fingerprint changed. Kept
/// beside `render` so the two change together. `site` is the digest of everything every page
/// depends on (config, theme, mode); a letter's `digest` stands for all that is derived from it.
pub fn fingerprint(page: &Page, archive: &Archive, config: &SiteConfig, site: u64) -> u64 {
    fingerprint_with(page, archive, config, site, &SlugLookup::new(archive)).0
}

/// The fingerprints of a plan's pages, and which letters each depends on.
pub struct Fingerprints {
    /// In the plan's order.
    pub values: Vec<u64>,
    /// A letter's `digest` → the pages (positions in the plan) whose fingerprint hashed it. When a
    /// letter changes and nothing else does (same arrangement, config and theme), only these pages'
    /// fingerprints can change.
    pub dependents: std::collections::HashMap<u64, Vec<u32>>,
}

/// The fingerprints of many pages (a whole plan), in parallel, in the same order.
pub fn fingerprints(
    pages: &[Page],
    archive: &Archive,
    config: &SiteConfig,
    site: u64,
) -> Fingerprints {
    use rayon::prelude::*;
    let slugs = SlugLookup::new(archive);
    let traced: Vec<(u64, Vec<u64>)> = pages
        .par_iter()
        .map(|page| fingerprint_with(page, archive, config, site, &slugs))
        .collect();
    let mut dependents: std::collections::HashMap<u64, Vec<u32>> =
        std::collections::HashMap::with_capacity(archive.letters.len() + archive.unlisted.len());
    let mut values = Vec::with_capacity(traced.len());
    for (i, (value, digests)) in traced.into_iter().enumerate() {
        values.push(value);
        for digest in digests {
            let pages = dependents.entry(digest).or_default();
            if pages.last() != Some(&(i as u32)) {
                pages.push(i as u32);
            }
        }
    }
    Fingerprints { values, dependents }
}

/// The fingerprints of some pages of a plan, by position.
pub fn fingerprints_of(
    positions: &[u32],
    pages: &[Page],
    archive: &Archive,
    config: &SiteConfig,
    site: u64,
) -> Vec<u64> {
    use rayon::prelude::*;
    let slugs = SlugLookup::new(archive);
    positions
        .par_iter()
        .map(|&i| fingerprint_with(&pages[i as usize], archive, config, site, &slugs).0)
        .collect()
}

/// Committee and topic names → slugs, so a letter's links are found without a search per name.
struct SlugLookup<'a> {
    committees: std::collections::HashMap<&'a str, &'a str>,
    topics: std::collections::HashMap<&'a str, &'a str>,
}

impl<'a> SlugLookup<'a> {
    fn new(archive: &'a Archive) -> Self {
        let map = |index| {
            archive
                .terms(index)
                .iter()
                .map(|t: &'a Term| (t.name.as_str(), t.slug.as_str()))
                .collect()
        };
        SlugLookup {
            committees: map(Index::Committees),
            topics: map(Index::Topics),
        }
    }

    fn get(&self, index: Index, name: &str) -> Option<&'a str> {
        match index {
            Index::Committees => self.committees.get(name).copied(),
            Index::Topics => self.topics.get(name).copied(),
            Index::Years => None,
        }
    }
}

/// A page's fingerprint, and the digests of the letters it hashed.
fn fingerprint_with(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    site: u64,
    slugs: &SlugLookup,
) -> (u64, Vec<u64>) {
    use xxhash_rust::xxh3::Xxh3;
    let mut h = Xxh3::new();
    h.update(&site.to_le_bytes());
    h.update(page.path.as_bytes());
    let mut read: Vec<u64> = Vec::new();
    let mut letters = |h: &mut Xxh3, letters: &mut dyn Iterator<Item = &Letter>| {
        for l in letters {
            h.update(&l.digest.to_le_bytes());
            read.push(l.digest);
        }
        h.update(&[0xff]);
    };
    let terms = |h: &mut Xxh3, index: Index| {
        for t in archive.terms(index) {
            h.update(t.name.as_bytes());
            h.update(&[0]);
            h.update(t.slug.as_bytes());
            h.update(&t.letters.len().to_le_bytes());
        }
        h.update(&[0xff]);
    };
    // The slugs a letter page links to.
    let links = |h: &mut Xxh3, l: &Letter| {
        let names = std::iter::once((Index::Committees, &l.committee))
            .chain(l.topics.iter().map(|t| (Index::Topics, t)));
        for (index, name) in names {
            h.update(slugs.get(index, name).unwrap_or("").as_bytes());
            h.update(&[0]);
        }
    };
    // The 不予公开 letters counted in statistics: their groups, never their names.
    let withheld = |h: &mut Xxh3, year: Option<i32>| {
        for f in &archive.withheld_facets {
            if year.is_none_or(|y| y == f.year) {
                h.update(format!("{f:?}").as_bytes());
            }
        }
        h.update(&[0xff]);
    };
    let day = |d: NaiveDate| {
        use chrono::Datelike;
        d.num_days_from_ce().to_le_bytes()
    };
    let all = &archive.letters;
    match page.kind {
        PageKind::Home => {
            letters(&mut h, &mut all.iter().take(LATEST_ON_HOME).map(|l| &**l));
            Index::ALL.into_iter().for_each(|i| terms(&mut h, i));
            h.update(&all.len().to_le_bytes());
        }
        PageKind::Letter(i) => {
            let around = i.saturating_sub(1)..(i + 2).min(all.len());
            h.update(&i.min(1).to_le_bytes());
            letters(&mut h, &mut all[around].iter().map(|l| &**l));
            links(&mut h, &all[i]);
        }
        PageKind::Unlisted(i) => {
            letters(&mut h, &mut std::iter::once(&*archive.unlisted[i]));
            links(&mut h, &archive.unlisted[i]);
        }
        PageKind::TermPage { index, term, page } => {
            let t = &archive.terms(index)[term];
            h.update(t.name.as_bytes());
            h.update(t.slug.as_bytes());
            h.update(
                &[page, t.letters.len(), config.paginate_by]
                    .map(|n| n as u64)
                    .map(u64::to_le_bytes)
                    .concat(),
            );
            let per = config.paginate_by;
            letters(
                &mut h,
                &mut t
                    .letters
                    .iter()
                    .skip((page - 1) * per)
                    .take(per)
                    .map(|&i| &*all[i]),
            );
            // A year's first page shows that year's statistics.
            if index == Index::Years && page == 1 {
                letters(&mut h, &mut t.letters.iter().map(|&i| &*all[i]));
                withheld(&mut h, t.name.parse().ok());
            }
        }
        PageKind::Overview(index) => terms(&mut h, index),
        PageKind::Stats => {
            letters(&mut h, &mut all.iter().map(|l| &**l));
            withheld(&mut h, None);
        }
        PageKind::Search => Index::ALL.into_iter().for_each(|i| terms(&mut h, i)),
        PageKind::NotFound => {}
        PageKind::Feed(scope) => {
            let positions: Vec<usize> = match scope {
                None => (0..all.len()).collect(),
                Some((index, t)) => {
                    let term = &archive.terms(index)[t];
                    h.update(term.name.as_bytes());
                    h.update(term.slug.as_bytes());
                    term.letters.clone()
                }
            };
            letters(
                &mut h,
                &mut positions.iter().take(FEED_ENTRIES).map(|&i| &*all[i]),
            );
            let newest = positions.iter().map(|&i| all[i].published).max();
            h.update(format!("{newest:?}").as_bytes());
        }
        // What `sitemap` shows: addresses and dates, not the letters' text.
        PageKind::Sitemap => {
            let mut shown: Vec<u8> = Vec::with_capacity(all.len() * 32);
            for l in all {
                shown.extend_from_slice(&l.year().to_le_bytes());
                shown.extend_from_slice(l.slug.as_bytes());
                shown.push(0);
                shown.extend_from_slice(&day(l.published));
            }
            h.update(&shown);
            h.update(&[0xff]);
            for index in Index::ALL {
                for t in archive.terms(index) {
                    h.update(t.slug.as_bytes());
                    h.update(&t.letters.len().to_le_bytes());
                    let newest = t.letters.iter().map(|&i| all[i].published).max();
                    h.update(&newest.map_or([0; 4], day));
                }
                h.update(&[0xff]);
            }
        }
    }
    (h.digest(), read)
}

/// A letter of the archive, by position: published (`Archive::letters`) or unlisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shown {
    Listed(usize),
    Unlisted(usize),
}

/// The letters whose text (body or excerpt) a page shows. Everything else a page shows of a letter
/// (title, dates, URL, terms) is kept by the build cache between runs; a cached build parses these
/// letters again before rendering the page. Kept beside `render` and `fingerprint`: a page listed
/// here with too few letters would render with empty excerpts, which the cache tests catch.
pub fn letters_shown(page: &Page, archive: &Archive, config: &SiteConfig) -> Vec<Shown> {
    let all = archive.letters.len();
    match page.kind {
        PageKind::Home => (0..all.min(LATEST_ON_HOME)).map(Shown::Listed).collect(),
        PageKind::Letter(i) => (i.saturating_sub(1)..(i + 2).min(all))
            .map(Shown::Listed)
            .collect(),
        PageKind::Unlisted(i) => vec![Shown::Unlisted(i)],
        PageKind::TermPage { index, term, page } => archive.terms(index)[term]
            .letters
            .iter()
            .skip((page - 1) * config.paginate_by)
            .take(config.paginate_by)
            .map(|&i| Shown::Listed(i))
            .collect(),
        PageKind::Feed(None) => (0..all.min(FEED_ENTRIES)).map(Shown::Listed).collect(),
        PageKind::Feed(Some((index, t))) => archive.terms(index)[t]
            .letters
            .iter()
            .take(FEED_ENTRIES)
            .map(|&i| Shown::Listed(i))
            .collect(),
        // Statistics show counts, never a letter's text.
        PageKind::Overview(_)
        | PageKind::Search
        | PageKind::NotFound
        | PageKind::Sitemap
        | PageKind::Stats => Vec::new(),
    }
}

/// Midnight China time: letters carry dates, Atom wants instants.
fn rfc3339(date: NaiveDate) -> String {
    format!("{date}T00:00:00+08:00")
}

fn feed(archive: &Archive, config: &SiteConfig, scope: Option<(Index, usize)>) -> FeedView {
    let (title, page, positions): (String, String, Vec<usize>) = match scope {
        None => (
            config.title.clone(),
            String::new(),
            (0..archive.letters.len()).collect(),
        ),
        Some((index, t)) => {
            let term = &archive.terms(index)[t];
            (
                format!("{} · {}", config.title, term.name),
                term.url_path(index),
                term.letters.clone(),
            )
        }
    };
    let entries: Vec<FeedEntry> = positions
        .iter()
        .take(FEED_ENTRIES)
        .map(|&i| {
            let l = &archive.letters[i];
            FeedEntry {
                title: l.title.clone(),
                url: format!("{}{}", config.base_url, l.url_path()),
                updated: rfc3339(l.published),
                published: rfc3339(l.published),
                summary: excerpt(&l.body_text),
                committee: l.committee.clone(),
                topics: l.topics.clone(),
            }
        })
        .collect();
    let newest = positions
        .iter()
        .map(|&i| archive.letters[i].published)
        .max();
    FeedView {
        title,
        self_url: format!("{}{page}feed.xml", config.base_url),
        page_url: format!("{}{page}", config.base_url),
        updated: newest
            .map(rfc3339)
            .unwrap_or_else(|| "1970-01-01T00:00:00+08:00".to_owned()),
        entries,
    }
}

fn sitemap(archive: &Archive, config: &SiteConfig) -> Vec<SitemapUrl> {
    let at = |path: String, lastmod: Option<NaiveDate>| SitemapUrl {
        loc: format!("{}{path}", config.base_url),
        lastmod: lastmod.map(|d| d.to_string()),
    };
    let newest = archive.letters.iter().map(|l| l.published).max();
    let mut urls = vec![at(String::new(), newest), at("stats/".to_owned(), newest)];
    for index in Index::ALL {
        urls.push(at(format!("{}/", index.key()), newest));
        for term in archive.terms(index) {
            let term_newest = term
                .letters
                .iter()
                .map(|&i| archive.letters[i].published)
                .max();
            for page in 1..=page_count(term, config) {
                urls.push(at(page_url(&term.url_path(index), page), term_newest));
            }
        }
    }
    urls.extend(
        archive
            .letters
            .iter()
            .map(|l| at(l.url_path(), Some(l.published))),
    );
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_skips_salutation_and_cuts_long_text() {
        assert_eq!(excerpt("项奕豪委员：\n\n您的提案收悉。"), "您的提案收悉。");
        let long = "字".repeat(200);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn excerpt_of_many_short_lines_is_cut_at_the_same_place() {
        let text = "某委员：\n\n".to_owned() + &"一二三四五六七\n".repeat(40);
        let whole = "一二三四五六七".repeat(40);
        let cut: String = whole.chars().take(EXCERPT_CHARS).collect();
        assert_eq!(excerpt(&text), format!("{cut}…"));
        assert_eq!(
            excerpt(&"一二三四五六七\n".repeat(17)),
            "一二三四五六七".repeat(17)
        );
        assert_eq!(
            excerpt(&"一二三四五六\n".repeat(20)),
            "一二三四五六".repeat(20)
        );
    }

    #[test]
    fn pager_links_a_window_not_every_page() {
        assert_eq!(page_window(1, 1), vec![1]);
        assert_eq!(page_window(1, 3), vec![1, 2, 3]);
        assert_eq!(page_window(50, 2800), vec![1, 48, 49, 50, 51, 52, 2800]);
        assert_eq!(page_window(2800, 2800), vec![1, 2798, 2799, 2800]);
    }

    #[test]
    fn chinese_date_has_no_leading_zeros() {
        assert_eq!(
            date_cn(NaiveDate::from_ymd_opt(2023, 6, 8).unwrap()),
            "2023年6月8日"
        );
    }
}
