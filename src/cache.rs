//! The build cache: `dafu build --cache DIR`. CI saves DIR after a build and restores it before the
//! next; a rebuild then parses only the letters that changed and renders only the pages whose
//! fingerprint changed, and its output is byte for byte what a clean build gives (tested).
//!
//! DIR holds:
//! - `index.bin`: for each letter file, its stat stamp, content digest and the parsed letter without
//!   its body (all that arranging the archive and fingerprinting pages need); for each output file,
//!   its page fingerprint (`render::fingerprint`), content hash, SHA-256 for letter pages (the
//!   manifest), and the stat of its copy in `output/` and in the published folder; the stat of every
//!   published folder. A compact binary encoding (postcard): reading it is a few milliseconds.
//! - `output/`: the last published output. The published folder's files are hard links to these when
//!   both are on one file system, so keeping them costs no space and no copying.
//!
//! A letter whose stamp (size, times, inode) is unchanged is not even read; one whose text hashes to
//! the recorded digest is not parsed. Pages whose fingerprint is unchanged are reused as they are;
//! the few letters a re-rendered page shows the text of (`render::letters_shown`) are parsed again.
//!
//! Publishing stays all-or-nothing. When the output folder is exactly what the index recorded (the
//! stat of every file and folder checked), the changed files are first written beside their targets
//! and only then renamed over them, every step undone if one fails. Otherwise (first build, `public/`
//! deleted or edited by hand, many pages changed) a staging folder is filled, unchanged pages
//! hard-linked from `output/`, and swapped in whole, as without a cache. The index is only ever
//! replaced whole, and nothing it names is used unless its stat still matches, so an interrupted
//! build leaves a cache that is still safe to use.
//!
//! The cache is keyed by the dafu executable itself (a hash of its bytes) and the site config: a
//! different dafu or `site.yaml` starts from scratch (the theme is part of every page's fingerprint).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::archive::{self, Archive, Mode};
use crate::changes::{self, Base, Change, Changes};
use crate::config::SiteConfig;
use crate::diagnostic::Diagnostic;
use crate::letter::{self, Letter};
use crate::render::{self, Page, PageKind, Shown};
use crate::{BuildError, BuildOptions, BuildReport, load, manifest, output, source, theme};

const FORMAT: u32 = 1;
const INDEX_FILE: &str = "index.bin";
const OUTPUT_DIR: &str = "output";
const LOCK_FILE: &str = "lock";
const NEW: &str = ".dafu-new";
const OLD: &str = ".dafu-old";
/// A source file changed this close to the previous build's end is read again whatever its stamp.
const RACY_NS: i64 = 2_000_000_000;

/// The index, generic over how letters are held: owned when read, borrowed when written.
struct Index<L> {
    format: u32,
    /// Hash of the dafu executable that wrote it, and that file's stamp (to skip hashing it again).
    tool: String,
    tool_stamp: Option<SourceStamp>,
    /// Digest of the site config the letters were parsed with.
    config: u64,
    /// When it was written, nanoseconds since the epoch.
    written: i64,
    /// The folder (absolute) the output was last published to.
    published_to: Option<PathBuf>,
    letters: Vec<Record<L>>,
    /// Every output file by path.
    files: BTreeMap<String, FileEntry>,
    /// Every folder of the published output ("" for the output folder itself): a file added to or
    /// removed from a folder changes its stat.
    folders: Vec<(String, FileStamp)>,
    /// The encoded chunks of letters as read, to write again unchanged where their letters are.
    chunks: Vec<Chunk>,
}

/// A stored chunk of letter records, and what identifies its records (digest and stamp: the digest
/// covers the path and text, and records are dropped when the config changes).
struct Chunk {
    keys: Vec<(u64, Option<SourceStamp>)>,
    bytes: Vec<u8>,
}

/// How the index is stored: letters in chunks and the file list apart, each postcard-encoded on its
/// own, so that they are encoded and decoded in parallel.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    format: u32,
    tool: String,
    tool_stamp: Option<SourceStamp>,
    config: u64,
    written: i64,
    published_to: Option<PathBuf>,
    #[serde(borrow)]
    letters: Vec<Bytes<'a>>,
    #[serde(borrow)]
    files: Bytes<'a>,
    folders: Vec<(String, FileStamp)>,
}

/// Letters per chunk of the stored index.
const CHUNK: usize = 512;

/// Raw bytes in a serde format, borrowed when read.
struct Bytes<'a>(std::borrow::Cow<'a, [u8]>);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Bytes<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Bytes(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Bytes(std::borrow::Cow::Owned(v.to_vec())))
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

/// A letter as last parsed, without its body. (Boxed when read: letters are large, and are moved
/// several times on their way into the archive.)
#[derive(Serialize, Deserialize)]
struct Record<L> {
    stamp: Option<SourceStamp>,
    digest: u64,
    letter: L,
}

#[derive(Serialize, Deserialize, Clone)]
struct FileEntry {
    /// The page's fingerprint, or for other files a hash of what they are made from.
    fingerprint: u64,
    hash: (u64, u64),
    sha256: Option<[u8; 32]>,
    /// Stat of the copy under `output/`, and of the published copy.
    cached: FileStamp,
    published: FileStamp,
}

/// What a source file looked like: any write or replacement changes one of these.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
struct SourceStamp(u64, i64, i64, u64);

/// What an output file or folder looked like: size, modification time, inode. (Not the change time,
/// which a new hard link changes.)
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
struct FileStamp(u64, i64, u64);

#[cfg(unix)]
fn source_stamp(path: &Path) -> Option<SourceStamp> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).ok()?;
    Some(SourceStamp(
        m.len(),
        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        m.ctime() * 1_000_000_000 + m.ctime_nsec(),
        m.ino(),
    ))
}

/// Elsewhere every letter is read and hashed on every build.
#[cfg(not(unix))]
fn source_stamp(_: &Path) -> Option<SourceStamp> {
    None
}

#[cfg(unix)]
fn stamp_of(m: &fs::Metadata) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    FileStamp(m.len(), m.mtime() * 1_000_000_000 + m.mtime_nsec(), m.ino())
}

#[cfg(not(unix))]
fn stamp_of(m: &fs::Metadata) -> FileStamp {
    let ns = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    FileStamp(m.len(), ns, 0)
}

/// The stamp of a regular file (not a link to one).
fn file_stamp(path: &Path) -> Option<FileStamp> {
    let m = fs::symlink_metadata(path).ok()?;
    m.is_file().then(|| stamp_of(&m))
}

