//! Full-text search with no server: at build time, an index of the published letters written into
//! `search/` beside the pages; in the browser, `search.js` (shipped with the theme) reads only the
//! parts a query needs.
//!
//! Files, all with deterministic names and content:
//! - `search/manifest.z`: (zlib JSON) the first term of each page of chunks, facet names, counts, the
//!   build's hash;
//! - `search/p/<k>.z`: page k of the chunks' first terms (zlib, joined by `\n`): a query reads the
//!   pages its terms fall in, not every chunk's first term;
//! - `search/c/<name>.z`: a chunk of terms (zlib) named by its first term, see `postings::chunk`:
//!   grams, heading grams and identifiers (`postings::build`), and joints across punctuation
//!   (`tokenize::for_each_joint`);
//! - `search/facets.z`: every letter's facet values (zlib), see `records::facets`;
//! - `search/l/<n>.z`: letter n's result data and searchable text (zlib JSON in GB18030, see `records::encode_file`), see
//!   `records::Record`.
//!
//! The index is made from `Archive::letters`, after `archive::arrange` dropped 不予公开 letters and
//! cut 摘要公开 letters to their summary, so nothing unpublished can reach it; drafts (there only in a
//! `--drafts` preview) are left out here too, so a preview's index holds only what will be published.

pub mod postings;
pub mod records;
pub mod tokenize;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::archive::Archive;
use crate::config::SiteConfig;
use crate::letter::Letter;

/// Bumped when the files' format changes, so a page never reads an index it does not understand;
/// and when their bytes change (8: chunks at another compression level, a result file's text
/// last), since an incremental build keeps the files of the last one and must write only what a
/// clean build would.
pub const FORMAT: u32 = 8;

const MANIFEST: &str = "search/manifest.z";
const FACETS: &str = "search/facets.z";

/// `search/manifest.z` (zlib-compressed JSON: the page downloads it for every search).
#[derive(Serialize)]
struct Manifest {
    format: u32,
    /// Letters in the index; letter `n` is the n-th newest.
    letters: usize,
    /// Longest gram kept, in units, and when one unit is a word.
    max_gram: usize,
    max_word_gram: usize,
    /// The first term of each page (`search/p/<k>.z`, see [`pages`]), joined by `\n`.
    pages: String,
    /// A hash of the whole index, appended to the other files' URLs so a browser never mixes two
    /// builds' files.
    build: String,
    facets: records::Facets,
}

/// What an incremental build reads of the previous manifest.
#[derive(Deserialize)]
struct PreviousManifest {
    format: u32,
    letters: usize,
    pages: String,
}

/// How many changed letters [`update_index`] takes at least before it declines (plus one for every
/// 500 letters of the archive).
const MAX_CHANGED: usize = 8;

/// A file of the index: new bytes, or the previous build's file as it is.
pub enum File {
    New(Vec<u8>),
    Kept,
}

/// The previous build's index files, for [`update_index`].
pub trait Previous: Sync {
    /// The bytes of a file (path under the output root), if there is such a file.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// Whether there is such a file (cheaper than reading it).
    fn contains(&self, path: &str) -> bool;
    /// Whether there is a result file for each of the first `total` letters.
    fn contains_letters(&self, total: usize) -> bool {
        (0..total).all(|n| self.contains(&letter_path(n)))
    }
}

/// An index updated in place by [`update_index`]: what a clean build would write, given as what
/// changed, so that a caller holding the previous index does work in proportion to the change.
pub struct Update {
    /// Every chunk file, in order, kept or new.
    pub chunks: Vec<(String, File)>,
    /// Files of the previous index that are gone: chunks, and pages of first terms.
    pub removed: Vec<String>,
    /// The result files written again: (letter position, bytes); the others are kept.
    pub letters: Vec<(usize, Vec<u8>)>,
    /// How many letters the index holds.
    pub total: usize,
    /// The files made from every letter (facets, pages of first terms, manifest), always new.
    pub whole: Vec<(String, Vec<u8>)>,
}

impl Update {
    /// Every file of the index, kept or new.
    pub fn into_files(self) -> Vec<(String, File)> {
        let mut new: BTreeMap<usize, Vec<u8>> = self.letters.into_iter().collect();
        let mut files = self.chunks;
        files.extend(self.whole.into_iter().map(|(p, b)| (p, File::New(b))));
        files.extend((0..self.total).map(|n| match new.remove(&n) {
            Some(bytes) => (letter_path(n), File::New(bytes)),
            None => (letter_path(n), File::Kept),
        }));
        files
    }
}

