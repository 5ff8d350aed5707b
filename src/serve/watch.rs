//! Watching the site's files: native events (inotify, FSEvents, ReadDirectoryChangesW) or polling
//! for network drives and shared folders, gathered into batches of changed paths.
//!
//! The site root is watched on its own (not recursively: `site.yaml`, and `content/` or `themes/`
//! appearing, disappearing or being renamed), and `content/`, `themes/` and `static/` recursively,
//! so `public/` and `target/` cost no watches. A folder that is deleted, renamed or replaced is
//! watched again under its name as soon as it is back.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use super::classify;

/// The folders watched recursively, when they exist.
pub const WATCHED_DIRS: [&str; 3] = ["content", "themes", "static"];

/// A batch is sent once no event has come for this long (editors that write a file in several
/// steps, a temporary file then a rename, finish well within it)…
pub const QUIET: Duration = Duration::from_millis(10);
/// …or this long after its first event, so a stream of events (a `git checkout`) still shows.
pub const LONGEST: Duration = Duration::from_millis(500);
/// How often `--poll` looks at every file.
pub const POLL_INTERVAL: Duration = Duration::from_millis(300);

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
    let (events_tx, events) = mpsc::channel::<notify::Result<notify::Event>>();
    let watcher: Box<dyn Watcher + Send> = if poll {
        let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
        Box::new(
            PollWatcher::new(events_tx, config)
                .map_err(|e| format!("cannot poll the site's files: {e}"))?,
        )
    } else {
        Box::new(
            RecommendedWatcher::new(events_tx, notify::Config::default())
                .map_err(|e| format!("cannot watch the site's files: {e} (try --poll)"))?,
        )
    };
    let mut folders = Folders {
        root,
        watcher,
        watched: BTreeSet::new(),
    };
    folders
        .watcher
        .watch(&folders.root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", folders.root.display()))?;
    folders.refresh(&Batch::default());
    let (batches_tx, batches) = mpsc::channel();
    std::thread::Builder::new()
        .name("dafu-watch".into())
        .spawn(move || gather(events, batches_tx, folders))
        .map_err(|e| format!("cannot start the watcher thread: {e}"))?;
    Ok(batches)
}

/// The watcher and the folders it watches recursively.
struct Folders {
    root: PathBuf,
    watcher: Box<dyn Watcher + Send>,
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