/// The stamp of a folder; its size is left out (it varies with what was once in it).
fn folder_stamp(path: &Path) -> Option<FileStamp> {
    let m = fs::symlink_metadata(path).ok()?;
    m.is_dir()
        .then(|| FileStamp(0, stamp_of(&m).1, stamp_of(&m).2))
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn split_hash(h: u128) -> (u64, u64) {
    ((h >> 64) as u64, h as u64)
}

fn join_hash((hi, lo): (u64, u64)) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

fn sha256_bytes(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8; 32]) -> String {
    manifest::hex(bytes)
}

/// Identifies this dafu: a hash of the executable, so that any other build of dafu, even of the same
/// version, starts from a fresh cache. The hash recorded in the index is reused while the executable
/// file's stamp is the same.
fn tool_id(recorded: Option<(&str, Option<SourceStamp>)>) -> (String, Option<SourceStamp>) {
    let Ok(exe) = std::env::current_exe() else {
        return (format!("dafu {}", env!("CARGO_PKG_VERSION")), None);
    };
    let stamp = source_stamp(&exe);
    if let Some((id, Some(recorded))) = recorded
        && stamp == Some(recorded)
    {
        return (id.to_owned(), stamp);
    }
    match fs::read(&exe) {
        Ok(bytes) => (
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes)),
            stamp,
        ),
        Err(_) => (format!("dafu {}", env!("CARGO_PKG_VERSION")), None),
    }
}

fn config_digest(config: &SiteConfig) -> u64 {
    xxhash_rust::xxh3::xxh3_64(serde_json::to_string(config).unwrap_or_default().as_bytes())
}

fn site_digest(tool: &str, config: u64, theme: u64, mode: Mode) -> u64 {
    let text = format!("{tool}:{config}:{theme}:{mode:?}");
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> BuildError {
    BuildError::Output(format!("cannot {what} `{}`: {e}", path.display()))
}

/// The absolute form of a path that may not exist yet (its parent is made absolute).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (fs::canonicalize(parent), path.file_name()) {
        (Ok(parent), Some(name)) => parent.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Phase timings on stderr when `DAFU_TIMINGS` is set, for the benchmark (bench/ci.sh).
struct Timings {
    on: bool,
    last: std::time::Instant,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            on: std::env::var_os("DAFU_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, phase: &str) {
        if self.on {
            use std::io::Write;
            let now = std::time::Instant::now();
            // Never fail the build over a closed stderr.
            let _ = writeln!(
                std::io::stderr(),
                "  {phase:<28} {:>7.1} ms",
                (now - self.last).as_secs_f64() * 1000.0
            );
            self.last = now;
        }
    }
}

/// One letter after the cache was consulted.
enum Loaded {
    /// Parsed this run: the whole letter.
    Parsed(Arc<Letter>, Option<SourceStamp>),
    /// Taken from the cache: the letter without its body.
    Cached(Arc<Letter>, Option<SourceStamp>),
    Failed(Vec<Diagnostic>),
}

/// A page rendered and written: its place in the plan, its hash, and its SHA-256 if it is a
/// letter's page.
type RenderedPage = (usize, u128, Option<[u8; 32]>);

/// Why a page was not rendered and written.
enum PageFailure {
    Template(Diagnostic),
    Output(BuildError),
}

/// An output file of this build.
struct OutFile {
    fingerprint: u64,
    hash: u128,
    sha256: Option<[u8; 32]>,
    content: Content,
}

enum Content {
    /// Unchanged: the copy under `output/` (and the published one) is it.
    Kept(FileStamp, FileStamp),
    /// New: written to `output/<path>.dafu-new` (see [`NewFiles`]).
    New,
}

/// New output files, written as soon as they are made to `output/<path>.dafu-new` in the cache,
/// where both ways of publishing take them from: a build holds no page in memory (a first build of
/// 10,000 letters held 230 MB of pages while it made the search index). Those still there when
/// this is dropped are removed: the build failed before publishing them, or they were published in
/// place and are the same as before.
struct NewFiles<'a> {
    cached: &'a Path,
    written: std::sync::Mutex<Vec<String>>,
}

impl<'a> NewFiles<'a> {
    fn new(cached: &'a Path) -> NewFiles<'a> {
        NewFiles {
            cached,
            written: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Writes a new output file; `path` is relative to the output root.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), BuildError> {
        let temp = with_suffix(&self.cached.join(path), NEW);
        if let Some(parent) = temp.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
        }
        fs::write(&temp, bytes).map_err(|e| io_error("write", &temp, e))?;
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_owned());
        Ok(())
    }
}

impl Drop for NewFiles<'_> {
    fn drop(&mut self) {
        let written = self.written.get_mut().unwrap_or_else(|e| e.into_inner());
        for path in written.iter() {
            let _ = fs::remove_file(with_suffix(&self.cached.join(path), NEW));
        }
    }
}

