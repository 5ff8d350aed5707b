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

/// The text a letter is searched by, into `text` (cleared first, so that one buffer serves letter
/// after letter): its heading fields, one per line, then the published body (a 摘要公开 letter's
/// body is already its summary: `archive::arrange` redacted it). Returns the byte length of the
/// heading part and where the body starts.
pub fn write_search_text(letter: &Letter, text: &mut String) -> (usize, usize) {
    let (head, meta_len) = search_head(letter);
    text.clear();
    text.reserve(head.len() + letter.body_text.len());
    text.push_str(&head);
    text.push_str(&letter.body_text);
    (meta_len, head.len())
}

/// The part of [`write_search_text`]'s text before the body (it ends with a line break), and the byte length of
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

/// One letter's result file (`search/l/<n>.z`, zlib-compressed JSON, written by [`write_file`]).
/// Short keys: the page downloads ten of these per screen.
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
    /// The searchable text (see [`write_search_text`]), nearly all of the file: [`write_file`] writes it
    /// last, escaped and encoded in one pass of its own. And where its heading part ends, in UTF-16
    /// code units (JavaScript string positions).
    #[serde(skip)]
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

/// A letter's result file's content (before compression) into `out`, cleared first: the record as
/// JSON in GB18030 (see [`encode_file`]), its text last. The text is escaped for JSON and encoded in
/// one pass: through `serde_json` and then [`encode_file`], it took a sixth of the index's
/// instructions. The bytes are the same as that way's (tested below).
pub fn write_file(record: &Record, out: &mut Vec<u8>) {
    let fields = serde_json::to_string(record).unwrap_or_default();
    let fields = fields.strip_suffix('}').unwrap_or("{");
    out.clear();
    out.reserve(fields.len() + record.s.len() + 16);
    push_encoded(fields, out);
    if fields.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(b"\"s\":");
    push_json_string(record.s, out);
    out.push(b'}');
}

/// `text` as a JSON string, as `serde_json` writes it, in GB18030 as [`encode_file`] writes it.
fn push_json_string(text: &str, out: &mut Vec<u8>) {
    let two = &*GB18030_TWO_BYTES;
    let bytes = text.as_bytes();
    out.push(b'"');
    // Bytes gathered on the stack and added to `out` a few hundred at a time.
    let mut pending = [0u8; 512];
    let mut n = 0;
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        if n + 2 > pending.len() {
            out.extend_from_slice(&pending[..n]);
            n = 0;
        }
        // Most of a letter: characters of three UTF-8 bytes and two in GB18030, looked up straight
        // from their bytes; and ASCII that JSON leaves as it is.
        if let (0xE0..=0xEF, Some(&[b1, b2])) = (lead, bytes.get(i + 1..i + 3)) {
            let code = usize::from(lead & 0x0F) << 12
                | usize::from(b1 & 0x3F) << 6
                | usize::from(b2 & 0x3F);
            let [a, b] = two[code];
            if a != 0 {
                pending[n] = a;
                pending[n + 1] = b;
                n += 2;
                i += 3;
                continue;
            }
        } else if lead >= 0x20 && lead != b'"' && lead != b'\\' && lead.is_ascii() {
            pending[n] = lead;
            n += 1;
            i += 1;
            continue;
        }
        out.extend_from_slice(&pending[..n]);
        n = 0;
        let c = text[i..].chars().next().unwrap_or(' ');
        i += c.len_utf8();
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\0'..='\u{1f}' => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            _ => {
                let mut utf8 = [0u8; 4];
                push_encoded(c.encode_utf8(&mut utf8), out);
            }
        }
    }
    out.extend_from_slice(&pending[..n]);
    out.push(b'"');
}

/// A result file's JSON in GB18030, which the browser decodes (`TextDecoder("gb18030")`) as readily as
/// UTF-8: a Han character in two bytes and an ASCII one in one. Measured on 10,000 letters at level 6,
/// the files compress to 28.3 MB, against 31.0 MB from UTF-16 and 32.9 MB from UTF-8, and faster.
/// The characters whose GB18030 bytes differ between the standard's editions, and so between
/// browsers (private use, the vertical forms, a few ideographs), and every character beyond the
/// BMP, are written as JSON escapes, which mean the same text to every reader.
pub fn encode_file(json: &str) -> Vec<u8> {
    let mut out = Vec::new();
    push_encoded(json, &mut out);
    out
}

/// [`encode_file`], appended to `out`.
fn push_encoded(json: &str, out: &mut Vec<u8>) {
    let two = &*GB18030_TWO_BYTES;
    out.reserve(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else if let Some(&[a, b]) = two.get(c as usize)
            && a != 0
        {
            out.extend_from_slice(&[a, b]);
        } else if unsettled(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
            }
        } else {
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(&encoding_rs::GB18030.encode(c.encode_utf8(&mut utf8)).0);
        }
    }
}