/// The published letters of the archive, in index order (letter n is the n-th).
fn indexed(archive: &Archive) -> Vec<&Letter> {
    archive
        .letters
        .iter()
        .filter(|l| !l.draft)
        .map(|l| &**l)
        .collect()
}

/// The path of letter n's result file.
pub fn letter_path(n: usize) -> String {
    format!("search/l/{n}.z")
}

/// What letter n's result file is made from, beyond the letter's digest (which covers its path and
/// text): its position. Equal fingerprints mean equal files and equal terms for the letter.
pub fn letter_fingerprint(letter: &Letter, n: usize) -> u64 {
    // One call over a few bytes on the stack: the preview takes every letter's at each save.
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&u64::from(FORMAT).to_le_bytes());
    key[8..16].copy_from_slice(&letter.digest.to_le_bytes());
    key[16..].copy_from_slice(&(n as u64).to_le_bytes());
    xxhash_rust::xxh3::xxh3_64_with_seed(&key, SEARCH_LETTER_SEED)
}

/// Sets letters' search fingerprints apart from other hashes of the same values.
const SEARCH_LETTER_SEED: u64 = 0x5ea7_c41e_77e2_0001;

/// The published letters' result-file paths with their fingerprints, in index order.
pub fn letter_fingerprints(archive: &Archive) -> Vec<(String, u64)> {
    (fingerprints(archive).into_iter().enumerate())
        .map(|(n, fp)| (letter_path(n), fp))
        .collect()
}

/// The published letters' fingerprints (see [`letter_fingerprint`]), in index order.
pub fn fingerprints(archive: &Archive) -> Vec<u64> {
    (indexed(archive).iter().enumerate())
        .map(|(n, l)| letter_fingerprint(l, n))
        .collect()
}

/// A chunk file's name: a hash of its first term, which the page computes the same way
/// (`chunkName` in search.js), so that a chunk keeps its name when others are added or removed.
pub fn chunk_name(first: &str) -> String {
    // FNV-1a, twice with two offsets: 64 bits from 32-bit arithmetic, which JavaScript does exactly.
    let fnv = |mut h: u32| {
        for b in first.bytes() {
            h = (h ^ b as u32).wrapping_mul(0x0100_0193);
        }
        h
    };
    format!(
        "search/c/{:08x}{:08x}.z",
        fnv(0x811c_9dc5),
        fnv(0x050c_5d1f)
    )
}

/// Builds the search index of the archive: every file to write, as (path under the output root, bytes).
pub fn build_index(archive: &Archive, config: &SiteConfig) -> Vec<(String, Vec<u8>)> {
    // All of it on one of the pool's threads, so that the thread joining the parts' lists is the
    // one that read the first part, whose lists the join grows: a thread reads the first half of a
    // parallel iterator itself, and runs the first closure of a `rayon::join` (see
    // `postings::Spent` for why it matters). From outside the pool, the two would each go to
    // whichever thread came first.
    rayon::scope(|_| index_files(archive, config))
}

fn index_files(archive: &Archive, config: &SiteConfig) -> Vec<(String, Vec<u8>)> {
    let letters = indexed(archive);
    let total = letters.len();
    // The lists first, one part a thread; then the parts are joined and the terms sorted (on one
    // thread), chunked and compressed while the letters' result files fill the other threads.
    // (Made side by side from the start, the letters' files took a core from one part of the
    // lists, and the other part's core then sat idle.)
    let lists = postings::read(total, |i| source_of(letters[i]));
    let ((chunks, spent), mut files) = rayon::join(
        move || {
            let (terms, spent) = lists.into_terms();
            let chunks = postings::chunk(&terms, total);
            drop(terms);
            let chunks = chunks
                .into_par_iter()
                .map_init(Zlib::fast, |z, c| (c.first, z.compress(&c.bytes)))
                .collect::<Vec<(String, Vec<u8>)>>();
            (chunks, spent)
        },
        || {
            letters
                .par_iter()
                .enumerate()
                .map_init(LetterFiles::new, |maker, (n, letter)| {
                    (letter_path(n), maker.file(letter))
                })
                .collect::<Vec<(String, Vec<u8>)>>()
        },
    );
    // Freed once the letters' files are made (see `postings::Spent`), beside the last files, on
    // the other thread: the one that read the later part, in whose heap it is.
    let firsts: Vec<&str> = chunks.iter().map(|(first, _)| first.as_str()).collect();
    let (whole, ()) = rayon::join(
        || whole_files(archive, config, &letters, &firsts),
        || drop(spent),
    );
    files.extend(whole);
    files.extend(
        chunks
            .into_iter()
            .map(|(first, bytes)| (chunk_name(&first), bytes)),
    );
    files
}

