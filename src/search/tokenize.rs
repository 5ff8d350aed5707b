//! The one tokenizer rule, shared with the browser (`themes/default/static/search.js` implements the
//! same functions; `tests/search_vectors.json` holds the cases both must agree on). Pagefind's Chinese
//! search fails because index and query are split by different code; here both sides run this rule.
//!
//! 1. **Normalise** character by character (never changing the number of characters, so a match found
//!    in the normalised text is at the same offsets in the original, for highlighting): full-width
//!    ASCII (`Ａ`, `１`, `（`) to half-width, the ideographic space to a space, `〔〕【】` to `[]`, ASCII
//!    upper case to lower case.
//! 2. **Units**: a run of ASCII letters and digits is one unit (a word: `2023`, `dh0271`); every Han
//!    (or kana, hangul) character is one unit. Everything else (punctuation, brackets, spaces) separates
//!    units into **runs**.
//! 3. **Tokens**: words, and overlapping pairs of adjacent Han characters in a run (a lone Han
//!    character stands for itself). The index goes further with the same units: it keeps every run of
//!    1 to [`MAX_GRAM`] adjacent units of a run (a *gram*), so that any query of up to four units is
//!    answered exactly from letter lists alone, and longer ones are narrowed by their four-unit grams
//!    and then checked against the text.

/// The longest gram (in units) the index keeps.
pub const MAX_GRAM: usize = 4;

/// Normalises one character (see the module docs); always one character for one.
pub fn normalize_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => {
            let half = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
            half.to_ascii_lowercase()
        }
        '\u{3000}' => ' ',
        '〔' | '【' => '[',
        '〕' | '】' => ']',
        _ => c.to_ascii_lowercase(),
    }
}

/// The normalised text: the same characters, one for one, normalised.
pub fn normalize(text: &str) -> String {
    text.chars().map(normalize_char).collect()
}

/// What a normalised character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// ASCII letter or digit: part of a word.
    Word,
    /// Han ideograph, kana or hangul: a unit of its own.
    Han,
    /// Anything else: ends a run.
    Separator,
}

pub fn class(c: char) -> Class {
    match c {
        'a'..='z' | '0'..='9' => Class::Word,
        '\u{3005}' | '\u{3007}' // 々 〇
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}' // hangul
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}' => Class::Han,
        _ => Class::Separator,
    }
}

/// A unit of normalised text: its byte range in the normalised string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub start: usize,
    pub end: usize,
    pub word: bool,
}

/// The runs of units of a normalised text, in order. Each run is a maximal sequence of units with no
/// separator between them (`98号` is one run of two units, `98 号` two runs).
pub fn runs(normalized: &str) -> Vec<Vec<Unit>> {
    let mut out = Vec::new();
    for_each_run(normalized, &mut Vec::new(), |run| out.push(run.to_vec()));
    out
}

/// Calls `f` with each run of units of a normalised text, reusing `buffer` (the index calls this for
/// every letter: no allocation per run).
pub fn for_each_run(normalized: &str, buffer: &mut Vec<Unit>, mut f: impl FnMut(&[Unit])) {
    buffer.clear();
    let mut word_start: Option<usize> = None;
    for (i, c) in normalized.char_indices() {
        let class = class(c);
        if class != Class::Word
            && let Some(s) = word_start.take()
        {
            buffer.push(Unit {
                start: s,
                end: i,
                word: true,
            });
        }
        match class {
            Class::Word => {
                word_start.get_or_insert(i);
            }
            Class::Han => buffer.push(Unit {
                start: i,
                end: i + c.len_utf8(),
                word: false,
            }),
            Class::Separator => {
                if !buffer.is_empty() {
                    f(buffer);
                    buffer.clear();
                }
            }
        }
    }
    if let Some(s) = word_start {
        buffer.push(Unit {
            start: s,
            end: normalized.len(),
            word: true,
        });
    }
    if !buffer.is_empty() {
        f(buffer);
    }
}

