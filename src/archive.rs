//! The archive: which letters are published, in what order, and how they group into indexes.
//! Pure: letters in, archive out. Disclosure is enforced here, once, so no later stage can leak a
//! 不予公开 letter or the body of a 摘要公开 one.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use ahash::AHashMap as HashMap;
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::letter::{Disclosure, Kind, Letter, Role};
use crate::slug;

/// The topic index's name for letters without topics.
pub const UNCLASSIFIED: &str = "未分类";

/// Which letters a build shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The public site: no drafts, no 不予公开 letters, 摘要公开 letters as their summary only.
    Publish,
    /// The public site plus drafts, for an editor checking a draft before it goes out.
    PublishWithDrafts,
    /// Local preview: drafts listed; 不予公开 letters get a page (for their editor) but are listed
    /// nowhere, no index, feed, sitemap or search.
    Preview,
}

/// One of the three ways the archive is browsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Index {
    Years,
    Committees,
    Topics,
}

impl Index {
    pub const ALL: [Index; 3] = [Index::Years, Index::Committees, Index::Topics];

    /// The URL folder of the index (`years`, `committees`, `topics`).
    pub fn key(self) -> &'static str {
        match self {
            Index::Years => "years",
            Index::Committees => "committees",
            Index::Topics => "topics",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Index::Years => "年度",
            Index::Committees => "来文单位",
            Index::Topics => "主题",
        }
    }
}

/// A term of an index (a year, a committee, a topic) and its letters, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Positions in `Archive::letters`.
    pub letters: Vec<usize>,
}