/// Builds with the cache in `dir`; writes the list of changes to `changes_file` if given.
pub fn build(
    options: &BuildOptions,
    dir: &Path,
    changes_file: Option<&Path>,
) -> Result<BuildReport, BuildError> {
    let mut timings = Timings::new();
    fs::create_dir_all(dir).map_err(|e| io_error("create the cache folder", dir, e))?;
    let dir = fs::canonicalize(dir).map_err(|e| io_error("open the cache folder", dir, e))?;
    let out = absolute(&options.out);
    if out.starts_with(&dir) || dir.starts_with(&out) {
        return Err(BuildError::Output(format!(
            "the cache folder `{}` and the output folder `{}` must not be inside one another",
            dir.display(),
            out.display()
        )));
    }
    output::check_target(&options.out, &options.root).map_err(BuildError::Output)?;
    let lock =
        fs::File::create(dir.join(LOCK_FILE)).map_err(|e| io_error("create a lock in", &dir, e))?;
    if lock.try_lock().is_err() {
        return Err(BuildError::Output(format!(
            "another dafu build is using the cache `{}`; wait for it to finish",
            dir.display()
        )));
    }

    let config = SiteConfig::from_root(&options.root).map_err(|d| BuildError::Content(vec![d]))?;
    let config_digest = config_digest(&config);
    let mode = crate::mode(options);
    let (index, listed) = rayon::join(
        || read_index(&dir).filter(|i| i.format == FORMAT),
        || list_letters(&options.root),
    );
    let listed = listed?;
    let (tool, tool_stamp) = tool_id(index.as_ref().map(|i| (i.tool.as_str(), i.tool_stamp)));
    let mut index = index.filter(|i| i.tool == tool);
    timings.lap("read index, tool id");

    let old_letters = match &mut index {
        Some(i) if i.config == config_digest => std::mem::take(&mut i.letters),
        _ => Vec::new(),
    };
    let settled = index.as_ref().map_or(i64::MIN, |i| i.written - RACY_NS);
    let (theme, loaded) = rayon::join(
        || theme::load(&options.root, &config.theme),
        || load_letters(listed, &config, old_letters, settled),
    );
    let (files, loaded) = loaded;
    let (theme, mut problems) = match theme {
        Ok(theme) => (Some(theme), Vec::new()),
        Err(problems) => (None, problems),
    };
    let mut letters: Vec<Arc<Letter>> = Vec::with_capacity(loaded.len());
    let mut stamps: Vec<Option<SourceStamp>> = Vec::with_capacity(loaded.len());
    let mut whole: BTreeSet<PathBuf> = BTreeSet::new();
    let mut parsed = 0;
    for item in loaded {
        match item {
            Loaded::Parsed(l, stamp) => {
                parsed += 1;
                whole.insert(l.source.clone());
                letters.push(l);
                stamps.push(stamp);
            }
            Loaded::Cached(l, stamp) => {
                letters.push(l);
                stamps.push(stamp);
            }
            Loaded::Failed(ds) => problems.extend(ds),
        }
    }
    timings.lap("theme, letters");
    // The output folder is checked against the index while the archive is arranged.
    let published_to = out.clone();
    let old_files = index.as_ref().map(|i| &i.files);
    let ((across, archive, plan), in_place_possible) = rayon::join(
        || {
            let refs: Vec<&Letter> = letters.iter().map(|l| &**l).collect();
            let across = load::check_across_refs(&refs);
            let archive = archive::arrange(letters.clone(), &config, mode);
            let plan = render::plan(&archive, &config);
            (across, archive, plan)
        },
        // Is the output folder exactly as published last time? Then unchanged files need no
        // other check.
        || {
            index.as_ref().is_some_and(|i| {
                i.published_to.as_deref() == Some(published_to.as_path())
                    && published_as_recorded(&out, &i.files, &i.folders)
            })
        },
    );
    let mut archive = archive;
    problems.extend(across);
    let Some(theme) = theme.filter(|_| problems.is_empty()) else {
        problems.sort();
        return Err(BuildError::Content(problems));
    };
    let collisions = crate::asset_collisions(&theme, &plan, &config);
    if !collisions.is_empty() {
        return Err(BuildError::Content(collisions));
    }
    timings.lap("arrange, verify output");

    // Which pages can be kept: same fingerprint, and the copy under output/ is as recorded.
    let site = site_digest(&tool, config_digest, theme.digest, mode);
    let cached_dir = dir.join(OUTPUT_DIR);
    let kept = |path: &str, fingerprint: u64| -> Option<FileEntry> {
        let entry = old_files?.get(path)?;
        let intact = if in_place_possible && entry.cached == entry.published {
            true
        } else {
            file_stamp(&cached_dir.join(path)) == Some(entry.cached)
        };
        (entry.fingerprint == fingerprint && intact).then(|| entry.clone())
    };
    let decided: Vec<(u64, Option<FileEntry>)> = plan
        .par_iter()
        .map(|page| {
            let fp = render::fingerprint(page, &archive, &config, site);
            (fp, kept(&page.path, fp))
        })
        .collect();
    let stale: Vec<&Page> = plan
        .iter()
        .zip(&decided)
        .filter(|(_, (_, kept))| kept.is_none())
        .map(|(page, _)| page)
        .collect();
    timings.lap("fingerprints");
    parsed += hydrate(&mut archive, &stale, &whole, &files, &config)?;
    timings.lap("parse shown letters");

    let new_files = NewFiles::new(&cached_dir);
    // Each page written as it is rendered: (hash, SHA-256 for a letter page).
    let rendered: Vec<Result<RenderedPage, PageFailure>> = plan
        .par_iter()
        .enumerate()
        .filter(|(i, _)| decided[*i].1.is_none())
        .map(|(i, page)| {
            let html = render::render(page, &archive, &config, &theme)
                .map_err(|e| PageFailure::Template(theme.error(&e)))?;
            new_files
                .write(&page.path, &html)
                .map_err(PageFailure::Output)?;
            let is_letter = matches!(page.kind, PageKind::Letter(_));
            let sha256 = is_letter.then(|| sha256_bytes(&html));
            Ok((i, changes::content_hash(&html), sha256))
        })
        .collect();
    let mut fresh: HashMap<usize, (u128, Option<[u8; 32]>)> =
        HashMap::with_capacity(rendered.len());
    let mut template_errors: Vec<Diagnostic> = Vec::new();
    for result in rendered {
        match result {
            Ok((i, hash, sha256)) => {
                fresh.insert(i, (hash, sha256));
            }
            Err(PageFailure::Template(d)) if !template_errors.contains(&d) => {
                template_errors.push(d)
            }
            Err(PageFailure::Template(_)) => {}
            Err(PageFailure::Output(e)) => return Err(e),
        }
    }
    if !template_errors.is_empty() {
        template_errors.sort();
        return Err(BuildError::Content(template_errors));
    }
    let rendered_count = fresh.len();
    timings.lap("render");

    // Every output file of this build.
    let mut files_out: BTreeMap<String, OutFile> = BTreeMap::new();
    for (i, (page, (fp, kept))) in plan.iter().zip(decided).enumerate() {
        let is_letter = matches!(page.kind, PageKind::Letter(_));
        let file = match (kept, fresh.remove(&i)) {
            (Some(entry), _) => {
                let sha256 = match entry.sha256 {
                    None if is_letter => {
                        let path = cached_dir.join(&page.path);
                        let bytes = fs::read(&path).map_err(|e| io_error("read", &path, e))?;
                        Some(sha256_bytes(&bytes))
                    }
                    other => other,
                };
                OutFile {
                    fingerprint: fp,
                    hash: join_hash(entry.hash),
                    sha256,
                    content: Content::Kept(entry.cached, entry.published),
                }
            }
            (None, Some((hash, sha256))) => OutFile {
                fingerprint: fp,
                hash,
                sha256,
                content: Content::New,
            },
            (None, None) => unreachable!("every page is kept or rendered"),
        };
        files_out.insert(page.path.clone(), file);
    }
    timings.lap("output list");
    // The manifest, made again only when a letter page or the site changed.
    let manifest_fp = {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&site.to_le_bytes());
        for l in &archive.letters {
            h.update(&l.digest.to_le_bytes());
            let page = files_out.get(&format!("{}index.html", l.url_path()));
            h.update(
                page.and_then(|f| f.sha256.as_ref())
                    .map_or(&[][..], |s| &s[..]),
            );
        }
        h.digest()
    };
    timings.lap("manifest fingerprint");
    let manifest_kept = kept(manifest::MANIFEST_FILE, manifest_fp);
    let manifest_bytes = match &manifest_kept {
        Some(_) => None,
        None => {
            // The previous manifest's line of a letter is still right if the letter was taken from
            // the cache (so the same config and text) and its page has the same bytes.
            let previous = old_files
                .and_then(|f| f.get(manifest::MANIFEST_FILE))
                .filter(|e| file_stamp(&cached_dir.join(manifest::MANIFEST_FILE)) == Some(e.cached))
                .and_then(|_| fs::read(cached_dir.join(manifest::MANIFEST_FILE)).ok())
                .unwrap_or_default();
            let lines = manifest::lines(&previous);
            let sources: HashMap<String, &Path> = archive
                .letters
                .iter()
                .map(|l| (format!("{}index.html", l.url_path()), l.source.as_path()))
                .collect();
            let reuse = |path: &str| -> Option<Vec<u8>> {
                let line = lines.get(path)?;
                let source = sources.get(path)?;
                let old = old_files?.get(path)?.sha256?;
                let new = files_out.get(path)?.sha256?;
                (old == new && !whole.contains(*source)).then(|| line.to_vec())
            };
            let sha256 = |path: &str| files_out.get(path).and_then(|f| f.sha256.as_ref()).map(hex);
            Some(manifest::render_reusing(&archive, &config, &sha256, &reuse))
        }
    };
    // Every page is written: the letters' HTML is not read again, and the search index can use its
    // memory, as in `crate::publish`. The cache's records keep the letters without their bodies:
    // given copies without them, they leave the archive's letters to be changed.
    for letter in letters.iter_mut().filter(|l| !l.body_html.is_empty()) {
        let mut bare = (**letter).clone();
        bare.body_html = String::new();
        bare.body_text = String::new();
        *letter = Arc::new(bare);
    }
    for letter in archive.letters.iter_mut().chain(&mut archive.unlisted) {
        if let Some(letter) = Arc::get_mut(letter) {
            letter.body_html = String::new();
        }
    }
    // The search index: letter n's result file is kept while its fingerprint is; the term chunks
    // are updated from the previous ones for the letters that changed (`search::update_index`),
    // or, when that is not possible, made again from every letter.
    let previous = CachedSearch {
        dir: &cached_dir,
        files: old_files,
        in_place_possible,
    };
    let letter_fps = crate::search::letter_fingerprints(&archive);
    let changed: Vec<usize> = letter_fps
        .iter()
        .enumerate()
        .filter(|(_, (path, fp))| kept(path, *fp).is_none())
        .map(|(n, _)| n)
        .collect();
    let indexed: Vec<usize> = (0..archive.letters.len())
        .filter(|&i| !archive.letters[i].draft)
        .collect();
    let needed = changed.iter().map(|&n| Shown::Listed(indexed[n])).collect();
    parsed += hydrate_shown(&mut archive, needed, &whole, &files, &config)?;
    let updated =
        old_files.and_then(|_| crate::search::update_index(&archive, &config, &previous, &changed));
    let search_files: Vec<(String, crate::search::File)> = match updated {
        Some(update) => update.into_files(),
        None => {
            parsed += hydrate_all(&mut archive, &whole, &files, &config)?;
            crate::search::build_index(&archive, &config)
                .into_iter()
                .map(|(path, bytes)| (path, crate::search::File::New(bytes)))
                .collect()
        }
    };
    let letter_fps: HashMap<&str, u64> = letter_fps.iter().map(|(p, f)| (p.as_str(), *f)).collect();
    let search_files: Vec<ExtraFile> = search_files
        .into_iter()
        .map(|(path, file)| match file {
            crate::search::File::Kept => {
                let entry = previous.intact(&path).cloned();
                let fp = entry.as_ref().map_or(0, |e| e.fingerprint);
                (path, fp, entry, None)
            }
            crate::search::File::New(bytes) => {
                let fp = letter_fps
                    .get(path.as_str())
                    .copied()
                    .unwrap_or_else(|| xxhash_rust::xxh3::xxh3_64(&bytes));
                (path, fp, None, Some(bytes))
            }
        })
        .collect();
    timings.lap("search index");
    let extra = std::iter::once((
        manifest::MANIFEST_FILE.to_owned(),
        manifest_fp,
        manifest_kept,
        manifest_bytes,
    ))
    .chain(search_files)
    .chain(theme.assets.iter().map(|(path, bytes)| {
        let fp = xxhash_rust::xxh3::xxh3_64(bytes);
        (path.clone(), fp, kept(path, fp), Some(bytes.clone()))
    }))
    .collect::<Vec<_>>();
    let extra_files = extra
        .into_par_iter()
        .map(|(path, fp, kept, bytes)| {
            let file = match (kept, bytes) {
                (Some(entry), _) => OutFile {
                    fingerprint: fp,
                    hash: join_hash(entry.hash),
                    sha256: None,
                    content: Content::Kept(entry.cached, entry.published),
                },
                (None, Some(bytes)) => {
                    new_files.write(&path, &bytes)?;
                    OutFile {
                        fingerprint: fp,
                        hash: changes::content_hash(&bytes),
                        sha256: None,
                        content: Content::New,
                    }
                }
                (None, None) => {
                    return Err(BuildError::Output(format!(
                        "`{path}` of the last build changed while this one ran; run the build again"
                    )));
                }
            };
            Ok((path, file))
        })
        .collect::<Result<Vec<(String, OutFile)>, BuildError>>()?;
    files_out.extend(extra_files);
    timings.lap("manifest, assets");

    // What changed since the previous output, for --changes and for publishing in place.
    let new_hashes: BTreeMap<&str, u128> = files_out
        .iter()
        .map(|(p, f)| (p.as_str(), f.hash))
        .collect();
    let in_output = match (&index, out.is_dir()) {
        (None, true) => changes::hash_tree(&out).map_err(BuildError::Output)?,
        _ => BTreeMap::new(),
    };
    let (base, old_hashes): (Base, BTreeMap<&str, u128>) = match (&index, out.is_dir()) {
        (Some(i), _) => (
            Base::Cache,
            i.files
                .iter()
                .map(|(p, e)| (p.as_str(), join_hash(e.hash)))
                .collect(),
        ),
        (None, true) => (
            Base::Output,
            in_output.iter().map(|(p, h)| (p.as_str(), *h)).collect(),
        ),
        (None, false) => (Base::None, BTreeMap::new()),
    };
    let changes = Changes::between(base, &old_hashes, &new_hashes);
    timings.lap("changes");

    let in_place = in_place_possible && changes.files.len() <= (files_out.len() / 4).max(64);
    // Files of the previous output that are gone, to delete from output/ (unknown without an index,
    // or after an interrupted build may have left others: then output/ is searched).
    let removed = || {
        index.as_ref().map(|i| {
            i.files
                .keys()
                .filter(|p| !files_out.contains_key(*p))
                .map(String::as_str)
                .collect::<Vec<_>>()
        })
    };
    let in_place_result = in_place
        .then(|| publish_in_place(&out, &cached_dir, &files_out, &changes).ok())
        .flatten();
    let in_place = in_place_result.is_some();
    let published = match in_place_result {
        Some(stamps) => stamps,
        // Not possible, or whatever stopped it was undone: publish the whole folder instead.
        None => publish_whole(options, &out, &cached_dir, &files_out, removed())?,
    };
    timings.lap(if in_place {
        "publish in place"
    } else {
        "publish whole"
    });

    let known = match &index {
        Some(i) if in_place => untouched_folders(&i.folders, &changes),
        _ => HashMap::new(),
    };
    let folders = folder_stamps(&out, files_out.keys(), &known);
    timings.lap("folder stamps");
    let new_index = Index {
        format: FORMAT,
        tool,
        tool_stamp,
        config: config_digest,
        written: now_ns(),
        published_to: Some(published_to),
        letters: letters
            .iter()
            .zip(stamps)
            .map(|(l, stamp)| Record {
                stamp,
                digest: l.digest,
                letter: Box::new(&**l),
            })
            .collect(),
        files: files_out
            .into_iter()
            .map(|(path, f)| {
                let (cached, published) = published.get(&path).copied().unwrap_or_default();
                let entry = FileEntry {
                    fingerprint: f.fingerprint,
                    hash: split_hash(f.hash),
                    sha256: f.sha256,
                    cached,
                    published,
                };
                (path, entry)
            })
            .collect(),
        folders,
        chunks: Vec::new(),
    };
    timings.lap("index in memory");
    // Records parsed with another config are not the same records, whatever their keys.
    let previous_chunks = index
        .filter(|i| i.config == config_digest)
        .map(|i| i.chunks)
        .unwrap_or_default();
    let bytes = encode_index(&new_index, &previous_chunks)
        .map_err(|e| BuildError::Output(format!("cannot write the cache index: {e}")))?;
    timings.lap("encode index");
    changes::write_atomically(&dir.join(INDEX_FILE), &bytes).map_err(BuildError::Output)?;
    timings.lap("write index");
    if let Some(path) = changes_file {
        changes
            .write(path)
            .map_err(|e| BuildError::Output(format!("{e} (the site itself was published)")))?;
    }
    Ok(BuildReport {
        letters: archive.letters.len(),
        withheld: archive.withheld,
        pages: plan.len(),
        assets: theme.assets.len(),
        rendered: rendered_count,
        parsed,
        changes: changes_file.map(|_| changes.counts()),
    })
}

