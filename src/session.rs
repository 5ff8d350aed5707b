//! An incremental build held in memory, for the preview server: each rebuild re-reads only the
//! letter files that changed, moves only those letters in the last arrangement of the archive
//! (`Archive::rearrange`), and re-renders only the pages whose fingerprint changed. Whatever it
//! reuses, its output equals a fresh `dafu build` of the same files byte for byte (tested), and a
//! failed rebuild keeps the last good output.
//!
//! A rebuild goes over every page (planned, fingerprinted, compared), so it is linear in the size
//! of the archive, but with small constants: nothing in it reads every letter's text or hashes
//! every letter's names, and at 50,000 letters it takes a few tens of milliseconds besides
//! rendering what changed.
//!
//! What changed can be thousands of pages: a letter added at 50,000 letters shifts every list page
//! after it in its year, committee and topics (1,700 pages, a third of a second to render on two
//! cores), and changes the 60,000-line sitemap. A rebuild after letters changed therefore renders
//! at once only the pages an editor looks at next (letter pages, first pages of lists, home page,
//! feeds) and leaves the rest for later (`Later`): the output holds them as pages to render, which
//! the first request for one renders, and `Session::complete` renders the others right after the
//! build is published. Either way a page is rendered from its own build's arrangement, so what is
//! served is always the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use ahash::{AHashMap as HashMap, AHashSet as HashSet};
use rayon::prelude::*;

use crate::archive::{self, Archive, Mode};
use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;
use crate::letter::{self, Letter};
use crate::render::{self, Page, PageKind, Shared};
use crate::theme::Theme;
use crate::{load, search, source, theme};

/// A site's output kept in memory, with what is needed to rebuild it cheaply.
pub struct Session {
    root: PathBuf,
    mode: Mode,
    config_digest: u64,
    letters: LetterCache,
    /// The last good build.
    pages: Output,
    /// The config of the last good build.
    config: Option<Arc<SiteConfig>>,
    /// Config and theme as the last rebuild read them, if it could.
    ready: Option<Ready>,
    /// How the last build arranged the letters, if it succeeded; `letters` holds what it was made
    /// of until the next rebuild reads letters again (and hands it the changes).
    last: Option<Arc<Built>>,
    /// The search index served is an earlier build's: the last build could not update it in
    /// place (letters added or removed), and `refresh_search` has not made it whole again yet.
    search_stale: bool,
    /// Counts successful builds, so a search index made for one is not served after another.
    builds: u64,
    /// The fingerprints of the letters (`search::letter_fingerprint`) the search index held was
    /// made from, in index order; empty when none is held.
    search_letters: Vec<u64>,
    /// Pages left for later, not rendered yet as far as the last look went.
    later: Vec<Arc<Later>>,
    /// Pages left for later that failed to render, and why: reported by `complete`.
    failed: Arc<Mutex<Vec<(String, Diagnostic)>>>,
}

/// The pages of one good build, output path (`2023/ti-494/index.html`) → (fingerprint, page). Cheap
/// to clone and to share with other threads (the preview server reads it while the next build runs).
/// Kept in many small shards by path, so the next build copies only the shards of the pages it
/// changes (an added letter changes a few thousand pages at 50,000 letters: with 4,096 shards of
/// fifteen pages or so, it copies a third of the map instead of all of it).
#[derive(Clone)]
pub struct Output(Arc<Vec<Arc<PageMap>>>);

type PageMap = HashMap<Arc<str>, (u64, Body)>;

/// A page of the output: its bytes, or a page to render when first asked for.
#[derive(Clone)]
enum Body {
    Ready(Arc<[u8]>),
    Later(Arc<Later>),
}

impl Body {
    fn bytes(&self) -> Arc<[u8]> {
        match self {
            Body::Ready(bytes) => bytes.clone(),
            Body::Later(later) => later.bytes(),
        }
    }
}

/// A page left for later (see the module's comment): rendered once, by whichever comes first of the
/// builder's `complete` and a request for it, from the build that planned it (which it holds until
/// then).
struct Later {
    path: Arc<str>,
    bytes: OnceLock<Arc<[u8]>>,
    job: Mutex<Option<(Page, Arc<Built>)>>,
}

impl Later {
    fn bytes(&self) -> Arc<[u8]> {
        let render = || {
            let job = self
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // `render_later` does not panic, so the job is there.
            job.map_or_else(
                || Arc::from(&b""[..]),
                |(page, built)| built.render_later(&page),
            )
        };
        self.bytes.get_or_init(render).clone()
    }

    fn is_rendered(&self) -> bool {
        self.bytes.get().is_some()
    }
}

/// Shards of pages; the search index's files are in shards of their own after them, so that what
/// a build plans (pages) can be told from what it held by looking at page shards alone.
const SHARDS: usize = 4096;
const SEARCH_SHARDS: usize = 1024;

