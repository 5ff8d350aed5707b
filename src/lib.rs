//! dafu (答复): a static site generator for the reply letters (答复函) a government bureau publishes
//! in answer to CPPCC proposals (提案) and people's congress suggestions (建议).
//!
//! The build is a chain of stages over values: site config → letters (front matter + Markdown) →
//! archive (what is published, grouped) → pages rendered through the theme → a staging folder that
//! replaces the output only when everything succeeded.

pub mod archive;
pub mod config;
pub mod diagnostic;
pub mod frontmatter;
pub mod letter;
pub mod load;
pub mod markdown;
pub mod output;
pub mod render;
pub mod search;
pub mod slug;
pub mod source;
pub mod theme;
pub mod view;

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

/// What a successful build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    pub letters: usize,
    pub withheld: usize,
    pub pages: usize,
    pub assets: usize,
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
    let mode = if options.drafts {
        Mode::PublishWithDrafts
    } else {
        Mode::Publish
    };
    let archive = archive::arrange(letters, &config, mode);
    let pages = render::plan(&archive, &config);

    let staging =
        output::Staging::create(&options.out, &options.root).map_err(BuildError::Output)?;
    let failures: Vec<Failure> = pages
        .par_iter()
        .filter_map(|page| {
            let html = match render::render(page, &archive, &config, &theme) {
                Ok(html) => html,
                Err(e) => return Some(Failure::Template(theme.error(&e))),
            };
            staging
                .write(&page.path, html.as_bytes())
                .err()
                .map(|e| Failure::Write(format!("cannot write `{}`: {e}", page.path)))
        })
        .collect();
    if let Some(problems) = first_failures(failures) {
        return Err(problems);
    }
    search::build_index(&archive, &config)
        .par_iter()
        .try_for_each(|(path, bytes)| {
            staging
                .write(path, bytes)
                .map_err(|e| BuildError::Output(format!("cannot write `{path}`: {e}")))
        })?;
    for (path, bytes) in &theme.assets {
        if pages.iter().any(|p| &p.path == path) {
            return Err(BuildError::Content(vec![
                Diagnostic::file(
                    format!("themes/{}/static/{path}", config.theme),
                    format!("this theme file would overwrite the generated page `{path}`"),
                )
                .with_hint("rename or remove the file from the theme's static folder"),
            ]));
        }
        staging
            .write(path, bytes)
            .map_err(|e| BuildError::Output(format!("cannot write `{path}`: {e}")))?;
    }
    staging.publish().map_err(BuildError::Output)?;
    Ok(BuildReport {
        letters: archive.letters.len(),
        withheld: archive.withheld,
        pages: pages.len(),
        assets: theme.assets.len(),
    })
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