fn read_index(dir: &Path) -> Option<Index<Box<Letter>>> {
    let bytes = fs::read(dir.join(INDEX_FILE)).ok()?;
    let stored: Stored = postcard::from_bytes(&bytes).ok()?;
    if stored.format != FORMAT {
        return None;
    }
    let (files, letters) = rayon::join(
        || postcard::from_bytes::<BTreeMap<String, FileEntry>>(&stored.files.0).ok(),
        || {
            stored
                .letters
                .par_iter()
                .map(|chunk| postcard::from_bytes::<Vec<Record<Box<Letter>>>>(&chunk.0).ok())
                .collect::<Option<Vec<_>>>()
        },
    );
    let letters = letters?;
    let chunks = letters
        .iter()
        .zip(&stored.letters)
        .map(|(records, bytes)| Chunk {
            keys: records.iter().map(|r| (r.digest, r.stamp)).collect(),
            bytes: bytes.0.to_vec(),
        })
        .collect();
    Some(Index {
        chunks,
        format: stored.format,
        tool: stored.tool,
        tool_stamp: stored.tool_stamp,
        config: stored.config,
        written: stored.written,
        published_to: stored.published_to,
        letters: letters.into_iter().flatten().collect(),
        files: files?,
        folders: stored.folders,
    })
}

