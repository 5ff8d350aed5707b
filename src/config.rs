//! `site.yaml`: the archive's own settings (title, address, issuer, paging, reply classes, footer).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::frontmatter::{self, Problem};
use crate::source;

pub const CONFIG_FILE: &str = "site.yaml";

/// The site's settings, checked. Serialised into every template as `site`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    /// Where the archive is published, always ending in `/`; may carry a sub-path of a portal.
    pub base_url: String,
    /// The bureau that signs letters, unless a letter names another.
    pub issuer: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// Reply classes (答复类别): code → label, e.g. `A: 已解决或采纳`.
    #[serde(default)]
    pub categories: BTreeMap<String, String>,
    #[serde(default)]
    pub footer: Footer,
    /// Raw HTML in letters is shown as text unless the bureau turns this on.
    #[serde(default)]
    pub allow_html: bool,
    /// Per-term URL slugs overriding the pinyin default, by index: `{topics: {科技金融: kjjr}}`.
    #[serde(default)]
    pub term_slugs: TermSlugs,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermSlugs {
    #[serde(default)]
    pub committees: BTreeMap<String, String>,
    #[serde(default)]
    pub topics: BTreeMap<String, String>,
}

/// Footer fields a government portal must show: 主办单位, 网站标识码, ICP备案号, 公安备案号.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    #[serde(default)]
    pub sponsor: String,
    #[serde(default)]
    pub site_code: String,
    #[serde(default)]
    pub icp: String,
    #[serde(default)]
    pub police: String,
}

fn default_theme() -> String {
    "default".to_owned()
}

fn default_paginate_by() -> usize {
    20
}

impl SiteConfig {
    /// Parses and checks the text of a `site.yaml`.
    pub fn parse(text: &str) -> Result<SiteConfig, Problem> {
        let mut config: SiteConfig = frontmatter::parse_yaml(text, 1)?;
        let at = |key: &str| frontmatter::key_line(text, 1, key).unwrap_or(1);
        let problem = |key: &str, message: &str, hint: &str| Problem {
            line: at(key),
            column: 0,
            message: message.to_owned(),
            hint: Some(hint.to_owned()),
        };
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            return Err(problem(
                "base_url",
                "`base_url` is not a full web address",
                "write the address the archive is published at, e.g. `https://kjj.example.gov.cn/jyta/`",
            ));
        }
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        if config.paginate_by == 0 {
            return Err(problem(
                "paginate_by",
                "`paginate_by` must be at least 1",
                "e.g. `paginate_by: 20`",
            ));
        }
        if config.theme.is_empty()
            || config.theme.contains(['/', '\\'])
            || config.theme.starts_with('.')
        {
            return Err(problem(
                "theme",
                "`theme` must be the name of a folder under `themes/`",
                "e.g. `theme: default`",
            ));
        }
        Ok(config)
    }

    /// Reads `site.yaml` from a site's root folder.
    pub fn from_root(root: &Path) -> Result<SiteConfig, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Err(Diagnostic::file(CONFIG_FILE, format!("no `{CONFIG_FILE}` in {}", root.display()))
                .with_hint("run dafu in the site's folder (the one holding site.yaml and content/), or pass --root"));
        }
        let text = source::read_text(&path, Path::new(CONFIG_FILE))?;
        SiteConfig::parse(&text).map_err(|p| {
            let d = Diagnostic::new(CONFIG_FILE, p.line, p.column, p.message);
            match p.hint {
                Some(h) => d.with_hint(h),
                None => d,
            }
        })
    }

    /// The path part of `base_url` (`/jyta/`), for pages that cannot use relative links (404.html).
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, rest)| rest);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "title: 建议提案办理答复\nbase_url: https://kjj.example.gov.cn/jyta\nissuer: 示例市科学技术局\n";

    #[test]
    fn fills_defaults_and_normalises_base_url() {
        let c = SiteConfig::parse(MINIMAL).unwrap();
        assert_eq!(c.base_url, "https://kjj.example.gov.cn/jyta/");
        assert_eq!(c.base_path(), "/jyta/");
        assert_eq!((c.theme.as_str(), c.paginate_by), ("default", 20));
    }

    #[test]
    fn rejects_relative_base_url_at_its_line() {
        let p = SiteConfig::parse("title: t\nissuer: i\nbase_url: /jyta/\n").unwrap_err();
        assert_eq!(
            (p.line, p.message.as_str()),
            (3, "`base_url` is not a full web address")
        );
    }

    #[test]
    fn rejects_unknown_keys() {
        let p = SiteConfig::parse(&format!("{MINIMAL}paginate: 10\n")).unwrap_err();
        assert_eq!(p.message, "unknown key `paginate`");
        assert_eq!(p.line, 4);
    }

    #[test]
    fn base_path_of_a_domain_root_is_slash() {
        let c = SiteConfig::parse(&MINIMAL.replace("/jyta", "")).unwrap();
        assert_eq!(c.base_path(), "/");
    }
}