/// The index of the archive made from the previous build's, when only the letters at positions
/// `changed` differ from it (same count, every other letter's fingerprint unchanged): each changed
/// letter's terms are compared with its previous terms (read back from its previous result file),
/// and only the segments of chunks holding a term that gained or lost a letter are written again.
/// The bytes are those a clean build writes. `None` when that is not possible (no previous index,
/// other letter count, format or unreadable files) or not worth it (many letters changed): then
/// build it whole.
pub fn update_index(
    archive: &Archive,
    config: &SiteConfig,
    previous: &impl Previous,
    changed: &[usize],
) -> Option<Update> {
    let letters = indexed(archive);
    let total = letters.len();
    // Each changed letter costs reading its previous file and comparing its terms, and the
    // segments it touches: beyond a few dozen letters, making the index anew is quicker.
    if changed.len() > MAX_CHANGED + total / 500 || changed.iter().any(|&n| n >= total) {
        return None;
    }
    let manifest: PreviousManifest =
        serde_json::from_slice(&inflate(&previous.read(MANIFEST)?)?).ok()?;
    if manifest.format != FORMAT || manifest.letters != total || manifest.pages.is_empty() {
        return None;
    }
    let page_count = manifest.pages.split('\n').count();
    let pages: Vec<String> = (0..page_count)
        .map(|k| String::from_utf8(inflate(&previous.read(&page_path(k))?)?).ok())
        .collect::<Option<_>>()?;
    let firsts: Vec<&str> = pages.iter().flat_map(|p| p.split('\n')).collect();

    // The terms that gained (true) or lost a letter.
    let mut delta: BTreeMap<String, Vec<(u32, bool)>> = BTreeMap::new();
    let sources: Vec<(usize, postings::Source, postings::Source)> = changed
        .par_iter()
        .map(|&n| {
            let old = records::read_source(&inflate(&previous.read(&letter_path(n))?)?)?;
            Some((n, old, source_of(letters[n])))
        })
        .collect::<Option<_>>()?;
    for (n, old, new) in &sources {
        let terms = |s| -> BTreeSet<String> { postings::terms_of(s).into_iter().collect() };
        let (old, new) = (terms(old), terms(new));
        for term in old.difference(&new) {
            delta
                .entry(term.clone())
                .or_default()
                .push((*n as u32, false));
        }
        for term in new.difference(&old) {
            delta
                .entry(term.clone())
                .or_default()
                .push((*n as u32, true));
        }
    }

    // The segments of chunks to write again, as ranges of previous chunks: every chunk a changed
    // term falls in, widened to whole segments (see `postings::starts_segment`).
    let chunk_of = |term: &str| firsts.partition_point(|f| *f <= term).saturating_sub(1);
    let starts = |c: usize| c == 0 || c == firsts.len() || postings::starts_segment(firsts[c]);
    let segment = |c: usize| -> (usize, usize) {
        let mut lo = c;
        while !starts(lo) {
            lo -= 1;
        }
        let mut hi = c + 1;
        while !starts(hi) {
            hi += 1;
        }
        (lo, hi)
    };
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for term in delta.keys() {
        let (lo, hi) = segment(chunk_of(term));
        match ranges.last_mut() {
            Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
            _ => ranges.push((lo, hi)),
        }
    }
    let read_chunk = |c: usize| -> Option<Vec<(String, postings::List)>> {
        let bytes = inflate(&previous.read(&chunk_name(firsts[c]))?)?;
        postings::decode_chunk(&bytes, total)
    };
    let mut rewritten: Vec<((usize, usize), Vec<postings::Chunk>)> = Vec::new();
    let mut i = 0;
    while i < ranges.len() {
        let (mut lo, hi) = ranges[i];
        let terms = loop {
            // A range widened back over ranges done before takes them in: they are done again.
            while let Some(((before, end), _)) = rewritten.last()
                && *end > lo
            {
                lo = lo.min(*before);
                rewritten.pop();
            }
            let mut terms: Vec<(String, postings::List)> = Vec::new();
            for c in lo..hi {
                terms.extend(read_chunk(c)?);
            }
            let upper = firsts.get(hi).copied();
            let lower = (lo > 0).then(|| firsts[lo]);
            let mut merged: BTreeMap<String, postings::List> = terms.into_iter().collect();
            for (term, changes) in delta.range::<str, _>((
                lower.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included),
                upper.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
            )) {
                let list = merged.entry(term.clone()).or_default();
                *list = list.with(changes);
            }
            merged.retain(|_, l| !l.is_empty());
            // A segment whose first term is gone runs on from the previous segment.
            match merged.keys().next() {
                Some(first) if lo > 0 && !postings::starts_segment(first) => {
                    lo = segment(lo - 1).0;
                }
                _ => break merged,
            }
        };
        let terms: Vec<(String, postings::List)> = terms.into_iter().collect();
        rewritten.push(((lo, hi), postings::chunk(&terms, total)));
        i += 1;
    }

    // Every chunk: the previous ones outside the rewritten ranges, the new ones inside.
    let mut chunks: Vec<(String, File)> = Vec::new();
    let mut firsts_now: Vec<String> = Vec::new();
    let mut replaced: BTreeSet<String> = BTreeSet::new();
    let mut next = 0;
    let keep = |range: &[&str], chunks: &mut Vec<(String, File)>, now: &mut Vec<String>| {
        for first in range {
            chunks.push((chunk_name(first), File::Kept));
            now.push(first.to_string());
        }
    };
    for ((lo, hi), new) in rewritten {
        keep(&firsts[next..lo], &mut chunks, &mut firsts_now);
        replaced.extend(firsts[lo..hi].iter().map(|f| chunk_name(f)));
        let compressed: Vec<(String, Vec<u8>)> = new
            .into_par_iter()
            .map_init(Zlib::fast, |z, c| (c.first, z.compress(&c.bytes)))
            .collect();
        for (first, bytes) in compressed {
            let name = chunk_name(&first);
            replaced.remove(&name);
            chunks.push((name, File::New(bytes)));
            firsts_now.push(first);
        }
        next = hi;
    }
    keep(&firsts[next..], &mut chunks, &mut firsts_now);
    // Every kept file must be there, as the caller's previous index.
    let kept_chunks = chunks
        .iter()
        .all(|(path, file)| matches!(file, File::New(_)) || previous.contains(path));
    if !kept_chunks || !previous.contains_letters(total) {
        return None;
    }

    let letter_files: Vec<(usize, Vec<u8>)> = changed
        .par_iter()
        .map_init(LetterFiles::new, |maker, &n| (n, maker.file(letters[n])))
        .collect();
    let firsts_now: Vec<&str> = firsts_now.iter().map(String::as_str).collect();
    let whole = whole_files(archive, config, &letters, &firsts_now);
    // Pages of first terms beyond the new count are gone.
    let mut removed: Vec<String> = replaced.into_iter().collect();
    removed.extend(
        (0..page_count)
            .map(page_path)
            .filter(|page| !whole.iter().any(|(path, _)| path == page)),
    );
    Some(Update {
        chunks,
        removed,
        letters: letter_files,
        total,
        whole,
    })
}