impl Term {
    pub fn url_path(&self, index: Index) -> String {
        format!("{}/{}/", index.key(), self.slug)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Archive {
    /// Published letters, newest first (by date, then published date, then URL, so ties are stable).
    pub letters: Vec<Arc<Letter>>,
    /// Letters with a page but listed nowhere: 不予公开 letters, in preview only.
    pub unlisted: Vec<Arc<Letter>>,
    pub years: Vec<Term>,
    pub committees: Vec<Term>,
    pub topics: Vec<Term>,
    /// Letters kept back (不予公开): counted, never named.
    pub withheld: usize,
    /// What statistics may know of the letters kept back that this build would otherwise show (drafts
    /// only with drafts): the groups they count in, and nothing that names them.
    pub withheld_facets: Vec<Facets>,
}

/// The groups a letter counts in for statistics. Holds no title, number, person, topic or text, so a
/// 不予公开 letter's facets can be kept without keeping anything that names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Facets {
    pub year: i32,
    pub committee: String,
    pub kind: Kind,
    pub category: Option<String>,
    pub role: Role,
}

impl Facets {
    pub fn of(letter: &Letter) -> Facets {
        Facets {
            year: letter.year(),
            committee: letter.committee.clone(),
            kind: letter.kind,
            category: letter.category.clone(),
            role: letter.role,
        }
    }
}

impl Archive {
    /// The archive `arrange` makes when, of the letters this archive was arranged from, `removed`
    /// (as they were given then) are gone and `added` are new: an edited letter is one of each. Only
    /// the letters that changed are looked at: the others keep their order and the terms their lists
    /// (positions moved), so a preview of 50,000 letters is rearranged in a few milliseconds on each
    /// save instead of sorted and grouped anew.
    pub fn rearrange(
        self,
        removed: &[Arc<Letter>],
        added: &[Arc<Letter>],
        config: &SiteConfig,
        mode: Mode,
    ) -> Archive {
        let shown = |l: &Letter| !l.draft || mode != Mode::Publish;
        let kept_back = |l: &Letter| l.disclosure == Disclosure::Withheld;
        let mut withheld = self.withheld;
        let mut withheld_facets = self.withheld_facets;
        for l in removed.iter().filter(|l| kept_back(l)) {
            withheld -= 1;
            if shown(l)
                && let Ok(i) = withheld_facets.binary_search(&Facets::of(l))
            {
                withheld_facets.remove(i);
            }
        }
        for l in added.iter().filter(|l| kept_back(l)) {
            withheld += 1;
            if shown(l) {
                let facets = Facets::of(l);
                let i = withheld_facets.partition_point(|f| *f < facets);
                withheld_facets.insert(i, facets);
            }
        }
        // Letters with a page but listed nowhere: few, so sorted anew.
        let unlisted = if mode == Mode::Preview {
            let gone: std::collections::HashSet<&Path> =
                removed.iter().map(|l| l.source.as_path()).collect();
            let kept = self.unlisted.into_iter();
            let kept = kept.filter(|l| !gone.contains(l.source.as_path()));
            let new = added.iter().filter(|l| kept_back(l)).cloned();
            sort_newest_first(kept.chain(new).collect())
        } else {
            Vec::new()
        };

        // The letters gone, found by binary search: they still have their place in the order.
        let listed = |l: &&Arc<Letter>| !kept_back(l) && shown(l);
        let mut gone = vec![false; self.letters.len()];
        for l in removed.iter().filter(listed) {
            let i = self.letters.partition_point(|p| newest_first(p, l).is_lt());
            let found = self.letters.get(i).filter(|p| p.source == l.source);
            debug_assert!(
                found.is_some(),
                "{} is not in the archive",
                l.source.display()
            );
            if found.is_some() {
                gone[i] = true;
            }
        }
        let mut fresh: Vec<Arc<Letter>> =
            added.iter().filter(listed).cloned().map(redact).collect();
        fresh.sort_by(|a, b| newest_first(a, b));
        // Where each new letter goes: before the first old letter that sorts after it.
        let at: Vec<usize> = fresh
            .iter()
            .map(|l| self.letters.partition_point(|p| newest_first(p, l).is_lt()))
            .collect();
        let mut letters = Vec::with_capacity(self.letters.len() + fresh.len());
        // Old position → new one (`None`: gone); where each new letter went.
        let mut moved: Vec<Option<usize>> = Vec::with_capacity(self.letters.len());
        let mut placed: Vec<usize> = Vec::with_capacity(fresh.len());
        let mut next = 0;
        for (i, old) in self.letters.into_iter().enumerate() {
            while next < fresh.len() && at[next] == i {
                placed.push(letters.len());
                letters.push(fresh[next].clone());
                next += 1;
            }
            if gone[i] {
                moved.push(None);
            } else {
                moved.push(Some(letters.len()));
                letters.push(old);
            }
        }
        for new in &fresh[next..] {
            placed.push(letters.len());
            letters.push(new.clone());
        }

        // Each term keeps its list, positions moved, and takes in the new letters.
        let remap = |terms: Vec<Term>| -> BTreeMap<String, Vec<usize>> {
            terms
                .into_iter()
                .map(|mut t| {
                    t.letters.retain_mut(|i| match moved[*i] {
                        Some(to) => {
                            *i = to;
                            true
                        }
                        None => false,
                    });
                    (t.name, t.letters)
                })
                .collect()
        };
        let mut groups = [
            remap(self.years),
            remap(self.committees),
            remap(self.topics),
        ];
        for (&p, letter) in placed.iter().zip(&fresh) {
            let year = letter.year().to_string();
            let names = std::iter::once((0, year.as_str()))
                .chain(std::iter::once((1, letter.committee.as_str())))
                .chain(topic_names(letter).map(|t| (2, t)));
            for (g, name) in names {
                let list = groups[g].entry(name.to_owned()).or_default();
                list.insert(list.partition_point(|&q| q < p), p);
            }
        }
        for group in &mut groups {
            group.retain(|_, letters| !letters.is_empty());
        }
        assemble(letters, unlisted, groups, withheld, withheld_facets, config)
    }

