//! `dafu import`: existing replies (plain text, Markdown, Word) into content files.
//!
//! Each input file is read (`encoding` for text, `docx` for Word), its fields and body found
//! (`text`, `fields`), and written as one letter in the content format (`letter_file`). The written
//! file is checked with the same `Letter::parse` as `dafu build`; one that does not pass yet goes to
//! `content/_import/`, which the build skips, with the reasons. Nothing is ever overwritten without
//! `--force`, and a letter already in the archive (same 文号, or same file) is not imported twice.

pub mod docx;
pub mod encoding;
pub mod fields;
pub mod letter_file;
pub mod text;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::SiteConfig;
use crate::diagnostic::{Diagnostic, display_path};
use crate::frontmatter::{self, FrontMatter};
use crate::letter::Letter;
use crate::load::normalise_doc_number;
use crate::source;

use self::text::Extraction;

/// What to import and where.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Files and folders to import; folders are searched for .txt, .md and .docx files.
    pub inputs: Vec<PathBuf>,
    /// The site folder (holding site.yaml), for checking the letters written.
    pub root: PathBuf,
    /// Where letters are written: `content/` of the site, in a folder per year.
    pub out: PathBuf,
    /// Report what would be written, and write nothing.
    pub dry_run: bool,
    /// Replace a letter already imported.
    pub force: bool,
}

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written (or, in a dry run, would be) as a valid letter.
    Imported { target: PathBuf, replaced: bool },
    /// The letter is already in the archive; nothing written.
    AlreadyThere { existing: PathBuf, reason: String },
    /// Written (or would be) to the `_import` folder: it does not pass the content checks yet.
    NeedsFixing {
        target: PathBuf,
        problems: Vec<Diagnostic>,
    },
    /// Not imported: the file cannot be read as a letter.
    Failed { message: String, hint: String },
}

/// One input file's result, with the fields that were not found and what the editor should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub input: PathBuf,
    pub outcome: Outcome,
    /// `no 文号 found` …: fields left out because the text does not give them.
    pub missing: Vec<String>,
    pub notes: Vec<String>,
}

/// The result of an import run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// Files found in folders that are not letters to import (other extensions), with why.
    pub ignored: Ignored,
    pub dry_run: bool,
}

impl ImportReport {
    /// Whether some file needs an editor's attention (not imported, or imported into `_import`).
    pub fn has_problems(&self) -> bool {
        self.files.iter().any(|f| {
            matches!(
                f.outcome,
                Outcome::NeedsFixing { .. } | Outcome::Failed { .. }
            )
        })
    }
}

/// Why an import could not run at all.
#[derive(Debug)]
pub enum ImportError {
    /// The site's config has a problem (as in `dafu build`).
    Config(Diagnostic),
    /// The command was given something it cannot use (a path that does not exist).
    Usage(String),
    /// Reading or writing failed.
    Io(String),
}

const EXTENSIONS: &[&str] = &["txt", "md", "docx"];

/// Files found in named folders that are not imported, with why.
pub type Ignored = Vec<(PathBuf, String)>;

