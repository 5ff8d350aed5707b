//! Rendering: the archive planned as a list of pages, each rendered on its own through the theme with
//! only the data it shows (a paginated list gets its own slice, never the whole term), so pages can be
//! rendered in parallel and written as they come.

use std::sync::Arc;

use ahash::AHashMap as HashMap;
use chrono::NaiveDate;
use rayon::prelude::*;
use tera::{Context, Value};

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
    plan_with(archive, config, |i| letter_page_path(&archive.letters[i]))
}

/// `plan`, with the letter pages' paths kept in `shared` (made for this archive).
pub fn plan_shared(archive: &Archive, config: &SiteConfig, shared: &Shared) -> Vec<Page> {
    plan_with(archive, config, |i| shared.rows[i].page.clone())
}

/// `2023/ti-494/index.html`
fn letter_page_path(letter: &Letter) -> String {
    use std::fmt::Write;
    let mut path = String::with_capacity(letter.slug.len() + 16);
    let _ = write!(path, "{}/{}/index.html", letter.year(), letter.slug);
    path
}

fn plan_with(
    archive: &Archive,
    config: &SiteConfig,
    letter_path: impl Fn(usize) -> String + Sync,
) -> Vec<Page> {
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
    // In parallel: a preview plans 50,000 letter pages on every save.
    pages.par_extend((0..archive.letters.len()).into_par_iter().map(|i| Page {
        path: letter_path(i),
        kind: PageKind::Letter(i),
    }));
    pages.extend(archive.unlisted.iter().enumerate().map(|(i, l)| Page {
        path: letter_page_path(l),
        kind: PageKind::Unlisted(i),
    }));
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

/// What pages share of each listed letter, made once per letter instead of once per page, and kept
/// from one build to the next for the letters that did not change: its list row and sitemap entry
/// as template values (a letter is listed on six pages or so, and a list page spent most of its time
/// making its rows), and the parts of page fingerprints that come from it (so fingerprinting every
/// page reads this array rather than 50,000 letters scattered over memory). Plus the site config as
/// a template value. Made for one archive and config: see `Shared::new`.
#[derive(Clone)]
pub struct Shared {
    site: Value,
    /// `SlugLookup::digest` of the terms the rows' `links` were made with.
    slugs: u64,
    /// Parallel to `Archive::letters`.
    rows: Vec<Row>,
}

#[derive(Clone)]
struct Row {
    /// The letter the row was made from: rows are kept only for the very same letter.
    letter: Arc<Letter>,
    item: Value,
    sitemap: Value,
    /// Its page's path.
    page: String,
    digest: u64,
    published: NaiveDate,
    links: u64,
    address: u64,
}

impl Row {
    fn new(letter: &Arc<Letter>, config: &SiteConfig, slugs: &SlugLookup) -> Row {
        Row {
            letter: letter.clone(),
            item: Value::from_serializable(&item(letter)),
            sitemap: Value::from_serializable(&sitemap_url(config, letter)),
            page: letter_page_path(letter),
            digest: letter.digest,
            published: letter.published,
            links: links(letter, slugs),
            address: address(letter),
        }
    }
}

impl Shared {
    /// The shared values of `archive` (with `config`), keeping the rows `previous` made of the same
    /// letters.
    pub fn new(archive: &Archive, config: &SiteConfig, previous: Option<Shared>) -> Shared {
        let slugs = SlugLookup::new(archive);
        let slug_digest = slugs.digest();
        let (old, same_slugs) = match previous {
            Some(p) => (p.rows, p.slugs == slug_digest),
            None => (Vec::new(), true),
        };
        let mut old: Vec<Option<Row>> = old.into_iter().map(Some).collect();
        let same = |row: Option<&Option<Row>>, letter: &Arc<Letter>| {
            row.and_then(Option::as_ref)
                .is_some_and(|r| Arc::ptr_eq(&r.letter, letter))
        };
        // After an edit every letter is where it was; after an add or a delete most are one place
        // off: found by identity then (the rows hold their letters, so no address is reused).
        let mut by_address: HashMap<usize, usize> = HashMap::new();
        if !(archive.letters.iter().enumerate()).all(|(i, l)| same(old.get(i), l)) {
            by_address.reserve(old.len());
            for (i, row) in old.iter().enumerate() {
                if let Some(row) = row {
                    by_address.insert(address_of(&row.letter), i);
                }
            }
        }
        let kept: Vec<Option<Row>> = (archive.letters.iter().enumerate())
            .map(|(i, l)| {
                let at = if same(old.get(i), l) {
                    Some(i)
                } else {
                    by_address.get(&address_of(l)).copied()
                };
                at.and_then(|at| old[at].take())
            })
            .collect();
        let rows = kept
            .into_par_iter()
            .zip(archive.letters.par_iter())
            .map(|(row, letter)| match row {
                Some(mut row) => {
                    if !same_slugs {
                        row.links = links(letter, &slugs);
                    }
                    row
                }
                None => Row::new(letter, config, &slugs),
            })
            .collect();
        Shared {
            site: Value::from_serializable(config),
            slugs: slug_digest,
            rows,
        }
    }

    /// The list row of `archive.letters[i]`: made already, or made now when `shared` is `None`.
    fn item(shared: Option<&Shared>, archive: &Archive, i: usize) -> Value {
        match shared {
            Some(shared) => shared.rows[i].item.clone(),
            None => Value::from_serializable(&item(&archive.letters[i])),
        }
    }
}

fn address_of(letter: &Arc<Letter>) -> usize {
    Arc::as_ptr(letter) as usize
}

/// Renders one page to its bytes.
pub fn render(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    theme: &Theme,
) -> Result<Vec<u8>, tera::Error> {
    render_page(page, archive, config, theme, None)
}

/// Renders one page with values made once for the whole archive (`Shared::new` of this archive and
/// config): the same bytes as `render`, sooner.
pub fn render_shared(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    theme: &Theme,
    shared: &Shared,
) -> Result<Vec<u8>, tera::Error> {
    debug_assert_eq!(shared.rows.len(), archive.letters.len());
    render_page(page, archive, config, theme, Some(shared))
}

fn render_page(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    theme: &Theme,
    shared: Option<&Shared>,
) -> Result<Vec<u8>, tera::Error> {
    let dir = page.path.strip_suffix("index.html").unwrap_or("");
    let mut ctx = Context::new();
    match shared {
        Some(shared) => ctx.insert_value("site", shared.site.clone()),
        None => ctx.insert("site", config),
    }
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
            let latest: Vec<Value> = (0..archive.letters.len().min(LATEST_ON_HOME))
                .map(|i| Shared::item(shared, archive, i))
                .collect();
            ctx.insert_value("latest", Value::from(latest));
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
            let around = |n: Option<usize>| {
                Value::from(
                    n.filter(|&n| n < archive.letters.len())
                        .map(|n| Shared::item(shared, archive, n)),
                )
            };
            ctx.insert_value("newer", around(i.checked_sub(1)));
            ctx.insert_value("older", around(Some(i + 1)));
            "letter.html"
        }
        PageKind::TermPage { index, term, page } => {
            let t = &archive.terms(index)[term];
            let per = config.paginate_by;
            let letters: Vec<Value> = t
                .letters
                .iter()
                .skip((page - 1) * per)
                .take(per)
                .map(|&i| Shared::item(shared, archive, i))
                .collect();
            ctx.insert("index", &index_view(archive, index, false));
            ctx.insert("term", &term_link(t, index));
            ctx.insert_value("letters", Value::from(letters));
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
            ctx.insert_value("urls", sitemap(archive, config, shared));
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
    let parts = Parts {
        slugs: SlugLookup::new(archive),
        shared: None,
    };
    fingerprint_with(page, archive, config, site, &parts)
}

/// The fingerprints of many pages (a whole plan), in parallel, in the same order: `fingerprint`'s,
/// with what comes from each letter taken from `shared` (made for this archive).
pub fn fingerprints(
    pages: &[Page],
    archive: &Archive,
    config: &SiteConfig,
    site: u64,
    shared: &Shared,
) -> Vec<u64> {
    debug_assert_eq!(shared.rows.len(), archive.letters.len());
    let parts = Parts {
        slugs: SlugLookup::new(archive),
        shared: Some(shared),
    };
    pages
        .par_iter()
        .map(|page| fingerprint_with(page, archive, config, site, &parts))
        .collect()
}

/// Committee and topic names → slugs, so a letter's links are found without a search per name.
struct SlugLookup<'a> {
    committees: HashMap<&'a str, &'a str>,
    topics: HashMap<&'a str, &'a str>,
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

    /// Every name and its slug, hashed in an order of their own (not the terms', which follows
    /// their counts): the same digest, the same `links` for every letter.
    fn digest(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for map in [&self.committees, &self.topics] {
            let mut pairs: Vec<(&str, &str)> = map.iter().map(|(n, s)| (*n, *s)).collect();
            pairs.sort_unstable();
            for (name, slug) in pairs {
                h.update(name.as_bytes());
                h.update(&[0]);
                h.update(slug.as_bytes());
                h.update(&[0]);
            }
            h.update(&[0xff]);
        }
        h.digest()
    }
}

