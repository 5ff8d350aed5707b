//! Watching the site's files: native events (inotify, FSEvents, ReadDirectoryChangesW) or polling
//! for network drives and shared folders, gathered into batches of changed paths.
//!
//! Polling is done here rather than by notify's `PollWatcher`, which keeps modification times in
//! whole seconds and so misses a save made in the same second as the one before it.
//!
//! The site root is watched on its own (not recursively: `site.yaml`, and `content/` or `themes/`
//! appearing, disappearing or being renamed), and `content/`, `themes/` and `static/` recursively,
//! so `public/` and `target/` cost no watches. A folder that is deleted, renamed or replaced is
//! watched again under its name as soon as it is back.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::classify;

/// The folders watched recursively, when they exist.
pub const WATCHED_DIRS: [&str; 3] = ["content", "themes", "static"];

/// A batch is sent once no event has come for this long (editors that write a file in several
/// steps, a temporary file then a rename, finish well within it)…
pub const QUIET: Duration = Duration::from_millis(10);
/// …or this long after its first event, so a stream of events (a `git checkout`) still shows.
pub const LONGEST: Duration = Duration::from_millis(500);
/// How often `--poll` looks at every file.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Paths that changed, gathered over one quiet period.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    /// The watcher may have missed events (its queue overflowed): look at everything.
    pub rescan: bool,
    /// When the first event of the batch arrived.
    pub first_event: Option<Instant>,
}

impl Batch {
    pub fn merge(&mut self, other: Batch) {
        self.paths.extend(other.paths);
        self.rescan |= other.rescan;
        self.first_event = match (self.first_event, other.first_event) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    fn add(&mut self, event: notify::Result<notify::Event>) {
        self.first_event.get_or_insert_with(Instant::now);
        match event {
            Ok(event) => {
                if event.need_rescan() {
                    self.rescan = true;
                }
                if classify::is_change(&event.kind) {
                    self.paths.extend(event.paths);
                }
            }
            // An error from the watcher (a folder gone, the event queue overflowed): events may
            // have been lost.
            Err(_) => self.rescan = true,
        }
    }
}

/// Starts watching `root` (absolute) on a thread of its own; batches arrive on the returned channel.
pub fn start(root: PathBuf, poll: bool) -> Result<Receiver<Batch>, String> {
    let (batches_tx, batches) = mpsc::channel();
    if poll {
        let mut files = scan(&root);
        std::thread::Builder::new()
            .name("dafu-poll".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(POLL_INTERVAL);
                    let now = scan(&root);
                    let batch = differences(&files, &now);
                    files = now;
                    if !batch.paths.is_empty() && batches_tx.send(batch).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| format!("cannot start the polling thread: {e}"))?;
        return Ok(batches);
    }
    let (events_tx, events) = mpsc::channel::<notify::Result<notify::Event>>();
    let watcher = RecommendedWatcher::new(events_tx, notify::Config::default())
        .map_err(|e| format!("cannot watch the site's files: {e} (try --poll)"))?;
    let mut folders = Folders {
        root,
        watcher: Box::new(watcher),
        watched: BTreeSet::new(),
    };
    folders
        .watcher
        .watch(&folders.root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e} (try --poll)", folders.root.display()))?;
    folders.refresh(&Batch::default());
    std::thread::Builder::new()
        .name("dafu-watch".into())
        .spawn(move || gather(events, batches_tx, folders))
        .map_err(|e| format!("cannot start the watcher thread: {e}"))?;
    Ok(batches)
}

/// What polling saw of a path: modification time (to the nanosecond where the file system keeps
/// it), size, and whether it is a folder.
type Seen = (Option<std::time::SystemTime>, u64, bool);

/// `site.yaml` and everything under the watched folders, symbolic links not followed.
fn scan(root: &std::path::Path) -> std::collections::BTreeMap<PathBuf, Seen> {
    let mut seen = std::collections::BTreeMap::new();
    let mut look = |path: PathBuf, meta: &std::fs::Metadata| {
        seen.insert(path, (meta.modified().ok(), meta.len(), meta.is_dir()));
    };
    let config = root.join("site.yaml");
    if let Ok(meta) = std::fs::metadata(&config) {
        look(config, &meta);
    }
    for name in WATCHED_DIRS {
        for entry in walkdir::WalkDir::new(root.join(name))
            .into_iter()
            .filter_map(Result::ok)
        {
            if let Ok(meta) = entry.metadata() {
                look(entry.into_path(), &meta);
            }
        }
    }
    seen
}

/// The paths added, removed or changed between two scans.
fn differences(
    before: &std::collections::BTreeMap<PathBuf, Seen>,
    after: &std::collections::BTreeMap<PathBuf, Seen>,
) -> Batch {
    let mut batch = Batch::default();
    for (path, seen) in after {
        // A folder's time changes when a file in it comes or goes; the file itself is reported.
        if before.get(path) != Some(seen) && !(seen.2 && before.contains_key(path)) {
            batch.paths.insert(path.clone());
        }
    }
    for path in before.keys() {
        if !after.contains_key(path) {
            batch.paths.insert(path.clone());
        }
    }
    if !batch.paths.is_empty() {
        batch.first_event = Some(Instant::now());
    }
    batch
}

/// The watcher and the folders it watches recursively.
struct Folders {
    root: PathBuf,
    watcher: Box<RecommendedWatcher>,
    watched: BTreeSet<PathBuf>,
}

impl Folders {
    /// Watches again any of `WATCHED_DIRS` that the batch shows created, deleted or renamed (a
    /// watch follows the folder it was put on, not its name), and any that exists but is unwatched.
    fn refresh(&mut self, batch: &Batch) {
        for name in WATCHED_DIRS {
            let dir = self.root.join(name);
            let moved = batch.rescan
                || batch.paths.contains(&dir)
                // A folder renamed inside: paths reported under it may be stale until watched anew.
                || (name == "content"
                    && batch.paths.iter().any(|p| {
                        classify::classify(&self.root, p) == classify::Change::ContentTree
                    }));
            if moved && self.watched.remove(&dir) {
                let _ = self.watcher.unwatch(&dir);
            }
            if !self.watched.contains(&dir)
                && dir.is_dir()
                && self.watcher.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                self.watched.insert(dir);
            }
        }
    }
}

