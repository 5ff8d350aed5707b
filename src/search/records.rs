//! What the search page shows and filters by, apart from the term lists: one small compressed file per
//! letter (fetched only for the results on screen; it also carries the letter's searchable text, so
//! the page can check a long query's candidates and cut an excerpt around the match), and one file of
//! every letter's facet values (year, committee, kind, reply class, topics) for counting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::postings::write_varint;
use crate::archive::{Archive, Index};
use crate::config::SiteConfig;
use crate::letter::{Kind, Letter};

/// The text a letter is searched by: its heading fields, one per line, then the published body
/// (a 摘要公开 letter's body is already its summary: `archive::arrange` redacted it). Returns the text,
/// the byte length of the heading part and where the body starts.
pub fn search_text(letter: &Letter) -> (String, usize, usize) {
    let (mut text, meta_len) = search_head(letter);
    let body_start = text.len();
    text.push_str(&letter.body_text);
    (text, meta_len, body_start)
}

/// The part of [`search_text`] before the body (it ends with a line break), and the byte length of
/// its heading part.
pub fn search_head(letter: &Letter) -> (String, usize) {
    let mut head: Vec<&str> = vec![letter.title.as_str()];
    head.extend(letter.doc_number.as_deref());
    head.extend(letter.number.as_deref());
    let proposers = letter.proposers.join("、");
    if !proposers.is_empty() {
        head.push(&proposers);
    }
    head.extend(letter.proposal_title.as_deref());
    let mut text = head.join("\n");
    let meta_len = text.len();
    text.push('\n');
    text.push_str(&letter.committee);
    if let Some(s) = &letter.session {
        text.push_str(s);
    }
    if !letter.topics.is_empty() {
        text.push('\n');
        text.push_str(&letter.topics.join("、"));
    }
    text.push('\n');
    (text, meta_len)
}

/// The identifiers a letter is looked up by as a whole: its 文号 and proposal number.
pub fn identifiers(letter: &Letter) -> Vec<String> {
    letter
        .doc_number
        .iter()
        .chain(letter.number.iter())
        .cloned()
        .collect()
}

/// One letter's result file (`search/l/<n>.z`, zlib-compressed JSON). Short keys: the page downloads
/// ten of these per screen.
#[derive(Serialize)]
pub struct Record<'a> {
    /// Title.
    pub t: &'a str,
    /// URL, relative to the site root.
    pub u: String,
    /// 成文日期.
    pub d: String,
    /// 文号.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<&'a str>,
    /// Committee.
    pub c: &'a str,
    /// Kind (提案, 建议, 议案) and proposal number.
    pub k: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<&'a str>,
    /// Proposers.
    pub r: &'a [String],
    /// The searchable text (see [`search_text`]) and where its heading part ends, in UTF-16 code
    /// units (JavaScript string positions).
    pub s: &'a str,
    pub m: usize,
    /// Where the body starts in `s` (UTF-16 code units): excerpts are cut from the body first.
    pub b: usize,
}

/// The facet values of the archive, in the order the page lists them, and each letter's values.
#[derive(Serialize)]
pub struct Facets {
    pub year: Vec<String>,
    pub committee: Vec<String>,
    pub kind: Vec<String>,
    /// Reply classes: `[code, label]`, in the site's order.
    pub class: Vec<[String; 2]>,
    pub topic: Vec<String>,
}

/// What the index's terms are made from, read back from a result file's content (inflated):
/// the inverse of writing a [`Record`] for the terms. `None` if it is not such content.
pub fn read_source(utf16: &[u8]) -> Option<super::postings::Source<'static>> {
    #[derive(Deserialize)]
    struct Stored {
        n: Option<String>,
        p: Option<String>,
        s: String,
        m: usize,
    }
    if !utf16.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = utf16
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let json = String::from_utf16(&units).ok()?;
    let stored: Stored = serde_json::from_str(&json).ok()?;
    let mut seen = 0;
    let meta_len = stored
        .s
        .char_indices()
        .find(|(_, c)| {
            let done = seen >= stored.m;
            seen += c.len_utf16();
            done
        })
        .map_or(stored.s.len(), |(i, _)| i);
    Some(super::postings::Source {
        text: stored.s,
        body: "",
        meta_len,
        ids: stored.n.into_iter().chain(stored.p).collect(),
    })
}

