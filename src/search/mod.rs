//! Full-text search with no server: at build time, an index of the published letters written into
//! `search/` beside the pages; in the browser, `search.js` (shipped with the theme) reads only the
//! parts a query needs.
//!
//! Files, all with deterministic names and content:
//! - `search/manifest.json`: the chunk list (each chunk's first term and file), facet names, counts;
//! - `search/c/<hash>.bin`: term chunks (zlib), see `postings::chunk`;
//! - `search/facets.bin`: every letter's facet values (zlib), see `records::facets`;
//! - `search/l/<n>.z`: letter n's result data and searchable text (zlib JSON), see `records::Record`.
//!
//! The index is made from `Archive::letters`, after `archive::arrange` dropped drafts and 不予公开
//! letters and cut 摘要公开 letters to their summary, so nothing unpublished can reach it.

pub mod postings;
pub mod records;
pub mod tokenize;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::archive::Archive;
use crate::config::SiteConfig;

/// Bumped when the files' format changes, so a page never reads an index it does not understand.
pub const FORMAT: u32 = 1;

/// `search/manifest.json`.
#[derive(Serialize)]
struct Manifest {
    format: u32,
    /// Letters in the index; letter `n` is the n-th newest.
    letters: usize,
    /// Longest gram kept, in units.
    max_gram: usize,
    /// Each chunk's first term, joined by `\n` (compact: the page downloads this on every search).
    firsts: String,
    /// Each chunk's file name under `search/c/`, in the same order.
    chunks: Vec<String>,
    /// A hash of the whole index, appended to letter file URLs so a browser never mixes two builds.
    build: String,
    facets: records::Facets,
}

/// Builds the search index of the archive: every file to write, as (path under the output root, bytes).
pub fn build_index(archive: &Archive, config: &SiteConfig) -> Vec<(String, Vec<u8>)> {
    let texts: Vec<(String, usize, usize)> = archive
        .letters
        .par_iter()
        .map(records::search_text)
        .collect();
    let sources: Vec<postings::Source> = archive
        .letters
        .iter()
        .zip(&texts)
        .map(|(letter, (text, meta_len, _))| postings::Source {
            text,
            meta_len: *meta_len,
            ids: records::identifiers(letter),
        })
        .collect();
    let total = archive.letters.len();
    let (chunks, letter_files) = rayon::join(
        || {
            let terms = postings::build(&sources);
            postings::chunk(&terms, total)
                .into_par_iter()
                .map(|c| (c.first, compress(&c.bytes)))
                .collect::<Vec<_>>()
        },
        || {
            archive
                .letters
                .par_iter()
                .zip(&texts)
                .enumerate()
                .map(|(i, (letter, (text, meta_len, body)))| {
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
                        m: text[..*meta_len].encode_utf16().count(),
                        b: text[..*body].encode_utf16().count(),
                    };
                    let json = serde_json::to_vec(&record).unwrap_or_default();
                    (format!("search/l/{i}.z"), compress(&json))
                })
                .collect::<Vec<_>>()
        },
    );
    let (facets, facet_bytes) = records::facets(archive, config);
    let facet_bytes = compress(&facet_bytes);

    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(chunks.len() + total + 2);
    let mut hash = Sha256::new();
    let mut firsts = Vec::with_capacity(chunks.len());
    let mut names = Vec::with_capacity(chunks.len());
    for (first, bytes) in chunks {
        let name = format!("{}.bin", short_hash(&bytes));
        hash.update(name.as_bytes());
        firsts.push(first);
        files.push((format!("search/c/{name}"), bytes));
        names.push(name);
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
        chunks: names,
        build: hex(&hash.finalize()[..8]),
        facets,
    };
    files.push((
        "search/manifest.json".to_owned(),
        serde_json::to_vec(&manifest).unwrap_or_default(),
    ));
    files.push(("search/facets.bin".to_owned(), facet_bytes));
    files.extend(letter_files);
    files
}

/// zlib at a fast level: the browser inflates it with the built-in `DecompressionStream`.
fn compress(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 1)
}

fn short_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
