//! Turning the bytes of an old letter into text: UTF-8 (with or without BOM), UTF-16 (with a BOM, or
//! without one when its zero bytes give it away), and GBK/GB18030, the default of Chinese Windows
//! tools. The guess for files that are not UTF-8 is chardetng's; nothing is ever decoded with
//! replacement characters: a file that cannot be decoded cleanly is refused, naming what it looks like.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// Text decoded from a file, with line ends made LF and any BOM removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding the file was in, as editors know it (`UTF-8`, `UTF-16LE`, `GBK`).
    pub encoding: &'static str,
}

/// Why a file's bytes could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingProblem {
    /// Zero bytes that do not follow the UTF-16 pattern: a binary file (e.g. an old `.doc`).
    Binary,
    /// It looks like `encoding` but has bytes that are not valid in it, from `line` on.
    Damaged { encoding: &'static str, line: usize },
    /// Not UTF-8, UTF-16 or GBK/GB18030; `guess` is the closest encoding chardetng found.
    Unknown { guess: &'static str },
}

impl EncodingProblem {
    /// What went wrong and what to do, for the editor.
    pub fn explain(&self) -> (String, String) {
        let resave = "open it in Notepad or WPS and save it again as UTF-8 (另存为 → 编码 UTF-8), then import it again";
        match self {
            EncodingProblem::Binary => (
                "this is not a text file (it holds binary data)".to_owned(),
                "import .txt, .md or .docx files; save an old .doc or .wps file as .docx (另存为 → Word 文档) first".to_owned(),
            ),
            EncodingProblem::Damaged { encoding, line } => (
                format!("the file looks like {encoding} but has bytes that are not valid {encoding} at line {line}: it may be damaged or mix two encodings"),
                resave.to_owned(),
            ),
            EncodingProblem::Unknown { guess } => (
                format!("cannot tell how the text is encoded: it is not UTF-8, UTF-16 or GBK/GB18030 (it looks most like {guess})"),
                resave.to_owned(),
            ),
        }
    }
}

/// Decodes a text file's bytes. UTF-8 is tried first (an ASCII file is UTF-8), then a UTF-16 BOM or
/// pattern, then chardetng's guess among the Chinese encodings.
pub fn decode(bytes: &[u8]) -> Result<Decoded, EncodingProblem> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return strict(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return strict(encoding, bytes);
    }
    if bytes.contains(&0) {
        return Err(EncodingProblem::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(finish(text, UTF_8));
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, Utf8Detection::Allow);
    if guess == GBK || guess == GB18030 {
        // GB18030 is a superset of GBK: decoding as GB18030 reads both.
        return strict(GB18030, bytes).map(|d| Decoded {
            encoding: guess.name(),
            ..d
        });
    }
    // Short texts can fool the detector into a Japanese or Korean guess; a Chinese letter that decodes
    // cleanly as GB18030 into mostly Han characters is taken as what it almost certainly is.
    if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes)
        && mostly_chinese(&text)
    {
        return Ok(finish(&text, GBK));
    }
    Err(EncodingProblem::Unknown {
        guess: guess.name(),
    })
}

fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<Decoded, EncodingProblem> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) if !text.contains('\0') => Ok(finish(&text, encoding)),
        Some(_) => Err(EncodingProblem::Binary),
        None => Err(EncodingProblem::Damaged {
            encoding: encoding.name(),
            line: first_bad_line(encoding, bytes),
        }),
    }
}

/// The line (1-based) holding the first byte that does not decode.
fn first_bad_line(encoding: &'static Encoding, bytes: &[u8]) -> usize {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let before = text.split('\u{FFFD}').next().unwrap_or_default();
    before.matches('\n').count() + 1
}

