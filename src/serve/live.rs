//! What the server shows, shared between the builder thread and the HTTP handlers: the latest
//! snapshot (last good pages and current problems), swapped whole after each build, and the news of
//! each build sent on a broadcast channel, which never waits for a reader: a client that falls
//! behind is told to reload, and no client can hold up a build.

use std::sync::{Arc, RwLock};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::diagnostic::Diagnostic;
use crate::session::Output;

/// A change list longer than this is sent as "everything changed".
const MAX_LISTED_CHANGES: usize = 1000;
/// Builds announced but not yet sent to a slow client before it is told to reload whatever it shows.
const CHANNEL_CAPACITY: usize = 64;

/// What is served now.
pub struct Snapshot {
    /// Counts published builds, failed ones too; pages carry the generation they were served at.
    pub generation: u64,
    /// The last good pages (empty until a build succeeds).
    pub pages: Output,
    /// Where the site lives on the server: the path of `base_url` (`/jyta/`), as in production.
    pub base_path: String,
    /// Why the last build failed; empty when it succeeded.
    pub problems: Arc<[Diagnostic]>,
    /// The search index served is the last good build's (it is remade just after a build that
    /// added or removed letters).
    pub search_current: bool,
}

/// The news of one build, as sent to open pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub generation: u64,
    pub ok: bool,
    /// Output paths written, rewritten or removed (`2023/ti-494/index.html`).
    pub changed: Vec<String>,
    /// Too many changes to list: every page may have changed.
    pub all: bool,
}

impl Notice {
    pub fn new(generation: u64, ok: bool, mut changed: Vec<String>) -> Notice {
        let all = changed.len() > MAX_LISTED_CHANGES;
        if all {
            changed.clear();
        }
        Notice {
            generation,
            ok,
            changed,
            all,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub struct Live {
    current: RwLock<Arc<Snapshot>>,
    notices: broadcast::Sender<Arc<str>>,
}

impl Live {
    pub fn new(first: Snapshot) -> Live {
        Live {
            current: RwLock::new(Arc::new(first)),
            notices: broadcast::Sender::new(CHANNEL_CAPACITY),
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serves `snapshot` from now on, then tells the open pages. Never waits for a client.
    pub fn publish(&self, snapshot: Snapshot, notice: &Notice) {
        let snapshot = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut current) => *current = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
        // An error only means no page is open.
        let _ = self.notices.send(Arc::from(notice.to_json()));
    }

    /// Serves `snapshot` from now on without telling the open pages: it completes the build they
    /// were last told of (the search index, made just after it) and changes no page they show.
    pub fn complete(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut current) => *current = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.notices.subscribe()
    }
}
