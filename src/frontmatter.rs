//! Front matter: the YAML block at the top of a letter, and the one module that names the YAML crate,
//! so that moving to a maintained fork of `serde_yaml` is a change to this file alone.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A letter file cut into its YAML block and its Markdown body, with the file line each starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// File line (1-based) of the first YAML line, so YAML positions can be reported as file positions.
    pub yaml_line: usize,
    pub body: &'a str,
    pub body_line: usize,
}

/// A problem at a position in the file (1-based line and column; column 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    fn new(
        line: usize,
        column: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem {
            line,
            column,
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// Cuts `text` (already BOM-free, LF line ends) into front matter and body.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    if text.trim().is_empty() {
        return Err(Problem::new(
            0,
            0,
            "the file is empty",
            "write the letter's front matter between two `---` lines, then its text; or delete the file",
        ));
    }
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.trim_end() != "---" {
        return Err(Problem::new(
            1,
            1,
            "the letter does not start with front matter",
            "the first line must be `---`, followed by the letter's fields (title, date, committee …) and another `---` line. Did you forget to add `---`?",
        ));
    }
    let yaml_start = first_line.len() + 1;
    let mut offset = yaml_start;
    for (line, row) in (2..).zip(text[yaml_start.min(text.len())..].split_inclusive('\n')) {
        if row.trim_end() == "---" {
            let body_start = offset + row.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start.min(text.len())..],
                body_line: line + 1,
            });
        }
        offset += row.len();
    }
    Err(Problem::new(
        1,
        1,
        "the front matter opened here is never closed",
        "add a line with only `---` after the last field, before the letter's text",
    ))
}

/// Parses a YAML document into `T`, reporting positions as file lines (`first_line` is the file line
/// of the document's first line).
pub fn parse_yaml<T: DeserializeOwned>(yaml: &str, first_line: usize) -> Result<T, Problem> {
    if let Some(problem) = find_tab_indent(yaml, first_line) {
        return Err(problem);
    }
    // An empty document is an empty mapping, so that "missing field" checks report what is missing.
    let yaml = if yaml.trim().is_empty() { "{}" } else { yaml };
    serde_yaml::from_str(yaml).map_err(|err| explain(&err, first_line))
}

/// Writes `value` as a YAML document (without the `---` lines), for front matter the program writes
/// itself (`dafu import`). Strings that YAML would read as something else (`"0043"`, `"true"`) are
/// quoted by the serializer.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

/// YAML forbids tabs in indentation, and its own message for them ("found character that cannot start
/// any token") does not say so.
fn find_tab_indent(yaml: &str, first_line: usize) -> Option<Problem> {
    yaml.lines().enumerate().find_map(|(i, row)| {
        let indent: &str = &row[..row.len() - row.trim_start().len()];
        indent.find('\t').map(|col| {
            Problem::new(
                first_line + i,
                indent[..col].chars().count() + 1,
                "a tab is used for indentation",
                "YAML allows only spaces for indentation: replace the tab with two spaces",
            )
        })
    })
}

fn explain(err: &serde_yaml::Error, first_line: usize) -> Problem {
    let (line, column) = err.location().map_or((first_line, 0), |loc| {
        (first_line + loc.line() - 1, loc.column())
    });
    let raw = err.to_string();
    // serde_yaml appends " at line L column C"; we report the position ourselves, in file lines.
    let text = raw.split(" at line ").next().unwrap_or(&raw).trim();
    let (message, hint) = describe(text);
    Problem {
        line,
        column,
        message,
        hint,
    }
}

/// Turns serde's wording into an editor's: what is wrong, and what to do.
fn describe(text: &str) -> (String, Option<String>) {
    // Errors inside a nested value come prefixed with its path (`contacts[0]: …`): keep it as context.
    let (context, text) = match [
        "unknown field",
        "missing field",
        "invalid type",
        "invalid value",
    ]
    .iter()
    .find_map(|p| text.find(p))
    {
        Some(at) if at > 0 => (text[..at].trim_end_matches([':', ' ']), &text[at..]),
        _ => ("", text),
    };
    let (message, hint) = describe_plain(text);
    if context.is_empty() {
        (message, hint)
    } else {
        (format!("{message} (in `{context}`)"), hint)
    }
}

fn describe_plain(text: &str) -> (String, Option<String>) {
    let ticked: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
    if let Some(key) = text
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        let allowed = &ticked[1..];
        let hint = match closest(key, allowed) {
            Some(near) => {
                format!("did you mean `{near}`? Keys are spelt exactly as in the content format")
            }
            None => format!("allowed keys here: {}", allowed.join(", ")),
        };
        return (format!("unknown key `{key}`"), Some(hint));
    }
    if let Some(key) = text
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        return (
            format!("the required key `{key}` is missing"),
            Some(format!("add a line `{key}: …` to the front matter")),
        );
    }
    if text.starts_with("invalid type") || text.starts_with("invalid value") {
        let hint = if text.contains("expected a sequence") {
            "write a list, e.g. `[张三, 李四]`, or one item per line starting with `- `"
        } else if text.contains("expected a string") {
            "write the value as text, in quotes if it looks like a number or a date: e.g. `\"0043\"`"
        } else if text.contains("expected a boolean") {
            "write `true` or `false`"
        } else {
            "check the value's form against the content format"
        };
        return (
            format!("wrong kind of value: {text}"),
            Some(hint.to_owned()),
        );
    }
    (
        format!("the front matter is not valid YAML: {text}"),
        Some("check this line's quotes, colons and indentation; a value with `: ` or `#` in it needs quotes".to_owned()),
    )
}

fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(key, a), *a))
        .filter(|(d, a)| *d <= 2 && *d < a.len())
        .min()
        .map(|(_, a)| a)
}

/// The file line of a top-level `key:` in a YAML block, so later checks on a value can point at it.
pub fn key_line(yaml: &str, first_line: usize, key: &str) -> Option<usize> {
    yaml.lines()
        .position(|row| {
            row.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| first_line + i)
}

/// The raw front matter of a letter, as written. Unknown keys are errors: a misspelt `topcis:` must
/// not silently vanish. Values are checked and typed later, into a `Letter`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<String>,
    pub committee: Option<String>,
    pub kind: Option<String>,
    pub session: Option<String>,
    pub number: Option<String>,
    pub proposal_title: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub proposers: Vec<String>,
    pub addressee: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub topics: Vec<String>,
    pub category: Option<String>,
    pub disclosure: Option<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
    pub published: Option<String>,
    pub slug: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A member of the bureau's staff named at the end of a letter (联系人, 经办人 …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default = "default_contact_role")]
    pub role: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

fn default_contact_role() -> String {
    "联系人".to_owned()
}

/// Editors write `proposers: 张三` as often as `proposers: [张三]`; both mean a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body_with_file_lines() {
        let s = split("---\ntitle: a\ndate: b\n---\n正文\n").unwrap();
        assert_eq!(s.yaml, "title: a\ndate: b\n");
        assert_eq!((s.yaml_line, s.body_line), (2, 5));
        assert_eq!(s.body, "正文\n");
    }

    #[test]
    fn rejects_missing_opening_line() {
        let p = split("title: a\n").unwrap_err();
        assert_eq!(
            (p.line, p.message.as_str()),
            (1, "the letter does not start with front matter")
        );
    }

    #[test]
    fn rejects_unclosed_front_matter() {
        let p = split("---\ntitle: a\n正文\n").unwrap_err();
        assert_eq!(p.message, "the front matter opened here is never closed");
    }

    #[test]
    fn rejects_empty_file() {
        assert_eq!(split(" \n\n").unwrap_err().message, "the file is empty");
    }

    #[test]
    fn unknown_key_reports_file_line_and_suggests_spelling() {
        let p = parse_yaml::<FrontMatter>("title: a\ntopcis: [x]\n", 2).unwrap_err();
        assert_eq!((p.line, p.column), (3, 1));
        assert_eq!(p.message, "unknown key `topcis`");
        assert!(p.hint.unwrap().starts_with("did you mean `topics`?"));
    }

    #[test]
    fn tab_indentation_is_named() {
        let p = parse_yaml::<FrontMatter>("contacts:\n\t- {name: a}\n", 2).unwrap_err();
        assert_eq!(
            (p.line, p.column, p.message.as_str()),
            (3, 1, "a tab is used for indentation")
        );
    }

    #[test]
    fn unquoted_number_is_kept_as_printed() {
        let fm: FrontMatter = parse_yaml("number: 0043\nproposers: 张三\n", 2).unwrap();
        assert_eq!(fm.number.as_deref(), Some("0043"));
        assert_eq!(fm.proposers, vec!["张三"]);
    }

    #[test]
    fn wrong_type_says_what_to_write() {
        let p = parse_yaml::<FrontMatter>("title: a\ndraft: 是\n", 2).unwrap_err();
        assert_eq!(p.line, 3);
        assert!(
            p.message.starts_with("wrong kind of value"),
            "{}",
            p.message
        );
    }

    #[test]
    fn syntax_error_points_at_its_line() {
        let p =
            parse_yaml::<FrontMatter>("title: a\ncommittee: \"市政协\ndate: x\n", 2).unwrap_err();
        assert!(
            p.message.starts_with("the front matter is not valid YAML"),
            "{}",
            p.message
        );
        assert!(p.line >= 3, "{}", p.line);
    }

    #[test]
    fn written_yaml_reads_back_as_written() {
        #[derive(serde::Serialize)]
        struct Out {
            number: &'static str,
            date: &'static str,
            title: &'static str,
            cc: Vec<&'static str>,
        }
        let yaml = to_yaml(&Out {
            number: "0043",
            date: "2023-06-28",
            title: "关于第494号提案的答复函: 摘要 # 一",
            cc: vec!["市府办", "yes"],
        })
        .unwrap();
        let fm: FrontMatter = parse_yaml(&yaml, 2).unwrap();
        assert_eq!(fm.number.as_deref(), Some("0043"));
        assert_eq!(fm.date.as_deref(), Some("2023-06-28"));
        assert_eq!(
            fm.title.as_deref(),
            Some("关于第494号提案的答复函: 摘要 # 一")
        );
        assert_eq!(fm.cc, vec!["市府办", "yes"]);
        assert!(
            yaml.contains("关于第494号提案"),
            "non-ASCII is written as is: {yaml}"
        );
    }

    #[test]
    fn key_line_finds_top_level_keys_only() {
        let yaml = "title: a\nextra:\n  date: x\ndate: 2023-02-30\n";
        assert_eq!(key_line(yaml, 2, "date"), Some(5));
        assert_eq!(key_line(yaml, 2, "slug"), None);
    }
}