    pub fn terms(&self, index: Index) -> &[Term] {
        match index {
            Index::Years => &self.years,
            Index::Committees => &self.committees,
            Index::Topics => &self.topics,
        }
    }
}

/// Chooses, orders and groups the letters a build publishes.
pub fn arrange(letters: Vec<Arc<Letter>>, config: &SiteConfig, mode: Mode) -> Archive {
    let withheld = letters
        .iter()
        .filter(|l| l.disclosure == Disclosure::Withheld)
        .count();
    let shown = |l: &Letter| !l.draft || mode != Mode::Publish;
    // In a fixed order, whatever order the letters were read in.
    let mut withheld_facets: Vec<Facets> = letters
        .iter()
        .filter(|l| l.disclosure == Disclosure::Withheld && shown(l))
        .map(|l| Facets::of(l))
        .collect();
    withheld_facets.sort();
    let (mut unlisted, listed): (Vec<_>, Vec<_>) = letters
        .into_iter()
        .partition(|l| l.disclosure == Disclosure::Withheld);
    if mode != Mode::Preview {
        unlisted.clear();
    }
    let letters: Vec<Arc<Letter>> = listed
        .into_iter()
        .filter(|l| shown(l))
        .map(redact)
        .collect();
    let letters = sort_newest_first(letters);
    let unlisted = sort_newest_first(unlisted);

    // Grouped by borrowed names (a preview arranges 50,000 letters), owned once per term.
    let mut years: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut committees: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut topics: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, letter) in letters.iter().enumerate() {
        years.entry(letter.year()).or_default().push(i);
        committees.entry(&letter.committee).or_default().push(i);
        for topic in topic_names(letter) {
            topics.entry(topic).or_default().push(i);
        }
    }
    let owned = |groups: HashMap<&str, Vec<usize>>| -> BTreeMap<String, Vec<usize>> {
        groups
            .into_iter()
            .map(|(name, letters)| (name.to_owned(), letters))
            .collect()
    };
    let years = years
        .into_iter()
        .map(|(year, letters)| (year.to_string(), letters))
        .collect();
    let groups = [years, owned(committees), owned(topics)];
    assemble(letters, unlisted, groups, withheld, withheld_facets, config)
}

/// The topics a letter is listed under: its own, or 未分类.
fn topic_names(letter: &Letter) -> impl Iterator<Item = &str> {
    let unclassified = letter.topics.is_empty().then_some(UNCLASSIFIED);
    letter.topics.iter().map(String::as_str).chain(unclassified)
}

/// The archive of letters in order and their groups by year, committee and topic (name → positions).
fn assemble(
    letters: Vec<Arc<Letter>>,
    unlisted: Vec<Arc<Letter>>,
    [years, committees, topics]: [BTreeMap<String, Vec<usize>>; 3],
    withheld: usize,
    withheld_facets: Vec<Facets>,
    config: &SiteConfig,
) -> Archive {
    // Newest first, as the names sort (not the numbers: a year before 1000 would sort after 2023).
    let years = years
        .into_iter()
        .rev()
        .map(|(name, letters)| Term {
            slug: name.clone(),
            name,
            letters,
        })
        .collect();
    Archive {
        letters,
        unlisted,
        years,
        committees: named_terms(committees, &config.term_slugs.committees),
        topics: named_terms(topics, &config.term_slugs.topics),
        withheld,
        withheld_facets,
    }
}

/// The archive's order: newest first by date, then by published date, then by URL, so ties are
/// stable. Sorted by the dates alone first, copied into an array of their own (comparing letters
/// scattered over memory cost more than all the rest of arranging 50,000 of them), then each run of
/// letters of the same dates by URL. Letters of the same date are of the same year, so their URLs
/// (`2023/{slug}/`) differ only from the slug on.
fn sort_newest_first(letters: Vec<Arc<Letter>>) -> Vec<Arc<Letter>> {
    let mut keys: Vec<(Reverse<NaiveDate>, Reverse<NaiveDate>, u32)> = letters
        .iter()
        .enumerate()
        .map(|(i, l)| (Reverse(l.date), Reverse(l.published), i as u32))
        .collect();
    // Unique keys (the position is the last part), so unstable is stable here.
    keys.par_sort_unstable();
    let mut slots: Vec<Option<Arc<Letter>>> = letters.into_iter().map(Some).collect();
    let mut sorted: Vec<Arc<Letter>> = keys
        .iter()
        .filter_map(|&(_, _, i)| slots[i as usize].take())
        .collect();
    let mut start = 0;
    for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let end = start + run.len();
        sorted[start..end].sort_by(|a, b| newest_first(a, b));
        start = end;
    }
    sorted
}

fn newest_first(a: &Letter, b: &Letter) -> Ordering {
    b.date
        .cmp(&a.date)
        .then(b.published.cmp(&a.published))
        .then_with(|| url_tail(a).cmp(url_tail(b)))
}

fn url_tail(letter: &Letter) -> impl Iterator<Item = &u8> {
    letter.slug.as_bytes().iter().chain(b"/")
}