fn shard(path: &str) -> usize {
    let hash = xxhash_rust::xxh3::xxh3_64(path.as_bytes());
    if is_search_file(path) {
        SHARDS + (hash % SEARCH_SHARDS as u64) as usize
    } else {
        (hash % SHARDS as u64) as usize
    }
}

impl Default for Output {
    fn default() -> Self {
        Output(Arc::new(
            (0..SHARDS + SEARCH_SHARDS)
                .map(|_| Arc::new(PageMap::new()))
                .collect(),
        ))
    }
}

impl Output {
    /// The page's bytes; a page left for later is rendered now if it was not yet.
    pub fn get(&self, path: &str) -> Option<Arc<[u8]>> {
        self.0[shard(path)].get(path).map(|(_, body)| body.bytes())
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0[shard(path)].contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The output paths, in no order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flat_map(|s| s.keys().map(|path| &**path))
    }

    /// The search index's files, in no order.
    fn search_paths(&self) -> impl Iterator<Item = &str> {
        self.0[SHARDS..]
            .iter()
            .flat_map(|s| s.keys().map(|path| &**path))
    }

    /// Every page with its bytes (pages left for later rendered now), in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Arc<[u8]>)> {
        self.0
            .iter()
            .flat_map(|s| s.iter().map(|(path, (_, body))| (&**path, body.bytes())))
    }

    fn fingerprint(&self, path: &str) -> Option<u64> {
        self.0[shard(path)].get(path).map(|(fp, _)| *fp)
    }

    fn insert(shards: &mut [Arc<PageMap>], path: &str, page: (u64, Body)) {
        Arc::make_mut(&mut shards[shard(path)]).insert(Arc::from(path), page);
    }
}

struct CachedLetter {
    stamp: Stamp,
    digest: u64,
    result: Result<Arc<Letter>, Vec<Diagnostic>>,
}

/// The letter files read, by path, with what a build must know of all of them kept up to date as
/// letters come and go: how many failed, and whether two may share a 文号 or a URL (a build names
/// them with the full check, which builds every URL and is too slow to run on each save).
#[derive(Default)]
struct LetterCache {
    files: BTreeMap<PathBuf, CachedLetter>,
    failed: usize,
    /// Normalised 文号 and URLs (year and slug) → how many letters have them.
    keys: HashMap<RefKey, u32>,
    /// Keys more than one letter has.
    clashes: usize,
}

#[derive(PartialEq, Eq, Hash)]
enum RefKey {
    DocNumber(String),
    Url(i32, String),
}

impl LetterCache {
    fn get(&self, path: &Path) -> Option<&CachedLetter> {
        self.files.get(path)
    }

    fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.keys()
    }

    fn insert(&mut self, path: PathBuf, cached: CachedLetter) -> Option<CachedLetter> {
        self.count(&cached, true);
        let old = self.files.insert(path, cached);
        if let Some(old) = &old {
            self.count(old, false);
        }
        old
    }

    fn remove(&mut self, path: &Path) -> Option<CachedLetter> {
        let old = self.files.remove(path);
        if let Some(old) = &old {
            self.count(old, false);
        }
        old
    }

    fn retain(&mut self, mut keep: impl FnMut(&Path) -> bool) {
        let gone: Vec<PathBuf> = self.paths().filter(|p| !keep(p)).cloned().collect();
        for path in gone {
            self.remove(&path);
        }
    }

    fn clear(&mut self) {
        *self = LetterCache::default();
    }

    fn count(&mut self, cached: &CachedLetter, add: bool) {
        let letter = match &cached.result {
            Ok(letter) => letter,
            Err(_) => {
                self.failed = if add {
                    self.failed + 1
                } else {
                    self.failed - 1
                };
                return;
            }
        };
        let doc = letter
            .doc_number
            .as_deref()
            .map(|doc| RefKey::DocNumber(load::normalise_doc_number(doc)));
        let url = RefKey::Url(letter.year(), letter.slug.clone());
        for key in doc.into_iter().chain([url]) {
            let n = if add {
                let n = self.keys.entry(key).or_default();
                *n += 1;
                *n
            } else {
                let Some(n) = self.keys.get_mut(&key) else {
                    continue;
                };
                *n -= 1;
                let n = *n;
                if n == 0 {
                    self.keys.remove(&key);
                }
                n
            };
            match (add, n) {
                (true, 2) => self.clashes += 1,
                (false, 1) => self.clashes -= 1,
                _ => {}
            }
        }
    }

    /// Every problem of the letters: their own, then what two of them share.
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems: Vec<Diagnostic> = Vec::new();
        if self.failed > 0 {
            for cached in self.files.values() {
                if let Err(ds) = &cached.result {
                    problems.extend(ds.iter().cloned());
                }
            }
        }
        if self.clashes > 0 {
            let letters: Vec<&Letter> = self.letters().map(|l| &**l).collect();
            problems.extend(load::check_across_refs(&letters));
        }
        problems.sort();
        problems
    }

    /// The letters read without problems.
    fn letters(&self) -> impl Iterator<Item = &Arc<Letter>> {
        self.files.values().filter_map(|c| c.result.as_ref().ok())
    }
}

