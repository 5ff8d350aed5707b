//! The archive: which letters are published, in what order, and how they group into indexes.
//! Pure: letters in, archive out. Disclosure is enforced here, once, so no later stage can leak a
//! 不予公开 letter or the body of a 摘要公开 one.

use std::collections::BTreeMap;
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Puts a re-read letter in place of the one from the same file, if that changes nothing about
    /// the arrangement (which letters are shown, their order, their groups, their URLs, their
    /// 文号): the letter replaced, or `None` if the archive must be arranged anew.
    pub fn replace(&mut self, letter: Arc<Letter>) -> Option<Arc<Letter>> {
        let same_place = |old: &Letter| {
            old.date == letter.date
                && old.published == letter.published
                && old.slug == letter.slug
                && old.disclosure == letter.disclosure
                && old.draft == letter.draft
                && old.committee == letter.committee
                && old.topics == letter.topics
                && old.doc_number == letter.doc_number
        };
        let slot = self
            .letters
            .iter_mut()
            .chain(self.unlisted.iter_mut())
            .find(|l| l.source.as_os_str() == letter.source.as_os_str());
        match slot {
            Some(slot) if same_place(slot) => Some(std::mem::replace(slot, redact(letter))),
            _ => None,
        }
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
    let withheld_facets: Vec<Facets> = letters
        .iter()
        .filter(|l| l.disclosure == Disclosure::Withheld && shown(l))
        .map(|l| Facets::of(l))
        .collect();
    let (mut unlisted, listed): (Vec<_>, Vec<_>) = letters
        .into_iter()
        .partition(|l| l.disclosure == Disclosure::Withheld);
    if mode != Mode::Preview {
        unlisted.clear();
    }
    let mut letters: Vec<Arc<Letter>> = listed
        .into_iter()
        .filter(|l| shown(l))
        .map(redact)
        .collect();
    let newest_first = |a: &Arc<Letter>, b: &Arc<Letter>| {
        b.date
            .cmp(&a.date)
            .then(b.published.cmp(&a.published))
            .then_with(|| a.url_path().cmp(&b.url_path()))
    };
    letters.sort_by(newest_first);
    unlisted.sort_by(newest_first);

    let mut years: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut committees: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut topics: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, letter) in letters.iter().enumerate() {
        years.entry(letter.year().to_string()).or_default().push(i);
        committees
            .entry(letter.committee.clone())
            .or_default()
            .push(i);
        if letter.topics.is_empty() {
            topics.entry(UNCLASSIFIED.to_owned()).or_default().push(i);
        }
        for topic in &letter.topics {
            topics.entry(topic.clone()).or_default().push(i);
        }
    }
    let mut years: Vec<Term> = years
        .into_iter()
        .map(|(name, letters)| Term {
            slug: name.clone(),
            name,
            letters,
        })
        .collect();
    years.reverse();
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

    #[test]
    fn a_letter_replaced_in_place_only_when_its_place_is_the_same() {
        let letters = vec![
            letter(
                "a.md",
                "2023-01-01",
                "disclosure: 摘要公开\nsummary: 仅摘要\n",
            ),
            letter("b.md", "2023-01-02", "topics: [人才]\n"),
        ];
        let mut archive = arrange(letters.clone(), &config(), Mode::Publish);
        // New text, same place: replaced, and still redacted.
        let retitled = {
            let mut l = (*letters[0]).clone();
            l.title = "新标题".into();
            l.body_html = "<p>不应发布</p>".into();
            Arc::new(l)
        };
        assert_eq!(archive.replace(retitled).unwrap().title, "a.md");
        let a = archive
            .letters
            .iter()
            .find(|l| l.title == "新标题")
            .unwrap();
        assert_eq!((a.body_html.as_str(), a.body_text.as_str()), ("", "仅摘要"));
        // A new topic or date moves it: not replaced.
        let mut moved = (*letters[1]).clone();
        moved.topics = vec!["金融".into()];
        assert!(archive.replace(Arc::new(moved)).is_none());
        let mut redated = (*letters[1]).clone();
        redated.date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        assert!(archive.replace(Arc::new(redated)).is_none());
        // A letter the archive does not have.
        assert!(archive.replace(letter("c.md", "2023-01-03", "")).is_none());
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
