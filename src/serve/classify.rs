//! What a file-system event means for the site, decided from the event's kind and path alone: pure
//! functions, so every case is in a table test and none depends on the file still being there (a
//! deleted letter must count as much as a written one).

use std::path::{Component, Path, PathBuf};

use notify::EventKind;
use notify::event::{AccessKind, AccessMode};

/// What a changed path is to the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A letter file (`content/**/*.md`): re-read that file alone.
    Letter,
    /// Something else under `content/`, most likely a folder created, renamed or deleted: the letter
    /// files must be listed again.
    ContentTree,
    /// A theme template or static file (`themes/`, `static/`).
    Theme,
    /// `site.yaml`.
    Config,
    /// Not part of the site: editor swap and backup files, the build output, anything else.
    Ignore,
}

/// Whether an event of this kind can mean a file changed. Opening or reading a file cannot (the
/// server's own reads would otherwise trigger rebuilds); closing a file that was written can.
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Any
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Other => true,
    }
}

/// What `path` (absolute, as the watcher reports it) is to the site at `root` (absolute).
pub fn classify(root: &Path, path: &Path) -> Change {
    let Ok(rel) = path.strip_prefix(root) else {
        return Change::Ignore;
    };
    let parts: Vec<&str> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    if parts.len() != rel.components().count() {
        // `..`, or a name that is not UTF-8: not a path this site reads.
        return Change::Ignore;
    }
    let Some((&top, below)) = parts.split_first() else {
        return Change::Ignore;
    };
    let name = parts.last().copied().unwrap_or_default();
    if is_editor_file(name) {
        return Change::Ignore;
    }
    match top {
        "site.yaml" if below.is_empty() => Change::Config,
        "content" => {
            // Names starting with `_` or `.` are skipped when letters are listed (drafts folders).
            if below.iter().any(|p| p.starts_with(['_', '.'])) {
                Change::Ignore
            } else if below.is_empty() {
                Change::ContentTree
            } else if is_markdown(name) {
                Change::Letter
            } else if has_extension(name) {
                // A picture or a note beside the letters is not read by the build.
                Change::Ignore
            } else {
                Change::ContentTree
            }
        }
        "themes" | "static" => Change::Theme,
        _ => Change::Ignore,
    }
}

fn is_markdown(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("md"))
}

/// `2023` is taken for a folder, `notes.txt` for a file. A folder named like a file is still found:
/// a batch with a letter path that turns out not to be a file lists the letters again.
fn has_extension(name: &str) -> bool {
    Path::new(name).extension().is_some()
}

/// Swap, backup and temporary files that editors, file managers and version control write beside
/// the real file while saving.
pub fn is_editor_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.ends_with('~')                          // Emacs, Vim, gedit backups: `a.md~`
        || name.starts_with(".#")                // Emacs lock files
        || (name.starts_with('#') && name.ends_with('#')) // Emacs auto-save
        || name == "4913"                        // Vim's probe that a folder is writable
        || name == ".DS_Store"
        || lower.starts_with("~$")               // Office lock files
        || lower.starts_with(".goutputstream-")  // GNOME's atomic save
        || [
            ".swp", ".swo", ".swx", ".swn",      // Vim swap files
            ".tmp", ".temp", ".bak", ".orig",
            ".kate-swp", ".crdownload", ".part",
            "___jb_tmp___", "___jb_old___", "___jb_bak___", // JetBrains safe write
        ]
        .iter()
        .any(|end| lower.ends_with(end))
}

/// What one batch of changed paths asks of the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing the site reads changed.
    Nothing,
    /// Only these paths under `content/` changed (letters written, created or deleted, folders):
    /// config and theme are as before, and letters not named too.
    Content(Vec<PathBuf>),
    /// Read everything again (config, theme, the list of letters); the paths are known to have changed.
    Everything(Vec<PathBuf>),
}