/// The files made from every letter: the facets, the pages of the chunks' first terms (`firsts`)
/// and the manifest.
fn whole_files(
    archive: &Archive,
    config: &SiteConfig,
    letters: &[&Letter],
    firsts: &[&str],
) -> Vec<(String, Vec<u8>)> {
    let (facets, facet_bytes) = records::facets(archive, letters, config);
    let mut best = Zlib::best();
    let mut files = vec![(FACETS.to_owned(), best.compress(&facet_bytes))];
    // What every file is made from: the letters (their fingerprints cover text, path and
    // position), the config and this dafu. Cheaper than hashing the files themselves, which an
    // edit in the preview would do for every letter's file.
    let mut build = xxhash_rust::xxh3::Xxh3::new();
    build.update(env!("CARGO_PKG_VERSION").as_bytes());
    build.update(serde_json::to_string(config).unwrap_or_default().as_bytes());
    for (n, letter) in letters.iter().enumerate() {
        build.update(&letter_fingerprint(letter, n).to_le_bytes());
    }
    let mut heads = Vec::new();
    for (k, page) in pages(firsts).enumerate() {
        heads.push(page[0]);
        let bytes = best.compress(page.join("\n").as_bytes());
        files.push((page_path(k), bytes));
    }
    let manifest = Manifest {
        format: FORMAT,
        letters: letters.len(),
        max_gram: tokenize::MAX_GRAM,
        max_word_gram: tokenize::MAX_WORD_GRAM,
        pages: heads.join("\n"),
        build: format!("{:016x}", build.digest()),
        facets,
    };
    let manifest = best.compress(&serde_json::to_vec(&manifest).unwrap_or_default());
    files.push((MANIFEST.to_owned(), manifest));
    files
}