/// What changed in the letters since the last build: each letter gone or read again as that build
/// had it, and each letter read as it is now.
#[derive(Default)]
struct Changes {
    removed: Vec<Arc<Letter>>,
    added: Vec<Arc<Letter>>,
}

/// What a file looked like when read: a different stamp means it must be read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|meta| Stamp::from(&meta))
    }

    fn from(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        }
    }
}

/// What a rebuild read last, when it read both: a rebuild of changed letters alone reuses them.
#[derive(Clone)]
struct Ready {
    config: Arc<SiteConfig>,
    theme: Arc<Theme>,
}

/// A good build: how it arranged the letters, the values its pages share, and the config and
/// theme it rendered them with. The next rebuild starts from it; its pages left for later are
/// rendered from it.
struct Built {
    archive: Archive,
    shared: Shared,
    ready: Ready,
    /// The session's list of pages left for later that failed.
    failed: Arc<Mutex<Vec<(String, Diagnostic)>>>,
}

impl Built {
    /// A page's bytes; if it cannot be rendered, a page saying why (served until the next build,
    /// with the problem shown over it once `complete` reports it).
    fn render_later(&self, page: &Page) -> Arc<[u8]> {
        let (config, theme) = (&*self.ready.config, &*self.ready.theme);
        let render = || render::render_shared(page, &self.archive, config, theme, &self.shared);
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(render))
            .unwrap_or_else(|_| Err(tera::Error::message("internal error: rendering panicked")));
        match rendered {
            Ok(html) => Arc::from(html),
            Err(e) => {
                let problem = theme.error(&e);
                let text = problem
                    .to_string()
                    .replace('&', "&amp;")
                    .replace('<', "&lt;");
                let page_text =
                    format!("<!DOCTYPE html>\n<title>dafu</title>\n<pre>{text}</pre>\n");
                (self.failed.lock().unwrap_or_else(PoisonError::into_inner))
                    .push((page.path.clone(), problem));
                Arc::from(page_text.into_bytes())
            }
        }
    }
}

/// The pages of a rebuild: all of them in plan order, their fingerprints, which of them changed
/// (positions in the plan), and which pages of the last build are gone.
struct Planned {
    pages: Vec<Page>,
    fingerprints: Vec<u64>,
    stale: Vec<usize>,
    gone: Vec<String>,
    /// What changed in the search index, updated in place; `None` when it could not be.
    search: Option<SearchChange>,
}

/// Whether a page may be left for later after letters changed: list pages after the first (they
/// shift by the thousand) and the pages made of the whole archive (slow to render).
fn may_wait(page: &Page) -> bool {
    match page.kind {
        PageKind::TermPage { page, .. } => page > 1,
        PageKind::Sitemap | PageKind::Stats => true,
        _ => false,
    }
}

/// Letters to read again (path, path shown, stamp) and letters gone, after a change under `content/`.
#[derive(Default)]
struct ContentWork {
    read: Vec<(PathBuf, PathBuf, Option<Stamp>)>,
    removed: Vec<PathBuf>,
}

/// A page rendered in a rebuild: output path, fingerprint, bytes.
type RenderedPage = (String, u64, Arc<[u8]>);

/// What a successful rebuild changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuild {
    /// Output paths written or rewritten, sorted.
    pub changed: Vec<String>,
    /// Output paths that no longer exist, sorted.
    pub removed: Vec<String>,
    /// Letter files read and parsed again.
    pub reparsed: usize,
    pub total_pages: usize,
    /// Of `changed`, the pages left for later (see `Session::complete`).
    pub later: usize,
}

impl Session {
    /// `root` is made absolute, so paths from a file watcher (`touched`) compare equal to ours.
    pub fn new(root: impl Into<PathBuf>, mode: Mode) -> Session {
        let root = root.into();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        Session {
            root,
            mode,
            config_digest: 0,
            letters: LetterCache::default(),
            pages: Output::default(),
            config: None,
            ready: None,
            last: None,
            search_stale: false,
            builds: 0,
            search_letters: Vec::new(),
            later: Vec::new(),
            failed: Arc::default(),
        }
    }

    /// The site folder, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The last good output: path (`2023/ti-494/index.html`) → bytes.
    pub fn page(&self, path: &str) -> Option<Arc<[u8]>> {
        self.pages.get(path)
    }

    /// Every page of the last good output (pages left for later rendered now), in no order.
    pub fn pages(&self) -> impl Iterator<Item = (&str, Arc<[u8]>)> {
        self.pages.iter()
    }

    /// The last good output as a whole, to hand to another thread.
    pub fn output(&self) -> Output {
        self.pages.clone()
    }