/// Gathers events into batches until the builder hangs up.
fn gather(
    events: Receiver<notify::Result<notify::Event>>,
    batches: Sender<Batch>,
    mut folders: Folders,
) {
    while let Ok(first) = events.recv() {
        let mut batch = Batch::default();
        batch.add(first);
        let started = Instant::now();
        loop {
            let left = LONGEST.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match events.recv_timeout(QUIET.min(left)) {
                Ok(event) => batch.add(event),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        folders.refresh(&batch);
        let relevant = batch.rescan
            || batch
                .paths
                .iter()
                .any(|p| classify::classify(&folders.root, p) != classify::Change::Ignore);
        if relevant && batches.send(batch).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    #[test]
    fn polling_reports_files_added_removed_and_changed_within_the_same_second() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = t + Duration::from_millis(1);
        let before: BTreeMap<PathBuf, Seen> = [
            ("/s/content", (Some(t), 0, true)),
            ("/s/content/a.md", (Some(t), 10, false)),
            ("/s/content/b.md", (Some(t), 10, false)),
            ("/s/content/same.md", (Some(t), 10, false)),
        ]
        .into_iter()
        .map(|(p, s)| (PathBuf::from(p), s))
        .collect();
        let mut after = before.clone();
        after.insert("/s/content".into(), (Some(later), 0, true));
        after.insert("/s/content/a.md".into(), (Some(later), 10, false));
        after.remove(Path::new("/s/content/b.md"));
        after.insert("/s/content/c.md".into(), (Some(later), 3, false));
        after.insert("/s/content/2024".into(), (Some(later), 0, true));
        let batch = differences(&before, &after);
        let paths: Vec<&str> = batch.paths.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "/s/content/2024",
                "/s/content/a.md",
                "/s/content/b.md",
                "/s/content/c.md"
            ]
        );
        assert!(differences(&before, &before).paths.is_empty());
    }
}