/// Runs an import: every input file is read, turned into a letter and written, in order.
pub fn run(options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let config = SiteConfig::from_root(&options.root).map_err(ImportError::Config)?;
    let (inputs, ignored) = collect_inputs(&options.inputs, &options.out)?;
    let mut archive = Archive::scan(&options.out, &options.root, &config);
    let mut report = ImportReport {
        ignored,
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    for input in inputs {
        let file = import_one(&input, options, &config, &mut archive)?;
        report.files.push(file);
    }
    Ok(report)
}

/// The files to import, in a stable order, and the files of named folders that are not imported.
fn collect_inputs(inputs: &[PathBuf], out: &Path) -> Result<(Vec<PathBuf>, Ignored), ImportError> {
    let out_dir = out.canonicalize().ok();
    let inside_out = |p: &Path| {
        out_dir
            .as_ref()
            .is_some_and(|o| p.canonicalize().is_ok_and(|c| c.starts_with(o)))
    };
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(ImportError::Usage(format!(
                "`{}` does not exist: name the letters to import, e.g. `dafu import old-letters/`",
                display_path(input)
            )));
        }
        if input.is_file() {
            files.push(input.clone());
            continue;
        }
        let walker = WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|e| ImportError::Io(format!("cannot read a folder: {e}")))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let name = entry.file_name().to_string_lossy();
            if inside_out(path) {
                continue; // the archive's own letters are not old letters to import
            }
            if name.starts_with("~$") {
                ignored.push((
                    path.to_path_buf(),
                    "a Word lock file, not a letter".to_owned(),
                ));
                continue;
            }
            match extension(path) {
                Some(ext) if EXTENSIONS.contains(&ext.as_str()) => files.push(path.to_path_buf()),
                Some(ext) => ignored.push((path.to_path_buf(), unsupported(&ext))),
                None => ignored.push((
                    path.to_path_buf(),
                    "no file extension: rename it to .txt if it is a letter".to_owned(),
                )),
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    Ok((files, ignored))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

fn unsupported(ext: &str) -> String {
    match ext {
        "doc" | "wps" | "rtf" => format!(
            "a .{ext} file: open it in Word or WPS and save it as .docx (另存为 → Word 文档), then import that"
        ),
        "pdf" => {
            "a .pdf file: copy its text into a .txt file, or export it to .docx, then import that"
                .to_owned()
        }
        "html" | "htm" => {
            "a web page: copy the letter's text into a .txt file, then import that".to_owned()
        }
        _ => format!("a .{ext} file: only .txt, .md and .docx files are imported"),
    }
}

/// The letters already in the archive, to import nothing twice and write over nothing.
struct Archive {
    /// Normalised 文号 → the file holding it.
    doc_numbers: BTreeMap<String, PathBuf>,
    /// `year/slug` → the file published there.
    urls: BTreeMap<String, PathBuf>,
    /// File stem → files (for letters without a date, parked in `_import`).
    stems: BTreeMap<String, Vec<PathBuf>>,
}

impl Archive {
    fn scan(out: &Path, root: &Path, config: &SiteConfig) -> Archive {
        let mut archive = Archive {
            doc_numbers: BTreeMap::new(),
            urls: BTreeMap::new(),
            stems: BTreeMap::new(),
        };
        let walker = WalkDir::new(out)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
            .flatten();
        for entry in walker {
            let path = entry.path();
            if !entry.file_type().is_file() || extension(path).as_deref() != Some("md") {
                continue;
            }
            let Ok(text) = source::read_text(path, path) else {
                continue;
            };
            let shown = shown_path(path, root);
            archive.add(path, &shown, &text, config);
        }
        archive
    }

    fn add(&mut self, path: &Path, shown: &Path, text: &str, config: &SiteConfig) {
        if let Some(stem) = path.file_stem() {
            self.stems
                .entry(stem.to_string_lossy().into_owned())
                .or_default()
                .push(path.to_path_buf());
        }
        let parked = shown
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('_'));
        match Letter::parse(text, shown, config) {
            Ok(letter) => {
                if let Some(doc) = &letter.doc_number {
                    self.doc_numbers
                        .insert(normalise_doc_number(doc), path.to_path_buf());
                }
                if !parked {
                    self.urls.insert(letter.url_path(), path.to_path_buf());
                }
            }
            Err(_) => {
                // A letter with problems still holds its 文号.
                let doc = frontmatter::split(text)
                    .ok()
                    .and_then(|s| frontmatter::parse_yaml::<FrontMatter>(s.yaml, s.yaml_line).ok())
                    .and_then(|f| f.doc_number);
                if let Some(doc) = doc {
                    self.doc_numbers
                        .insert(normalise_doc_number(&doc), path.to_path_buf());
                }
            }
        }
    }
}

/// The path shown in messages and used for the slug: relative to the site root when inside it.
fn shown_path(path: &Path, root: &Path) -> PathBuf {
    if let Ok(rel) = path.strip_prefix(root) {
        return rel.to_path_buf();
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p
            .strip_prefix(&r)
            .map_or(path.to_path_buf(), Path::to_path_buf),
        _ => path.to_path_buf(),
    }
}

