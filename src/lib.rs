//! dafu (答复): a static site generator for the reply letters (答复函) a government bureau publishes
//! in answer to CPPCC proposals (提案) and people's congress suggestions (建议).
//!
//! The build is a chain of stages over values: site config → letters (front matter + Markdown) →
//! archive (what is published, grouped) → pages rendered through the theme → a staging folder that
//! replaces the output only when everything succeeded.

pub mod archive;
pub mod cache;
pub mod changes;
pub mod check;
pub mod config;
pub mod diagnostic;
pub mod frontmatter;
pub mod import;
pub mod letter;
pub mod load;
pub mod manifest;
pub mod markdown;
pub mod output;
pub mod render;
pub mod report;
pub mod search;
pub mod serve;
pub mod session;
pub mod site_check;
pub mod slug;
pub mod source;
pub mod stats;
pub mod theme;
pub mod typeset;
pub mod view;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::archive::Mode;
use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder, holding `site.yaml` and `content/`.
    pub root: PathBuf,
    /// The output folder; replaced as a whole when the build succeeds.
    pub out: PathBuf,
    /// Include drafts (marked as such), for an editor checking a letter before it goes out.
    pub drafts: bool,
}

/// How a build publishes, beyond what it builds: `dafu build --cache DIR --changes FILE`.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// Keep what the build made in DIR, so the next build re-renders only what changed (see `cache`).
    pub cache: Option<PathBuf>,
    /// Write the list of output files added, changed and removed to FILE (see `changes`).
    pub changes: Option<PathBuf>,
}

/// What a successful build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    pub letters: usize,
    pub withheld: usize,
    pub pages: usize,
    pub assets: usize,
    /// Pages rendered by this run (all of them without a cache).
    pub rendered: usize,
    /// Letter files parsed by this run (all of them without a cache).
    pub parsed: usize,
    /// Output files added, changed and removed, when `--changes` was asked for.
    pub changes: Option<changes::ChangeCounts>,
}

/// Why a build failed; in every case the output folder was left as it was.
#[derive(Debug)]
pub enum BuildError {
    /// Problems in the site's files (letters, config, templates), every one of them.
    Content(Vec<Diagnostic>),
    /// The output could not be written.
    Output(String),
}

/// Builds the site: reads and checks everything, renders every page into a staging folder, and puts
/// it in place of the output folder only if all of that succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    publish(options, &PublishOptions::default())
}

