//! Problems found in a site's files, reported to an editor as `path:line:col: severity: message` plus
//! a hint. `dafu build` reports only errors; `dafu check` adds warnings and names the rule behind each
//! finding, for machine-readable reports (see `report`).

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem an editor can act on: where it is, what is wrong and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, relative to the site root where possible, so messages stay short.
    pub path: PathBuf,
    /// 1-based line in the file (not inside the YAML block); 0 when the whole file is meant.
    pub line: usize,
    /// 1-based column; 0 when only the line is known.
    pub column: usize,
    pub message: String,
    /// What to do, in a sentence.
    pub hint: Option<String>,
    /// Errors stop a build (and fail `dafu check`); warnings are for an editor's attention.
    pub severity: Severity,
    /// The check that found it, a stable kebab-case name (`private-phone`), for reports and
    /// suppression in CI; `None` for the build's own validation of letters, config and templates.
    pub rule: Option<&'static str>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`, as printed and as written in JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Diagnostic {
    pub fn new(
        path: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            column,
            message: message.into(),
            hint: None,
            severity: Severity::Error,
            rule: None,
        }
    }

    /// A problem with a whole file (no position inside it).
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic::new(path, 0, 0, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Marks the finding as a warning: reported, but it fails nothing unless warnings are denied.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Names the check that found it (`private-phone`, `broken-link` …).
    pub fn with_rule(mut self, rule: &'static str) -> Self {
        self.rule = Some(rule);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Where the problem is, as editors and terminals understand it (`path:line:col`).
    pub fn location(&self) -> String {
        let path = display_path(&self.path);
        match (self.line, self.column) {
            (0, _) => path,
            (line, 0) => format!("{path}:{line}"),
            (line, column) => format!("{path}:{line}:{column}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.location(),
            self.severity,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// Paths are shown with `/` on every platform so messages (and tests) read the same everywhere.
pub fn display_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.components() {
        match c {
            std::path::Component::RootDir => out.push('/'),
            c => {
                if !out.is_empty() && !out.ends_with(['/', ':']) {
                    out.push('/');
                }
                out.push_str(&c.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// 1-based line and column of a byte offset in `text`, columns counted in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_and_hint() {
        let d = Diagnostic::new("content/a.md", 3, 7, "bad date").with_hint("write YYYY-MM-DD");
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: error: bad date\n  help: write YYYY-MM-DD"
        );
    }

    #[test]
    fn warnings_say_so() {
        let d = Diagnostic::new("content/a.md", 3, 7, "mixed punctuation").warning();
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: warning: mixed punctuation"
        );
        assert!(!d.is_error());
    }

    #[test]
    fn whole_file_problem_has_no_position() {
        assert_eq!(
            Diagnostic::file("a.md", "empty").to_string(),
            "a.md: error: empty"
        );
    }

    #[test]
    fn paths_are_shown_with_slashes_and_absolute_ones_keep_one_root() {
        assert_eq!(
            display_path(Path::new("content/2023/a.md")),
            "content/2023/a.md"
        );
        assert_eq!(display_path(Path::new("/srv/site/a.md")), "/srv/site/a.md");
        assert_eq!(display_path(Path::new("./a.md")), "./a.md");
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        assert_eq!(line_col("标题\n日期: x", 13), (2, 3));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
