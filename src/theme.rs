//! Themes: the default theme is compiled into the binary, so a site needs only `site.yaml` and
//! `content/`. A site's `themes/<name>/templates/x.html` replaces the default `x.html` and may
//! `{% extends "default/x.html" %}` to replace a single block; its `static/` files replace the
//! default's file by file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, display_path};
use crate::source;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Names under which the built-in templates stay reachable when a site overrides them.
pub const DEFAULT_PREFIX: &str = "default/";

/// A loaded theme: templates ready to render, and the static files to publish beside the pages.
pub struct Theme {
    pub tera: tera::Tera,
    /// Output path (relative, `/`-separated) → file content.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// Template name → the site file it came from, so errors name the file the editor can open.
    origins: BTreeMap<String, PathBuf>,
    /// A hash of every template and asset: when it changes, every page may change.
    pub digest: u64,
}

impl Theme {
    /// A Tera error as a diagnostic naming the template file, line and column.
    pub fn error(&self, err: &tera::Error) -> Diagnostic {
        template_error(err, &self.origins)
    }
}

/// Loads the default theme, then the site's `themes/<name>/` over it.
pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
    let mut templates: Vec<(String, String)> = Vec::new();
    let mut assets = BTreeMap::new();
    for f in embedded_files(&DEFAULT_THEME) {
        let path = display_path(f.path());
        if let Some(rel) = path.strip_prefix("templates/") {
            let text = f.contents_utf8().unwrap_or_default();
            templates.push((format!("{DEFAULT_PREFIX}{rel}"), text.to_owned()));
        } else if let Some(rel) = path.strip_prefix("static/") {
            assets.insert(rel.to_owned(), f.contents().to_vec());
        }
    }
    let mut origins: BTreeMap<String, PathBuf> = BTreeMap::new();
    let site_theme = Path::new("themes").join(name);
    let theme_dir = root.join(&site_theme);
    if name != "default" && !theme_dir.is_dir() {
        return Err(vec![
            Diagnostic::file(
                "site.yaml",
                format!("the theme `{name}` has no folder `themes/{name}/`"),
            )
            .with_hint("create the folder, or set `theme: default` in site.yaml"),
        ]);
    }
    let mut problems = Vec::new();
    for (sub, is_template) in [("templates", true), ("static", false)] {
        let dir = theme_dir.join(sub);
        for entry in WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = display_path(entry.path().strip_prefix(&dir).unwrap_or(entry.path()));
            let shown = site_theme.join(sub).join(&rel);
            if is_template {
                match source::read_text(entry.path(), &shown) {
                    Ok(text) => {
                        origins.insert(rel.clone(), shown);
                        templates.push((rel, text));
                    }
                    Err(d) => problems.push(d),
                }
            } else {
                match std::fs::read(entry.path()) {
                    Ok(bytes) => {
                        assets.insert(rel, bytes);
                    }
                    Err(e) => problems.push(Diagnostic::file(
                        shown,
                        format!("cannot read the file: {e}"),
                    )),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for (name, text) in &templates {
        hasher.update(name.as_bytes());
        hasher.update(&[0]);
        hasher.update(text.as_bytes());
        hasher.update(&[0]);
    }
    for (name, bytes) in &assets {
        hasher.update(name.as_bytes());
        hasher.update(&[0]);
        hasher.update(bytes);
    }
    let digest = hasher.digest();
    let mut tera = tera::Tera::new();
    tera.set_fallback_prefixes([DEFAULT_PREFIX])
        .map_err(|e| vec![template_error(&e, &origins)])?;
    tera.autoescape_on([".html", ".xml"]);
    tera.add_raw_templates(templates)
        .map_err(|e| vec![template_error(&e, &origins)])?;
    Ok(Theme {
        tera,
        assets,
        origins,
        digest,
    })
}

fn embedded_files(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut files: Vec<_> = dir.files().collect();
    for sub in dir.dirs() {
        files.extend(embedded_files(sub));
    }
    files
}

fn template_error(err: &tera::Error, origins: &BTreeMap<String, PathBuf>) -> Diagnostic {
    let report = err.to_string();
    let (name, line, column, message) = match err.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let span = r.span();
            (
                r.filename().to_owned(),
                span.start_line,
                span.start_col + 1,
                r.message().to_owned(),
            )
        }
        // Some errors (unknown filters, for one) carry the report only in their text.
        _ => locate_in_report(&report),
    };
    let path = origins.get(&name).cloned().unwrap_or_else(|| {
        if let Some(builtin) = name.strip_prefix(DEFAULT_PREFIX) {
            PathBuf::from(format!("(built-in theme) templates/{builtin}"))
        } else {
            PathBuf::from(if name.is_empty() { "templates" } else { &name })
        }
    });
    let d = Diagnostic::new(&path, line, column, format!("template error: {message}"));
    if name.is_empty() {
        d.with_hint("check the theme's templates")
    } else {
        let shown = report.replace(
            &format!("--> {name}:"),
            &format!("--> {}:", display_path(&path)),
        );
        d.with_hint(format!("fix the template here:\n{shown}"))
    }
}

/// Reads `error: message` and ` --> name:line:col` out of a Tera report.
fn locate_in_report(report: &str) -> (String, usize, usize, String) {
    let message = report
        .lines()
        .next()
        .unwrap_or(report)
        .trim_start_matches("error: ")
        .to_owned();
    let locus = report
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "));
    let parsed = locus.and_then(|l| {
        let mut parts = l.rsplitn(3, ':');
        let column = parts.next()?.trim().parse().ok()?;
        let line = parts.next()?.trim().parse().ok()?;
        Some((parts.next()?.to_owned(), line, column))
    });
    match parsed {
        Some((name, line, column)) => (name, line, column, message),
        None => (String::new(), 0, 0, report.to_owned()),
    }
}