/// Encodes the index; `previous` chunks are written again as they were where their letters are the
/// same (usually all but the one holding the edited letter).
fn encode_index<L: Serialize + Sync>(
    index: &Index<L>,
    previous: &[Chunk],
) -> postcard::Result<Vec<u8>> {
    let (files, letters) = rayon::join(
        || postcard::to_stdvec(&index.files),
        || {
            index
                .letters
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(k, records)| {
                    let same = previous.get(k).is_some_and(|old| {
                        old.keys.len() == records.len()
                            && old
                                .keys
                                .iter()
                                .zip(records)
                                .all(|(key, r)| *key == (r.digest, r.stamp))
                    });
                    if same {
                        Ok(previous[k].bytes.clone())
                    } else {
                        postcard::to_stdvec(records)
                    }
                })
                .collect::<postcard::Result<Vec<_>>>()
        },
    );
    let stored = Stored {
        format: index.format,
        tool: index.tool.clone(),
        tool_stamp: index.tool_stamp,
        config: index.config,
        written: index.written,
        published_to: index.published_to.clone(),
        letters: letters?
            .into_iter()
            .map(|c| Bytes(std::borrow::Cow::Owned(c)))
            .collect(),
        files: Bytes(std::borrow::Cow::Owned(files?)),
        folders: index.folders.clone(),
    };
    postcard::to_stdvec(&stored)
}

/// Letter file shown path → full path.
type LetterFiles = HashMap<PathBuf, PathBuf>;

/// Every letter file with its stamp: (full path, path shown, stamp).
type Listed = Vec<(PathBuf, PathBuf, Option<SourceStamp>)>;