/// UTF-16 without a BOM shows as zero bytes in every other position (the high byte of ASCII:
/// digits, line ends, spaces), and almost never elsewhere.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let pairs = bytes.len() / 2;
    let zero_at = |offset: usize| {
        bytes
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    let enough = |n: usize| n * 5 >= pairs; // at least 20% of the characters are ASCII
    let few = |n: usize| n * 50 <= pairs; // and the other half almost never zero
    if enough(odd) && few(even) {
        Some(UTF_16LE)
    } else if enough(even) && few(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn mostly_chinese(text: &str) -> bool {
    let wide: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    let han = wide
        .iter()
        .filter(|&&c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}'))
        .count();
    !wide.is_empty() && han * 10 >= wide.len() * 9
}

fn finish(text: &str, encoding: &'static Encoding) -> Decoded {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    };
    Decoded {
        text,
        encoding: encoding.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "关于市政协第12号提案的答复函\r\n\r\n张三委员：\r\n您提出的提案收悉。\r\n";
    const CLEAN: &str = "关于市政协第12号提案的答复函\n\n张三委员：\n您提出的提案收悉。\n";

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(if big_endian {
                [0xFE, 0xFF]
            } else {
                [0xFF, 0xFE]
            });
        }
        for unit in text.encode_utf16() {
            let b = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend(b);
        }
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode(LETTER.as_bytes()).unwrap();
        assert_eq!((plain.text.as_str(), plain.encoding), (CLEAN, "UTF-8"));
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), LETTER.as_bytes()].concat();
        assert_eq!(decode(&with_bom).unwrap().text, CLEAN);
    }

    #[test]
    fn utf16_with_bom_either_byte_order() {
        for big_endian in [false, true] {
            let d = decode(&utf16(LETTER, big_endian, true)).unwrap();
            assert_eq!(d.text, CLEAN);
            assert_eq!(d.encoding, if big_endian { "UTF-16BE" } else { "UTF-16LE" });
        }
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_zero_bytes() {
        let text = "联系人：张三 联系电话：88962078\n2023年6月28日\n";
        assert_eq!(decode(&utf16(text, false, false)).unwrap().text, text);
        assert_eq!(decode(&utf16(text, true, false)).unwrap().text, text);
    }

    #[test]
    fn gbk_and_gb18030_are_converted() {
        let (gbk, _, unmappable) = GBK.encode(LETTER);
        assert!(!unmappable);
        let d = decode(&gbk).unwrap();
        assert_eq!(d.text, CLEAN);
        assert!(
            d.encoding == "GBK" || d.encoding == "gb18030",
            "{}",
            d.encoding
        );
        // A character outside GBK (U+2A6A5, an extension-B ideograph) needs GB18030's four-byte form.
        let rare = "关于𪚥字的答复函：政协委员提出的提案收悉，现答复如下。";
        let (gb18030, _, _) = GB18030.encode(rare);
        assert_eq!(decode(&gb18030).unwrap().text, rare);
    }

    #[test]
    fn a_short_gbk_line_is_still_read_as_chinese() {
        let (gbk, _, _) = GBK.encode("抄送：市府办");
        assert_eq!(decode(&gbk).unwrap().text, "抄送：市府办");
    }

    #[test]
    fn binary_and_damaged_files_are_refused() {
        assert_eq!(
            decode(b"\xD0\xCF\x11\xE0\x00\x00\x01\x02\x00\x00\x03"),
            Err(EncodingProblem::Binary)
        );
        let (mut gbk, _, _) = GBK.encode("第一行答复内容\n第二行答复内容");
        gbk.to_mut().extend([0xFF, 0xFF]);
        assert!(
            matches!(
                decode(&gbk),
                Err(EncodingProblem::Damaged { line: 2, .. })
                    | Err(EncodingProblem::Unknown { .. })
            ),
            "{:?}",
            decode(&gbk)
        );
        let bad_utf16 = [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00];
        assert!(matches!(
            decode(&bad_utf16),
            Err(EncodingProblem::Damaged {
                encoding: "UTF-16LE",
                ..
            })
        ));
    }

    #[test]
    fn latin_bytes_are_not_mistaken_for_chinese() {
        let e = decode(b"Caf\xE9 cr\xE8me br\xFBl\xE9e, na\xEFve fa\xE7ade").unwrap_err();
        assert!(matches!(e, EncodingProblem::Unknown { .. }), "{e:?}");
    }
}
