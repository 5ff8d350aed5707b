//! An incremental build held in memory, for the preview server: each rebuild re-reads only the
//! letter files that changed and re-renders only the pages whose fingerprint changed. Whatever it
//! reuses, its output equals a fresh `dafu build` of the same files byte for byte (tested), and a
//! failed rebuild keeps the last good output.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::archive::{self, Archive, Mode};
use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;
use crate::letter::{self, Letter};
use crate::render::{self, Page};
use crate::theme::Theme;
use crate::{load, search, source, theme};

/// A site's output kept in memory, with what is needed to rebuild it cheaply.
pub struct Session {
    root: PathBuf,
    mode: Mode,
    config_digest: u64,
    letters: BTreeMap<PathBuf, CachedLetter>,
    /// The last good build.
    pages: Output,
    /// The config of the last good build.
    config: Option<Arc<SiteConfig>>,
    /// Config and theme as the last rebuild read them, if it could.
    ready: Option<Ready>,
    /// How the last build arranged the letters, if it succeeded and nothing was read since.
    last: Option<Arranged>,
    /// The search index served is an earlier build's: the last build could not update it in
    /// place (letters added or removed), and `refresh_search` has not made it whole again yet.
    search_stale: bool,
    /// Counts successful builds, so a search index made for one is not served after another.
    builds: u64,
}

/// The pages of one good build, output path (`2023/ti-494/index.html`) → (fingerprint, bytes). Cheap
/// to clone and to share with other threads (the preview server reads it while the next build runs).
/// Kept in shards by path, so the next build copies only the shards of the pages it changes.
#[derive(Clone)]
pub struct Output(Arc<Vec<Arc<PageMap>>>);

type PageMap = HashMap<Arc<str>, (u64, Arc<[u8]>)>;

const SHARDS: usize = 64;

fn shard(path: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(path.as_bytes()) % SHARDS as u64) as usize
}

impl Default for Output {
    fn default() -> Self {
        Output(Arc::new(
            (0..SHARDS).map(|_| Arc::new(PageMap::new())).collect(),
        ))
    }
}

impl Output {
    pub fn get(&self, path: &str) -> Option<&Arc<[u8]>> {
        self.0[shard(path)].get(path).map(|(_, bytes)| bytes)
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

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0
            .iter()
            .flat_map(|s| s.iter().map(|(path, (_, bytes))| (&**path, &**bytes)))
    }

    fn fingerprint(&self, path: &str) -> Option<u64> {
        self.0[shard(path)].get(path).map(|(fp, _)| *fp)
    }

    fn insert(shards: &mut [Arc<PageMap>], path: &str, page: (u64, Arc<[u8]>)) {
        Arc::make_mut(&mut shards[shard(path)]).insert(Arc::from(path), page);
    }
}