    /// The site config of the last good build.
    pub fn config(&self) -> Option<&SiteConfig> {
        self.config.as_deref()
    }

    /// Rebuilds from the files as they are now. `touched` names files known to have changed (from a
    /// watcher): they are read again even if their size and time look the same. On failure the
    /// previous output stays and every problem is returned.
    pub fn rebuild(&mut self, touched: &[PathBuf]) -> Result<Rebuild, Vec<Diagnostic>> {
        self.ready = None;
        // Arranged anew: the last arrangement only lends the template values of its letters.
        let last = self.last.take();
        let config = SiteConfig::from_root(&self.root).map_err(|d| vec![d])?;
        let config_digest = xxhash_rust::xxh3::xxh3_64(
            serde_json::to_string(&config)
                .unwrap_or_default()
                .as_bytes(),
        );
        if config_digest != self.config_digest {
            // Letters are derived from the config too (default issuer, reply classes, raw HTML).
            self.letters.clear();
            self.config_digest = config_digest;
        }
        let theme = theme::load(&self.root, &config.theme);
        let reparsed = self.refresh_letters(&config, touched)?;
        let ready = Ready {
            config: Arc::new(config),
            theme: Arc::new(theme?),
        };
        self.ready = Some(ready.clone());
        self.render(&ready, reparsed, last, None)
    }

    /// Rebuilds after a watcher saw only these paths under `content/` change (letters written,
    /// created, renamed or deleted; folders too): config, theme and every other letter are as they
    /// were at the last rebuild, so neither is read again and the folder is not listed again unless
    /// a folder changed. The result is the same as `rebuild`'s.
    pub fn rebuild_content(&mut self, changed: &[PathBuf]) -> Result<Rebuild, Vec<Diagnostic>> {
        let Some(ready) = self.ready.clone() else {
            return self.rebuild(changed);
        };
        let Some(work) = self.content_work(changed) else {
            return self.rebuild(changed);
        };
        let last = self.last.take();
        let mut changes = Changes::default();
        for path in &work.removed {
            if let Some(CachedLetter {
                result: Ok(old), ..
            }) = self.letters.remove(path)
            {
                changes.removed.push(old);
            }
        }
        let reparsed = self.read_letters(&ready.config, work.read, &mut changes);
        self.render(&ready, reparsed, last, Some(changes))
    }