/// Reads one input file into lines, with notes about how it was read.
fn read_lines(input: &Path) -> Result<(Vec<text::Line>, Vec<String>), (String, String)> {
    let bytes = std::fs::read(input).map_err(|e| {
        (
            format!("cannot read the file: {e}"),
            "check the file exists and can be read".to_owned(),
        )
    })?;
    match extension(input).as_deref() {
        Some("docx") => {
            let docx = docx::read(&bytes).map_err(|p| p.explain())?;
            Ok((docx.lines, docx.notes))
        }
        Some("txt" | "md") => {
            let decoded = encoding::decode(&bytes).map_err(|p| p.explain())?;
            let mut notes = Vec::new();
            if decoded.encoding != "UTF-8" {
                notes.push(format!(
                    "read as {} and converted to UTF-8",
                    decoded.encoding
                ));
            }
            if decoded.text.starts_with("---\n") || decoded.text.starts_with("---\r") {
                return Err((
                    "the file already starts with front matter (`---`): it looks like a content file, not an old letter".to_owned(),
                    "copy it into content/ and run `dafu build` to check it, instead of importing it".to_owned(),
                ));
            }
            Ok((text::lines_from_text(&decoded.text), notes))
        }
        other => Err((
            match other {
                Some(ext) => format!("cannot import {}", unsupported(ext)),
                None => "cannot import a file without an extension".to_owned(),
            },
            "import .txt, .md or .docx files".to_owned(),
        )),
    }
}