/// The path of page k of the chunks' first terms.
fn page_path(k: usize) -> String {
    format!("search/p/{k}.z")
}

/// The chunks' first terms cut into pages of about the square root of their count (at least 16), so
/// that the manifest (every page's first term) and the pages a query reads both grow as that root.
fn pages<'a>(firsts: &'a [&'a str]) -> std::slice::Chunks<'a, &'a str> {
    firsts.chunks(firsts.len().isqrt().max(16))
}

/// What the index reads of a letter: its search text, the body borrowed rather than copied.
fn source_of(letter: &Letter) -> postings::Source<'_> {
    let (text, meta_len) = records::search_head(letter);
    postings::Source {
        text,
        body: &letter.body_text,
        meta_len,
        ids: records::identifiers(letter),
    }
}

/// Makes letters' result files on one thread, with buffers kept from one letter to the next: a
/// file's text and GB18030 bytes would otherwise be allocated anew for every letter, 78 MB of them
/// for 10,000 letters.
struct LetterFiles {
    zlib: Zlib,
    text: String,
    encoded: Vec<u8>,
}

impl LetterFiles {
    fn new() -> LetterFiles {
        LetterFiles {
            zlib: Zlib::fast(),
            text: String::new(),
            encoded: Vec::new(),
        }
    }

    /// A letter's result file: its record as JSON in GB18030 (see `records::write_file`),
    /// compressed.
    fn file(&mut self, letter: &Letter) -> Vec<u8> {
        let (meta_len, body) = records::write_search_text(letter, &mut self.text);
        let text = &self.text;
        let record = records::Record {
            t: &letter.title,
            u: letter.url_path(),
            d: letter.date.to_string(),
            n: letter.doc_number.as_deref(),
            c: &letter.committee,
            k: letter.kind.label(),
            p: letter.number.as_deref(),
            r: &letter.proposers,
            s: text,
            m: text[..meta_len].encode_utf16().count(),
            b: text[..body].encode_utf16().count(),
        };
        records::write_file(&record, &mut self.encoded);
        self.zlib.compress(&self.encoded)
    }
}

/// Inflates a zlib file of the index; `None` if it is not one.
fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut d = libdeflater::Decompressor::new();
    let mut size = bytes.len() * 4 + 1024;
    loop {
        let mut out = vec![0; size];
        match d.zlib_decompress(bytes, &mut out) {
            Ok(n) => {
                out.truncate(n);
                return Some(out);
            }
            Err(libdeflater::DecompressionError::InsufficientSpace) if size < 1 << 30 => size *= 4,
            Err(_) => return None,
        }
    }
}

/// A zlib compressor (libdeflate: faster than zlib at the same level, and smaller output); the
/// browser inflates with the built-in `DecompressionStream`.
struct Zlib {
    compressor: libdeflater::Compressor,
    /// Where a file is compressed, kept from one to the next: the file is then copied out at its
    /// size, not left in a buffer of the bound's.
    out: Vec<u8>,
}

impl Zlib {
    /// For the few small files every query reads first (the manifest, the pages of first terms,
    /// the facets): the smallest output at a still quick level.
    fn best() -> Zlib {
        Zlib::at(6)
    }

    /// For the bulk of the index, where the build's time is the scarcer budget. Measured on
    /// 10,000 letters, one core: the letters' text (78 MB) takes 0.35 s at level 1 and writes
    /// 29.3 MB, at level 6 0.55 s and 28.3 MB; the chunks (17 MB) take 0.077 s at level 1 for
    /// 8.92 MB, 0.126 s at level 6 for 8.85 MB (levels 2 to 4 write more than level 1). A query
    /// reads a few chunks: 0.8 % more bytes.
    fn fast() -> Zlib {
        Zlib::at(1)
    }

