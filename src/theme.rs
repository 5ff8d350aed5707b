//! Themes: the default theme is compiled into the binary, so a site needs only `site.yaml` and
//! `content/`. A site's `themes/<name>/templates/x.html` replaces the default `x.html` and may
//! `{% extends "default/x.html" %}` to replace a single block; its `static/` files replace the
//! default's file by file.
//!
//! Style sheets and scripts are also published under a name carrying a hash of their content
//! (`style.3f2a1c9e0b.css`), which templates get from the `asset` function:
//! `{{ root }}{{ asset(path="style.css") }}`. A changed file gets a new name, so browsers and portal
//! caches may keep these files forever. The plain name is published too, for links written before
//! (a site's own template) and from outside.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, display_path};
use crate::source;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Names under which the built-in templates stay reachable when a site overrides them.
pub const DEFAULT_PREFIX: &str = "default/";

/// Extensions of the static files also published under a fingerprinted name.
const FINGERPRINTED: [&str; 2] = ["css", "js"];

/// Hex digits of the content hash in a fingerprinted name.
const FINGERPRINT_LEN: usize = 10;

/// A loaded theme: templates ready to render, and the static files to publish beside the pages.
pub struct Theme {
    pub tera: tera::Tera,
    /// Output path (relative, `/`-separated) → file content; fingerprinted copies included.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// Static file → the name pages link to: `style.css` → `style.3f2a1c9e0b.css` (the same name for
    /// files that are not fingerprinted).
    pub asset_names: Arc<BTreeMap<String, String>>,
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
            assets.insert(rel.to_owned(), shipped(rel, f.contents()));
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
                    Ok(bytes) if name == "default" => {
                        assets.insert(rel.clone(), shipped(&rel, &bytes));
                    }
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
    let asset_names = Arc::new(fingerprint_all(&mut assets));
    let mut tera = tera::Tera::new();
    tera.set_fallback_prefixes([DEFAULT_PREFIX])
        .map_err(|e| vec![template_error(&e, &origins)])?;
    // `{{ "示公网安备33990202000123号" | digits }}` → `33990202000123`: a record number for a link.
    tera.register_filter(
        "digits",
        |val: &str, _: tera::Kwargs, _: &tera::State| -> String {
            val.chars().filter(char::is_ascii_digit).collect()
        },
    );
    let names = Arc::clone(&asset_names);
    tera.register_function(
        "asset",
        move |kwargs: tera::Kwargs, _: &tera::State| -> tera::TeraResult<String> {
            let path: &str = kwargs.must_get("path")?;
            names.get(path).cloned().ok_or_else(|| {
                tera::Error::message(format!(
                    "`asset(path=\"{path}\")`: the theme has no static file `{path}`"
                ))
            })
        },
    );
    tera.autoescape_on([".html", ".xml"]);
    tera.add_raw_templates(templates)
        .map_err(|e| vec![template_error(&e, &origins)])?;
    Ok(Theme {
        tera,
        assets,
        asset_names,
        origins,
        digest,
    })
}

/// A static file of the default theme (built in, or a site's `themes/default/`) as it is published:
/// scripts minified, as rustdoc ships its own with the same crate (`search.js` is fetched by every
/// search: 16.6 KB, not 24.6). The browser and node tests run the minified copy. Another theme's
/// files are published as written: the minifier is trusted with the scripts it is tested on.
fn shipped(rel: &str, bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(script) if rel.ends_with(".js") => minifier::js::minify(script).to_string().into_bytes(),
        _ => bytes.to_vec(),
    }
}

/// Adds a fingerprinted copy of each style sheet and script to `assets`, and returns every static
/// file's published name.
fn fingerprint_all(assets: &mut BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    let names: BTreeMap<String, String> = assets
        .iter()
        .map(|(path, bytes)| (path.clone(), fingerprinted_name(path, bytes)))
        .collect();
    for (path, name) in &names {
        if path != name {
            let bytes = assets[path].clone();
            assets.insert(name.clone(), bytes);
        }
    }
    names
}

/// `css/style.css` → `css/style.3f2a1c9e0b.css` for the kinds in [`FINGERPRINTED`]; other names as they are.
pub fn fingerprinted_name(path: &str, bytes: &[u8]) -> String {
    let (dir, file) = path.rsplit_once('/').map_or(("", path), |(d, f)| (d, f));
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return path.to_owned();
    };
    if stem.is_empty() || !FINGERPRINTED.contains(&ext) {
        return path.to_owned();
    }
    let digest = Sha256::digest(bytes);
    let hash: String = digest
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(FINGERPRINT_LEN)
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0'))
        .collect();
    let sep = if dir.is_empty() { "" } else { "/" };
    format!("{dir}{sep}{stem}.{hash}.{ext}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_sheets_and_scripts_get_a_content_hash_in_their_name() {
        let name = fingerprinted_name("style.css", b"body{}");
        assert!(name.starts_with("style.") && name.ends_with(".css"));
        assert_eq!(name.len(), "style..css".len() + FINGERPRINT_LEN);
        assert_eq!(
            name,
            fingerprinted_name("style.css", b"body{}"),
            "deterministic"
        );
        assert_ne!(name, fingerprinted_name("style.css", b"body{ }"));
        assert!(fingerprinted_name("js/site.js", b"x").starts_with("js/site."));
        assert_eq!(fingerprinted_name("robots.txt", b"x"), "robots.txt");
        assert_eq!(fingerprinted_name(".css", b"x"), ".css");
    }

    #[test]
    fn templates_link_assets_by_their_published_name() {
        let theme = load(Path::new("/nonexistent"), "default").unwrap();
        let css = &theme.asset_names["style.css"];
        assert_ne!(css, "style.css");
        assert!(theme.assets.contains_key(css) && theme.assets.contains_key("style.css"));
        let mut tera = theme.tera;
        tera.add_raw_template("t.html", "{{ asset(path=\"style.css\") }}")
            .unwrap();
        let out = tera.render("t.html", &tera::Context::new()).unwrap();
        assert_eq!(&out, css);
        tera.add_raw_template("d.html", "{{ \"示公网安备33990202000123号\" | digits }}")
            .unwrap();
        let out = tera.render("d.html", &tera::Context::new()).unwrap();
        assert_eq!(out, "33990202000123");
        tera.add_raw_template("bad.html", "{{ asset(path=\"nope.css\") }}")
            .unwrap();
        let err = tera.render("bad.html", &tera::Context::new()).unwrap_err();
        assert!(format!("{err:?}").contains("nope.css"), "{err:?}");
    }
}