    /// What the changed paths ask for: letters to read and letters gone; `None` when the letter
    /// files must be listed again (a folder changed, or a path is not plainly a letter or not).
    fn content_work(&self, changed: &[PathBuf]) -> Option<ContentWork> {
        let content = self.root.join(load::CONTENT_DIR);
        let mut work = ContentWork::default();
        for path in changed {
            let rel = path.strip_prefix(&content).ok()?;
            let names: Vec<&str> = rel
                .components()
                .map(|c| match c {
                    std::path::Component::Normal(name) => name.to_str(),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            if names.is_empty() {
                return None;
            }
            if names.iter().any(|n| n.starts_with(['_', '.'])) {
                // Never listed as a letter, nor anything inside it.
                continue;
            }
            let is_md = path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("md"));
            match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.is_file() && is_md => {
                    // Listing does not follow symbolic links: a letter is only found through real folders.
                    let parent = path.parent()?;
                    if std::fs::canonicalize(parent).ok()? != parent {
                        return None;
                    }
                    let shown = path.strip_prefix(&self.root).ok()?.to_path_buf();
                    work.read
                        .push((path.clone(), shown, Some(Stamp::from(&meta))));
                }
                // A file beside the letters (a note, an editor's temporary file): not read.
                Ok(meta) if meta.is_file() => {}
                // Gone: a letter deleted or renamed away, or a temporary file that came and went.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if self.letters.contains(path) {
                        work.removed.push(path.clone());
                    } else if is_md || self.letters.paths().any(|l| l.starts_with(path)) {
                        // A letter never seen, or a folder of letters: list them again.
                        return None;
                    }
                }
                // A folder, a symbolic link, an unreadable entry: list the letters again.
                _ => return None,
            }
        }
        Some(work)
    }

    /// Arranges the letters as cached now and renders what changed since the last good build.
    /// `last` is the last good build's arrangement; with `changes`, the letters that changed since
    /// (the others are as it had them), it is rearranged instead of arranging every letter anew.
    fn render(
        &mut self,
        ready: &Ready,
        reparsed: usize,
        last: Option<Arc<Built>>,
        changes: Option<Changes>,
    ) -> Result<Rebuild, Vec<Diagnostic>> {
        let config = &*ready.config;
        let problems = self.letters.problems();
        if !problems.is_empty() {
            return Err(problems);
        }
        // Pages of the last build still to render hold it: then it is copied.
        let last = last.map(|built| match Arc::try_unwrap(built) {
            Ok(built) => (built.archive, built.shared),
            Err(built) => (built.archive.clone(), built.shared.clone()),
        });
        let rearranged = last.is_some() && changes.is_some();
        let (archive, shared) = match (last, changes) {
            (Some((archive, shared)), Some(changes)) => {
                let archive =
                    archive.rearrange(&changes.removed, &changes.added, config, self.mode);
                (archive, Some(shared))
            }
            (last, _) => {
                let letters = self.letters.letters().cloned().collect();
                let archive = archive::arrange(letters, config, self.mode);
                (archive, last.map(|(_, shared)| shared))
            }
        };
        let shared = Shared::new(&archive, config, shared);
        let plan = render::plan_shared(&archive, config, &shared);
        let site = site_digest(self.config_digest, ready.theme.digest, self.mode);
        let fingerprints = render::fingerprints(&plan, &archive, config, site, &shared);
        // Each planned page's shard, and its fingerprint in the last build's output.
        let (at, old): (Vec<usize>, Vec<Option<u64>>) = (plan.par_iter())
            .map(|page| {
                let at = shard(&page.path);
                (at, self.pages.0[at].get(page.path.as_str()).map(|p| p.0))
            })
            .unzip();
        let stale: Vec<usize> = (0..plan.len())
            .filter(|&i| old[i] != Some(fingerprints[i]))
            .collect();
        // The search index: updated in place for the letters that changed, if it can be (else
        // kept as it is until `refresh_search`).
        let search = search_update(&self.pages, &self.search_letters, &archive, config);
        let gone = self.gone(&plan, &at, &old, &ready.theme);
        let built = Arc::new(Built {
            archive,
            shared,
            ready: ready.clone(),
            failed: self.failed.clone(),
        });
        let planned = Planned {
            pages: plan,
            fingerprints,
            stale,
            gone,
            search,
        };
        // Only when letters alone changed are templates and config the ones the last good build
        // rendered every page with: then pages may be left for later (any other rebuild renders
        // them all, so that a broken template is found before the build is published).
        self.finish(built, planned, rearranged, reparsed)
    }

    /// The pages of the last build that are not planned now. Found without a set of every page
    /// planned (60,000 at 50,000 letters): only a page shard holding fewer planned pages and theme
    /// files than it holds pages can hold one. The search index's files are not pages: what goes
    /// of it, the search update says.
    fn gone(&self, plan: &[Page], at: &[usize], old: &[Option<u64>], theme: &Theme) -> Vec<String> {
        let mut kept = vec![0usize; SHARDS];
        for (&at, old) in at.iter().zip(old) {
            kept[at] += usize::from(old.is_some());
        }
        for path in theme.assets.keys().filter(|path| !is_search_file(path)) {
            kept[shard(path)] += usize::from(self.pages.contains(path));
        }
        let shards: HashSet<usize> = (0..SHARDS)
            .filter(|&s| kept[s] < self.pages.0[s].len())
            .collect();
        if shards.is_empty() {
            return Vec::new();
        }
        let planned: HashSet<&str> = (plan.iter().zip(at))
            .filter(|(_, at)| shards.contains(at))
            .map(|(page, _)| page.path.as_str())
            .chain(theme.assets.keys().map(String::as_str))
            .collect();
        let mut gone: Vec<String> = (shards.iter())
            .flat_map(|&s| self.pages.0[s].keys())
            .filter(|path| !planned.contains(&***path))
            .map(|path| path.to_string())
            .collect();
        gone.sort();
        gone
    }

    /// Renders the stale pages (positions in the plan), or with `defer`, those that may not wait,
    /// and keeps the result as the last good build.
    fn finish(
        &mut self,
        built: Arc<Built>,
        planned: Planned,
        defer: bool,
        reparsed: usize,
    ) -> Result<Rebuild, Vec<Diagnostic>> {
        let Planned {
            pages: plan,
            fingerprints,
            stale,
            gone: removed,
            search,
        } = planned;
        let search_stale = search.is_none();
        let ready = &built.ready;
        let (config, theme) = (&*ready.config, &*ready.theme);
        let (archive, shared) = (&built.archive, &built.shared);
        if let Some(page) = plan.iter().find(|p| theme.assets.contains_key(&p.path)) {
            // As `dafu build` says it.
            let path = &page.path;
            return Err(vec![
                Diagnostic::file(
                    format!("themes/{}/static/{path}", config.theme),
                    format!("this theme file would overwrite the generated page `{path}`"),
                )
                .with_hint("rename or remove the file from the theme's static folder"),
            ]);
        }
        let (later, now): (Vec<usize>, Vec<usize>) =
            stale.iter().partition(|&&i| defer && may_wait(&plan[i]));
        let rendered: Vec<Result<RenderedPage, Diagnostic>> = now
            .par_iter()
            .map(|&i| {
                let page = &plan[i];
                render::render_shared(page, archive, config, theme, shared)
                    .map(|html| (page.path.clone(), fingerprints[i], Arc::from(html)))
                    .map_err(|e| theme.error(&e))
            })
            .collect();
        let mut problems: Vec<Diagnostic> = Vec::new();
        let mut fresh = Vec::with_capacity(rendered.len());
        for result in rendered {
            match result {
                Ok(page) => fresh.push(page),
                Err(d) if !problems.contains(&d) => problems.push(d),
                Err(_) => {}
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(problems);
        }

        let mut next: Vec<Arc<PageMap>> = (*self.pages.0).clone();
        let mut changed: Vec<String> = Vec::new();
        for path in &removed {
            Arc::make_mut(&mut next[shard(path)]).remove(path.as_str());
        }
        for (path, bytes) in &theme.assets {
            let fp = xxhash_rust::xxh3::xxh3_64(bytes);
            if self.pages.fingerprint(path) != Some(fp) {
                changed.push(path.clone());
                let bytes = Body::Ready(Arc::from(bytes.as_slice()));
                Output::insert(&mut next, path, (fp, bytes));
            }
        }
        for (path, fp, bytes) in fresh {
            Output::insert(&mut next, &path, (fp, Body::Ready(bytes)));
            changed.push(path);
        }
        let mut removed = removed;
        if let Some(search) = search {
            self.search_letters = search.apply(&mut next, &mut changed, &mut removed);
        }
        for &i in &later {
            let page = &plan[i];
            let job = Later {
                path: Arc::from(page.path.as_str()),
                bytes: OnceLock::new(),
                job: Mutex::new(Some((page.clone(), built.clone()))),
            };
            let job = Arc::new(job);
            self.later.push(job.clone());
            Output::insert(&mut next, &page.path, (fingerprints[i], Body::Later(job)));
            changed.push(page.path.clone());
        }
        // Pages left for later by earlier builds are still to do if not rendered and not replaced.
        self.later.retain(|later| {
            let current = next[shard(&later.path)].get(&later.path);
            !later.is_rendered()
                && current
                    .is_some_and(|(_, b)| matches!(b, Body::Later(b) if Arc::ptr_eq(b, later)))
        });
        changed.sort();
        removed.sort();
        let next = Output(Arc::new(next));
        let total_pages = next.len();
        self.search_stale = search_stale;
        self.builds += 1;
        self.pages = next;
        self.config = Some(ready.config.clone());
        self.last = Some(built);
        Ok(Rebuild {
            changed,
            removed,
            reparsed,
            total_pages,
            later: later.len(),
        })
    }

    /// Whether the search index served is this build's (see `refresh_search`).
    pub fn search_is_current(&self) -> bool {
        !self.search_stale
    }

    /// Makes the search index whole again when the last build could not update it in place
    /// (letters added or removed: every letter's number in it moves), from every letter: a
    /// [`SearchJob`] run here. Returns what changed; `None` when the index is current or no build
    /// has succeeded.
    pub fn refresh_search(&mut self) -> Option<Rebuild> {
        let job = self.search_job()?;
        self.apply_search(job.run())
    }

    /// The work of making the search index whole again, to run on another thread while the
    /// session goes on (the page saved is served and the reload sent first; a save that comes
    /// meanwhile is not kept waiting). `None` when the index is current or no build has
    /// succeeded.
    pub fn search_job(&self) -> Option<SearchJob> {
        if !self.search_stale {
            return None;
        }
        let (last, config) = (self.last.as_ref()?, self.config.clone()?);
        Some(SearchJob {
            archive: last.archive.clone(),
            config,
            build: self.builds,
        })
    }

    /// Serves a search index made by a [`SearchJob`]. If builds came after the one it was made for,
    /// it is first brought up to date with their letters in place; if that cannot be done (letters
    /// were added or removed since), it is dropped, and the next job makes the index of the newer
    /// build. Returns what changed.
    pub fn apply_search(&mut self, made: MadeSearch) -> Option<Rebuild> {
        if !self.search_stale {
            return None;
        }
        let mut next: Vec<Arc<PageMap>> = (*self.pages.0).clone();
        let paths: HashSet<&str> = made
            .files
            .iter()
            .map(|(path, _, _)| path.as_str())
            .collect();
        let mut removed: Vec<String> = (self.pages.search_paths())
            .filter(|path| !paths.contains(path))
            .map(str::to_owned)
            .collect();
        for path in &removed {
            Arc::make_mut(&mut next[shard(path)]).remove(path.as_str());
        }
        let mut changed = Vec::new();
        for (path, fp, bytes) in made.files {
            if self.pages.fingerprint(&path) != Some(fp) {
                Output::insert(&mut next, &path, (fp, Body::Ready(bytes)));
                changed.push(path);
            }
        }
        let mut next = Output(Arc::new(next));
        let mut letters = made.letters;
        if made.build != self.builds {
            let (last, config) = (self.last.as_ref()?, self.config.as_ref()?);
            let update = search_update(&next, &letters, &last.archive, config)?;
            let mut shards: Vec<Arc<PageMap>> = (*next.0).clone();
            letters = update.apply(&mut shards, &mut changed, &mut removed);
            next = Output(Arc::new(shards));
        }
        // Only what differs from the index served before is news.
        changed.retain(|path| self.pages.fingerprint(path) != next.fingerprint(path));
        changed.sort();
        changed.dedup();
        removed.retain(|path| !next.contains(path));
        removed.sort();
        removed.dedup();
        let total_pages = next.len();
        self.pages = next;
        self.search_letters = letters;
        self.search_stale = false;
        Some(Rebuild {
            changed,
            removed,
            reparsed: 0,
            total_pages,
            later: 0,
        })
    }

    /// Renders the pages left for later, a few dozen at a time, until all are or `stop` says another
    /// rebuild is waiting (the rest are rendered when asked for, or by the next call). Pages that
    /// failed to render (a template that fails on some letter's values) are returned as problems,
    /// as from a failed rebuild; they are rendered again by the next rebuild.
    pub fn complete(&mut self, mut stop: impl FnMut() -> bool) -> Result<(), Vec<Diagnostic>> {
        // Small batches, so a save that comes in waits for a few pages at most.
        const AT_ONCE: usize = 16;
        self.later.retain(|later| !later.is_rendered());
        let mut done = 0;
        while done < self.later.len() && !stop() {
            let chunk = &self.later[done..(done + AT_ONCE).min(self.later.len())];
            chunk.par_iter().for_each(|later| drop(later.bytes()));
            done += chunk.len();
        }
        self.later.drain(..done);
        let failed =
            std::mem::take(&mut *self.failed.lock().unwrap_or_else(PoisonError::into_inner));
        if failed.is_empty() {
            return Ok(());
        }
        // Fingerprints no page has: the next rebuild renders them again.
        let mut next: Vec<Arc<PageMap>> = (*self.pages.0).clone();
        for (path, _) in &failed {
            if let Some(page) = Arc::make_mut(&mut next[shard(path)]).get_mut(path.as_str()) {
                page.0 = 0;
            }
        }
        self.pages = Output(Arc::new(next));
        let mut problems: Vec<Diagnostic> = failed.into_iter().map(|(_, d)| d).collect();
        problems.sort();
        problems.dedup();
        Err(problems)
    }

    /// Brings the letter cache up to date with the files on disk; returns how many were parsed.
    fn refresh_letters(
        &mut self,
        config: &SiteConfig,
        touched: &[PathBuf],
    ) -> Result<usize, Vec<Diagnostic>> {
        let files = load::letter_files(&self.root)?;
        let touched: HashSet<&Path> = touched.iter().map(PathBuf::as_path).collect();
        let present: HashSet<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
        self.letters.retain(|path| present.contains(path));
        let to_read: Vec<(PathBuf, PathBuf, Option<Stamp>)> = files
            .iter()
            .filter_map(|(path, shown)| {
                let stamp = Stamp::of(path);
                let known = self
                    .letters
                    .get(path)
                    .is_some_and(|c| Some(c.stamp) == stamp);
                (!known || touched.contains(path.as_path()))
                    .then(|| (path.clone(), shown.clone(), stamp))
            })
            .collect();
        Ok(self.read_letters(config, to_read, &mut Changes::default()))
    }

    /// Reads and parses these letter files into the cache, noting the letters that changed in
    /// `changes`; returns how many changed.
    fn read_letters(
        &mut self,
        config: &SiteConfig,
        to_read: Vec<(PathBuf, PathBuf, Option<Stamp>)>,
        changes: &mut Changes,
    ) -> usize {
        let read: Vec<(PathBuf, CachedLetter)> = to_read
            .into_par_iter()
            .map(|(path, shown, stamp)| {
                let stamp = stamp.unwrap_or(Stamp {
                    modified: None,
                    len: 0,
                });
                let cached = match source::read_text(&path, &shown) {
                    Ok(text) => {
                        let digest = letter::digest(&shown, &text);
                        let result = Letter::parse(&text, &shown, config).map(Arc::new);
                        CachedLetter {
                            stamp,
                            digest,
                            result,
                        }
                    }
                    Err(d) => CachedLetter {
                        stamp,
                        digest: 0,
                        result: Err(vec![d]),
                    },
                };
                (path, cached)
            })
            .collect();
        let mut reparsed = 0;
        for (path, cached) in read {
            let same = self
                .letters
                .get(&path)
                .is_some_and(|old| old.digest == cached.digest && cached.digest != 0);
            if same {
                if let Some(old) = self.letters.files.get_mut(&path) {
                    old.stamp = cached.stamp;
                }
            } else {
                reparsed += 1;
                if let Ok(letter) = &cached.result {
                    changes.added.push(letter.clone());
                }
                if let Some(CachedLetter {
                    result: Ok(old), ..
                }) = self.letters.insert(path, cached)
                {
                    changes.removed.push(old);
                }
            }
        }
        reparsed
    }
}

