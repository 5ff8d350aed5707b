//! The content file written for an imported letter: its front matter, its name, and the list of
//! fields that could not be found.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::text::Fields;
use crate::frontmatter;
use crate::slug;

#[derive(Serialize)]
struct ContactOut<'a> {
    role: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    phone: &'a str,
}

/// The front matter, in the order of the content format; what was not found is left out.
#[derive(Serialize)]
struct FrontMatterOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committee: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal_title: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    proposers: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    addressee: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disclosure: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contacts: Vec<ContactOut<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cc: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<&'static str, String>,
}

/// The whole content file: front matter, then the body.
pub fn render(f: &Fields, body: &str) -> Result<String, String> {
    let mut extra = BTreeMap::new();
    if let Some(s) = &f.signer {
        extra.insert("signer", s.clone());
    }
    if let Some(k) = &f.keywords {
        extra.insert("keywords", k.clone());
    }
    if let Some(p) = &f.printed_by {
        extra.insert("printed_by", p.clone());
    }
    if let Some(d) = f.printed {
        extra.insert("printed", d.format("%Y-%m-%d").to_string());
    }
    let out = FrontMatterOut {
        title: f.title.as_deref(),
        date: f.date.map(|d| d.format("%Y-%m-%d").to_string()),
        committee: f.committee.as_deref(),
        kind: f.kind,
        session: f.session.as_deref(),
        number: f.number.as_deref(),
        proposal_title: f.proposal_title.as_deref(),
        proposers: &f.proposers,
        addressee: f.addressee.as_deref(),
        doc_number: f.doc_number.as_deref(),
        issuer: f.issuer.as_deref(),
        role: f.role,
        category: f.category.as_deref(),
        disclosure: f.disclosure,
        contacts: f
            .contacts
            .iter()
            .map(|c| ContactOut {
                role: &c.role,
                name: &c.name,
                phone: &c.phone,
            })
            .collect(),
        cc: &f.cc,
        extra,
    };
    let yaml = frontmatter::to_yaml(&out)?;
    let yaml = if yaml.trim() == "{}" {
        String::new()
    } else {
        yaml
    };
    Ok(format!("---\n{yaml}---\n{body}"))
}

/// The file name (without `.md`) of an imported letter: from its kind, committee level, number and
/// role, as the example site names letters (`ti-494`, `jian-qu-DH0271`, `ti-0207-xieban`), so the
/// same letter always gets the same name; from the source file's name when it has no number.
pub fn stem(f: &Fields, source: &Path) -> String {
    let number: String = f
        .number
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match f.kind {
        Some(kind) if !number.is_empty() => {
            let prefix = match kind {
                "提案" => "ti",
                "建议" => "jian",
                _ => "yian",
            };
            let level = f.committee.as_deref().map_or("", committee_level);
            let role = match f.role {
                Some("协办") => "-xieban",
                Some("会办") => "-huiban",
                Some("分办") => "-fenban",
                _ => "",
            };
            format!("{prefix}{level}-{number}{role}")
        }
        _ => {
            let name = source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = if slug::is_valid_slug(&name) {
                name
            } else {
                slug::slugify(&name)
            };
            stem.trim_start_matches(['_', '.']).to_owned()
        }
    }
}

/// `市政协` → ``, `区人大` → `-qu`: the city level is the usual one and goes unnamed.
fn committee_level(committee: &str) -> &'static str {
    let level = committee
        .strip_suffix("政协")
        .or_else(|| committee.strip_suffix("人大"))
        .unwrap_or_default();
    match level {
        "区" => "-qu",
        "县" => "-xian",
        "省" | "自治区" => "-sheng",
        "州" => "-zhou",
        "旗" => "-qi",
        "盟" => "-meng",
        _ => "",
    }
}