struct CachedLetter {
    stamp: Stamp,
    digest: u64,
    result: Result<Arc<Letter>, Vec<Diagnostic>>,
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

/// The last good build's arrangement: archive, plan, the plan's fingerprints and which pages
/// hashed which letter (see `render::Fingerprints`).
struct Arranged {
    archive: Archive,
    plan: Vec<Page>,
    fingerprints: Vec<u64>,
    dependents: HashMap<u64, Vec<u32>>,
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
            letters: BTreeMap::new(),
            pages: Output::default(),
            config: None,
            ready: None,
            last: None,
            search_stale: false,
            builds: 0,
        }
    }

    /// The site folder, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The last good output: path (`2023/ti-494/index.html`) → bytes.
    pub fn page(&self, path: &str) -> Option<Arc<[u8]>> {
        self.pages.get(path).cloned()
    }

    pub fn pages(&self) -> impl Iterator<Item = (&str, &[u8])> {
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
        self.last = None;
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
        self.render(&ready, reparsed)
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
        // Whatever happens below, the last arrangement is good again only if this build succeeds.
        let last = self.last.take();
        for path in &work.removed {
            self.letters.remove(path);
        }
        let read: Vec<PathBuf> = work.read.iter().map(|(path, _, _)| path.clone()).collect();
        let reparsed = self.read_letters(&ready.config, work.read);
        // Letters edited in place (their text, title, anything but what arranges them): the last
        // arrangement holds, with the new letters put in; only fingerprints and pages are redone.
        if let Some(mut last) = last
            && work.removed.is_empty()
        {
            let mut digests: Vec<(u64, u64)> = Vec::new();
            let in_place = read.iter().all(|path| match self.letters.get(path) {
                Some(CachedLetter {
                    result: Ok(letter), ..
                }) => match last.archive.replace(letter.clone()) {
                    Some(old) => {
                        digests.push((old.digest, letter.digest));
                        true
                    }
                    None => false,
                },
                _ => false,
            });
            if in_place {
                // Only pages that hashed a changed letter can have a new fingerprint; they hash the
                // letter's new digest from now on.
                let mut positions: Vec<u32> = Vec::new();
                for (old, new) in digests {
                    if old != new
                        && let Some(pages) = last.dependents.remove(&old)
                    {
                        positions.extend_from_slice(&pages);
                        last.dependents.insert(new, pages);
                    }
                }
                positions.sort_unstable();
                positions.dedup();
                let site = site_digest(self.config_digest, ready.theme.digest, self.mode);
                let fresh = render::fingerprints_of(
                    &positions,
                    &last.plan,
                    &last.archive,
                    &ready.config,
                    site,
                );
                let mut stale = Vec::new();
                for (i, fp) in positions.into_iter().zip(fresh) {
                    let old = &mut last.fingerprints[i as usize];
                    if *old != fp {
                        *old = fp;
                        stale.push(i);
                    }
                }
                return self.finish(&ready, last, stale, true, reparsed);
            }
        }
        self.render(&ready, reparsed)
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
                    if self.letters.contains_key(path) {
                        work.removed.push(path.clone());
                    } else if is_md || self.letters.keys().any(|l| l.starts_with(path)) {
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
    fn render(&mut self, ready: &Ready, reparsed: usize) -> Result<Rebuild, Vec<Diagnostic>> {
        self.last = None;
        let config = &*ready.config;
        let mut problems: Vec<Diagnostic> = Vec::new();
        let mut letters: Vec<Arc<Letter>> = Vec::with_capacity(self.letters.len());
        for cached in self.letters.values() {
            match &cached.result {
                Ok(letter) => letters.push(letter.clone()),
                Err(ds) => problems.extend(ds.iter().cloned()),
            }
        }
        if may_share_doc_number_or_url(&letters) {
            let plain: Vec<&Letter> = letters.iter().map(|l| &**l).collect();
            problems.extend(load::check_across_refs(&plain));
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(problems);
        }

        let archive = archive::arrange(letters, config, self.mode);
        let plan = render::plan(&archive, config);
        let site = site_digest(self.config_digest, ready.theme.digest, self.mode);
        let fingerprints = render::fingerprints(&plan, &archive, config, site);
        let stale: Vec<u32> = (0..plan.len() as u32)
            .filter(|&i| {
                let i = i as usize;
                self.pages.fingerprint(&plan[i].path) != Some(fingerprints.values[i])
            })
            .collect();
        let arranged = Arranged {
            archive,
            plan,
            fingerprints: fingerprints.values,
            dependents: fingerprints.dependents,
        };
        self.finish(ready, arranged, stale, false, reparsed)
    }

    /// Renders the stale pages (positions in the plan) and keeps the result as the last good
    /// build. `same_plan`: the plan is the last good build's, so no page is gone or new.
    fn finish(
        &mut self,
        ready: &Ready,
        arranged: Arranged,
        stale: Vec<u32>,
        same_plan: bool,
        reparsed: usize,
    ) -> Result<Rebuild, Vec<Diagnostic>> {
        let (config, theme) = (&*ready.config, &*ready.theme);
        let (archive, plan) = (&arranged.archive, &arranged.plan);
        let stale: Vec<(&Page, u64)> = stale
            .into_iter()
            .map(|i| (&plan[i as usize], arranged.fingerprints[i as usize]))
            .collect();
        let rendered: Vec<Result<RenderedPage, Diagnostic>> = stale
            .par_iter()
            .map(|(page, fp)| {
                render::render(page, archive, config, theme)
                    .map(|html| (page.path.clone(), *fp, Arc::from(html)))
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

        // The search index: updated in place for the letters that changed, if it can be.
        let search = search_update(&self.pages, archive, config);
        let search_stale = search.is_none();
        let search_paths: HashSet<String> = match &search {
            Some(files) => files.iter().map(|(path, _)| path.clone()).collect(),
            // Kept as it is until `refresh_search`.
            None => self
                .pages
                .iter()
                .map(|(path, _)| path)
                .filter(|path| is_search_file(path))
                .map(str::to_owned)
                .collect(),
        };

        let mut next: Vec<Arc<PageMap>> = (*self.pages.0).clone();
        let mut changed: Vec<String> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        if same_plan && search.is_some() {
            // Search files gone (chunks renamed).
            removed = self
                .pages
                .iter()
                .map(|(path, _)| path)
                .filter(|path| is_search_file(path) && !search_paths.contains(*path))
                .map(str::to_owned)
                .collect();
        }
        if !same_plan {
            // The pages planned may differ from the last build's: drop those gone, and check and
            // put in the theme's files.
            let planned: HashSet<&str> = plan
                .iter()
                .map(|p| p.path.as_str())
                .chain(theme.assets.keys().map(String::as_str))
                .chain(search_paths.iter().map(String::as_str))
                .collect();
            removed = self
                .pages
                .iter()
                .filter(|(p, _)| !planned.contains(p))
                .map(|(p, _)| p.to_owned())
                .collect();
            let pages: HashSet<&str> = plan.iter().map(|p| p.path.as_str()).collect();
            for (path, bytes) in &theme.assets {
                if pages.contains(path.as_str()) {
                    // As `dafu build` says it.
                    return Err(vec![
                        Diagnostic::file(
                            format!("themes/{}/static/{path}", config.theme),
                            format!("this theme file would overwrite the generated page `{path}`"),
                        )
                        .with_hint("rename or remove the file from the theme's static folder"),
                    ]);
                }
                let fp = xxhash_rust::xxh3::xxh3_64(bytes);
                if self.pages.fingerprint(path) != Some(fp) {
                    changed.push(path.clone());
                    Output::insert(&mut next, path, (fp, Arc::from(bytes.as_slice())));
                }
            }
        }
        for (path, fp, bytes) in fresh {
            Output::insert(&mut next, &path, (fp, bytes));
            changed.push(path);
        }
        for (path, file) in search.into_iter().flatten() {
            if let Some((fp, bytes)) = file {
                Output::insert(&mut next, &path, (fp, bytes));
                changed.push(path);
            }
        }
        for path in &removed {
            Arc::make_mut(&mut next[shard(path)]).remove(path.as_str());
        }
        removed.sort();
        removed.dedup();
        changed.sort();
        let next = Output(Arc::new(next));
        let total_pages = next.len();
        self.search_stale = search_stale;
        self.builds += 1;
        self.pages = next;
        self.config = Some(ready.config.clone());
        self.last = Some(arranged);
        Ok(Rebuild {
            changed,
            removed,
            reparsed,
            total_pages,
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

    /// Serves a search index made by a [`SearchJob`], if no build came after the one it was made
    /// for (otherwise it is dropped: the next job makes the index of the newer build). Returns
    /// what changed.
    pub fn apply_search(&mut self, made: MadeSearch) -> Option<Rebuild> {
        if made.build != self.builds || !self.search_stale {
            return None;
        }
        let mut next: Vec<Arc<PageMap>> = (*self.pages.0).clone();
        let mut changed = Vec::new();
        let paths: HashSet<&str> = made
            .files
            .iter()
            .map(|(path, _, _)| path.as_str())
            .collect();
        let mut removed: Vec<String> = self
            .pages
            .iter()
            .map(|(path, _)| path)
            .filter(|path| is_search_file(path) && !paths.contains(path))
            .map(str::to_owned)
            .collect();
        for path in &removed {
            Arc::make_mut(&mut next[shard(path)]).remove(path.as_str());
        }
        for (path, fp, bytes) in made.files {
            if self.pages.fingerprint(&path) != Some(fp) {
                Output::insert(&mut next, &path, (fp, bytes));
                changed.push(path);
            }
        }
        changed.sort();
        removed.sort();
        let next = Output(Arc::new(next));
        let total_pages = next.len();
        self.pages = next;
        self.search_stale = false;
        Some(Rebuild {
            changed,
            removed,
            reparsed: 0,
            total_pages,
        })
    }

    /// Brings the letter cache up to date with the files on disk; returns how many were parsed.
    fn refresh_letters(
        &mut self,
        config: &SiteConfig,
        touched: &[PathBuf],
    ) -> Result<usize, Vec<Diagnostic>> {
        let files = load::letter_files(&self.root)?;
        let touched: std::collections::HashSet<&Path> =
            touched.iter().map(PathBuf::as_path).collect();
        let present: std::collections::HashSet<&Path> =
            files.iter().map(|(p, _)| p.as_path()).collect();
        self.letters
            .retain(|path, _| present.contains(path.as_path()));
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
        Ok(self.read_letters(config, to_read))
    }

    /// Reads and parses these letter files into the cache; returns how many changed.
    fn read_letters(
        &mut self,
        config: &SiteConfig,
        to_read: Vec<(PathBuf, PathBuf, Option<Stamp>)>,
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
                if let Some(old) = self.letters.get_mut(&path) {
                    old.stamp = cached.stamp;
                }
            } else {
                reparsed += 1;
                self.letters.insert(path, cached);
            }
        }
        reparsed
    }
}

/// Whether two letters may share a 文号 or a URL: a quick look by key, before the full check that
/// names them (which builds every URL and is too slow to run on each save of a large archive).
fn may_share_doc_number_or_url(letters: &[Arc<Letter>]) -> bool {
    let mut docs: HashSet<String> = HashSet::with_capacity(letters.len());
    let mut urls: HashSet<(i32, &str)> = HashSet::with_capacity(letters.len());
    for letter in letters {
        if let Some(doc) = &letter.doc_number
            && !docs.insert(load::normalise_doc_number(doc))
        {
            return true;
        }
        if !urls.insert((letter.year(), letter.slug.as_str())) {
            return true;
        }
    }
    false
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

/// A search index made by a [`SearchJob`]: every file, with its fingerprint.
pub struct MadeSearch {
    build: u64,
    files: Vec<(String, u64, Arc<[u8]>)>,
}

impl SearchJob {
    pub fn run(self) -> MadeSearch {
        let letter_fps: HashMap<String, u64> = search::letter_fingerprints(&self.archive)
            .into_iter()
            .collect();
        let files = search::build_index(&self.archive, &self.config)
            .into_iter()
            .map(|(path, bytes)| {
                let fp = search_fingerprint(&letter_fps, &path, &bytes);
                (path, fp, Arc::from(bytes))
            })
            .collect();
        MadeSearch {
            build: self.build,
            files,
        }
    }
}

/// Whether an output path is a file of the search index (the search page is not).
fn is_search_file(path: &str) -> bool {
    path.starts_with("search/") && path.ends_with(".z")
}

/// A search file's fingerprint: a letter result file's is the letter's (`search::letter_fingerprint`),
/// any other's its content's hash.
fn search_fingerprint(letter_fps: &HashMap<String, u64>, path: &str, bytes: &[u8]) -> u64 {
    letter_fps
        .get(path)
        .copied()
        .unwrap_or_else(|| xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The search index as the session holds it, for `search::update_index`.
struct HeldSearch<'a>(&'a Output);

impl search::Previous for HeldSearch<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).map(|bytes| bytes.to_vec())
    }

    fn contains(&self, path: &str) -> bool {
        self.0.contains(path)
    }
}

/// Every file of the search index after this build, updated in place from the one held: with its
/// fingerprint and bytes when they are new. `None` when it cannot be updated in place.
type SearchFiles = Vec<(String, Option<(u64, Arc<[u8]>)>)>;

fn search_update(held: &Output, archive: &Archive, config: &SiteConfig) -> Option<SearchFiles> {
    let letter_fps = search::letter_fingerprints(archive);
    let changed: Vec<usize> = letter_fps
        .iter()
        .enumerate()
        .filter(|(_, (path, fp))| held.fingerprint(path) != Some(*fp))
        .map(|(n, _)| n)
        .collect();
    let letter_fps: HashMap<String, u64> = letter_fps.into_iter().collect();
    let files = search::update_index(archive, config, &HeldSearch(held), &changed)?;
    Some(
        files
            .into_iter()
            .map(|(path, file)| match file {
                search::File::Kept => (path, None),
                search::File::New(bytes) => {
                    let fp = search_fingerprint(&letter_fps, &path, &bytes);
                    let new = (held.fingerprint(&path) != Some(fp)).then(|| (fp, Arc::from(bytes)));
                    (path, new)
                }
            })
            .collect(),
    )
}