    fn at(level: i32) -> Zlib {
        let level = libdeflater::CompressionLvl::new(level).unwrap_or_default();
        Zlib {
            compressor: libdeflater::Compressor::new(level),
            out: Vec::new(),
        }
    }

    fn compress(&mut self, bytes: &[u8]) -> Vec<u8> {
        let bound = self.compressor.zlib_compress_bound(bytes.len());
        if self.out.len() < bound {
            self.out.resize(bound, 0);
        }
        // The buffer is at least the bound libdeflate gives for this input, so it cannot run out.
        let written = (self.compressor)
            .zlib_compress(bytes, &mut self.out)
            .unwrap_or(0);
        self.out[..written].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Mode, arrange};
    use std::collections::HashMap;
    use std::path::Path;
    use std::sync::Arc;

    fn config() -> SiteConfig {
        SiteConfig::parse("title: t\nbase_url: https://x.example/\nissuer: 局\n").unwrap()
    }

    /// Deterministic filler text: many distinct grams, so the index has many chunks and segments.
    fn text(seed: u64, sentences: usize) -> String {
        text_of(seed, sentences, 40)
    }

    /// The same from the first `alphabet` characters: few, and the lists are long, so chunks end
    /// by size more than at segment starts.
    fn text_of(seed: u64, sentences: usize, alphabet: usize) -> String {
        const CHARS: &str = "科技成果转化制造业企业创新平台资金政策人才服务数字经济园区项目建设研究推进落实支持加快完善";
        let chars: Vec<char> = CHARS.chars().take(alphabet).collect();
        let mut random = XorShift::new(seed);
        let mut out = String::new();
        let mut x = 0;
        for s in 0..sentences {
            for _ in 0..12 {
                x = random.next();
                out.push(chars[(x % chars.len() as u64) as usize]);
            }
            // Two words across one separator: joints too.
            out.push_str(&format!("{}.{}家，", x % 997 + s as u64, x % 7));
        }
        out.push('。');
        out
    }

