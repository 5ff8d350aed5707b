//! `dafu check`: everything `dafu build` validates (site config, every letter, the checks across
//! letters, the theme, every page rendered in memory), and the publication checks of `check` on what
//! each letter would publish, plus its links against the pages the build would make. Nothing is
//! written. Every finding carries the file, line and column it comes from.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::archive::{self, Mode};
use crate::check::{self, Finding, Target};
use crate::config::SiteConfig;
use crate::diagnostic::{Diagnostic, Severity, line_col};
use crate::frontmatter;
use crate::letter::{Disclosure, Letter};
use crate::{load, render, source, theme};

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The site folder, holding `site.yaml` and `content/`.
    pub root: PathBuf,
    /// Check the site as `build --drafts` would make it (drafts get pages, so links to them work).
    pub drafts: bool,
}

/// What a check found, sorted by file and position.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Letter files read.
    pub letters: usize,
    /// Pages rendered in memory (0 when the site could not be loaded far enough).
    pub pages: usize,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// A letter read and parsed, with its text for the checks that look at positions.
struct Loaded {
    letter: Arc<Letter>,
    text: String,
}

/// Runs every check on the site at `options.root`.
pub fn check(options: &CheckOptions) -> CheckReport {
    let mut report = CheckReport::default();
    let config = match SiteConfig::from_root(&options.root) {
        Ok(config) => config,
        Err(d) => {
            report.diagnostics.push(d);
            return report;
        }
    };
    let (theme, files) = rayon::join(
        || theme::load(&options.root, &config.theme),
        || load::letter_files(&options.root),
    );
    let files = match files {
        Ok(files) => files,
        Err(problems) => {
            report.diagnostics.extend(problems);
            report.diagnostics.extend(theme.err().unwrap_or_default());
            report.diagnostics.sort();
            return report;
        }
    };
    report.letters = files.len();
    let results: Vec<Result<Loaded, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|(path, shown)| {
            let text = source::read_text(path, shown).map_err(|d| vec![d])?;
            let letter = Letter::parse(&text, shown, &config)?;
            Ok(Loaded {
                letter: Arc::new(letter),
                text,
            })
        })
        .collect();
    let mut loaded = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(l) => loaded.push(l),
            Err(problems) => report.diagnostics.extend(problems),
        }
    }
    let letters: Vec<&Letter> = loaded.iter().map(|l| &*l.letter).collect();
    report.diagnostics.extend(load::check_across_refs(&letters));
    report.diagnostics.extend(
        loaded
            .par_iter()
            .flat_map_iter(|l| letter_findings(&l.letter, &l.text))
            .collect::<Vec<_>>(),
    );

    // The site as the build would make it, from the letters that parsed.
    let mode = if options.drafts {
        Mode::PublishWithDrafts
    } else {
        Mode::Publish
    };
    let archive = archive::arrange(
        loaded.iter().map(|l| l.letter.clone()).collect(),
        &config,
        mode,
    );
    let pages = render::plan(&archive, &config);
    let mut outputs: BTreeSet<String> = pages.iter().map(|p| p.path.clone()).collect();
    outputs.insert(crate::manifest::MANIFEST_FILE.to_owned());
    let theme = match theme {
        Ok(theme) => theme,
        Err(problems) => {
            report.diagnostics.extend(problems);
            report.diagnostics.sort();
            return report;
        }
    };
    report
        .diagnostics
        .extend(crate::asset_collisions(&theme, &pages, &config));
    outputs.extend(theme.assets.keys().cloned());

    let unpublished: HashMap<String, &'static str> = loaded
        .iter()
        .filter_map(|l| {
            let why = if l.letter.disclosure == Disclosure::Withheld {
                "a 不予公开 letter, which is never published"
            } else if l.letter.draft && mode == Mode::Publish {
                "a draft, which is not published until `draft: true` is removed"
            } else {
                return None;
            };
            Some((format!("{}index.html", l.letter.url_path()), why))
        })
        .collect();
    let sources: HashMap<PathBuf, String> = loaded
        .iter()
        .map(|l| (normalise(&l.letter.source), l.letter.url_path()))
        .collect();
    let site = Site {
        config: &config,
        outputs: &outputs,
        unpublished: &unpublished,
        sources: &sources,
    };
    let mut anchored: Vec<AnchorLink> = Vec::new();
    for l in &loaded {
        let (found, fragments) = site.links_of(&l.letter, &l.text);
        report.diagnostics.extend(found);
        anchored.extend(fragments);
    }

    // Every page rendered in memory: template errors, and the anchors links point at.
    let wanted: BTreeSet<&str> = anchored.iter().map(|a| a.file.as_str()).collect();
    let rendered: Vec<(Result<Vec<String>, Diagnostic>, &str)> = pages
        .par_iter()
        .map(|page| {
            let result = render::render(page, &archive, &config, &theme)
                .map(|html| {
                    if wanted.contains(page.path.as_str()) {
                        check::anchors(&String::from_utf8_lossy(&html))
                    } else {
                        Vec::new()
                    }
                })
                .map_err(|e| theme.error(&e));
            (result, page.path.as_str())
        })
        .collect();
    report.pages = pages.len();
    let mut anchors: HashMap<&str, Vec<String>> = HashMap::new();
    let mut template_errors: Vec<Diagnostic> = Vec::new();
    for (result, path) in rendered {
        match result {
            Ok(ids) => {
                anchors.insert(path, ids);
            }
            Err(d) if !template_errors.contains(&d) => template_errors.push(d),
            Err(_) => {}
        }
    }
    report.diagnostics.extend(template_errors);
    for link in anchored {
        let found = anchors
            .get(link.file.as_str())
            .is_some_and(|ids| ids.contains(&link.fragment));
        // A page that failed to render has its own error already.
        if !found && anchors.contains_key(link.file.as_str()) {
            report.diagnostics.push(link.diagnostic);
        }
    }
    report.diagnostics.sort();
    report.diagnostics.dedup();
    report
}

