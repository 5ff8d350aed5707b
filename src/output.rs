//! Writing the site: every file goes into a staging folder beside the output folder, which replaces
//! the output folder only once the whole build has succeeded. A failed build leaves the published site
//! as it was; a successful one leaves exactly the files it produced.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A build's output in the making. Dropped without `publish`, it removes itself.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    published: bool,
}

impl Staging {
    /// Prepares a fresh staging folder for `target` (e.g. `public/`), refusing targets that are
    /// plainly not build output, so a mistyped `--out` cannot replace a source folder.
    pub fn create(target: &Path, root: &Path) -> Result<Staging, String> {
        check_target(target, root)?;
        let name = target
            .file_name()
            .ok_or_else(|| format!("the output folder `{}` has no name", target.display()))?
            .to_string_lossy();
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        let dir = parent.join(format!(".{name}.dafu-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot clear `{}`: {e}", dir.display()))?;
        }
        fs::create_dir(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            published: false,
        })
    }

    /// The staging folder itself.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes one output file (`rel` is `/`-separated, relative to the output root).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        debug_assert!(
            !rel.split('/').any(|part| part == ".." || part.is_empty()),
            "unsafe output path {rel}"
        );
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)
    }

    /// Makes the folders of the output files at `rels` (as for [`Staging::write`]), each once.
    /// On failure, says which folder could not be made and why.
    pub fn make_folders<'a>(&self, rels: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
        let folders: std::collections::BTreeSet<&str> = rels
            .into_iter()
            .filter_map(|rel| rel.rsplit_once('/').map(|(folder, _)| folder))
            .collect();
        for folder in folders {
            let path = self.dir.join(folder);
            fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
        }
        Ok(())
    }

    /// Writes one output file into a folder already made (see [`Staging::make_folders`]). For many
    /// files in few folders (the search index puts 10,000 in one), it saves `write`'s two system
    /// calls a file that find the folder there.
    pub fn write_in_made_folder(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        debug_assert!(
            !rel.split('/').any(|part| part == ".." || part.is_empty()),
            "unsafe output path {rel}"
        );
        fs::write(self.dir.join(rel), bytes)
    }

    /// Puts the staged site in place of the target folder.
    pub fn publish(mut self) -> Result<(), String> {
        let old = self.dir.with_file_name(format!(
            ".{}.dafu-old-{}",
            self.target
                .file_name()
                .unwrap_or_default()
                .to_string_lossy(),
            std::process::id()
        ));
        let had_target = self.target.exists();
        if had_target {
            fs::rename(&self.target, &old).map_err(|e| {
                format!(
                    "cannot move the previous output `{}` aside: {e}",
                    self.target.display()
                )
            })?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_target {
                // Put the previous site back: a failed build must not leave the site missing.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(format!(
                "cannot move the new output into `{}`: {e}",
                self.target.display()
            ));
        }
        self.published = true;
        if had_target {
            fs::remove_dir_all(&old).map_err(|e| {
                format!("cannot remove the previous output `{}`: {e}", old.display())
            })?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Refuses output folders that are plainly not build output (a site folder, a parent of the site).
pub fn check_target(target: &Path, root: &Path) -> Result<(), String> {
    let looks_like_source = ["site.yaml", "content", ".git", "Cargo.toml"]
        .iter()
        .any(|f| target.join(f).exists());
    let full_target = fs::canonicalize(target).ok();
    let full_root = fs::canonicalize(root).ok();
    let holds_root = matches!((&full_target, &full_root), (Some(t), Some(r)) if r.starts_with(t));
    if looks_like_source || holds_root {
        return Err(format!(
            "`{}` holds the site's sources, not build output: it would be replaced by the build",
            target.display()
        ));
    }
    if target.exists() && !target.is_dir() {
        return Err(format!(
            "the output `{}` is a file, not a folder",
            target.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_replaces_old_output_entirely() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        fs::create_dir_all(target.join("stale")).unwrap();
        fs::write(target.join("stale/index.html"), "old").unwrap();
        let staging = Staging::create(&target, tmp.path()).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        staging.publish().unwrap();
        assert_eq!(
            fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
        assert!(!target.join("stale").exists());
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging or old folder left behind"
        );
    }

    #[test]
    fn files_go_into_the_folders_made_for_them() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::create(&tmp.path().join("public"), tmp.path()).unwrap();
        let files = ["search/l/0.z", "search/l/1.z", "search/c/ab.z", "top.z"];
        // Not made yet: the file cannot be written.
        assert!(staging.write_in_made_folder(files[0], b"x").is_err());
        staging.make_folders(files).unwrap();
        for (n, rel) in files.iter().enumerate() {
            staging.write_in_made_folder(rel, &[n as u8]).unwrap();
        }
        for (n, rel) in files.iter().enumerate() {
            assert_eq!(fs::read(staging.path().join(rel)).unwrap(), [n as u8]);
        }
    }

    #[test]
    fn dropped_staging_leaves_output_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("index.html"), "old").unwrap();
        {
            let staging = Staging::create(&target, tmp.path()).unwrap();
            staging.write("index.html", b"new").unwrap();
        }
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_to_replace_a_source_folder() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("site.yaml"), "").unwrap();
        assert!(Staging::create(tmp.path(), tmp.path()).is_err());
    }
}
