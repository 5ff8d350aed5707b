//! How `dafu check` reports its findings: plain text for people, and three formats for CI. Each is a
//! pure function of the findings; docs/check.md describes them and the JSON schema.
//!
//! - `plain`: `path:line:col: severity: message` and an indented `help:` line, as `dafu build` prints;
//! - `json`: one object, schema `dafu-check/1` (stable: keys are only ever added);
//! - `github`: GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`),
//!   which show as annotations on the lines of a pull request;
//! - `gitlab`: a GitLab Code Quality report (a JSON array), shown on merge requests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity, display_path};

/// The schema name written in JSON reports; bumped only if a key changes meaning or goes away.
pub const JSON_SCHEMA: &str = "dafu-check/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Plain,
    Json,
    Github,
    Gitlab,
}

/// Counts for the report's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// Letter files read.
    pub letters: usize,
    /// Pages rendered in memory.
    pub pages: usize,
}

/// Paths relative to the site root become paths relative to where dafu runs (`--root site` gives
/// `site/content/…`), which is what editors, terminals and CI annotations resolve. Paths that name
/// no file of the site (the built-in theme) are left alone.
pub fn relative_to(root: &Path, diagnostics: &mut [Diagnostic]) {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        return;
    }
    for d in diagnostics {
        if !d.path.to_string_lossy().starts_with('(') && d.path.is_relative() {
            d.path = normalise(&root.join(&d.path));
        }
    }
}

