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
//!    1 to [`MAX_GRAM`] adjacent units of a run (a *gram*; at most [`MAX_WORD_GRAM`] when one unit is
//!    a word), so that any query that is such a gram is answered exactly from letter lists alone, and
//!    longer ones are narrowed by the grams that cover them and then checked against the text.

/// The longest gram (in units) the index keeps.
pub const MAX_GRAM: usize = 4;
/// The longest gram the index keeps when one of its units is a word: numbers in running text
/// (`达到3577家`) would otherwise make a quarter of the index out of grams hardly anyone types.
/// Longer queries with a word are narrowed by shorter grams and checked against the text.
pub const MAX_WORD_GRAM: usize = 2;

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

/// Whether units `i..j` of a run form a gram the index keeps: at most [`MAX_GRAM`] units, and at
/// most [`MAX_WORD_GRAM`] when one of them is a word.
pub fn is_kept_gram(run: &[Unit], i: usize, j: usize) -> bool {
    j - i <= MAX_WORD_GRAM || (j - i <= MAX_GRAM && run[i..j].iter().all(|u| !u.word))
}

/// The grams a query part is looked up by: the part itself when it is one run that is a kept gram
/// (an exact answer), otherwise the longest kept grams covering each run one after the other, the
/// last one reaching back as far as it can (fewer candidates). `exact` tells whether the letters
/// holding every gram are exactly the letters holding the part, or only candidates to check
/// against the text.
pub fn query_grams(part: &str) -> (Vec<String>, bool) {
    let normalized = normalize(part);
    let runs = runs(&normalized);
    let mut grams = Vec::new();
    for run in &runs {
        let mut windows: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        loop {
            let mut j = (i + MAX_GRAM).min(run.len());
            while !is_kept_gram(run, i, j) {
                j -= 1;
            }
            windows.push((i, j));
            if j == run.len() {
                break;
            }
            i = j;
        }
        let mut start = windows[windows.len() - 1].0;
        while start > 0 && is_kept_gram(run, start - 1, run.len()) {
            start -= 1;
        }
        windows.pop();
        while windows.last().is_some_and(|w| w.0 >= start) {
            windows.pop();
        }
        windows.push((start, run.len()));
        for (i, j) in windows {
            grams.push(normalized[run[i].start..run[j - 1].end].to_owned());
        }
    }
    let exact = runs.len() == 1
        && is_kept_gram(&runs[0], 0, runs[0].len())
        && runs[0][0].start == 0
        && runs[0][runs[0].len() - 1].end == normalized.len();
    grams.dedup();
    (grams, exact)
}

/// Calls `f` with every gram the index keeps (see [`is_kept_gram`]) of every run of a normalised
/// text.
pub fn for_each_gram<'t>(normalized: &'t str, mut f: impl FnMut(&'t str)) {
    for run in runs(normalized) {
        for i in 0..run.len() {
            for j in i + 1..=(i + MAX_GRAM).min(run.len()) {
                if is_kept_gram(&run, i, j) {
                    f(&normalized[run[i].start..run[j - 1].end]);
                }
            }
        }
    }
}

/// The characters of a word kept on each side of a joint.
pub const JOINT_WORD: usize = 2;