/// Terms ordered by how many letters they hold (most first), then by name, with collision-free slugs.
fn named_terms(
    groups: BTreeMap<String, Vec<usize>>,
    overrides: &BTreeMap<String, String>,
) -> Vec<Term> {
    let slugs = slug::assign(groups.keys().map(String::as_str), overrides);
    let mut terms: Vec<Term> = groups
        .into_iter()
        .map(|(name, letters)| Term {
            slug: slugs[&name].clone(),
            name,
            letters,
        })
        .collect();
    terms.sort_by(|a, b| {
        b.letters
            .len()
            .cmp(&a.letters.len())
            .then_with(|| a.name.cmp(&b.name))
    });
    terms
}

/// A 摘要公开 letter is published as its summary: the body never leaves this function (the build
/// cache calls it too, on letters it parses late).
pub fn redact(mut letter: Arc<Letter>) -> Arc<Letter> {
    if letter.disclosure == Disclosure::SummaryOnly {
        let letter = Arc::make_mut(&mut letter);
        letter.body_html = String::new();
        letter.body_text = letter.summary.clone().unwrap_or_default();
    }
    letter
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    fn config() -> SiteConfig {
        SiteConfig::parse("title: t\nbase_url: https://x.example/\nissuer: 局\n").unwrap()
    }

    fn letter(file: &str, date: &str, extra: &str) -> Arc<Letter> {
        let text =
            format!("---\ntitle: {file}\ndate: {date}\ncommittee: 市政协\n{extra}---\n正文内容\n");
        Arc::new(Letter::parse(&text, Path::new(file), &config()).unwrap())
    }

    #[test]
    fn withheld_letters_and_drafts_are_not_published() {
        let letters = vec![
            letter("a.md", "2023-01-01", "disclosure: 不予公开\n"),
            letter("b.md", "2023-01-02", "draft: true\n"),
            letter("c.md", "2023-01-03", ""),
        ];
        let archive = arrange(letters.clone(), &config(), Mode::Publish);
        assert_eq!(
            archive
                .letters
                .iter()
                .map(|l| l.title.as_str())
                .collect::<Vec<_>>(),
            ["c.md"]
        );
        assert_eq!(archive.withheld, 1);
        assert_eq!(
            archive.withheld_facets,
            [Facets {
                year: 2023,
                committee: "市政协".into(),
                kind: Kind::Proposal,
                category: None,
                role: Role::Lead,
            }]
        );
        let with_drafts = arrange(letters.clone(), &config(), Mode::PublishWithDrafts);
        assert_eq!(with_drafts.letters.len(), 2);
        assert!(with_drafts.unlisted.is_empty());
        let preview = arrange(letters, &config(), Mode::Preview);
        assert_eq!(preview.letters.len(), 2);
        assert_eq!(
            preview.unlisted.len(),
            1,
            "a 不予公开 letter gets a page in preview"
        );
        assert!(
            preview
                .terms(Index::Committees)
                .iter()
                .all(|t| t.letters.len() == 2)
        );
    }

    #[test]
    fn withheld_drafts_count_only_with_drafts() {
        let letters = vec![letter(
            "a.md",
            "2023-01-01",
            "disclosure: 不予公开\ndraft: true\n",
        )];
        let archive = arrange(letters.clone(), &config(), Mode::Publish);
        assert!(archive.withheld_facets.is_empty());
        let with_drafts = arrange(letters, &config(), Mode::PublishWithDrafts);
        assert_eq!(with_drafts.withheld_facets.len(), 1);
    }

    /// A letter file as the property test makes it: everything that places a letter varies, over
    /// few values, so dates tie and terms come and go.
    #[derive(Debug, Clone, PartialEq)]
    struct Spec {
        date: (i32, u32, u32),
        published_later: u32,
        committee: u8,
        topics: Vec<u8>,
        disclosure: u8,
        draft: bool,
        dashed: bool,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            (2021..=2023i32, 1..=2u32, 1..=3u32),
            0..2u32,
            0..3u8,
            proptest::collection::vec(0..4u8, 0..3),
            0..3u8,
            proptest::bool::weighted(0.2),
            any::<bool>(),
        )
            .prop_map(
                |(date, published_later, committee, topics, disclosure, draft, dashed)| Spec {
                    date,
                    published_later,
                    committee,
                    topics,
                    disclosure,
                    draft,
                    dashed,
                },
            )
    }

    /// File `i` as `spec` says; file names make slugs that are prefixes of one another (`l1`,
    /// `l1-b`, `l12`), which the order of letters of the same date must get right.
    fn spec_letter(i: usize, spec: &Spec) -> Arc<Letter> {
        let (y, m, d) = spec.date;
        let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let published = date + chrono::Days::new(spec.published_later.into());
        let topics: Vec<String> = spec.topics.iter().map(|t| format!("主题{t}")).collect();
        let disclosure = match spec.disclosure {
            0 => "",
            1 => "disclosure: 摘要公开\nsummary: 摘要\n",
            _ => "disclosure: 不予公开\n",
        };
        let text = format!(
            "---\ntitle: 第{i}号\ndate: {date}\npublished: {published}\ncommittee: {}\n\
             topics: [{}]\n{disclosure}draft: {}\n---\n正文{i}\n",
            ["市政协", "市人大", "区政协"][usize::from(spec.committee)],
            topics.join(", "),
            spec.draft,
        );
        let file = format!("{y}/l{i}{}.md", if spec.dashed { "-b" } else { "" });
        Arc::new(Letter::parse(&text, Path::new(&file), &config()).unwrap())
    }

    proptest! {
        /// Letters added, removed and edited (removed as they were, added as they are): the
        /// archive rearranged is the archive arranged anew, in every mode.
        #[test]
        fn rearranging_what_changed_gives_what_arranging_everything_gives(
            before in proptest::collection::vec(proptest::option::of(spec()), 0..24),
            edits in proptest::collection::vec((0..28usize, proptest::option::of(spec())), 0..6),
            mode in proptest::sample::select(vec![Mode::Publish, Mode::PublishWithDrafts, Mode::Preview]),
        ) {
            let files = 28;
            let mut after = before.clone();
            after.resize(files, None);
            for (i, spec) in edits {
                after[i] = spec;
            }
            let state = |specs: &[Option<Spec>]| -> Vec<Option<(Spec, Arc<Letter>)>> {
                (0..files)
                    .map(|i| specs.get(i).cloned().flatten().map(|s| {
                        let letter = spec_letter(i, &s);
                        (s, letter)
                    }))
                    .collect()
            };
            let old = state(&before);
            let mut new = state(&after);
            let (mut removed, mut added) = (Vec::new(), Vec::new());
            for (old, new) in old.iter().zip(new.iter_mut()) {
                match (old, new) {
                    // The same file unchanged: the same letter.
                    (Some((a, letter)), Some((b, kept))) if a == b => *kept = letter.clone(),
                    (old, new) => {
                        removed.extend(old.as_ref().map(|(_, l)| l.clone()));
                        added.extend(new.as_ref().map(|(_, l)| l.clone()));
                    }
                }
            }
            let letters = |state: &[Option<(Spec, Arc<Letter>)>]| -> Vec<Arc<Letter>> {
                state.iter().flatten().map(|(_, l)| l.clone()).collect()
            };
            let rearranged = arrange(letters(&old), &config(), mode)
                .rearrange(&removed, &added, &config(), mode);
            prop_assert_eq!(rearranged, arrange(letters(&new), &config(), mode));
        }
    }

    #[test]
    fn summary_only_letter_keeps_no_body() {
        let l = letter(
            "a.md",
            "2023-01-01",
            "disclosure: 摘要公开\nsummary: 仅摘要\n",
        );
        let archive = arrange(vec![l], &config(), Mode::Publish);
        assert_eq!(archive.letters[0].body_html, "");
        assert_eq!(archive.letters[0].body_text, "仅摘要");
    }

    #[test]
    fn indexes_list_newest_first() {
        let letters = vec![
            letter("old.md", "2022-05-01", "topics: [人才]\n"),
            letter("new.md", "2023-05-01", "topics: [人才, 金融]\n"),
            letter("mid.md", "2022-09-01", ""),
        ];
        let archive = arrange(letters, &config(), Mode::Publish);
        let titles = |t: &Term| {
            t.letters
                .iter()
                .map(|&i| archive.letters[i].title.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            archive
                .years
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            ["2023", "2022"]
        );
        assert_eq!(titles(&archive.years[1]), ["mid.md", "old.md"]);
        let talent = archive.topics.iter().find(|t| t.name == "人才").unwrap();
        assert_eq!(titles(talent), ["new.md", "old.md"]);
        assert_eq!(talent.slug, "ren-cai");
        assert!(
            archive
                .topics
                .iter()
                .any(|t| t.name == UNCLASSIFIED && titles(t) == ["mid.md"])
        );
    }
}