    fn archive(bodies: &[String]) -> Archive {
        let letters = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let file = format!("content/l{i:03}.md");
                let src = format!(
                    "---\ntitle: 关于第{i}号提案的答复\ndate: 2023-{:02}-{:02}\ncommittee: 市政协\nnumber: \"{i}\"\n---\n{body}\n",
                    i % 12 + 1,
                    i % 28 + 1
                );
                Arc::new(Letter::parse(&src, Path::new(&file), &config()).unwrap())
            })
            .collect();
        arrange(letters, &config(), Mode::Publish)
    }

    struct Files(HashMap<String, Vec<u8>>);

    impl Previous for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0.get(path).cloned()
        }
        fn contains(&self, path: &str) -> bool {
            self.0.contains_key(path)
        }
    }

    /// The files `update_index` gives, kept ones taken from the previous build.
    fn updated(before: &Archive, after: &Archive) -> Option<HashMap<String, Vec<u8>>> {
        let previous = Files(build_index(before, &config()).into_iter().collect());
        let old = letter_fingerprints(before);
        let changed: Vec<usize> = letter_fingerprints(after)
            .iter()
            .enumerate()
            .filter(|(n, fp)| old.get(*n) != Some(fp))
            .map(|(n, _)| n)
            .collect();
        let update = update_index(after, &config(), &previous, &changed)?;
        let removed = update.removed.clone();
        let files: HashMap<String, Vec<u8>> = (update.into_files().into_iter())
            .map(|(path, file)| {
                let bytes = match file {
                    File::New(bytes) => bytes,
                    File::Kept => previous.0[&path].clone(),
                };
                (path, bytes)
            })
            .collect();
        // The files said to be gone are exactly the previous files no longer there.
        let mut gone: Vec<&String> = (previous.0.keys())
            .filter(|path| !files.contains_key(*path))
            .collect();
        gone.sort();
        let mut said: Vec<&String> = removed.iter().collect();
        said.sort();
        assert_eq!(gone, said);
        Some(files)
    }

    fn clean(archive: &Archive) -> HashMap<String, Vec<u8>> {
        build_index(archive, &config()).into_iter().collect()
    }

    /// Updating the index of `before` for `after` gives the files a clean build of `after` gives.
    #[track_caller]
    fn assert_update_is_clean(before: &Archive, after: &Archive, what: &str) {
        let got = updated(before, after).expect("an update, not a rebuild");
        let want = clean(after);
        let mut got_paths: Vec<&String> = got.keys().collect();
        let mut want_paths: Vec<&String> = want.keys().collect();
        got_paths.sort();
        want_paths.sort();
        assert_eq!(got_paths, want_paths, "the same files after {what}");
        for (path, bytes) in &want {
            assert!(got[path] == *bytes, "{path} differs after {what}");
        }
    }

    /// Each edit (letter position → new body) of `bodies` gives the index a clean build gives.
    #[track_caller]
    fn assert_edits_are_clean(
        bodies: &[String],
        before: &Archive,
        edits: Vec<Vec<(usize, String)>>,
    ) {
        for edit in edits {
            let mut changed = bodies.to_vec();
            for (i, body) in &edit {
                changed[*i] = body.clone();
            }
            assert_update_is_clean(before, &archive(&changed), &format!("{edit:?}"));
        }
    }

    /// A small deterministic generator (xorshift) for test data.
    struct XorShift(u64);

    impl XorShift {
        fn new(seed: u64) -> XorShift {
            XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
        }

        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn an_updated_index_is_the_clean_index() {
        let bodies: Vec<String> = (0..120).map(|i| text(i, 30)).collect();
        let before = archive(&bodies);
        let chunks = clean(&before)
            .keys()
            .filter(|p| p.starts_with("search/c/"))
            .count();
        assert!(chunks > 20, "enough chunks to have segments: {chunks}");

        let edits: Vec<Vec<(usize, String)>> = vec![
            // A sentence added to one letter.
            vec![(7, format!("{}科研仪器共享平台建设", bodies[7]))],
            // Three letters rewritten, one emptied.
            vec![
                (3, text(1000, 30)),
                (50, text(1001, 5)),
                (99, "无".to_owned()),
            ],
            // A letter's whole text gone, its terms with it (some only it held).
            vec![(0, "。".to_owned())],
        ];
        assert_edits_are_clean(&bodies, &before, edits);
    }

    #[test]
    fn an_updated_index_is_the_clean_index_when_chunks_end_by_size() {
        let bodies: Vec<String> = (0..300).map(|i| text_of(i, 12, 9)).collect();
        let before = archive(&bodies);
        let edits: Vec<Vec<(usize, String)>> = vec![
            vec![(5, text_of(7000, 40, 9))],
            vec![
                (10, "。".to_owned()),
                (11, "。".to_owned()),
                (200, text_of(1, 60, 12)),
            ],
        ];
        assert_edits_are_clean(&bodies, &before, edits);
    }

    #[test]
    fn updated_indexes_are_clean_indexes_over_many_random_edits() {
        let bodies: Vec<String> = (0..200)
            .map(|i| text_of(i, 8, if i % 2 == 0 { 9 } else { 40 }))
            .collect();
        let before = archive(&bodies);
        for round in 0..12u64 {
            let mut changed = bodies.clone();
            let mut random = XorShift::new(round);
            let mut next = || random.next();
            let edits = next() % 4 + 1;
            for _ in 0..edits {
                let at = (next() % 200) as usize;
                let sentences = (next() % 30) as usize;
                let alphabet = [3, 9, 40][(next() % 3) as usize];
                changed[at] = text_of(next(), sentences, alphabet);
            }
            assert_update_is_clean(&before, &archive(&changed), &format!("round {round}"));
        }
    }

    /// As many changed letters as an update takes, on a small alphabet so that most terms gain and
    /// lose several letters at once; one more, and it declines (a whole index is quicker).
    #[test]
    fn an_update_takes_up_to_its_limit_of_changed_letters() {
        let bodies: Vec<String> = (0..200).map(|i| text_of(i, 8, 3)).collect();
        let before = archive(&bodies);
        let mut changed = bodies.clone();
        for (k, body) in changed.iter_mut().step_by(7).take(MAX_CHANGED).enumerate() {
            *body = text_of(1000 + k as u64, 12, 3);
        }
        assert_update_is_clean(&before, &archive(&changed), "the limit");
        changed[199] = text_of(2000, 12, 3);
        assert!(updated(&before, &archive(&changed)).is_none());
    }

    #[test]
    fn an_update_is_refused_when_the_letters_are_not_the_same_count() {
        let bodies: Vec<String> = (0..20).map(|i| text(i, 5)).collect();
        let before = archive(&bodies);
        let after = archive(&bodies[..19]);
        assert!(updated(&before, &after).is_none());
    }
}
