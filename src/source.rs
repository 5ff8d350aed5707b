//! Reading a site's text files once, with the path attached to every failure.
//!
//! Letters come from Windows editors as often as not: a UTF-8 BOM is dropped, CRLF becomes LF, and a
//! file saved as GBK or UTF-16 is named as such with the way to convert it, instead of a decoding error.

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// Reads `path` as UTF-8 text, normalised (no BOM, LF line ends). `shown` is the path used in messages.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::file(shown, format!("cannot read the file: {e}")))?;
    decode(&bytes).map_err(|problem| problem.into_diagnostic(shown))
}

/// Why a file's bytes are not usable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeProblem {
    Utf16,
    Gbk,
    NotUtf8 { line: usize },
}

impl DecodeProblem {
    fn into_diagnostic(self, shown: &Path) -> Diagnostic {
        let convert = "save it again as UTF-8 (in Notepad: 另存为 → 编码 UTF-8; in WPS: 工具 → 选项 → UTF-8), \
                       or run `iconv -f GB18030 -t UTF-8 old.md > new.md`";
        match self {
            DecodeProblem::Utf16 => Diagnostic::file(shown, "the file is saved as UTF-16, not UTF-8")
                .with_hint("save it again as UTF-8 (in Notepad: 另存为 → 编码 UTF-8)"),
            DecodeProblem::Gbk => Diagnostic::file(
                shown,
                "the file is not UTF-8: it looks like GBK (GB2312/GB18030), the default of many Chinese Windows editors",
            )
            .with_hint(convert),
            DecodeProblem::NotUtf8 { line } => {
                Diagnostic::new(shown, line, 0, "the file is not valid UTF-8 text").with_hint(convert)
            }
        }
    }
}

/// Turns raw bytes into normalised text, or says which encoding the file is really in.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeProblem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeProblem::Utf16);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(normalise_line_ends(text)),
        Err(err) => {
            let (_, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if !had_errors {
                return Err(DecodeProblem::Gbk);
            }
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(DecodeProblem::NotUtf8 { line })
        }
    }
}

fn normalise_line_ends(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_utf8_bom_and_crlf() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF---\r\ntitle: x\r\n").unwrap(),
            "---\ntitle: x\n"
        );
    }

    #[test]
    fn names_gbk_files() {
        let (gbk, _, _) = encoding_rs::GBK.encode("答复函：关于科技成果转化");
        assert_eq!(decode(&gbk), Err(DecodeProblem::Gbk));
    }

    #[test]
    fn names_utf16_files() {
        assert_eq!(decode(b"\xFF\xFE-\x00"), Err(DecodeProblem::Utf16));
    }

    #[test]
    fn reports_line_of_other_invalid_bytes() {
        assert_eq!(
            decode(b"a\nb\n\xFF\xFF\xFF"),
            Err(DecodeProblem::NotUtf8 { line: 3 })
        );
    }
}