fn site_digest(config: u64, theme: u64, mode: Mode) -> u64 {
    let text = format!("{}:{config}:{theme}:{mode:?}", env!("CARGO_PKG_VERSION"));
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// Making a build's whole search index, apart from the session (see `Session::search_job`).
pub struct SearchJob {
    archive: Archive,
    config: Arc<SiteConfig>,
    build: u64,
}

/// A search index made by a [`SearchJob`]: every file, with its fingerprint, and the fingerprints
/// of the letters it was made from.
pub struct MadeSearch {
    build: u64,
    files: Vec<(String, u64, Arc<[u8]>)>,
    letters: Vec<u64>,
}

impl SearchJob {
    pub fn run(self) -> MadeSearch {
        let letters = search::fingerprints(&self.archive);
        let files = search::build_index(&self.archive, &self.config)
            .into_iter()
            .map(|(path, bytes)| {
                let fp = search_fingerprint(&letters, &path, &bytes);
                (path, fp, Arc::from(bytes))
            })
            .collect();
        MadeSearch {
            build: self.build,
            files,
            letters,
        }
    }
}

/// Whether an output path is a file of the search index (the search page is not).
fn is_search_file(path: &str) -> bool {
    path.starts_with("search/") && path.ends_with(".z")
}

/// A search file's fingerprint: a letter result file's is the letter's (`search::letter_fingerprint`,
/// `letters` in index order), any other's its content's hash.
fn search_fingerprint(letters: &[u64], path: &str, bytes: &[u8]) -> u64 {
    (path.strip_prefix("search/l/"))
        .and_then(|name| name.strip_suffix(".z"))
        .and_then(|n| n.parse::<usize>().ok())
        // Only the path the index gives letter n (not `01.z`, say).
        .filter(|&n| search::letter_path(n) == path)
        .and_then(|n| letters.get(n).copied())
        .unwrap_or_else(|| xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The search index as the session holds it, made from `letters` letters, for
/// `search::update_index`.
struct HeldSearch<'a> {
    output: &'a Output,
    letters: usize,
}

impl search::Previous for HeldSearch<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.output.get(path).map(|bytes| bytes.to_vec())
    }

    fn contains(&self, path: &str) -> bool {
        self.output.contains(path)
    }

    fn contains_letters(&self, total: usize) -> bool {
        // The session holds every file of an index it made or updated.
        total == self.letters
    }
}