/// The GB18030 bytes of each character of the BMP that takes two (`[0, 0]` for the others), from
/// encoding_rs: it searches its tables for each character, which took 0.36 s for 10,000 letters'
/// text, where this table takes a lookup. Made once, at first use; it never changes.
static GB18030_TWO_BYTES: std::sync::LazyLock<Box<[[u8; 2]; 0x10000]>> =
    std::sync::LazyLock::new(|| {
        let mut two = Box::new([[0u8; 2]; 0x10000]);
        let mut utf8 = [0u8; 4];
        for (code, entry) in two.iter_mut().enumerate().skip(0x80) {
            let Some(c) = char::from_u32(code as u32).filter(|&c| !unsettled(c)) else {
                continue;
            };
            let (bytes, _, errors) = encoding_rs::GB18030.encode(c.encode_utf8(&mut utf8));
            if let [a, b] = *bytes
                && !errors
            {
                *entry = [a, b];
            }
        }
        two
    });

/// Whether a character is escaped in a result file (see [`encode_file`]): beyond the BMP, private
/// use (U+E5E5 has no GB18030 bytes at all), the vertical forms U+FE10–FE1F and U+9FB4–U+9FBB,
/// whose mappings GB18030-2022 changed.
fn unsettled(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{FE10}'..='\u{FE1F}' | '\u{9FB4}'..='\u{9FBB}')
        || c > '\u{FFFF}'
}

/// A result file's JSON, from its content (inflated); `None` if it is not GB18030.
pub fn decode_file(bytes: &[u8]) -> Option<String> {
    let text = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)?;
    Some(text.into_owned())
}

/// What the index's terms are made from, read back from a result file's content (inflated):
/// the inverse of writing a [`Record`] for the terms. `None` if it is not such content.
pub fn read_source(content: &[u8]) -> Option<super::postings::Source<'static>> {
    #[derive(Deserialize)]
    struct Stored {
        n: Option<String>,
        p: Option<String>,
        s: String,
        m: usize,
    }
    let stored: Stored = serde_json::from_str(&decode_file(content)?).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_files_read_back_as_the_same_json() {
        let value = serde_json::json!({
            "s": "温科提复〔2023〕98号：ＡＢ·€ “双碳”…\u{E5E5}\u{E000}\u{FE10}\u{9FB4}𠀀𪚥\u{80}\u{FFFD}\\\"",
        });
        let json = serde_json::to_string(&value).unwrap();
        let bytes = encode_file(&json);
        let back: serde_json::Value = serde_json::from_str(&decode_file(&bytes).unwrap()).unwrap();
        assert_eq!(back, value);
        // The unsettled characters went as escapes, and Han characters as two bytes.
        let text = String::from_utf8_lossy(&bytes);
        for escape in ["\\ue5e5", "\\ufe10", "\\u9fb4", "\\ud840\\udc00"] {
            assert!(text.contains(escape), "{escape} in {text}");
        }
        assert_eq!(encode_file("温科"), [0xce, 0xc2, 0xbf, 0xc6]);
    }

    #[test]
    fn a_file_is_written_as_serde_json_and_encode_file_write_it() {
        // Every character of Unicode once, each control character and JSON's marks among them.
        let text: String = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        let proposers = ["金晓".to_owned(), "A\"B".to_owned()];
        let record = Record {
            t: "关于“双碳”的建议",
            u: "2026/x/".to_owned(),
            d: "2026-10-22".to_owned(),
            n: Some("温科建复〔2026〕131号"),
            c: "市人大",
            k: "建议",
            p: None,
            r: &proposers,
            s: &text,
            m: 7,
            b: 9,
        };
        let mut written = Vec::new();
        write_file(&record, &mut written);
        let mut value = serde_json::to_value(&record).unwrap();
        value["s"] = serde_json::Value::from(text.as_str());
        let expected = encode_file(&serde_json::to_string(&value).unwrap());
        // The same fields, and the text's bytes exactly those of the two steps.
        let read: serde_json::Value =
            serde_json::from_str(&decode_file(&written).unwrap()).unwrap();
        assert_eq!(read, value);
        let quoted = encode_file(&serde_json::to_string(&text).unwrap());
        assert!(written.ends_with(&[b",\"s\":", quoted.as_slice(), b"}"].concat()));
        assert_eq!(written.len(), expected.len());
    }

    #[test]
    fn every_character_of_the_bmp_is_written_as_encoding_rs_writes_it() {
        for c in (0..=0xFFFF)
            .filter_map(char::from_u32)
            .filter(|&c| !unsettled(c))
        {
            let text = c.to_string();
            let (expected, _, errors) = encoding_rs::GB18030.encode(&text);
            assert!(!errors, "{c:?}");
            assert_eq!(encode_file(&text), *expected, "{c:?}");
        }
    }
}
