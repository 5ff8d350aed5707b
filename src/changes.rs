//! `--changes FILE`: which output files a build added, changed and removed since the previous output,
//! so a deploy step uploads only those and deletes the stale ones. The format (docs/publishing.md):
//!
//! ```text
//! # dafu-changes 1 base=cache
//! A 2024/ti-0031/index.html
//! M index.html
//! D 2022/ti-0207/index.html
//! ```
//!
//! One file a line, sorted by path: `A` added, `M` changed, `D` removed, a space, the path relative to
//! the output folder with `/` separators. Lines starting with `#` are comments; the first says what
//! the list is relative to: `base=cache` (the output recorded in the build cache), `base=output` (the
//! output folder as it was before the build), or `base=none` (no previous output known: every file is
//! `A`, and a deploy step should replace the whole site, since what to delete is unknown).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// A file's content hash, to tell changed files from rewritten ones.
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// What the previous output was known from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Cache,
    Output,
    None,
}

impl Base {
    fn name(self) -> &'static str {
        match self {
            Base::Cache => "cache",
            Base::Output => "output",
            Base::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added,
    Modified,
    Removed,
}

impl Change {
    pub fn letter(self) -> char {
        match self {
            Change::Added => 'A',
            Change::Modified => 'M',
            Change::Removed => 'D',
        }
    }
}

/// The difference between two outputs, each as path → content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub base: Base,
    /// Sorted by path.
    pub files: Vec<(Change, String)>,
}

/// How many files of each kind changed, for the build's summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub added: usize,
    pub modified: usize,
    pub removed: usize,
}

impl Changes {
    pub fn between(base: Base, old: &BTreeMap<&str, u128>, new: &BTreeMap<&str, u128>) -> Changes {
        let mut files: Vec<(Change, String)> = Vec::new();
        for (&path, hash) in new {
            match old.get(path) {
                None => files.push((Change::Added, path.to_owned())),
                Some(h) if h != hash => files.push((Change::Modified, path.to_owned())),
                Some(_) => {}
            }
        }
        for &path in old.keys().filter(|p| !new.contains_key(*p)) {
            files.push((Change::Removed, path.to_owned()));
        }
        files.sort_by(|a, b| a.1.cmp(&b.1));
        Changes { base, files }
    }

    pub fn counts(&self) -> ChangeCounts {
        let mut counts = ChangeCounts::default();
        for (change, _) in &self.files {
            match change {
                Change::Added => counts.added += 1,
                Change::Modified => counts.modified += 1,
                Change::Removed => counts.removed += 1,
            }
        }
        counts
    }

    pub fn to_text(&self) -> String {
        let mut out = format!("# dafu-changes 1 base={}\n", self.base.name());
        for (change, path) in &self.files {
            let _ = writeln!(out, "{} {path}", change.letter());
        }
        out
    }

    /// Writes the list to `path`, whole or not at all.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_atomically(path, self.to_text().as_bytes())
    }
}

/// Every file under `dir` with its content hash (`/`-separated relative paths); empty if `dir` does
/// not exist.
pub fn hash_tree(dir: &Path) -> Result<BTreeMap<String, u128>, String> {
    let mut files = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let bytes = std::fs::read(entry.path())
            .map_err(|e| format!("cannot read `{}`: {e}", entry.path().display()))?;
        files.insert(crate::diagnostic::display_path(rel), content_hash(&bytes));
    }
    Ok(files)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = parent.join(format!(".{name}.dafu-{}", std::process::id()));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("cannot write `{}`: {e}", path.display())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_added_changed_and_removed_files_sorted_by_path() {
        let old = BTreeMap::from([
            ("a/index.html", 1),
            ("b/index.html", 2),
            ("c/index.html", 3),
        ]);
        let new = BTreeMap::from([
            ("a/index.html", 1),
            ("b/index.html", 20),
            ("ab/index.html", 4),
        ]);
        let changes = Changes::between(Base::Cache, &old, &new);
        assert_eq!(
            changes.to_text(),
            "# dafu-changes 1 base=cache\nA ab/index.html\nM b/index.html\nD c/index.html\n"
        );
        assert_eq!(
            changes.counts(),
            ChangeCounts {
                added: 1,
                modified: 1,
                removed: 1
            }
        );
    }
}