fn list_letters(root: &Path) -> Result<Listed, BuildError> {
    let files = load::letter_files(root).map_err(BuildError::Content)?;
    Ok(files
        .into_par_iter()
        .map(|(path, shown)| {
            let stamp = source_stamp(&path);
            (path, shown, stamp)
        })
        .collect())
}

/// Every letter file: unchanged ones from the index's records, the others read and parsed. Also
/// returns the letter files.
fn load_letters(
    listed: Listed,
    config: &SiteConfig,
    records: Vec<Record<Box<Letter>>>,
    settled: i64,
) -> (LetterFiles, Vec<Loaded>) {
    let mut records: HashMap<PathBuf, Record<Box<Letter>>> = records
        .into_iter()
        .map(|r| (r.letter.source.clone(), r))
        .collect();
    type Work<'a> = (
        &'a PathBuf,
        &'a PathBuf,
        Option<SourceStamp>,
        Option<Record<Box<Letter>>>,
    );
    let work: Vec<Work> = listed
        .iter()
        .map(|(path, shown, stamp)| (path, shown, *stamp, records.remove(shown)))
        .collect();
    let loaded = work
        .into_par_iter()
        .map(|(path, shown, stamp, record)| {
            let unchanged = |s: SourceStamp| s.1 < settled && s.2 < settled;
            let record = match record {
                Some(record) if stamp.is_some_and(unchanged) && record.stamp == stamp => {
                    return Loaded::Cached(record_letter(record), stamp);
                }
                other => other,
            };
            let text = match source::read_text(path, shown) {
                Ok(text) => text,
                Err(d) => return Loaded::Failed(vec![d]),
            };
            if let Some(record) = record
                && record.digest == letter::digest(shown, &text)
            {
                return Loaded::Cached(record_letter(record), stamp);
            }
            match Letter::parse(&text, shown, config) {
                Ok(letter) => Loaded::Parsed(Arc::new(letter), stamp),
                Err(ds) => Loaded::Failed(ds),
            }
        })
        .collect();
    let files = listed
        .into_iter()
        .map(|(full, shown, _)| (shown, full))
        .collect();
    (files, loaded)
}

fn record_letter(record: Record<Box<Letter>>) -> Arc<Letter> {
    let mut letter = *record.letter;
    letter.digest = record.digest;
    Arc::new(letter)
}

/// A file besides the pages: path, fingerprint, the previous build's entry if it is kept as it is,
/// or else its new bytes.
type ExtraFile = (String, u64, Option<FileEntry>, Option<Vec<u8>>);

/// The previous build's search index files, as kept under the cache's `output/`: only those still
/// as recorded are offered.
struct CachedSearch<'a> {
    dir: &'a Path,
    files: Option<&'a BTreeMap<String, FileEntry>>,
    /// The published folder is as recorded (then so are the cached copies it links to).
    in_place_possible: bool,
}

impl CachedSearch<'_> {
    fn intact(&self, path: &str) -> Option<&FileEntry> {
        let entry = self.files?.get(path)?;
        let ok = (self.in_place_possible && entry.cached == entry.published)
            || file_stamp(&self.dir.join(path)) == Some(entry.cached);
        ok.then_some(entry)
    }
}

impl crate::search::Previous for CachedSearch<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.intact(path)?;
        fs::read(self.dir.join(path)).ok()
    }

    fn contains(&self, path: &str) -> bool {
        self.intact(path).is_some()
    }
}

/// Parses again the cached letters whose text the `stale` pages show; returns how many.
fn hydrate(
    archive: &mut Archive,
    stale: &[&Page],
    whole: &BTreeSet<PathBuf>,
    files: &LetterFiles,
    config: &SiteConfig,
) -> Result<usize, BuildError> {
    let mut needed: BTreeSet<Shown> = BTreeSet::new();
    for page in stale {
        needed.extend(render::letters_shown(page, archive, config));
    }
    hydrate_shown(archive, needed, whole, files, config)
}

/// Parses again every published letter that came from the cache (for the search index, which
/// needs every letter's text).
fn hydrate_all(
    archive: &mut Archive,
    whole: &BTreeSet<PathBuf>,
    files: &LetterFiles,
    config: &SiteConfig,
) -> Result<usize, BuildError> {
    let needed: BTreeSet<Shown> = (0..archive.letters.len()).map(Shown::Listed).collect();
    hydrate_shown(archive, needed, whole, files, config)
}

fn hydrate_shown(
    archive: &mut Archive,
    needed: BTreeSet<Shown>,
    whole: &BTreeSet<PathBuf>,
    files: &LetterFiles,
    config: &SiteConfig,
) -> Result<usize, BuildError> {
    let letter_of = |archive: &Archive, shown: Shown| match shown {
        Shown::Listed(i) => archive.letters[i].clone(),
        Shown::Unlisted(i) => archive.unlisted[i].clone(),
    };
    let needed: Vec<(Shown, Arc<Letter>)> = needed
        .into_iter()
        .map(|s| (s, letter_of(archive, s)))
        .filter(|(_, l)| !whole.contains(&l.source))
        .collect();
    let parsed: Vec<Result<(Shown, Arc<Letter>), BuildError>> = needed
        .par_iter()
        .map(|(shown, light)| {
            let full_path = files.get(&light.source).cloned().unwrap_or_default();
            let text = source::read_text(&full_path, &light.source)
                .map_err(|d| BuildError::Content(vec![d]))?;
            if letter::digest(&light.source, &text) != light.digest {
                return Err(BuildError::Content(vec![
                    Diagnostic::file(
                        &light.source,
                        "the file changed while the site was being built",
                    )
                    .with_hint("run the build again"),
                ]));
            }
            let full = Letter::parse(&text, &light.source, config).map_err(BuildError::Content)?;
            Ok((*shown, archive::redact(Arc::new(full))))
        })
        .collect();
    let count = parsed.len();
    for result in parsed {
        let (shown, letter) = result?;
        match shown {
            Shown::Listed(i) => archive.letters[i] = letter,
            Shown::Unlisted(i) => archive.unlisted[i] = letter,
        }
    }
    Ok(count)
}

/// The folders holding `files` ("" for `out` itself), with their stamps. `known` holds stamps still
/// right (folders nothing was added to or removed from), which are not looked up again.
fn folder_stamps<'a>(
    out: &Path,
    files: impl Iterator<Item = &'a String>,
    known: &HashMap<&str, FileStamp>,
) -> Vec<(String, FileStamp)> {
    let mut folders: BTreeSet<&str> = BTreeSet::from([""]);
    for file in files {
        let mut rest = file.as_str();
        while let Some(cut) = rest.rfind('/') {
            rest = &rest[..cut];
            if !folders.insert(rest) {
                break;
            }
        }
    }
    folders
        .into_par_iter()
        .map(|f| {
            let stamp = known
                .get(f)
                .copied()
                .or_else(|| folder_stamp(&out.join(f)))
                .unwrap_or_default();
            (f.to_owned(), stamp)
        })
        .collect()
}