/// One line per field the letter's text did not give, for the report (`no 文号 found`).
pub fn missing(f: &Fields) -> Vec<String> {
    let mut out = Vec::new();
    let mut no = |absent: bool, what: &str| {
        if absent {
            out.push(format!("no {what} found"));
        }
    };
    no(f.title.is_none(), "title");
    no(f.date.is_none(), "date (成文日期)");
    no(f.committee.is_none(), "committee (市政协, 区人大 …)");
    no(f.doc_number.is_none(), "文号");
    no(f.session.is_none(), "session (届次)");
    no(f.number.is_none(), "proposal number");
    no(f.proposal_title.is_none(), "proposal title (《…》)");
    no(f.proposers.is_empty(), "proposer");
    no(f.addressee.is_none(), "salutation (addressee)");
    no(f.category.is_none(), "reply class (答复类别)");
    no(f.contacts.is_empty(), "contact line (联系人)");
    no(f.cc.is_empty(), "抄送 list");
    if f.issuer.is_none() {
        out.push("no signature found: the issuer in site.yaml applies".to_owned());
    }
    if f.disclosure.is_none() {
        out.push(
            "no disclosure note (此件公开发布, 主动公开) found: the letter will be published in full (全文公开, the default)"
                .to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontmatter::FrontMatter;
    use crate::import::fields::ContactLine;
    use chrono::NaiveDate;

    fn fields() -> Fields {
        Fields {
            title: Some("关于市政协十三届三次会议第0217号提案的答复函".into()),
            date: NaiveDate::from_ymd_opt(2024, 6, 12),
            committee: Some("市政协".into()),
            kind: Some("提案"),
            session: Some("十三届三次会议".into()),
            number: Some("0217".into()),
            proposers: vec!["林书恒".into()],
            contacts: vec![ContactLine {
                role: "联系人".into(),
                name: "周明远".into(),
                phone: "86051288，13905551234".into(),
            }],
            cc: vec!["市府办".into()],
            printed: NaiveDate::from_ymd_opt(2024, 6, 12),
            ..Fields::default()
        }
    }

    #[test]
    fn front_matter_reads_back_with_numbers_as_strings() {
        let text = render(&fields(), "林书恒委员：\n").unwrap();
        assert!(text.starts_with("---\ntitle: 关于市政协"), "{text}");
        assert!(text.ends_with("---\n林书恒委员：\n"), "{text}");
        let split = frontmatter::split(&text).unwrap();
        let fm: FrontMatter = frontmatter::parse_yaml(split.yaml, split.yaml_line).unwrap();
        assert_eq!(fm.number.as_deref(), Some("0217"));
        assert_eq!(fm.date.as_deref(), Some("2024-06-12"));
        assert_eq!(fm.contacts[0].phone, "86051288，13905551234");
        assert_eq!(fm.extra["printed"], "2024-06-12");
        assert_eq!(fm.issuer, None);
    }

    #[test]
    fn names_follow_kind_level_number_and_role() {
        let f = fields();
        assert_eq!(stem(&f, Path::new("a.txt")), "ti-0217");
        let f = Fields {
            committee: Some("区人大".into()),
            kind: Some("建议"),
            number: Some("DH0271".into()),
            ..fields()
        };
        assert_eq!(stem(&f, Path::new("a.txt")), "jian-qu-DH0271");
        let f = Fields {
            role: Some("协办"),
            number: Some("207".into()),
            ..fields()
        };
        assert_eq!(stem(&f, Path::new("a.txt")), "ti-207-xieban");
        let f = Fields {
            number: None,
            ..fields()
        };
        assert_eq!(
            stem(&f, Path::new("旧函/科技局答复.docx")),
            "ke-ji-ju-da-fu"
        );
        assert_eq!(stem(&f, Path::new("reply_98.txt")), "reply_98");
    }

    #[test]
    fn missing_fields_are_listed() {
        let m = missing(&fields());
        assert!(m.contains(&"no 文号 found".to_owned()), "{m:?}");
        assert!(m.contains(&"no proposal title (《…》) found".to_owned()));
        assert!(!m.iter().any(|x| x.starts_with("no title")));
    }
}