/// Calls `f` with every *joint* of a normalised text, in order: two runs with one separator
/// between them, as the unit on each side nearest the separator (a word cut to its [`JOINT_WORD`]
/// characters nearest it) and the separator: `23]98` in `[2023]98号`, `11.3`, `造、数` in
/// `改造、数字`; and a run's edge by an opening or closing mark ([`is_opening`], [`is_closing`]),
/// as the mark and the unit next to it: `“双` and `碳”` in `“双碳”`. A query with punctuation inside
/// is looked up by its runs apart, and each run is common; its joints keep the letters where those
/// runs meet as in the query, so that far fewer candidates are fetched to be checked (a 文号 typed
/// whole, a phrase copied with its commas, a quoted word's last character and its quote). White
/// space is never inside a query part, so never in a joint.
pub fn for_each_joint<'t>(normalized: &'t str, mut f: impl FnMut(&'t str)) {
    // Words are ASCII: any byte is a character boundary.
    let first = |unit: Unit| match unit.word {
        true => unit.start..unit.end.min(unit.start + JOINT_WORD),
        false => unit.start..unit.end,
    };
    let last = |unit: Unit| match unit.word {
        true => unit.start.max(unit.end.saturating_sub(JOINT_WORD))..unit.end,
        false => unit.start..unit.end,
    };
    let mut previous: Option<Unit> = None;
    for_each_run(normalized, &mut Vec::new(), |run| {
        let (head, tail) = (run[0], run[run.len() - 1]);
        if let Some(unit) = previous
            && is_joint_separator(&normalized[unit.end..head.start])
        {
            f(&normalized[last(unit).start..first(head).end]);
        }
        if let Some(mark) = normalized[..head.start].chars().next_back()
            && is_opening(mark)
        {
            f(&normalized[head.start - mark.len_utf8()..first(head).end]);
        }
        if let Some(mark) = normalized[tail.end..].chars().next()
            && is_closing(mark)
        {
            f(&normalized[last(tail).start..tail.end + mark.len_utf8()]);
        }
        previous = Some(tail);
    });
}

/// Whether a (normalised) separator opens a quotation or a bracket, which the unit after it makes an
/// edge joint with (see [`for_each_joint`]). Only these marks, not commas: a comma comes after
/// nearly every clause, and such edges would add megabytes to the index.
pub fn is_opening(c: char) -> bool {
    matches!(c, '“' | '‘' | '「' | '『' | '(' | '[' | '《' | '〈' | '{')
}

/// Whether a (normalised) separator closes a quotation or a bracket (see [`is_opening`]).
pub fn is_closing(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | ')' | ']' | '》' | '〉' | '}')
}

/// Whether the text between two runs can be inside a joint: one character, not white space.
pub fn is_joint_separator(between: &str) -> bool {
    let mut chars = between.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_joint_char(c))
}

/// Whether a separator can be inside a joint: not white space (Rust's and JavaScript's both, as
/// search.js tests it) nor a control character.
pub fn is_joint_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && c != '\u{FEFF}'
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
    fn grams_with_a_word_are_at_most_two_units() {
        assert_eq!(query_grams("2024年"), (vec!["2024年".to_owned()], true));
        let (grams, exact) = query_grams("第494号");
        assert_eq!(grams, ["第494", "494号"]);
        assert!(!exact);
        let (grams, exact) = query_grams("5g基站建设");
        assert_eq!(grams, ["5g基", "基站建设"]);
        assert!(!exact);
        let mut seen = Vec::new();
        for_each_gram("第494号", |g| seen.push(g.to_owned()));
        assert_eq!(seen, ["第", "第494", "494", "494号", "号"]);
    }

    #[test]
    fn joints_join_two_runs_across_one_separator() {
        let mut seen = Vec::new();
        for_each_joint(
            &normalize("温科提复〔2023〕198号，研发投入11.3亿元、全市 2024.10-26"),
            |j| seen.push(j.to_owned()),
        );
        assert_eq!(
            seen,
            [
                "复[20",
                "[20",
                "23]",
                "23]19",
                "号,研",
                "11.3",
                "元、全",
                "24.10",
                "10-26"
            ]
        );
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
    fn chunk_names_match_the_shared_vectors() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/search_vectors.json")).unwrap();
        let names = file["chunk_names"].as_array().unwrap();
        assert!(names.len() >= 5);
        for case in names {
            let first = case["first"].as_str().unwrap();
            let name = case["name"].as_str().unwrap();
            assert_eq!(
                crate::search::chunk_name(first),
                format!("search/c/{name}.z"),
                "{first:?}"
            );
        }
    }

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
            let mut joints = Vec::new();
            for_each_joint(&normalize(input), |j| joints.push(j.to_owned()));
            assert_eq!(joints, strings("joints"), "joints({input:?})");
        }
    }
}