/// `build`, with a cache and a list of changes when asked for.
pub fn publish(
    options: &BuildOptions,
    publishing: &PublishOptions,
) -> Result<BuildReport, BuildError> {
    if let Some(dir) = &publishing.cache {
        return cache::build(options, dir, publishing.changes.as_deref());
    }
    let config = SiteConfig::from_root(&options.root).map_err(|d| BuildError::Content(vec![d]))?;
    let (theme, letters) = rayon::join(
        || theme::load(&options.root, &config.theme),
        || load::load_letters(&options.root, &config),
    );
    let (theme, letters) = match (theme, letters) {
        (Ok(theme), Ok(letters)) => (theme, letters),
        (theme, letters) => {
            let mut problems = theme.err().unwrap_or_default();
            problems.extend(letters.err().unwrap_or_default());
            return Err(BuildError::Content(problems));
        }
    };
    let parsed = letters.len();
    let mut archive = archive::arrange(
        letters.into_iter().map(std::sync::Arc::new).collect(),
        &config,
        mode(options),
    );
    let pages = render::plan(&archive, &config);
    let collisions = asset_collisions(&theme, &pages, &config);
    if !collisions.is_empty() {
        return Err(BuildError::Content(collisions));
    }

    let staging =
        output::Staging::create(&options.out, &options.root).map_err(BuildError::Output)?;
    let shared = render::Shared::new(&archive, &config, None);
    let results: Vec<Result<Written, Failure>> = pages
        .par_iter()
        .map(|page| {
            let html = render::render_shared(page, &archive, &config, &theme, &shared)
                .map_err(|e| Failure::Template(theme.error(&e)))?;
            staging
                .write(&page.path, &html)
                .map_err(|e| Failure::Write(format!("cannot write `{}`: {e}", page.path)))?;
            Ok(Written {
                path: page.path.clone(),
                hash: changes::content_hash(&html),
                sha256: matches!(page.kind, render::PageKind::Letter(_))
                    .then(|| manifest::sha256_hex(&html)),
            })
        })
        .collect();
    let mut written = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for result in results {
        match result {
            Ok(w) => written.push(w),
            Err(f) => failures.push(f),
        }
    }
    if let Some(problems) = first_failures(failures) {
        return Err(problems);
    }
    let sha256: BTreeMap<&str, &str> = written
        .iter()
        .filter_map(|w| Some((w.path.as_str(), w.sha256.as_deref()?)))
        .collect();
    let mut hashes: BTreeMap<String, u128> =
        written.iter().map(|w| (w.path.clone(), w.hash)).collect();
    let manifest_bytes = manifest::render(&archive, &config, &|path| {
        sha256.get(path).map(|s| (*s).to_owned())
    });
    // Every page is written: the letters' HTML is not read again, and the search index can use
    // its memory (a fifth of the build's peak for 10,000 letters). The pages' shared values hold
    // the letters too, and go first, or no letter could be changed here. (That memory is not
    // given back to the system first, with `malloc_trim`: the build's peak would stay that of the
    // pages, 281 MiB for 10,000 letters, against 326 MiB; but the build took 0.04 s longer, the
    // time of the trim and of the index then faulting in fresh pages.)
    drop(shared);
    for letter in archive.letters.iter_mut().chain(&mut archive.unlisted) {
        if let Some(letter) = std::sync::Arc::get_mut(letter) {
            letter.body_html = String::new();
        }
    }
    let search_files = search::build_index(&archive, &config);
    let extra: Vec<(&str, &[u8])> =
        std::iter::once((manifest::MANIFEST_FILE, manifest_bytes.as_slice()))
            .chain(search_files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
            .chain(theme.assets.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
            .collect();
    // Side by side, as the pages are: the index alone is over ten thousand files, in a few folders.
    staging
        .make_folders(extra.iter().map(|&(path, _)| path))
        .map_err(BuildError::Output)?;
    let extra_hashes = extra
        .par_iter()
        .map(|&(path, bytes)| {
            staging
                .write_in_made_folder(path, bytes)
                .map_err(|e| BuildError::Output(format!("cannot write `{path}`: {e}")))?;
            Ok((path.to_owned(), changes::content_hash(bytes)))
        })
        .collect::<Result<Vec<(String, u128)>, BuildError>>()?;
    hashes.extend(extra_hashes);
    let changes = match &publishing.changes {
        Some(_) => {
            let (base, old) = if options.out.is_dir() {
                let old = changes::hash_tree(&options.out).map_err(BuildError::Output)?;
                (changes::Base::Output, old)
            } else {
                (changes::Base::None, BTreeMap::new())
            };
            let old = old.iter().map(|(p, h)| (p.as_str(), *h)).collect();
            let new = hashes.iter().map(|(p, h)| (p.as_str(), *h)).collect();
            Some(changes::Changes::between(base, &old, &new))
        }
        None => None,
    };
    staging.publish().map_err(BuildError::Output)?;
    if let (Some(list), Some(path)) = (&changes, &publishing.changes) {
        list.write(path)
            .map_err(|e| BuildError::Output(format!("{e} (the site itself was published)")))?;
    }
    Ok(BuildReport {
        letters: archive.letters.len(),
        withheld: archive.withheld,
        pages: pages.len(),
        assets: theme.assets.len(),
        rendered: pages.len(),
        parsed,
        changes: changes.map(|c| c.counts()),
    })
}

fn mode(options: &BuildOptions) -> Mode {
    if options.drafts {
        Mode::PublishWithDrafts
    } else {
        Mode::Publish
    }
}

/// A page written to the staging folder, with its content hash and, for a letter page, the SHA-256
/// the manifest lists.
struct Written {
    path: String,
    hash: u128,
    sha256: Option<String>,
}

/// Theme static files that would overwrite a generated file: a page of `pages`, or the manifest.
pub fn asset_collisions(
    theme: &theme::Theme,
    pages: &[render::Page],
    config: &SiteConfig,
) -> Vec<Diagnostic> {
    theme
        .assets
        .keys()
        .filter(|path| {
            *path == manifest::MANIFEST_FILE || pages.iter().any(|page| &page.path == *path)
        })
        .map(|path| {
            Diagnostic::file(
                format!("themes/{}/static/{path}", config.theme),
                format!("this theme file would overwrite the generated page `{path}`"),
            )
            .with_hint("rename or remove the file from the theme's static folder")
        })
        .collect()
}

enum Failure {
    Template(Diagnostic),
    Write(String),
}

/// One template error usually fails every page that uses the template: report each distinct error once.
fn first_failures(failures: Vec<Failure>) -> Option<BuildError> {
    let mut templates: Vec<Diagnostic> = Vec::new();
    for failure in failures {
        match failure {
            Failure::Write(message) => return Some(BuildError::Output(message)),
            Failure::Template(d) => {
                if !templates.contains(&d) {
                    templates.push(d);
                }
            }
        }
    }
    templates.sort();
    (!templates.is_empty()).then_some(BuildError::Content(templates))
}