/// `a/./b/../c.md` → `a/c.md`, so paths written in links compare equal to letter sources.
fn normalise(path: &Path) -> PathBuf {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other.as_os_str()),
        }
    }
    parts.iter().collect()
}

/// The publication checks of one letter, at file positions. Only what would be published is
/// checked: nothing of a 不予公开 letter, only the summary of a 摘要公开 one.
fn letter_findings(letter: &Letter, text: &str) -> Vec<Diagnostic> {
    let Ok(split) = frontmatter::split(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let at_body = |f: Finding| body_diagnostic(letter, split.body, split.body_line, f);
    let own: Vec<String> = letter.contacts.iter().map(|c| c.phone.clone()).collect();
    match letter.disclosure {
        Disclosure::Withheld => return out,
        Disclosure::Full => {
            out.extend(
                check::private_numbers(split.body, &own)
                    .into_iter()
                    .map(at_body),
            );
            out.extend(
                check::unrendered_emphasis(split.body)
                    .into_iter()
                    .map(at_body),
            );
            out.extend(
                check::mixed_punctuation(split.body)
                    .into_iter()
                    .map(at_body),
            );
        }
        Disclosure::SummaryOnly => {
            let summary = letter.summary.as_deref().unwrap_or_default();
            let in_summary = |f: Finding| field_diagnostic(letter, &split, "summary", summary, f);
            out.extend(
                check::private_numbers(summary, &own)
                    .into_iter()
                    .map(in_summary),
            );
            out.extend(
                check::mixed_punctuation_in_plain_text(summary)
                    .into_iter()
                    .map(in_summary),
            );
        }
    }
    for (key, value) in [
        ("title", Some(letter.title.as_str())),
        ("proposal_title", letter.proposal_title.as_deref()),
        ("summary", letter.summary.as_deref()),
    ] {
        if let Some(value) = value {
            out.extend(
                check::literal_asterisks_in_plain_text(value)
                    .into_iter()
                    .map(|f| field_diagnostic(letter, &split, key, value, f)),
            );
        }
    }
    out
}

fn to_diagnostic(path: &Path, line: usize, column: usize, f: Finding) -> Diagnostic {
    let d = Diagnostic::new(path, line, column, f.message)
        .with_hint(f.hint)
        .with_rule(f.rule);
    match f.severity {
        Severity::Warning => d.warning(),
        Severity::Error => d,
    }
}

/// A finding at an offset of the body, placed at its line and column in the file.
fn body_diagnostic(letter: &Letter, body: &str, body_line: usize, f: Finding) -> Diagnostic {
    let (line, column) = line_col(body, f.offset);
    to_diagnostic(&letter.source, body_line + line - 1, column, f)
}

/// A finding in a front matter value: placed where the value's text is written, or at its key.
fn field_diagnostic(
    letter: &Letter,
    split: &frontmatter::Split<'_>,
    key: &str,
    value: &str,
    f: Finding,
) -> Diagnostic {
    let key_line = frontmatter::key_line(split.yaml, split.yaml_line, key).unwrap_or(1);
    // The matched text (a number, `**`) as written in the YAML, searched from the key's line on.
    let needle: String = value[f.offset..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(8)
        .collect();
    let from = split
        .yaml
        .split_inclusive('\n')
        .take(key_line.saturating_sub(split.yaml_line))
        .map(str::len)
        .sum::<usize>();
    let (line, column) = match split.yaml[from..]
        .find(&needle)
        .filter(|_| !needle.is_empty())
    {
        Some(at) => {
            let (l, c) = line_col(&split.yaml[from..], at);
            (key_line + l - 1, c)
        }
        None => (key_line, 0),
    };
    to_diagnostic(&letter.source, line, column, f)
}

/// What the links of every letter are checked against.
struct Site<'a> {
    config: &'a SiteConfig,
    /// Every file the build would write.
    outputs: &'a BTreeSet<String>,
    /// Pages of letters the build would not publish, and why.
    unpublished: &'a HashMap<String, &'static str>,
    /// Letter source file → its page's path, for links written to a `.md` file.
    sources: &'a HashMap<PathBuf, String>,
}

/// A link with a `#fragment` to a page that exists: the fragment is looked for once pages render.
struct AnchorLink {
    file: String,
    fragment: String,
    diagnostic: Diagnostic,
}

impl Site<'_> {
    fn links_of(&self, letter: &Letter, text: &str) -> (Vec<Diagnostic>, Vec<AnchorLink>) {
        let mut found = Vec::new();
        let mut anchored = Vec::new();
        if letter.disclosure != Disclosure::Full {
            return (found, anchored);
        }
        let Ok(split) = frontmatter::split(text) else {
            return (found, anchored);
        };
        let page_dir = letter.url_path();
        for link in check::links(split.body) {
            let Target::Internal { path, fragment } =
                check::resolve_link(&link.dest, &page_dir, &self.config.base_url)
            else {
                continue;
            };
            let at = |message: String, hint: String| {
                body_diagnostic(
                    letter,
                    split.body,
                    split.body_line,
                    Finding {
                        offset: link.offset,
                        severity: Severity::Error,
                        rule: check::RULE_LINK,
                        message,
                        hint,
                    },
                )
            };
            let what = if link.image { "image" } else { "link" };
            let candidates = check::candidate_files(&path);
            match candidates.iter().find(|c| self.outputs.contains(*c)) {
                Some(file) => {
                    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                        anchored.push(AnchorLink {
                            file: file.clone(),
                            diagnostic: at(
                                format!(
                                    "the {what} `{}` leads to a page without the anchor `#{fragment}`",
                                    link.dest
                                ),
                                "check the part after `#`: it must be the `id` of an element of that page".into(),
                            ),
                            fragment,
                        });
                    }
                }
                None => {
                    let hidden = candidates.iter().find_map(|c| self.unpublished.get(c));
                    let message = match hidden {
                        Some(why) => format!(
                            "the {what} `{}` leads to {why}: on the published site it leads nowhere",
                            link.dest
                        ),
                        None => format!(
                            "the {what} `{}` leads nowhere: the build makes no page `/{path}`",
                            link.dest
                        ),
                    };
                    found.push(at(message, self.link_hint(letter, &page_dir, &link.dest)));
                }
            }
        }
        (found, anchored)
    }

    fn link_hint(&self, letter: &Letter, page_dir: &str, dest: &str) -> String {
        let up = "../".repeat(page_dir.matches('/').count());
        // A link to a letter's Markdown file: name its page instead.
        let file = dest.split(['#', '?']).next().unwrap_or(dest);
        if file.ends_with(".md") {
            let from = letter.source.parent().unwrap_or(Path::new(""));
            if let Some(url) = self.sources.get(&normalise(&from.join(file))) {
                return format!("link to the letter's page, not to its file: `{up}{url}`");
            }
        }
        format!(
            "check the address; links between letters are relative to this page (`/{page_dir}`), e.g. `{up}2023/ti-494/` for the letter at `/2023/ti-494/`"
        )
    }
}