/// The folders whose stamps publishing in place left as they were: all but the ancestors of the
/// files it added, replaced or removed.
fn untouched_folders<'a>(
    previous: &'a [(String, FileStamp)],
    changes: &Changes,
) -> HashMap<&'a str, FileStamp> {
    let mut touched: BTreeSet<&str> = BTreeSet::from([""]);
    for (_, path) in &changes.files {
        let mut rest = path.as_str();
        while let Some(cut) = rest.rfind('/') {
            rest = &rest[..cut];
            touched.insert(rest);
        }
    }
    previous
        .iter()
        .filter(|(f, _)| !touched.contains(f.as_str()))
        .map(|(f, stamp)| (f.as_str(), *stamp))
        .collect()
}

/// Whether the output folder holds exactly the files the index recorded, each as recorded: every
/// file's stat, and every folder's (a file added or removed changes its folder's modification time).
fn published_as_recorded(
    out: &Path,
    files: &BTreeMap<String, FileEntry>,
    folders: &[(String, FileStamp)],
) -> bool {
    let folders_ok = folders
        .par_iter()
        .all(|(folder, stamp)| folder_stamp(&out.join(folder)) == Some(*stamp));
    folders_ok
        && files
            .par_iter()
            .all(|(path, entry)| file_stamp(&out.join(path)) == Some(entry.published))
}

/// Hard-links `from` to `to`, or copies it where links cannot be made (another file system).
fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(_) => fs::copy(from, to).map(|_| ()),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Removes `path`'s parent folders up to `root` while they are empty.
fn prune_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Stats of an output file after publishing: (copy under output/, published copy).
type PublishedStamps = (FileStamp, FileStamp);

/// Stats of every output file after publishing.
type Published = HashMap<String, PublishedStamps>;

/// Publishes through a staging folder swapped in whole: new files written, unchanged ones linked
/// from `cached` (copied across file systems). Then brings `cached` in line with what was published;
/// `removed` names the files of the previous output that are gone (`None`: not known, look).
fn publish_whole(
    options: &BuildOptions,
    out: &Path,
    cached: &Path,
    files: &BTreeMap<String, OutFile>,
    removed: Option<Vec<&str>>,
) -> Result<Published, BuildError> {
    let staging =
        output::Staging::create(&options.out, &options.root).map_err(BuildError::Output)?;
    let staged = staging.path().to_path_buf();
    // Folders first, parents before children, once each.
    let mut folders: BTreeSet<&str> = BTreeSet::new();
    for path in files.keys() {
        let mut rest = path.as_str();
        while let Some(cut) = rest.rfind('/') {
            rest = &rest[..cut];
            if !folders.insert(rest) {
                break;
            }
        }
    }
    for folder in &folders {
        let dir = staged.join(folder);
        fs::create_dir(&dir).map_err(|e| io_error("create", &dir, e))?;
    }
    let entries: Vec<(&String, &OutFile)> = files.iter().collect();
    // Whether each kept file could be linked (sharing the cached copy's inode and stamp).
    let linked: Vec<Result<bool, BuildError>> = entries
        .par_iter()
        .map(|&(path, file)| {
            let to = staged.join(path);
            let result = match &file.content {
                Content::New => {
                    link_or_copy(&with_suffix(&cached.join(path), NEW), &to).map(|()| false)
                }
                Content::Kept(..) => match fs::hard_link(cached.join(path), &to) {
                    Ok(()) => Ok(true),
                    Err(_) => fs::copy(cached.join(path), &to).map(|_| false),
                },
            };
            result.map_err(|e| io_error("write", &to, e))
        })
        .collect();
    let linked: Vec<bool> = linked.into_iter().collect::<Result<_, _>>()?;
    staging.publish().map_err(BuildError::Output)?;

    // output/ follows: new files linked in from the published folder, stale ones removed.
    let stamps: Vec<Result<(String, PublishedStamps), BuildError>> = entries
        .par_iter()
        .zip(linked)
        .map(|(&(path, file), linked)| {
            let published = out.join(path);
            let copy = cached.join(path);
            let missing = || BuildError::Output(format!("`{}` vanished", published.display()));
            match &file.content {
                &Content::Kept(cached_stamp, _) if linked => {
                    Ok((path.clone(), (cached_stamp, cached_stamp)))
                }
                &Content::Kept(cached_stamp, _) => {
                    let p = file_stamp(&published).ok_or_else(missing)?;
                    Ok((path.clone(), (cached_stamp, p)))
                }
                Content::New => {
                    // Written before, and linked (or copied) into the published folder.
                    fs::rename(with_suffix(&copy, NEW), &copy)
                        .map_err(|e| io_error("write", &copy, e))?;
                    let p = file_stamp(&published).ok_or_else(missing)?;
                    let c = file_stamp(&copy).ok_or_else(missing)?;
                    Ok((path.clone(), (c, p)))
                }
            }
        })
        .collect();
    let stamps: Published = stamps.into_iter().collect::<Result<_, _>>()?;
    match removed {
        Some(removed) => {
            for path in removed {
                let copy = cached.join(path);
                let _ = fs::remove_file(&copy);
                prune_empty_parents(cached, &copy);
            }
        }
        None => remove_strays(cached, files),
    }
    Ok(stamps)
}

/// Deletes files under `cached` that are not output files any more (and what interrupted builds
/// left there).
fn remove_strays(cached: &Path, files: &BTreeMap<String, OutFile>) {
    let strays: Vec<PathBuf> = walkdir::WalkDir::new(cached)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter(|e| {
            let rel = e.path().strip_prefix(cached).unwrap_or(e.path());
            !files.contains_key(&crate::diagnostic::display_path(rel))
        })
        .map(|e| e.path().to_path_buf())
        .collect();
    for stray in strays {
        let _ = fs::remove_file(&stray);
        prune_empty_parents(cached, &stray);
    }
}

/// One step of publishing in place, kept so it can be undone.
enum Step {
    /// `path` did not exist; the new file was renamed there.
    Added(PathBuf),
    /// The old file was linked to `path.dafu-old`, then the new one renamed over `path`.
    Replaced(PathBuf),
    /// The old file was renamed to `path.dafu-old`.
    Removed(PathBuf),
}