fn normalise(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The whole report in `format`.
pub fn render(format: Format, diagnostics: &[Diagnostic], summary: &Summary) -> String {
    match format {
        Format::Plain => plain(diagnostics),
        Format::Json => json(diagnostics, summary),
        Format::Github => github(diagnostics),
        Format::Gitlab => gitlab(diagnostics),
    }
}

fn plain(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    tool: JsonTool,
    summary: &'a Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: String,
    line: usize,
    column: usize,
    severity: &'static str,
    rule: Option<&'static str>,
    message: &'a str,
    hint: Option<&'a str>,
}

fn json(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    let report = JsonReport {
        schema: JSON_SCHEMA,
        tool: JsonTool {
            name: "dafu",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                path: display_path(&d.path),
                line: d.line,
                column: d.column,
                severity: d.severity.as_str(),
                rule: d.rule,
                message: &d.message,
                hint: d.hint.as_deref(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// The rule's name as shown in CI: `dafu/private-phone`, or `dafu/content` for the build's own checks.
fn check_name(d: &Diagnostic) -> String {
    format!("dafu/{}", d.rule.unwrap_or("content"))
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = vec![format!("file={}", escape_property(&display_path(&d.path)))];
        if d.line > 0 {
            properties.push(format!("line={}", d.line));
            if d.column > 0 {
                properties.push(format!("col={}", d.column));
            }
        }
        properties.push(format!("title={}", escape_property(&check_name(d))));
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhelp: ");
            message.push_str(hint);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}

#[derive(Serialize)]
struct CodeQuality {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// GitLab's severities: private data `critical`, other errors `major`, warnings `minor`.
fn gitlab_severity(d: &Diagnostic) -> &'static str {
    match (d.severity, d.rule) {
        (Severity::Warning, _) => "minor",
        (Severity::Error, Some(crate::check::RULE_PHONE) | Some(crate::check::RULE_ID_NUMBER)) => {
            "critical"
        }
        (Severity::Error, _) => "major",
    }
}

fn gitlab(diagnostics: &[Diagnostic]) -> String {
    // The fingerprint leaves out the line, so a finding keeps its identity when lines are added above
    // it; identical findings in one file are told apart by their order.
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let issues: Vec<CodeQuality> = diagnostics
        .iter()
        .map(|d| {
            let path = display_path(&d.path);
            let name = check_name(d);
            let key = (name.clone(), path.clone(), d.message.clone());
            let occurrence = seen.entry(key).or_insert(0);
            *occurrence += 1;
            let fingerprint = crate::manifest::sha256_hex(
                format!("{name}\0{path}\0{}\0{occurrence}", d.message).as_bytes(),
            );
            let description = match &d.hint {
                Some(hint) => format!("{} (help: {hint})", d.message),
                None => d.message.clone(),
            };
            CodeQuality {
                kind: "issue",
                description,
                check_name: name,
                fingerprint,
                severity: gitlab_severity(d),
                location: Location {
                    path,
                    lines: Lines {
                        begin: d.line.max(1),
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Diagnostic> {
        vec![
            Diagnostic::new(
                "content/2023/a.md",
                12,
                5,
                "a phone number (138****5678), 100% private",
            )
            .with_hint("remove it\nor mask it")
            .with_rule("private-phone"),
            Diagnostic::new("content/2023/a,b:c.md", 3, 0, "half-width `,`")
                .warning()
                .with_rule("mixed-punctuation"),
            Diagnostic::file("site.yaml", "no `site.yaml`"),
        ]
    }

    #[test]
    fn plain_matches_the_build_s_style() {
        let text = render(Format::Plain, &sample(), &Summary::default());
        assert!(text.starts_with(
            "content/2023/a.md:12:5: error: a phone number (138****5678), 100% private\n  help: remove it\nor mask it\n"
        ));
        assert!(text.contains("content/2023/a,b:c.md:3: warning: half-width `,`\n"));
        assert!(text.ends_with("site.yaml: error: no `site.yaml`\n"));
    }

    #[test]
    fn github_commands_escape_data_and_properties() {
        let text = render(Format::Github, &sample(), &Summary::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=content/2023/a.md,line=12,col=5,title=dafu/private-phone::a phone number (138****5678), 100%25 private%0Ahelp: remove it%0Aor mask it"
        );
        assert_eq!(
            lines[1],
            "::warning file=content/2023/a%2Cb%3Ac.md,line=3,title=dafu/mixed-punctuation::half-width `,`"
        );
        assert_eq!(
            lines[2],
            "::error file=site.yaml,title=dafu/content::no `site.yaml`"
        );
    }

    #[test]
    fn json_has_the_documented_keys_in_order() {
        let summary = Summary {
            errors: 2,
            warnings: 1,
            letters: 5,
            pages: 9,
        };
        let text = render(Format::Json, &sample()[..1], &summary);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema"], "dafu-check/1");
        assert_eq!(value["summary"]["errors"], 2);
        let d = &value["diagnostics"][0];
        assert_eq!(d["path"], "content/2023/a.md");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(12), Some(5))
        );
        assert_eq!(d["severity"], "error");
        assert_eq!(d["rule"], "private-phone");
        // Keys come in the documented order (serde_json's Value would sort them: read the text).
        let at: Vec<usize> = [
            "path", "line", "column", "severity", "rule", "message", "hint",
        ]
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn gitlab_report_has_stable_unique_fingerprints() {
        let mut twice = sample();
        twice.push(twice[0].clone());
        let text = render(Format::Gitlab, &twice, &Summary::default());
        let issues: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(issues.len(), 4);
        assert_eq!(issues[0]["check_name"], "dafu/private-phone");
        assert_eq!(issues[0]["severity"], "critical");
        assert_eq!(issues[1]["severity"], "minor");
        assert_eq!(issues[2]["severity"], "major");
        assert_eq!(issues[2]["location"]["lines"]["begin"], 1);
        assert_eq!(issues[0]["location"]["path"], "content/2023/a.md");
        let fingerprints: std::collections::BTreeSet<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        assert_eq!(fingerprints.len(), 4, "fingerprints must be unique");
        // The same finding on another line keeps its fingerprint.
        let mut moved = sample();
        moved[0].line = 40;
        let again: Vec<serde_json::Value> =
            serde_json::from_str(&render(Format::Gitlab, &moved, &Summary::default())).unwrap();
        assert_eq!(again[0]["fingerprint"], issues[0]["fingerprint"]);
    }

    #[test]
    fn paths_are_shown_from_where_dafu_runs() {
        let mut ds = sample();
        ds.push(Diagnostic::file(
            "(built-in theme) templates/base.html",
            "x",
        ));
        relative_to(Path::new("./site"), &mut ds);
        assert_eq!(display_path(&ds[0].path), "site/content/2023/a.md");
        assert_eq!(
            display_path(&ds[3].path),
            "(built-in theme) templates/base.html"
        );
    }
}