/// The facet names (of the archive's indexes) and the file `search/facets.z` (zlib), in columns,
/// which compress far better than one record per letter (28 KB against 22 KB for 10,000 letters):
/// - the distinct `[committee, kind, class + 1 (0: none)]` combinations (positions in the name
///   lists): their count, then three varints each (committees mostly decide the kind);
/// - each letter's year (position in `year`), in index order: newest first, so long runs;
/// - each letter's combination;
/// - each letter's topics, ascending, as gaps (the first from -1, so every gap is at least 1), then 0.
pub fn facets(archive: &Archive, letters: &[&Letter], config: &SiteConfig) -> (Facets, Vec<u8>) {
    let names = |index: Index| -> Vec<String> {
        archive
            .terms(index)
            .iter()
            .map(|t| t.name.clone())
            .collect()
    };
    let kinds: Vec<Kind> = [Kind::Proposal, Kind::Suggestion, Kind::Motion]
        .into_iter()
        .filter(|k| letters.iter().any(|l| l.kind == *k))
        .collect();
    let facets = Facets {
        year: names(Index::Years),
        committee: names(Index::Committees),
        kind: kinds.iter().map(|k| k.label().to_owned()).collect(),
        class: config
            .categories
            .iter()
            .map(|(code, label)| [code.clone(), label.clone()])
            .collect(),
        topic: names(Index::Topics)
            .into_iter()
            .filter(|t| t != crate::archive::UNCLASSIFIED)
            .collect(),
    };
    let at = |list: &[String]| -> BTreeMap<String, u32> {
        list.iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect()
    };
    let (years, committees, topics) = (at(&facets.year), at(&facets.committee), at(&facets.topic));
    let mut combos: Vec<[u32; 3]> = Vec::new();
    let mut combo_at: BTreeMap<[u32; 3], u32> = BTreeMap::new();
    let mut year_column = Vec::with_capacity(letters.len());
    let mut combo_column = Vec::with_capacity(letters.len());
    let mut topic_column = Vec::with_capacity(letters.len() * 3);
    for letter in letters {
        let year = years.get(&letter.year().to_string()).copied().unwrap_or(0);
        write_varint(&mut year_column, year);
        let class = letter
            .category
            .as_ref()
            .and_then(|c| facets.class.iter().position(|[code, _]| code == c))
            .map_or(0, |i| i as u32 + 1);
        let combo = [
            committees.get(&letter.committee).copied().unwrap_or(0),
            kinds.iter().position(|k| *k == letter.kind).unwrap_or(0) as u32,
            class,
        ];
        let n = *combo_at.entry(combo).or_insert_with(|| {
            combos.push(combo);
            combos.len() as u32 - 1
        });
        write_varint(&mut combo_column, n);
        let mut ts: Vec<u32> = letter
            .topics
            .iter()
            .filter_map(|t| topics.get(t).copied())
            .collect();
        ts.sort_unstable();
        ts.dedup();
        let mut previous = -1i64;
        for t in ts {
            write_varint(&mut topic_column, (t as i64 - previous) as u32);
            previous = t as i64;
        }
        topic_column.push(0);
    }
    let mut bytes = Vec::with_capacity(year_column.len() + combo_column.len() + topic_column.len());
    write_varint(&mut bytes, combos.len() as u32);
    for combo in &combos {
        combo.iter().for_each(|&v| write_varint(&mut bytes, v));
    }
    bytes.extend_from_slice(&year_column);
    bytes.extend_from_slice(&combo_column);
    bytes.extend_from_slice(&topic_column);
    (facets, bytes)
}
