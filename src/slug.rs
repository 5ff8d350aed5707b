//! ASCII URL slugs for Chinese names: `先进制造业` → `xian-jin-zhi-zao-ye`.

use std::collections::BTreeMap;

use pinyin::ToPinyin;
use sha2::{Digest, Sha256};

/// An ASCII slug for `name`: Han characters as pinyin syllables, ASCII letters and digits (full-width
/// ones too) kept in lower case, everything else a separator. Never empty.
pub fn slugify(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in name.chars() {
        let c = half_width(c);
        if c.is_ascii_alphanumeric() {
            run.push(c.to_ascii_lowercase());
            continue;
        }
        if !run.is_empty() {
            words.push(std::mem::take(&mut run));
        }
        if let Some(p) = c.to_pinyin() {
            words.push(p.plain().to_owned());
        }
    }
    if !run.is_empty() {
        words.push(run);
    }
    if words.is_empty() {
        return format!("t-{}", short_hash(name));
    }
    words.join("-")
}

/// Whether `slug` is safe as one URL path segment as written by an editor (`slug:` in front matter).
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('.')
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Slugs for a set of names, collision-free: names whose slugs collide (homophones such as 城建/成建)
/// keep the plain slug for the first by name and get a short stable hash of the name for the others,
/// so a URL does not depend on the order letters were read in. `overrides` come from site config.
pub fn assign<'a>(
    names: impl IntoIterator<Item = &'a str>,
    overrides: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in names {
        let slug = overrides
            .get(name)
            .cloned()
            .unwrap_or_else(|| slugify(name));
        by_slug.entry(slug).or_default().push(name);
    }
    let mut slugs = BTreeMap::new();
    for (slug, mut names) in by_slug {
        names.sort_unstable();
        names.dedup();
        for (i, name) in names.into_iter().enumerate() {
            let unique = if i == 0 {
                slug.clone()
            } else {
                format!("{slug}-{}", short_hash(name))
            };
            slugs.insert(name.to_owned(), unique);
        }
    }
    slugs
}

fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

fn short_hash(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    digest[..3].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_becomes_hyphenated_pinyin() {
        assert_eq!(slugify("先进制造业"), "xian-jin-zhi-zao-ye");
        assert_eq!(slugify("市政协"), "shi-zheng-xie");
    }

    #[test]
    fn ascii_and_full_width_letters_and_digits_are_kept() {
        assert_eq!(slugify("5G 应用"), "5g-ying-yong");
        assert_eq!(slugify("ＡＩ产业"), "ai-chan-ye");
    }

    #[test]
    fn punctuation_only_name_still_gets_a_slug() {
        assert!(slugify("——").starts_with("t-"));
    }

    #[test]
    fn colliding_names_get_distinct_stable_slugs() {
        let slugs = assign(["城建", "成建"], &BTreeMap::new());
        // 城 (U+57CE) sorts before 成 (U+6210): it keeps the plain slug.
        assert_eq!(slugs["城建"], "cheng-jian");
        assert!(slugs["成建"].starts_with("cheng-jian-"));
        assert_eq!(assign(["成建", "城建"], &BTreeMap::new()), slugs);
    }

    #[test]
    fn config_overrides_win() {
        let overrides = BTreeMap::from([("科技金融".to_owned(), "fintech".to_owned())]);
        assert_eq!(assign(["科技金融"], &overrides)["科技金融"], "fintech");
    }

    #[test]
    fn slug_validation_rejects_paths() {
        assert!(is_valid_slug("ti-494"));
        assert!(!is_valid_slug("a/b"));
        assert!(!is_valid_slug(".."));
        assert!(!is_valid_slug(""));
    }
}