fn import_one(
    input: &Path,
    options: &ImportOptions,
    config: &SiteConfig,
    archive: &mut Archive,
) -> Result<FileReport, ImportError> {
    let failed = |(message, hint): (String, String), notes: Vec<String>| FileReport {
        input: input.to_path_buf(),
        outcome: Outcome::Failed { message, hint },
        missing: Vec::new(),
        notes,
    };
    let (lines, mut notes) = match read_lines(input) {
        Ok(read) => read,
        Err(problem) => return Ok(failed(problem, Vec::new())),
    };
    if lines.is_empty() {
        return Ok(failed(
            (
                "the file holds no text".to_owned(),
                "check that this is the right file".to_owned(),
            ),
            notes,
        ));
    }
    let Extraction {
        mut fields,
        body,
        notes: found,
    } = text::extract(&lines);
    notes.extend(found);
    if let Some(class) = &fields.category
        && !config.categories.is_empty()
        && !config.categories.contains_key(class)
    {
        let allowed: Vec<&str> = config.categories.keys().map(String::as_str).collect();
        notes.push(format!(
            "the letter's reply class `{class}` is not one of site.yaml's categories ({}): left out",
            allowed.join(", ")
        ));
        fields.category = None;
    }
    let missing = letter_file::missing(&fields);
    let contents = letter_file::render(&fields, &body)
        .map_err(|e| ImportError::Io(format!("cannot write the front matter: {e}")))?;
    let stem = letter_file::stem(&fields, input);
    let year_dir = fields.date.map(|d| d.format("%Y").to_string());

    // Check the letter as `dafu build` will, at the place it would be written.
    let year_target = year_dir
        .as_ref()
        .map(|y| options.out.join(y).join(format!("{stem}.md")));
    let checked = year_target
        .as_ref()
        .map(|t| Letter::parse(&contents, &shown_path(t, &options.root), config));
    let report = |outcome: Outcome, notes: Vec<String>| FileReport {
        input: input.to_path_buf(),
        outcome,
        missing: missing.clone(),
        notes,
    };
    let letter = match checked {
        Some(Ok(letter)) => letter,
        _ => {
            let target = options.out.join("_import").join(format!("{stem}.md"));
            let problems = Letter::parse(&contents, &shown_path(&target, &options.root), config)
                .err()
                .unwrap_or_default();
            // Fixed and moved into the archive since the last run: not parked again.
            if let Some(existing) = archive.stems.get(&stem).and_then(|v| v.first())
                && !options.force
            {
                return Ok(report(
                    Outcome::AlreadyThere {
                        existing: existing.clone(),
                        reason: "a file of the same name".to_owned(),
                    },
                    notes,
                ));
            }
            let replaced = target.exists();
            if replaced && !options.force {
                return Ok(report(
                    Outcome::AlreadyThere {
                        existing: target,
                        reason: "imported before, still to be fixed".to_owned(),
                    },
                    notes,
                ));
            }
            if !options.dry_run {
                write_file(&target, &contents, options.force)?;
            }
            archive.add(
                &target,
                &shown_path(&target, &options.root),
                &contents,
                config,
            );
            return Ok(report(Outcome::NeedsFixing { target, problems }, notes));
        }
    };
    let year = year_dir.unwrap_or_default();

    // The same letter already in the archive: by its 文号.
    let doc_key = letter.doc_number.as_deref().map(normalise_doc_number);
    if let Some(existing) = doc_key.as_ref().and_then(|k| archive.doc_numbers.get(k)) {
        let existing = existing.clone();
        if !options.force {
            return Ok(report(
                Outcome::AlreadyThere {
                    existing,
                    reason: format!(
                        "the same 文号 {}",
                        letter.doc_number.as_deref().unwrap_or_default()
                    ),
                },
                notes,
            ));
        }
        let relocated = letter_at(&existing, &contents, options, config);
        if !options.dry_run {
            write_file(&existing, &contents, true)?;
        }
        archive.add(
            &existing,
            &shown_path(&existing, &options.root),
            &contents,
            config,
        );
        if let Some(problems) = relocated {
            return Ok(report(
                Outcome::NeedsFixing {
                    target: existing,
                    problems,
                },
                notes,
            ));
        }
        return Ok(report(
            Outcome::Imported {
                target: existing,
                replaced: true,
            },
            notes,
        ));
    }

    // A file of the same name: the same letter (re-run), unless its 文号 says otherwise.
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{n}.md")
        };
        let target = options.out.join(&year).join(name);
        let url = format!(
            "{year}/{}/",
            target
                .file_stem()
                .map(|s| s.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default()
        );
        let other_letter = target.exists() && doc_key.is_some() && {
            let existing_doc = source::read_text(&target, &target)
                .ok()
                .and_then(|t| {
                    frontmatter::split(&t).ok().and_then(|s| {
                        frontmatter::parse_yaml::<FrontMatter>(s.yaml, s.yaml_line).ok()
                    })
                })
                .and_then(|f| f.doc_number);
            existing_doc.is_some_and(|d| Some(normalise_doc_number(&d)) != doc_key)
        };
        let url_taken = archive.urls.get(&url).is_some_and(|p| p != &target);
        if other_letter || url_taken {
            n += 1;
            if n > 99 {
                return Err(ImportError::Io(format!(
                    "too many letters named `{stem}` in {}",
                    display_path(&options.out.join(&year))
                )));
            }
            continue;
        }
        if n > 1 {
            notes.push(format!(
                "another letter is already named `{stem}.md` for {year}: this one is `{stem}-{n}.md`"
            ));
        }
        let replaced = target.exists();
        if replaced && !options.force {
            return Ok(report(
                Outcome::AlreadyThere {
                    existing: target,
                    reason: "a file of the same name".to_owned(),
                },
                notes,
            ));
        }
        // The letter's slug comes from its file name: check it again under the final name.
        if let Some(problems) = letter_at(&target, &contents, options, config) {
            return Ok(report(Outcome::NeedsFixing { target, problems }, notes));
        }
        if !options.dry_run {
            write_file(&target, &contents, options.force)?;
        }
        archive.add(
            &target,
            &shown_path(&target, &options.root),
            &contents,
            config,
        );
        return Ok(report(Outcome::Imported { target, replaced }, notes));
    }
}

/// The problems of `contents` as the letter at `target`, if any.
fn letter_at(
    target: &Path,
    contents: &str,
    options: &ImportOptions,
    config: &SiteConfig,
) -> Option<Vec<Diagnostic>> {
    Letter::parse(contents, &shown_path(target, &options.root), config).err()
}