/// The slugs a letter's page links to (its committee's and topics'), hashed.
fn links(letter: &Letter, slugs: &SlugLookup) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let names = std::iter::once((Index::Committees, &letter.committee))
        .chain(letter.topics.iter().map(|t| (Index::Topics, t)));
    for (index, name) in names {
        h.update(slugs.get(index, name).unwrap_or("").as_bytes());
        h.update(&[0]);
    }
    h.digest()
}

/// What the sitemap shows of a letter (its address and date, not its text), hashed.
fn address(letter: &Letter) -> u64 {
    use chrono::Datelike;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&letter.year().to_le_bytes());
    h.update(letter.slug.as_bytes());
    h.update(&[0]);
    h.update(&letter.published.num_days_from_ce().to_le_bytes());
    h.digest()
}

/// What fingerprints take from each listed letter, by position: made now, or kept in `Shared`.
struct Parts<'a> {
    slugs: SlugLookup<'a>,
    shared: Option<&'a Shared>,
}

impl Parts<'_> {
    fn digest(&self, archive: &Archive, i: usize) -> u64 {
        match self.shared {
            Some(shared) => shared.rows[i].digest,
            None => archive.letters[i].digest,
        }
    }

    fn published(&self, archive: &Archive, i: usize) -> NaiveDate {
        match self.shared {
            Some(shared) => shared.rows[i].published,
            None => archive.letters[i].published,
        }
    }

    fn links(&self, archive: &Archive, i: usize) -> u64 {
        match self.shared {
            Some(shared) => shared.rows[i].links,
            None => links(&archive.letters[i], &self.slugs),
        }
    }

    fn address(&self, archive: &Archive, i: usize) -> u64 {
        match self.shared {
            Some(shared) => shared.rows[i].address,
            None => address(&archive.letters[i]),
        }
    }
}