/// The plan for a batch. `rescan` says the watcher may have missed events (its queue overflowed).
pub fn plan(root: &Path, paths: &[PathBuf], rescan: bool) -> Plan {
    let mut letters: Vec<PathBuf> = Vec::new();
    let mut everything = rescan;
    for path in paths {
        match classify(root, path) {
            Change::Letter | Change::ContentTree => letters.push(path.clone()),
            Change::Theme | Change::Config => everything = true,
            Change::Ignore => {}
        }
    }
    letters.sort();
    letters.dedup();
    if everything {
        Plan::Everything(letters)
    } else if letters.is_empty() {
        Plan::Nothing
    } else {
        Plan::Content(letters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind, RenameMode};

    const ROOT: &str = "/home/editor/site";

    #[test]
    fn paths_are_classified() {
        use Change::*;
        let table: &[(&str, Change)] = &[
            // Letters, at any depth, any case of the extension, Chinese names.
            ("content/2023/ti-494.md", Letter),
            ("content/2023/建议/科技答复.md", Letter),
            ("content/a.MD", Letter),
            // Folders under content/ (created, renamed, deleted) and content/ itself.
            ("content/2023", ContentTree),
            ("content/2023/新建文件夹", ContentTree),
            ("content", ContentTree),
            // Files beside the letters that the build does not read.
            ("content/2023/scan.pdf", Ignore),
            ("content/2023/notes.txt", Ignore),
            // Drafts folders and hidden files are not letters.
            ("content/_drafts/x.md", Ignore),
            ("content/2023/.hidden.md", Ignore),
            ("content/.git/index", Ignore),
            // Theme templates and assets, the site's static folder.
            ("themes/default/templates/letter.html", Theme),
            ("themes/gov/static/style.css", Theme),
            ("themes", Theme),
            ("static/logo.png", Theme),
            // The config, and only at the top.
            ("site.yaml", Config),
            ("content/site.yaml", Ignore),
            // Editor swap, backup and temporary files, wherever they are.
            ("content/2023/.ti-494.md.swp", Ignore),
            ("content/2023/ti-494.md.swp", Ignore),
            ("content/2023/ti-494.md.swx", Ignore),
            ("content/2023/ti-494.md~", Ignore),
            ("content/2023/.#ti-494.md", Ignore),
            ("content/2023/#ti-494.md#", Ignore),
            ("content/2023/4913", Ignore),
            ("content/2023/ti-494.md.tmp", Ignore),
            ("content/2023/ti-494.md___jb_tmp___", Ignore),
            ("content/2023/.goutputstream-ABC123", Ignore),
            ("site.yaml~", Ignore),
            (".site.yaml.swp", Ignore),
            ("themes/default/templates/.letter.html.swp", Ignore),
            ("themes/default/templates/letter.html~", Ignore),
            ("content/.DS_Store", Ignore),
            // The build output and the rest of the folder.
            ("public/index.html", Ignore),
            ("public/2023/ti-494/index.html", Ignore),
            ("public", Ignore),
            ("public.staging-1/x.html", Ignore),
            ("target/debug/dafu", Ignore),
            (".git/HEAD", Ignore),
            ("README.md", Ignore),
            ("", Ignore),
        ];
        for (rel, expected) in table {
            let path = Path::new(ROOT).join(rel);
            assert_eq!(classify(Path::new(ROOT), &path), *expected, "{rel}");
        }
    }

    #[test]
    fn paths_outside_the_site_are_ignored() {
        let root = Path::new(ROOT);
        assert_eq!(
            classify(root, Path::new("/home/editor/other/content/a.md")),
            Change::Ignore
        );
        assert_eq!(
            classify(root, Path::new("/home/editor/site-old/site.yaml")),
            Change::Ignore
        );
        assert_eq!(
            classify(root, &root.join("content/../site.yaml")),
            Change::Ignore
        );
    }

    #[test]
    fn event_kinds_that_can_change_a_file() {
        let table = [
            (EventKind::Create(CreateKind::File), true),
            (EventKind::Create(CreateKind::Folder), true),
            (
                EventKind::Modify(ModifyKind::Data(DataChange::Content)),
                true,
            ),
            (EventKind::Modify(ModifyKind::Data(DataChange::Any)), true),
            (EventKind::Modify(ModifyKind::Any), true),
            (
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)),
                true,
            ),
            // Saving by rename: both sides of the rename.
            (EventKind::Modify(ModifyKind::Name(RenameMode::From)), true),
            (EventKind::Modify(ModifyKind::Name(RenameMode::To)), true),
            (EventKind::Modify(ModifyKind::Name(RenameMode::Both)), true),
            (EventKind::Modify(ModifyKind::Name(RenameMode::Any)), true),
            (EventKind::Remove(RemoveKind::File), true),
            (EventKind::Remove(RemoveKind::Folder), true),
            (EventKind::Remove(RemoveKind::Any), true),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                true,
            ),
            (EventKind::Any, true),
            (EventKind::Other, true),
            // Reading a file changes nothing; the builder's own reads must not trigger a rebuild.
            (EventKind::Access(AccessKind::Open(AccessMode::Any)), false),
            (EventKind::Access(AccessKind::Read), false),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                false,
            ),
            (EventKind::Access(AccessKind::Any), false),
        ];
        for (kind, expected) in table {
            assert_eq!(is_change(&kind), expected, "{kind:?}");
        }
    }

    #[test]
    fn a_batch_of_content_changes_rereads_only_them() {
        let root = Path::new(ROOT);
        let a = root.join("content/2023/a.md");
        let b = root.join("content/2023/b.md");
        let paths = vec![
            a.clone(),
            root.join("content/2023/.a.md.swp"),
            a.clone(),
            b.clone(),
            root.join("public/2023/a/index.html"),
        ];
        assert_eq!(
            plan(root, &paths, false),
            Plan::Content(vec![a.clone(), b.clone()])
        );
        let folder = root.join("content/2024");
        assert_eq!(
            plan(root, &[folder.clone(), b.clone()], false),
            Plan::Content(vec![b, folder])
        );
        assert_eq!(
            plan(root, &[root.join("content/2023/a.md~")], false),
            Plan::Nothing
        );
        assert_eq!(plan(root, &[], false), Plan::Nothing);
    }

    #[test]
    fn templates_config_and_missed_events_rebuild_everything() {
        let root = Path::new(ROOT);
        let a = root.join("content/2023/a.md");
        for other in [
            "site.yaml",
            "themes/default/templates/base.html",
            "static/a.css",
        ] {
            assert_eq!(
                plan(root, &[a.clone(), root.join(other)], false),
                Plan::Everything(vec![a.clone()]),
                "{other}"
            );
        }
        assert_eq!(plan(root, &[], true), Plan::Everything(vec![]));
    }
}