/// Writes `contents` to `target` through a temporary file in the same folder, so a letter is
/// never half-written. Without `replace`, an existing file is never touched.
fn write_file(target: &Path, contents: &str, replace: bool) -> Result<(), ImportError> {
    let io = |what: &str, e: std::io::Error| {
        ImportError::Io(format!("cannot {what} `{}`: {e}", display_path(target)))
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create the folder for", e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temp)
        .and_then(|mut f| {
            f.write_all(contents.as_bytes())?;
            f.sync_all()
        })
        .map_err(|e| io("write", e));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    let placed = if replace {
        std::fs::rename(&temp, target)
    } else {
        // A hard link fails if the target exists: nothing is overwritten, even in a race.
        match std::fs::hard_link(&temp, target) {
            Ok(()) => std::fs::remove_file(&temp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            Err(_) if !target.exists() => std::fs::rename(&temp, target),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temp);
        return Err(io("write", e));
    }
    Ok(())
}

#[cfg(test)]
mod never_panics {
    //! Import reads files from anywhere: no input may make it panic.

    use std::io::Write;

    use proptest::prelude::*;

    use super::{docx, encoding, letter_file, text};

    /// Text made of the pieces the field patterns look for, in any order.
    fn letterish() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "关于",
            "市政协",
            "区人大",
            "十二届",
            "第",
            "二次会议",
            "494",
            "号",
            "提案",
            "建议",
            "的答复函",
            "〔2023〕",
            "[",
            "]",
            "(",
            "）",
            "（A）类",
            "答复类别：",
            "委员",
            "代表",
            "等5位",
            "：",
            ":",
            "，",
            "。",
            "、",
            "《",
            "》",
            "〈",
            "联系人：",
            "电话：",
            "8896",
            "-",
            "抄送：",
            "抄报：",
            "印发",
            "此件公开发布",
            "2023年",
            "6月",
            "二〇二三年",
            "十",
            "廿",
            "日",
            "局",
            "办公室",
            "文件",
            "签发人：",
            "**",
            "#",
            "|",
            "- ",
            "1. ",
            "　",
            " ",
            "\n",
            "\n\n",
            "\r",
            "\u{FEFF}",
            "A",
            "e",
            "·",
            "（此页无正文）",
            "— 3 —",
            "𪚥",
            "\t",
            "0",
            "９",
        ]);
        prop::collection::vec(pieces, 0..120).prop_map(|v| v.concat())
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![letterish(), any::<String>()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn reading_any_text_never_panics(source in any_text()) {
            let e = text::extract(&text::lines_from_text(&source));
            let _ = letter_file::render(&e.fields, &e.body).unwrap();
            let _ = letter_file::stem(&e.fields, std::path::Path::new("x.txt"));
        }

        #[test]
        fn decoding_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(d) = encoding::decode(&bytes) {
                prop_assert!(!d.text.contains('\r'));
            }
        }

        #[test]
        fn reading_any_word_xml_never_panics(tags in prop::collection::vec(prop::sample::select(vec![
            "<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "文字", "&amp;", "&#x4E2D;", "&bogus;",
            "<w:rPr><w:b/></w:rPr>", "<w:ins>", "</w:ins>", "<w:del>", "</w:del>", "<w:tbl>", "</w:tbl>",
            "<w:tr>", "</w:tr>", "<w:tc>", "</w:tc>", "<w:pPr><w:numPr><w:ilvl w:val=\"9\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>",
            "<w:br/>", "<w:tab/>", "<w:pPr><w:rPr><w:del/></w:rPr></w:pPr>", "<w:tcPr><w:gridSpan w:val=\"99999\"/></w:tcPr>",
            "<w:txbxContent>", "</w:txbxContent>", "<mc:Fallback>", "</mc:Fallback>", "<w:pStyle w:val=\"x\"/>",
        ]), 0..80)) {
            let document = format!(
                r#"<w:document xmlns:w="w" xmlns:mc="mc"><w:body>{}</w:body></w:document>"#,
                tags.concat()
            );
            let numbering = r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="4294967295"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%1%2%9."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="0"/></w:lvlOverride></w:num></w:numbering>"#;
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            for (name, body) in [("word/document.xml", document.as_str()), ("word/numbering.xml", numbering)] {
                zip.start_file(name, options).unwrap();
                zip.write_all(body.as_bytes()).unwrap();
            }
            let bytes = zip.finish().unwrap().into_inner();
            if let Ok(d) = docx::read(&bytes) {
                let _ = text::extract(&d.lines);
            }
        }

        #[test]
        fn reading_any_bytes_as_word_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = docx::read(&bytes);
        }
    }
}