fn fingerprint_with(
    page: &Page,
    archive: &Archive,
    config: &SiteConfig,
    site: u64,
    parts: &Parts,
) -> u64 {
    use xxhash_rust::xxh3::Xxh3;
    let mut h = Xxh3::new();
    h.update(&site.to_le_bytes());
    h.update(page.path.as_bytes());
    // Listed letters, by position.
    let letters = |h: &mut Xxh3, positions: &mut dyn Iterator<Item = usize>| {
        for i in positions {
            h.update(&parts.digest(archive, i).to_le_bytes());
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
            letters(&mut h, &mut (0..all.len().min(LATEST_ON_HOME)));
            Index::ALL.into_iter().for_each(|i| terms(&mut h, i));
            h.update(&all.len().to_le_bytes());
        }
        PageKind::Letter(i) => {
            h.update(&i.min(1).to_le_bytes());
            letters(&mut h, &mut (i.saturating_sub(1)..(i + 2).min(all.len())));
            h.update(&parts.links(archive, i).to_le_bytes());
        }
        PageKind::Unlisted(i) => {
            let letter = &archive.unlisted[i];
            h.update(&letter.digest.to_le_bytes());
            h.update(&links(letter, &parts.slugs).to_le_bytes());
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
                &mut t.letters.iter().skip((page - 1) * per).take(per).copied(),
            );
            // A year's first page shows that year's statistics.
            if index == Index::Years && page == 1 {
                letters(&mut h, &mut t.letters.iter().copied());
                withheld(&mut h, t.name.parse().ok());
            }
        }
        PageKind::Overview(index) => terms(&mut h, index),
        PageKind::Stats => {
            letters(&mut h, &mut (0..all.len()));
            withheld(&mut h, None);
        }
        PageKind::Search => Index::ALL.into_iter().for_each(|i| terms(&mut h, i)),
        PageKind::NotFound => {}
        PageKind::Feed(scope) => {
            let newest = |positions: &mut dyn Iterator<Item = usize>| {
                positions.map(|i| parts.published(archive, i)).max()
            };
            let newest = match scope {
                None => {
                    letters(&mut h, &mut (0..all.len().min(FEED_ENTRIES)));
                    newest(&mut (0..all.len()))
                }
                Some((index, t)) => {
                    let term = &archive.terms(index)[t];
                    h.update(term.name.as_bytes());
                    h.update(term.slug.as_bytes());
                    let positions = || term.letters.iter().copied();
                    letters(&mut h, &mut positions().take(FEED_ENTRIES));
                    newest(&mut positions())
                }
            };
            h.update(format!("{newest:?}").as_bytes());
        }
        // What `sitemap` shows: addresses and dates, not the letters' text.
        PageKind::Sitemap => {
            for i in 0..all.len() {
                h.update(&parts.address(archive, i).to_le_bytes());
            }
            h.update(&[0xff]);
            for index in Index::ALL {
                for t in archive.terms(index) {
                    h.update(t.slug.as_bytes());
                    h.update(&t.letters.len().to_le_bytes());
                    let newest = t.letters.iter().map(|&i| parts.published(archive, i)).max();
                    h.update(&newest.map_or([0; 4], day));
                }
                h.update(&[0xff]);
            }
        }
    }
    h.digest()
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

fn sitemap(archive: &Archive, config: &SiteConfig, shared: Option<&Shared>) -> Value {
    let at = |path: String, lastmod: Option<NaiveDate>| {
        Value::from_serializable(&SitemapUrl {
            loc: format!("{}{path}", config.base_url),
            lastmod: lastmod.map(|d| d.to_string()),
        })
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
            .enumerate()
            .map(|(i, l)| match shared {
                Some(shared) => shared.rows[i].sitemap.clone(),
                None => Value::from_serializable(&sitemap_url(config, l)),
            }),
    );
    Value::from(urls)
}

/// A letter's entry in the sitemap.
fn sitemap_url(config: &SiteConfig, letter: &Letter) -> SitemapUrl {
    SitemapUrl {
        loc: format!("{}{}", config.base_url, letter.url_path()),
        lastmod: Some(letter.published.to_string()),
    }
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