/// The tokens of a text: words, and overlapping Han pairs (a lone Han character alone). This is the
/// rule as users and the shared test vectors see it; the index keeps the longer grams too.
pub fn tokens(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    let mut out = Vec::new();
    for run in runs(&normalized) {
        let mut i = 0;
        while i < run.len() {
            let u = run[i];
            if u.word {
                out.push(normalized[u.start..u.end].to_owned());
                i += 1;
                continue;
            }
            // A stretch of Han units inside the run.
            let mut j = i;
            while j < run.len() && !run[j].word {
                j += 1;
            }
            if j - i == 1 {
                out.push(normalized[u.start..u.end].to_owned());
            } else {
                for k in i..j - 1 {
                    out.push(normalized[run[k].start..run[k + 1].end].to_owned());
                }
            }
            i = j;
        }
    }
    out
}

/// The grams a query part is looked up by: the part itself when it is one run of at most
/// [`MAX_GRAM`] units (an exact answer), otherwise [`MAX_GRAM`]-unit grams covering each run (a run
/// of fewer units: the run itself). `exact` tells whether the letters holding every gram are
/// exactly the letters holding the part, or only candidates to check against the text.
pub fn query_grams(part: &str) -> (Vec<String>, bool) {
    let normalized = normalize(part);
    let runs = runs(&normalized);
    let mut grams = Vec::new();
    for run in &runs {
        // Grams starting every MAX_GRAM units, and the run's last MAX_GRAM units: they cover every
        // unit with the fewest lookups (each may sit in another chunk file).
        let mut starts: Vec<usize> = (0..run.len().saturating_sub(MAX_GRAM))
            .step_by(MAX_GRAM)
            .collect();
        starts.push(run.len().saturating_sub(MAX_GRAM));
        for i in starts {
            let last = (i + MAX_GRAM).min(run.len()) - 1;
            grams.push(normalized[run[i].start..run[last].end].to_owned());
        }
    }
    let exact = runs.len() == 1
        && runs[0].len() <= MAX_GRAM
        && runs[0][0].start == 0
        && runs[0][runs[0].len() - 1].end == normalized.len();
    grams.dedup();
    (grams, exact)
}

/// Calls `f` with every gram (1 to [`MAX_GRAM`] units) of every run of a normalised text.
pub fn for_each_gram<'t>(normalized: &'t str, mut f: impl FnMut(&'t str)) {
    for run in runs(normalized) {
        for i in 0..run.len() {
            for n in 1..=MAX_GRAM.min(run.len() - i) {
                f(&normalized[run[i].start..run[i + n - 1].end]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_keeps_one_character_for_one() {
        assert_eq!(
            normalize("温科提复〔２０２３〕９８号"),
            "温科提复[2023]98号"
        );
        assert_eq!(normalize("【DH0271】ＡＢ"), "[dh0271]ab");
        assert_eq!(normalize("（一）　ok"), "(一) ok");
    }

    #[test]
    fn query_of_up_to_four_units_is_one_exact_gram() {
        assert_eq!(query_grams("制造业"), (vec!["制造业".to_owned()], true));
        assert_eq!(query_grams("98号"), (vec!["98号".to_owned()], true));
        let (grams, exact) = query_grams("科技成果转化");
        assert_eq!(grams, ["科技成果", "成果转化"]);
        assert!(!exact);
        assert!(!query_grams("《制造业》").1, "brackets must be checked");
    }

    #[test]
    fn every_gram_of_a_run_is_visited() {
        let mut seen = Vec::new();
        for_each_gram("ab 科技局", |g| seen.push(g.to_owned()));
        assert_eq!(seen, ["ab", "科", "科技", "科技局", "技", "技局", "局"]);
    }
}

/// The cases in `tests/search_vectors.json`, which `search.js` is tested against too.
#[cfg(test)]
mod shared_vectors {
    use super::*;

    #[test]
    fn rust_tokenizer_matches_the_shared_vectors() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/search_vectors.json")).unwrap();
        let cases = file["cases"].as_array().unwrap();
        assert!(cases.len() >= 15);
        for case in cases {
            let input = case["input"].as_str().unwrap();
            let strings = |key: &str| -> Vec<String> {
                case[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            };
            assert_eq!(normalize(input), case["normalized"], "normalize({input:?})");
            assert_eq!(tokens(input), strings("tokens"), "tokens({input:?})");
            let (grams, exact) = query_grams(input);
            assert_eq!(grams, strings("grams"), "query_grams({input:?})");
            assert_eq!(exact, case["exact"], "exact({input:?})");
        }
    }
}
