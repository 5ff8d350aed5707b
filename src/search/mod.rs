//! Full-text search with no server: at build time, an index of the published letters written into
//! `search/` beside the pages; in the browser, `search.js` (shipped with the theme) reads only the
//! parts a query needs.
//!
//! Files, all with deterministic names and content:
//! - `search/manifest.z`: (zlib JSON) each chunk's first term, facet names, counts, the build's hash;
//! - `search/c/<n>.z`: term chunk n (zlib), see `postings::chunk`;
//! - `search/facets.z`: every letter's facet values (zlib), see `records::facets`;
//! - `search/l/<n>.z`: letter n's result data and searchable text (zlib JSON in UTF-16LE), see
//!   `records::Record`.
//!
//! The index is made from `Archive::letters`, after `archive::arrange` dropped 不予公开 letters and
//! cut 摘要公开 letters to their summary, so nothing unpublished can reach it; drafts (there only in a
//! `--drafts` preview) are left out here too, so a preview's index holds only what will be published.

pub mod postings;
pub mod records;
pub mod tokenize;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::archive::Archive;
use crate::config::SiteConfig;
use crate::letter::Letter;

/// Bumped when the files' format changes, so a page never reads an index it does not understand.
pub const FORMAT: u32 = 2;

/// `search/manifest.z` (zlib-compressed JSON: the page downloads it for every search).
#[derive(Serialize)]
struct Manifest {
    format: u32,
    /// Letters in the index; letter `n` is the n-th newest.
    letters: usize,
    /// Longest gram kept, in units.
    max_gram: usize,
    /// Each chunk's first term, joined by `\n`; chunk n is `search/c/<n>.z`.
    firsts: String,
    /// A hash of the whole index, appended to the other files' URLs so a browser never mixes two
    /// builds' files.
    build: String,
    facets: records::Facets,
    /// `[year, committee, kind, class + 1]` combinations that `facets.z` refers to.
    combos: Vec<[u32; 4]>,
}

/// Builds the search index of the archive: every file to write, as (path under the output root, bytes).
pub fn build_index(archive: &Archive, config: &SiteConfig) -> Vec<(String, Vec<u8>)> {
    let letters: Vec<&Letter> = archive
        .letters
        .iter()
        .filter(|l| !l.draft)
        .map(|l| &**l)
        .collect();
    let total = letters.len();
    // One after the other, not side by side: each is parallel inside, and their peaks of memory
    // should not add up.
    let chunks: Vec<(String, Vec<u8>)> = {
        let terms = postings::build(total, |i| {
            let letter = letters[i];
            let (text, meta_len, _) = records::search_text(letter);
            postings::Source {
                text,
                meta_len,
                ids: records::identifiers(letter),
            }
        });
        let chunks = postings::chunk(&terms, total);
        drop(terms);
        chunks
            .into_par_iter()
            .map_init(Zlib::best, |z, c| (c.first, z.compress(&c.bytes)))
            .collect()
    };
    let letter_files: Vec<(String, Vec<u8>)> = letters
        .par_iter()
        .enumerate()
        .map_init(Zlib::text, |z, (i, letter)| {
            let (text, meta_len, body) = records::search_text(letter);
            let record = records::Record {
                t: &letter.title,
                u: letter.url_path(),
                d: letter.date.to_string(),
                n: letter.doc_number.as_deref(),
                c: &letter.committee,
                k: letter.kind.label(),
                p: letter.number.as_deref(),
                r: &letter.proposers,
                s: &text,
                m: text[..meta_len].encode_utf16().count(),
                b: text[..body].encode_utf16().count(),
            };
            let json = serde_json::to_string(&record).unwrap_or_default();
            // UTF-16: Chinese text compresses a tenth smaller from two bytes a character than
            // from three, and the browser decodes it as readily.
            let utf16: Vec<u8> = json.encode_utf16().flat_map(u16::to_le_bytes).collect();
            (format!("search/l/{i}.z"), z.compress(&utf16))
        })
        .collect();
    let (facets, combos, facet_bytes) = records::facets(archive, &letters, config);
    let mut best = Zlib::best();
    let facet_bytes = best.compress(&facet_bytes);

    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(chunks.len() + total + 2);
    let mut hash = Sha256::new();
    let mut firsts = Vec::with_capacity(chunks.len());
    for (n, (first, bytes)) in chunks.into_iter().enumerate() {
        hash.update(Sha256::digest(&bytes));
        firsts.push(first);
        files.push((format!("search/c/{n}.z"), bytes));
    }
    for (_, bytes) in &letter_files {
        hash.update(Sha256::digest(bytes));
    }
    hash.update(&facet_bytes);
    let manifest = Manifest {
        format: FORMAT,
        letters: total,
        max_gram: tokenize::MAX_GRAM,
        firsts: firsts.join("\n"),
        build: hex(&hash.finalize()[..8]),
        facets,
        combos,
    };
    files.push((
        "search/manifest.z".to_owned(),
        best.compress(&serde_json::to_vec(&manifest).unwrap_or_default()),
    ));
    files.push(("search/facets.z".to_owned(), facet_bytes));
    files.extend(letter_files);
    files
}

/// A zlib compressor (libdeflate: faster than zlib at the same level, and smaller output); the
/// browser inflates with the built-in `DecompressionStream`.
struct Zlib(libdeflater::Compressor);

impl Zlib {
    /// For the small index files every query reads: the smallest output at a still quick level.
    fn best() -> Zlib {
        Zlib::at(9)
    }

    /// For the letters' text, 80 MB for 10,000 letters: past level 6 output shrinks by under 1%
    /// and time grows by a third.
    fn text() -> Zlib {
        Zlib::at(6)
    }

    fn at(level: i32) -> Zlib {
        let level = libdeflater::CompressionLvl::new(level).unwrap_or_default();
        Zlib(libdeflater::Compressor::new(level))
    }

    fn compress(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.0.zlib_compress_bound(bytes.len())];
        // The buffer is the bound libdeflate gives for this input, so it cannot run out.
        let written = self.0.zlib_compress(bytes, &mut out).unwrap_or(0);
        out.truncate(written);
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
