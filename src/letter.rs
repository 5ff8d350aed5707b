//! The content model: one reply letter, checked and typed.
//!
//! Glossary of the Chinese terms used in names and messages:
//! - 答复函 reply letter: a bureau's written answer to a proposal or suggestion
//! - 文号 doc number (`温科提复〔2023〕98号`), the letter's official number
//! - 提案 proposal, made by a member (委员) of a CPPCC committee (政协)
//! - 建议 suggestion, made by a deputy (代表) to a people's congress (人大); 议案 motion
//! - 届次 session (`十二届二次会议`); 提案号/建议号 the proposal's own number
//! - 承办单位 handling unit; 主办 lead, 协办 assisting, 会办 joint, 分办 split handling
//! - 答复类别 reply class (A/B/C); 公开方式 disclosure: 全文公开 full, 摘要公开 summary only,
//!   不予公开 not for publication
//! - 抄送 cc; 联系人 contact person

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;
use crate::frontmatter::{self, Contact, FrontMatter, Problem, Split};
use crate::markdown::{self, MarkdownOptions};
use crate::slug;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "提案")]
    Proposal,
    #[serde(rename = "建议")]
    Suggestion,
    #[serde(rename = "议案")]
    Motion,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Proposal => "提案",
            Kind::Suggestion => "建议",
            Kind::Motion => "议案",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [Kind::Proposal, Kind::Suggestion, Kind::Motion]
            .into_iter()
            .find(|k| k.label() == s)
    }

    /// CPPCC committees (政协) receive proposals, people's congresses (人大) suggestions.
    fn infer(committee: &str) -> Option<Kind> {
        if committee.contains("政协") {
            Some(Kind::Proposal)
        } else if committee.contains("人大") {
            Some(Kind::Suggestion)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    #[serde(rename = "主办")]
    Lead,
    #[serde(rename = "协办")]
    Assisting,
    #[serde(rename = "会办")]
    Joint,
    #[serde(rename = "分办")]
    Split,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Lead => "主办",
            Role::Assisting => "协办",
            Role::Joint => "会办",
            Role::Split => "分办",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        [Role::Lead, Role::Assisting, Role::Joint, Role::Split]
            .into_iter()
            .find(|r| r.label() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Disclosure {
    #[serde(rename = "全文公开")]
    Full,
    #[serde(rename = "摘要公开")]
    SummaryOnly,
    #[serde(rename = "不予公开")]
    Withheld,
}

impl Disclosure {
    pub fn label(self) -> &'static str {
        match self {
            Disclosure::Full => "全文公开",
            Disclosure::SummaryOnly => "摘要公开",
            Disclosure::Withheld => "不予公开",
        }
    }

    fn parse(s: &str) -> Option<Disclosure> {
        [
            Disclosure::Full,
            Disclosure::SummaryOnly,
            Disclosure::Withheld,
        ]
        .into_iter()
        .find(|d| d.label() == s)
    }
}

/// A reply letter, checked: every field typed, defaults applied, body rendered.
///
/// Serialisable for the build cache (see `cache`), which keeps what is needed to arrange the archive
/// between runs: the body is left out (it is rendered again from the file when a page shows it), and
/// `extra` is kept as JSON text, so that compact binary formats can hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    /// The file it came from, relative to the site root.
    pub source: PathBuf,
    pub title: String,
    /// 成文日期: the date the letter was signed.
    pub date: NaiveDate,
    /// 发布日期: when it went on the website; the signing date unless given.
    pub published: NaiveDate,
    pub committee: String,
    pub kind: Kind,
    pub session: Option<String>,
    pub number: Option<String>,
    pub proposal_title: Option<String>,
    pub proposers: Vec<String>,
    pub addressee: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub role: Role,
    pub topics: Vec<String>,
    pub category: Option<String>,
    pub disclosure: Disclosure,
    pub summary: Option<String>,
    pub contacts: Vec<Contact>,
    pub cc: Vec<String>,
    pub slug: String,
    pub draft: bool,
    #[serde(with = "json_text")]
    pub extra: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    pub body_html: String,
    #[serde(skip)]
    pub body_text: String,
    /// A hash of the file's path and text: with the site config, all a letter is derived from, so
    /// incremental rebuilds can tell a changed letter from an unchanged one.
    pub digest: u64,
    /// File lines of `doc_number:` and `slug:`, for cross-letter messages.
    pub doc_number_line: usize,
    pub slug_line: usize,
}

impl Letter {
    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// The letter's path under the site root, without a leading slash: `2023/ti-494/`.
    pub fn url_path(&self) -> String {
        format!("{}/{}/", self.year(), self.slug)
    }

    /// Parses a letter file's text (BOM-free, LF line ends). `source` is the path shown in messages.
    /// Every problem found is returned, not only the first.
    pub fn parse(
        text: &str,
        source: &Path,
        config: &SiteConfig,
    ) -> Result<Letter, Vec<Diagnostic>> {
        let at = |p: Problem| {
            let d = Diagnostic::new(source, p.line, p.column, p.message);
            match p.hint {
                Some(h) => d.with_hint(h),
                None => d,
            }
        };
        let split = frontmatter::split(text).map_err(|p| vec![at(p)])?;
        let front: FrontMatter =
            frontmatter::parse_yaml(split.yaml, split.yaml_line).map_err(|p| vec![at(p)])?;
        let mut letter = Checker {
            source,
            split: &split,
            problems: Vec::new(),
        }
        .check(front, config)?;
        letter.digest = digest(source, text);
        Ok(letter)
    }
}

/// `extra` as JSON text in the cache's serialised letters.
mod json_text {
    use serde::{Deserialize, Deserializer, Serializer};

    type Map = serde_json::Map<String, serde_json::Value>;

    /// Most letters have no `extra`: an empty map is an empty string, read without parsing.
    pub fn serialize<S: Serializer>(map: &Map, s: S) -> Result<S::Ok, S::Error> {
        if map.is_empty() {
            return s.serialize_str("");
        }
        s.serialize_str(&serde_json::to_string(map).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if text.is_empty() {
            return Ok(Map::new());
        }
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// A stable hash of a letter file (path and text), the same on every machine and run.
pub fn digest(source: &Path, text: &str) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(crate::diagnostic::display_path(source).as_bytes());
    hasher.update(&[0]);
    hasher.update(text.as_bytes());
    hasher.digest()
}

/// Checks one letter's fields, collecting every problem with the line of its key.
struct Checker<'a> {
    source: &'a Path,
    split: &'a Split<'a>,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn line_of(&self, key: &str) -> usize {
        frontmatter::key_line(self.split.yaml, self.split.yaml_line, key).unwrap_or(1)
    }

    fn report(&mut self, key: &str, message: String, hint: &str) {
        let line = self.line_of(key);
        self.problems
            .push(Diagnostic::new(self.source, line, 0, message).with_hint(hint));
    }

    fn required(&mut self, key: &str, value: Option<String>, example: &str) -> String {
        match value.map(|v| v.trim().to_owned()) {
            Some(v) if !v.is_empty() => v,
            Some(_) => {
                self.report(
                    key,
                    format!("`{key}` is empty"),
                    &format!("write it, e.g. `{key}: {example}`"),
                );
                String::new()
            }
            None => {
                self.problems.push(
                    Diagnostic::new(
                        self.source,
                        1,
                        0,
                        format!("the required key `{key}` is missing"),
                    )
                    .with_hint(format!("add a line `{key}: {example}` to the front matter")),
                );
                String::new()
            }
        }
    }

    fn date(&mut self, key: &str, value: &str) -> Option<NaiveDate> {
        let parsed = (value.len() == 10)
            .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
            .flatten();
        if parsed.is_none() && !value.is_empty() {
            self.report(
                key,
                format!("`{key}: {value}` is not a real calendar date"),
                "write the date as YYYY-MM-DD, e.g. `2023-06-28`, and check the day exists in that month",
            );
        }
        parsed
    }

    fn choice<T>(
        &mut self,
        key: &str,
        value: Option<&str>,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        let value = value?.trim();
        let parsed = parse(value);
        if parsed.is_none() {
            self.report(
                key,
                format!("`{key}: {value}` is not one of {allowed}"),
                &format!("write one of {allowed}"),
            );
        }
        parsed
    }

    fn check(mut self, f: FrontMatter, config: &SiteConfig) -> Result<Letter, Vec<Diagnostic>> {
        let title = self.required(
            "title",
            f.title,
            "关于市政协十二届二次会议第494号提案的答复函",
        );
        let date_text = self.required("date", f.date, "2023-06-28");
        let committee = self.required("committee", f.committee, "市政协");
        let date = self.date("date", &date_text);
        let published = match f.published.as_deref() {
            Some(p) => self.date("published", p.trim()),
            None => date,
        };
        let kind = match f.kind.as_deref() {
            Some(k) => self.choice("kind", Some(k), Kind::parse, "提案, 建议, 议案"),
            None => {
                let inferred = Kind::infer(&committee);
                if inferred.is_none() && !committee.is_empty() {
                    self.report(
                        "committee",
                        format!("cannot tell whether `committee: {committee}` sends 提案 or 建议"),
                        "add `kind: 提案`, `kind: 建议` or `kind: 议案`",
                    );
                }
                inferred
            }
        };
        let role = self.choice(
            "role",
            f.role.as_deref(),
            Role::parse,
            "主办, 协办, 会办, 分办",
        );
        let disclosure = self.choice(
            "disclosure",
            f.disclosure.as_deref(),
            Disclosure::parse,
            "全文公开, 摘要公开, 不予公开",
        );
        let disclosure_ok = f.disclosure.is_none() || disclosure.is_some();
        let disclosure = disclosure.unwrap_or(Disclosure::Full);
        let summary = f
            .summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        match (disclosure, &summary) {
            (Disclosure::SummaryOnly, None) if disclosure_ok => self.report(
                "disclosure",
                "a 摘要公开 letter needs a `summary`: only the summary is published".to_owned(),
                "add `summary: …` with the text to publish in place of the letter",
            ),
            (Disclosure::Full | Disclosure::Withheld, Some(_)) if disclosure_ok => self.report(
                "summary",
                format!(
                    "`summary` is only for 摘要公开 letters, but this one is {}",
                    disclosure.label()
                ),
                "remove `summary`, or set `disclosure: 摘要公开` to publish only the summary",
            ),
            _ => {}
        }
        let category = f.category.map(|c| c.trim().to_owned());
        if let Some(c) = &category
            && !config.categories.is_empty()
            && !config.categories.contains_key(c)
        {
            let allowed = config
                .categories
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            self.report(
                "category",
                format!("`category: {c}` is not a reply class of this site"),
                &format!("use one of {allowed} (set in site.yaml under `categories`)"),
            );
        }
        let slug = match f.slug.map(|s| s.trim().to_owned()) {
            Some(s) if slug::is_valid_slug(&s) => s,
            Some(s) => {
                self.report(
                    "slug",
                    format!("`slug: {s}` cannot be used in a web address"),
                    "use only ASCII letters, digits, `-` and `_`, without `/` or `..`, e.g. `slug: ti-494`",
                );
                String::new()
            }
            None => {
                let stem = self
                    .source
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if slug::is_valid_slug(&stem) {
                    stem.to_ascii_lowercase()
                } else {
                    slug::slugify(&stem)
                }
            }
        };
        let clean = |v: Vec<String>| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for item in v
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
            {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            out
        };
        let non_empty =
            |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if !self.problems.is_empty() {
            self.problems.sort();
            return Err(self.problems);
        }
        let (Some(date), Some(published), Some(kind)) = (date, published, kind) else {
            unreachable!("a missing date or kind is always reported as a problem above")
        };
        let rendered = markdown::render(
            self.split.body,
            &MarkdownOptions {
                allow_html: config.allow_html,
            },
        );
        Ok(Letter {
            source: self.source.to_path_buf(),
            title,
            date,
            published,
            committee,
            kind,
            session: non_empty(f.session),
            number: non_empty(f.number),
            proposal_title: non_empty(f.proposal_title),
            proposers: clean(f.proposers),
            addressee: non_empty(f.addressee),
            doc_number: non_empty(f.doc_number),
            issuer: non_empty(f.issuer).unwrap_or_else(|| config.issuer.clone()),
            role: role.unwrap_or(Role::Lead),
            topics: clean(f.topics),
            category,
            disclosure,
            summary,
            contacts: f.contacts,
            cc: clean(f.cc),
            slug,
            draft: f.draft,
            extra: f.extra,
            body_html: rendered.html,
            body_text: rendered.text,
            digest: 0,
            doc_number_line: self.line_of("doc_number"),
            slug_line: self.line_of("slug"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteConfig {
        SiteConfig::parse("title: t\nbase_url: https://x.example/\nissuer: 示例市科学技术局\ncategories: {A: 已采纳, B: 列入计划}\n").unwrap()
    }

    fn parse(text: &str) -> Result<Letter, Vec<String>> {
        Letter::parse(text, Path::new("content/2023/ti-494.md"), &config())
            .map_err(|ds| ds.iter().map(|d| d.to_string()).collect())
    }

    const GOOD: &str = "---\ntitle: 关于第494号提案的答复函\ndate: 2023-06-28\ncommittee: 市政协\n---\n项委员：\n\n您好。\n";

    #[test]
    fn minimal_letter_gets_defaults() {
        let l = parse(GOOD).unwrap();
        assert_eq!(l.kind, Kind::Proposal);
        assert_eq!(l.role, Role::Lead);
        assert_eq!(l.disclosure, Disclosure::Full);
        assert_eq!(l.issuer, "示例市科学技术局");
        assert_eq!(l.published, l.date);
        assert_eq!(l.url_path(), "2023/ti-494/");
    }

    #[test]
    fn kind_is_inferred_from_a_people_s_congress() {
        assert_eq!(
            parse(&GOOD.replace("市政协", "区人大")).unwrap().kind,
            Kind::Suggestion
        );
    }

    #[test]
    fn impossible_date_names_its_line() {
        let errors = parse(&GOOD.replace("2023-06-28", "2023-02-30")).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "content/2023/ti-494.md:3: error: `date: 2023-02-30` is not a real calendar date\n  help: write the date as YYYY-MM-DD, e.g. `2023-06-28`, and check the day exists in that month"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_not_only_the_first() {
        let text = "---\ntitle: 关于答复函\ndate: 2023-13-01\ncommittee: 市政协\nrole: 牵头\ncategory: Z\n---\n正文\n";
        let errors = parse(text).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].starts_with("content/2023/ti-494.md:3:"));
        assert!(errors[1].starts_with(
            "content/2023/ti-494.md:5: error: `role: 牵头` is not one of 主办, 协办, 会办, 分办"
        ));
        assert!(errors[2].starts_with(
            "content/2023/ti-494.md:6: error: `category: Z` is not a reply class of this site"
        ));
    }

    #[test]
    fn missing_required_key_is_named() {
        let errors = parse("---\ntitle: 关于答复函\ndate: 2023-06-28\n---\n正文\n").unwrap_err();
        assert_eq!(
            errors[0],
            "content/2023/ti-494.md:1: error: the required key `committee` is missing\n  help: add a line `committee: 市政协` to the front matter"
        );
    }

    #[test]
    fn summary_is_required_for_summary_only_disclosure() {
        let errors = parse(&GOOD.replace(
            "committee: 市政协",
            "committee: 市政协\ndisclosure: 摘要公开",
        ))
        .unwrap_err();
        assert!(
            errors[0].contains("a 摘要公开 letter needs a `summary`"),
            "{errors:?}"
        );
        let errors = parse(&GOOD.replace("committee: 市政协", "committee: 市政协\nsummary: 摘要"))
            .unwrap_err();
        assert!(
            errors[0].contains("`summary` is only for 摘要公开 letters"),
            "{errors:?}"
        );
    }

    #[test]
    fn slug_with_path_separators_is_rejected() {
        let errors = parse(&GOOD.replace("committee: 市政协", "committee: 市政协\nslug: ../etc"))
            .unwrap_err();
        assert!(
            errors[0].starts_with("content/2023/ti-494.md:5: error: `slug: ../etc` cannot be used"),
            "{errors:?}"
        );
    }

    #[test]
    fn chinese_file_name_gives_a_pinyin_slug() {
        let l = Letter::parse(GOOD, Path::new("content/科技答复.md"), &config()).unwrap();
        assert_eq!(l.slug, "ke-ji-da-fu");
    }

    #[test]
    fn committee_without_a_known_body_needs_a_kind() {
        let errors = parse(&GOOD.replace("市政协", "市委")).unwrap_err();
        assert!(
            errors[0].contains("cannot tell whether `committee: 市委` sends 提案 or 建议"),
            "{errors:?}"
        );
        assert_eq!(
            parse(&GOOD.replace("市政协", "市委\nkind: 建议"))
                .unwrap()
                .kind,
            Kind::Suggestion
        );
    }
}