/// Publishes the changed files into the output folder itself, which holds exactly the previous
/// output (checked by the caller). Each new file is first written beside its target in both trees
/// (output/ and the output folder); only when all are written are they renamed into place. If any
/// step fails, every step already taken is undone, and the output folder is as it was.
fn publish_in_place(
    out: &Path,
    cached: &Path,
    files: &BTreeMap<String, OutFile>,
    changes: &Changes,
) -> Result<Published, String> {
    let mut prepared: Vec<PathBuf> = Vec::new();
    let prepare = |prepared: &mut Vec<PathBuf>| -> io::Result<()> {
        for (change, path) in &changes.files {
            if *change == Change::Removed {
                continue;
            }
            let Some(OutFile {
                content: Content::New,
                ..
            }) = files.get(path)
            else {
                return Err(io::Error::other(format!("no new content for `{path}`")));
            };
            // Written before (see `NewFiles`), and left for publishing whole if this fails.
            let copy = with_suffix(&cached.join(path), NEW);
            let public = with_suffix(&out.join(path), NEW);
            if let Some(parent) = public.parent() {
                fs::create_dir_all(parent)?;
            }
            prepared.push(public.clone());
            link_or_copy(&copy, &public)?;
        }
        Ok(())
    };
    let undo_prepared = |prepared: &[PathBuf]| {
        for p in prepared {
            let _ = fs::remove_file(p);
            prune_empty_parents(out, p);
            prune_empty_parents(cached, p);
        }
    };
    if let Err(e) = prepare(&mut prepared) {
        undo_prepared(&prepared);
        return Err(e.to_string());
    }

    let mut steps: Vec<Step> = Vec::new();
    let commit = |steps: &mut Vec<Step>| -> io::Result<()> {
        for (change, path) in &changes.files {
            let target = out.join(path);
            match change {
                Change::Added => {
                    fs::rename(with_suffix(&target, NEW), &target)?;
                    steps.push(Step::Added(target));
                }
                Change::Modified => {
                    let old = with_suffix(&target, OLD);
                    let _ = fs::remove_file(&old);
                    fs::hard_link(&target, &old)?;
                    if let Err(e) = fs::rename(with_suffix(&target, NEW), &target) {
                        let _ = fs::remove_file(&old);
                        return Err(e);
                    }
                    steps.push(Step::Replaced(target));
                }
                Change::Removed => {
                    fs::rename(&target, with_suffix(&target, OLD))?;
                    steps.push(Step::Removed(target));
                }
            }
        }
        Ok(())
    };
    if let Err(e) = commit(&mut steps) {
        for step in steps.into_iter().rev() {
            match step {
                Step::Added(target) => {
                    let _ = fs::remove_file(&target);
                }
                Step::Replaced(target) | Step::Removed(target) => {
                    let _ = fs::rename(with_suffix(&target, OLD), &target);
                }
            }
        }
        undo_prepared(&prepared);
        return Err(e.to_string());
    }

    // Published. Tidy up, and bring output/ in line.
    for step in &steps {
        match step {
            Step::Added(_) => {}
            Step::Replaced(target) => {
                let _ = fs::remove_file(with_suffix(target, OLD));
            }
            Step::Removed(target) => {
                let _ = fs::remove_file(with_suffix(target, OLD));
                prune_empty_parents(out, target);
            }
        }
    }
    for (change, path) in &changes.files {
        let copy = cached.join(path);
        if *change == Change::Removed {
            let _ = fs::remove_file(&copy);
            prune_empty_parents(cached, &copy);
        } else {
            fs::rename(with_suffix(&copy, NEW), &copy)
                .map_err(|e| format!("cannot update `{}`: {e}", copy.display()))?;
        }
    }
    let stamps: Published = files
        .par_iter()
        .map(|(path, file)| {
            let stamp = match &file.content {
                Content::Kept(cached, published) => (*cached, *published),
                Content::New => (
                    file_stamp(&cached.join(path)).unwrap_or_default(),
                    file_stamp(&out.join(path)).unwrap_or_default(),
                ),
            };
            (path.clone(), stamp)
        })
        .collect();
    Ok(stamps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_files_include_every_ancestor_once() {
        let tmp = tempfile::tempdir().unwrap();
        let files = ["index.html", "a/b/index.html", "a/c/index.html", "d/x.xml"].map(String::from);
        let folders: Vec<String> = folder_stamps(tmp.path(), files.iter(), &HashMap::new())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(folders, ["", "a", "a/b", "a/c", "d"]);
    }

    #[test]
    fn publishing_in_place_is_undone_when_a_step_fails() {
        let tmp = tempfile::tempdir().unwrap();
        let (out, cached) = (tmp.path().join("public"), tmp.path().join("cache"));
        for dir in [&out, &cached] {
            fs::create_dir_all(dir.join("c")).unwrap();
            fs::write(dir.join("a.html"), "A").unwrap();
            fs::write(dir.join("b.html"), "B").unwrap();
            fs::write(dir.join("c/keep.html"), "K").unwrap();
        }
        let before = crate::changes::hash_tree(&out).unwrap();
        let new = |path: &str, bytes: &str| {
            fs::write(with_suffix(&cached.join(path), NEW), bytes).unwrap();
            let file = OutFile {
                fingerprint: 0,
                hash: changes::content_hash(bytes.as_bytes()),
                sha256: None,
                content: Content::New,
            };
            (path.to_owned(), file)
        };
        let files = BTreeMap::from([new("a.html", "A2"), new("c", "a file where a folder is")]);
        let changes = Changes {
            base: Base::Cache,
            files: vec![
                (Change::Modified, "a.html".to_owned()),
                (Change::Removed, "b.html".to_owned()),
                (Change::Added, "c".to_owned()),
            ],
        };
        assert!(publish_in_place(&out, &cached, &files, &changes).is_err());
        assert_eq!(crate::changes::hash_tree(&out).unwrap(), before);
        // The new files are left for publishing whole (`NewFiles` removes them if that fails too).
        for path in files.keys() {
            fs::remove_file(with_suffix(&cached.join(path), NEW)).unwrap();
        }
        assert_eq!(crate::changes::hash_tree(&cached).unwrap(), before);
    }

    #[test]
    fn hashes_survive_splitting() {
        let h = changes::content_hash(b"page");
        assert_eq!(join_hash(split_hash(h)), h);
    }
}