/// What changed in the search index: files new or rewritten (path, fingerprint, bytes), files
/// gone, and the fingerprints of the letters it is now made from.
struct SearchChange {
    new: Vec<(String, u64, Arc<[u8]>)>,
    removed: Vec<String>,
    letters: Vec<u64>,
}

impl SearchChange {
    /// Writes the change into the output's shards, noting the paths changed and removed; returns
    /// the fingerprints of the letters the index is now made from.
    fn apply(
        self,
        shards: &mut [Arc<PageMap>],
        changed: &mut Vec<String>,
        removed: &mut Vec<String>,
    ) -> Vec<u64> {
        for path in self.removed {
            Arc::make_mut(&mut shards[shard(&path)]).remove(path.as_str());
            removed.push(path);
        }
        for (path, fp, bytes) in self.new {
            Output::insert(shards, &path, (fp, Body::Ready(bytes)));
            changed.push(path);
        }
        self.letters
    }
}

/// The search index held (made from letters with fingerprints `held`) updated in place for the
/// archive, doing work in proportion to the letters changed. `None` when it cannot be updated in
/// place (no index held, letters added or removed).
fn search_update(
    output: &Output,
    held: &[u64],
    archive: &Archive,
    config: &SiteConfig,
) -> Option<SearchChange> {
    let letters = search::fingerprints(archive);
    if held.len() != letters.len() {
        return None;
    }
    let changed: Vec<usize> = (0..letters.len())
        .filter(|&n| held[n] != letters[n])
        .collect();
    let previous = HeldSearch {
        output,
        letters: held.len(),
    };
    let update = search::update_index(archive, config, &previous, &changed)?;
    let mut new: Vec<(String, u64, Arc<[u8]>)> = Vec::new();
    for (path, file) in update.chunks {
        if let search::File::New(bytes) = file {
            new.push((path, xxhash_rust::xxh3::xxh3_64(&bytes), Arc::from(bytes)));
        }
    }
    for (path, bytes) in update.whole {
        new.push((path, xxhash_rust::xxh3::xxh3_64(&bytes), Arc::from(bytes)));
    }
    for (n, bytes) in update.letters {
        new.push((search::letter_path(n), letters[n], Arc::from(bytes)));
    }
    // Files rewritten with the same bytes are not news.
    new.retain(|(path, fp, _)| output.fingerprint(path) != Some(*fp));
    Some(SearchChange {
        new,
        removed: update.removed,
        letters,
    })
}
