//! `manifest.json`: what was published, for an auditor. One entry per published letter (never a
//! 不予公开 letter, never a draft, even in a `--drafts` build) with its address, 文号 and the SHA-256 of
//! its page's bytes, so anyone holding the manifest can prove which text was on the site. Entries are
//! sorted by page path and keys are written in a fixed order; the file carries no build time, so the
//! same letters give the same bytes. The format is described in docs/publishing.md.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::archive::Archive;
use crate::config::SiteConfig;

/// The manifest's path in the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Bumped only when a key changes meaning or goes away (keys may be added).
pub const MANIFEST_FORMAT: u32 = 1;

/// The manifest's fields before `letters`.
#[derive(Serialize)]
struct Head<'a> {
    format: u32,
    generator: String,
    title: &'a str,
    base_url: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    /// Absolute URL of the letter's page.
    url: String,
    /// The page's file in the output folder.
    path: String,
    title: &'a str,
    /// 文号, or null when the letter has none.
    doc_number: Option<&'a str>,
    /// 成文日期 and 发布日期, YYYY-MM-DD.
    date: String,
    published: String,
    committee: &'a str,
    kind: &'static str,
    number: Option<&'a str>,
    /// 全文公开 or 摘要公开.
    disclosure: &'static str,
    /// SHA-256 of the page's bytes, lower-case hex.
    sha256: String,
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes).into())
}

/// A SHA-256 digest in lower-case hex.
pub fn hex(digest: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn listed_letters(
    archive: &Archive,
) -> impl Iterator<Item = (String, &std::sync::Arc<crate::letter::Letter>)> {
    archive
        .letters
        .iter()
        .filter(|l| !l.draft)
        .map(|l| (format!("{}index.html", l.url_path()), l))
}

/// The manifest's bytes: an object whose `letters` array holds one letter a line, so the file reads
/// and diffs line by line. `sha256` gives the hash of a letter page's bytes by output path; a page it
/// does not know is a bug in the caller, and gets an empty hash rather than a wrong one.
pub fn render(
    archive: &Archive,
    config: &SiteConfig,
    sha256: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Vec<u8> {
    render_reusing(archive, config, sha256, &|_| None)
}

/// `render`, taking the line of a letter from `reuse` (by page path) where the caller knows it is
/// unchanged: the build cache passes the lines of the previous manifest.
pub fn render_reusing(
    archive: &Archive,
    config: &SiteConfig,
    sha256: &(dyn Fn(&str) -> Option<String> + Sync),
    reuse: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
) -> Vec<u8> {
    use rayon::prelude::*;
    let mut entries: Vec<(String, Vec<u8>)> = listed_letters(archive)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(path, l)| {
            if let Some(line) = reuse(&path) {
                return (path, line);
            }
            let entry = Entry {
                url: format!("{}{}", config.base_url, l.url_path()),
                sha256: sha256(&path).unwrap_or_default(),
                path: path.clone(),
                title: &l.title,
                doc_number: l.doc_number.as_deref(),
                date: l.date.to_string(),
                published: l.published.to_string(),
                committee: &l.committee,
                kind: l.kind.label(),
                number: l.number.as_deref(),
                disclosure: l.disclosure.label(),
            };
            let line = escape_markup(serde_json::to_vec(&entry).unwrap_or_default());
            (path, line)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let head = Head {
        format: MANIFEST_FORMAT,
        generator: format!("dafu {}", env!("CARGO_PKG_VERSION")),
        title: &config.title,
        base_url: &config.base_url,
    };
    let head = escape_markup(serde_json::to_vec_pretty(&head).unwrap_or_default());
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.1.len() + 6).sum::<usize>() + 256);
    // `{ …head fields…,` then `"letters": [` and the entries, one a line.
    let head_end = head.iter().rposition(|&b| b == b'}').unwrap_or(head.len());
    out.extend_from_slice(head[..head_end].trim_ascii_end());
    out.extend_from_slice(b",\n  \"letters\": [");
    for (i, (_, entry)) in entries.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        out.extend_from_slice(entry);
    }
    out.extend_from_slice(if entries.is_empty() {
        b"]\n}\n"
    } else {
        b"\n  ]\n}\n"
    });
    out
}

/// The letter lines of a manifest this module wrote, by page path.
pub fn lines(manifest: &[u8]) -> std::collections::HashMap<&str, &[u8]> {
    let mut found = std::collections::HashMap::new();
    for line in manifest.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        let line = line.strip_suffix(b",").unwrap_or(line);
        if !line.starts_with(b"{\"url\":") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Some(rest) = text.split_once("\"path\":\"").map(|(_, r)| r)
            && let Some((path, _)) = rest.split_once('"')
        {
            found.insert(path, line);
        }
    }
    found
}

/// `<`, `>` and `&` as JSON escapes, so that no browser could ever read markup in the manifest, whatever
/// a letter's title holds. They only occur inside strings, where the escapes mean the same.
fn escape_markup(json: Vec<u8>) -> Vec<u8> {
    if !json.iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 64);
    for b in json {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            b => out.push(b),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_is_json_with_one_letter_a_line() {
        let config =
            SiteConfig::parse("title: 档案\nbase_url: https://x.example/a/\nissuer: 局\n").unwrap();
        let letter = |file: &str, extra: &str| {
            let text = format!(
                "---\ntitle: {file}\ndate: 2023-01-02\ncommittee: 市政协\n{extra}---\n正文\n"
            );
            std::sync::Arc::new(
                crate::letter::Letter::parse(&text, std::path::Path::new(file), &config).unwrap(),
            )
        };
        let archive = crate::archive::arrange(
            vec![
                letter("b.md", "doc_number: 温科提复〔2023〕1号\n"),
                letter("a.md", ""),
                letter("c.md", "draft: true\n"),
                letter("d.md", "disclosure: 不予公开\n"),
            ],
            &config,
            crate::archive::Mode::PublishWithDrafts,
        );
        let bytes = render(&archive, &config, &|p| Some(format!("hash-of-{p}")));
        let text = String::from_utf8(bytes).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["format"], 1);
        let letters = value["letters"].as_array().unwrap();
        assert_eq!(letters.len(), 2, "no draft, no 不予公开 letter: {text}");
        assert_eq!(letters[0]["path"], "2023/a/index.html");
        assert_eq!(letters[1]["url"], "https://x.example/a/2023/b/");
        assert_eq!(letters[1]["doc_number"], "温科提复〔2023〕1号");
        assert_eq!(letters[0]["doc_number"], serde_json::Value::Null);
        assert_eq!(letters[1]["sha256"], "hash-of-2023/b/index.html");
        assert_eq!(text.lines().filter(|l| l.contains("\"sha256\"")).count(), 2);
        assert!(text.ends_with("  ]\n}\n"));
        // Lines can be taken back from a manifest and give the same bytes.
        let old = text.as_bytes();
        let lines = lines(old);
        assert_eq!(lines.len(), 2);
        let again = render_reusing(&archive, &config, &|_| None, &|p| {
            lines.get(p).map(|l| l.to_vec())
        });
        assert_eq!(again, old);
        assert_eq!(
            escape_markup(br#"{"t":"<b>&"}"#.to_vec()),
            br#"{"t":"\u003cb\u003e\u0026"}"#
        );
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
