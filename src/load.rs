//! Loading every letter under `content/`: read, parse and check in parallel, then the checks that
//! span letters (unique 文号, unique URLs). Every problem is collected; the caller reports them once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;
use crate::letter::Letter;
use crate::source;

pub const CONTENT_DIR: &str = "content";

/// The letter files under `root/content`, sorted, as (full path, path shown in messages).
/// Files and folders whose names start with `_` or `.` are not letters (drafts folders, editor files).
pub fn letter_files(root: &Path) -> Result<Vec<(PathBuf, PathBuf)>, Vec<Diagnostic>> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(vec![Diagnostic::file(CONTENT_DIR, "there is no `content/` folder")
            .with_hint("put the letters, one Markdown file each, in a folder named `content` next to site.yaml")]);
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let walker = WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(['_', '.']))
        });
    for entry in walker {
        match entry {
            Ok(e)
                if e.file_type().is_file()
                    && e.path()
                        .extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("md")) =>
            {
                let shown = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(e.path())
                    .to_path_buf();
                files.push((e.path().to_path_buf(), shown));
            }
            Ok(_) => {}
            Err(err) => {
                let shown = err.path().map_or_else(
                    || PathBuf::from(CONTENT_DIR),
                    |p| p.strip_prefix(root).unwrap_or(p).to_path_buf(),
                );
                problems.push(Diagnostic::file(
                    shown,
                    format!("cannot read this folder entry: {err}"),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

/// Reads and checks every letter of the site, in parallel; letters come back sorted by file path.
pub fn load_letters(root: &Path, config: &SiteConfig) -> Result<Vec<Letter>, Vec<Diagnostic>> {
    let files = letter_files(root)?;
    let results: Vec<Result<Letter, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|(path, shown)| {
            let text = source::read_text(path, shown).map_err(|d| vec![d])?;
            Letter::parse(&text, shown, config)
        })
        .collect();
    let mut letters = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(letter) => letters.push(letter),
            Err(mut ds) => problems.append(&mut ds),
        }
    }
    problems.extend(check_across(&letters));
    if problems.is_empty() {
        Ok(letters)
    } else {
        problems.sort();
        Err(problems)
    }
}

/// Problems between letters: a 文号 used twice, or two letters on one URL.
pub fn check_across(letters: &[Letter]) -> Vec<Diagnostic> {
    check_across_refs(&letters.iter().collect::<Vec<_>>())
}

pub fn check_across_refs(letters: &[&Letter]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut by_doc: BTreeMap<String, Vec<&Letter>> = BTreeMap::new();
    let mut by_url: BTreeMap<String, Vec<&Letter>> = BTreeMap::new();
    for &letter in letters {
        if let Some(doc) = &letter.doc_number {
            by_doc
                .entry(normalise_doc_number(doc))
                .or_default()
                .push(letter);
        }
        by_url.entry(letter.url_path()).or_default().push(letter);
    }
    for same in by_doc.values().filter(|v| v.len() > 1) {
        for (i, letter) in same.iter().enumerate() {
            let others = names(
                same.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, l)| *l),
            );
            problems.push(
                Diagnostic::new(
                    &letter.source,
                    letter.doc_number_line,
                    0,
                    format!(
                        "文号 `{}` is also used by {others}",
                        letter.doc_number.as_deref().unwrap_or_default()
                    ),
                )
                .with_hint(
                    "each letter has its own 文号: correct the number in one of the letters",
                ),
            );
        }
    }
    for (url, same) in by_url.iter().filter(|(_, v)| v.len() > 1) {
        for (i, letter) in same.iter().enumerate() {
            let others = names(
                same.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, l)| *l),
            );
            problems.push(
                Diagnostic::new(
                    &letter.source,
                    letter.slug_line,
                    0,
                    format!("the page /{url} would also be written by {others}"),
                )
                .with_hint(
                    "give one of the letters another file name, or set `slug:` in its front matter",
                ),
            );
        }
    }
    problems
}

fn names<'a>(letters: impl Iterator<Item = &'a Letter>) -> String {
    letters
        .map(|l| crate::diagnostic::display_path(&l.source))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `温科提复〔2023〕98号`, `温科提复[2023]98号` and `温科提复【2023】98号` are one number typed three ways.
pub fn normalise_doc_number(doc: &str) -> String {
    doc.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '〔' | '[' | '【' | '［' | '(' | '（' => '〔',
            '〕' | ']' | '】' | '］' | ')' | '）' => '〕',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_numbers_with_other_brackets_are_the_same_number() {
        assert_eq!(
            normalise_doc_number("温科提复[2023]98号"),
            normalise_doc_number("温科提复〔2023〕98号")
        );
        assert_ne!(
            normalise_doc_number("温科提复〔2023〕98号"),
            normalise_doc_number("温科提复〔2023〕99号")
        );
    }
}
