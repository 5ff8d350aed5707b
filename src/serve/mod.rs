//! `dafu serve`: the site built in preview mode (drafts shown and marked, 不予公开 letters on a page
//! of their own with a banner, listed nowhere), served from memory, rebuilt on every save, and the
//! open pages told to reload.
//!
//! Three parts, each on its own thread(s): the watcher (`watch`) gathers file events into batches;
//! the builder (here) owns the `Session`, rebuilds for each batch and publishes the result to `Live`;
//! the HTTP server (`http`, on tokio) reads the latest snapshot for each request and forwards each
//! build to the open pages. A failed build keeps the last good pages and shows its problems over
//! them; nothing a file can contain stops the server.

mod classify;
mod http;
mod inject;
mod live;
mod watch;

use std::fmt;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use crate::archive::Mode;
use crate::diagnostic::{Diagnostic, display_path};
use crate::session::{MadeSearch, Rebuild, Session};
use classify::Plan;
use live::{Live, Notice, Snapshot};
use watch::Batch;

/// The port `dafu serve` uses unless told otherwise (Zola's, out of the way of common servers).
pub const DEFAULT_PORT: u16 = 1111;

#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder, holding `site.yaml` and `content/`.
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (the address is printed).
    pub port: u16,
    /// Open the site in the default browser once it is served.
    pub open: bool,
    /// Poll the files instead of waiting for the system's change events (network drives).
    pub poll: bool,
}

/// Why the server could not start. Once it runs, nothing but Ctrl-C stops it.
#[derive(Debug)]
pub enum ServeError {
    /// The folder is not a site.
    NoSite(String),
    /// The port is taken; `free` is a port that was free a moment ago.
    PortTaken {
        addr: SocketAddr,
        free: Option<u16>,
    },
    Io(String),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::NoSite(message) | ServeError::Io(message) => f.write_str(message),
            ServeError::PortTaken { addr, free } => {
                write!(
                    f,
                    "port {} on {} is already in use (another `dafu serve`?)",
                    addr.port(),
                    addr.ip()
                )?;
                match free {
                    Some(port) => {
                        write!(f, "\n  help: port {port} is free: dafu serve --port {port}")
                    }
                    None => write!(
                        f,
                        "\n  help: choose another with --port, or --port 0 for any free port"
                    ),
                }
            }
        }
    }
}

/// Builds, serves and watches the site until Ctrl-C.
pub fn run(options: Options) -> Result<(), ServeError> {
    if !options.root.join("site.yaml").is_file() {
        return Err(ServeError::NoSite(format!(
            "{} has no site.yaml: is it the site folder? (use --root DIR)",
            options.root.display()
        )));
    }
    let mut session = Session::new(&options.root, Mode::Preview);
    // Watch before the first build, so a save during it is not missed.
    let batches =
        watch::start(session.root().to_path_buf(), options.poll).map_err(ServeError::Io)?;

    let started = Instant::now();
    let first = session.rebuild(&[]);
    let mut builder = Builder {
        session,
        generation: 0,
        last_problems: Vec::new(),
        origin: String::new(),
        panicked: false,
    };
    let first = builder.snapshot(first, started, "site");
    let live = Arc::new(Live::new(first));

    let listener = bind(options.bind, options.port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Io(format!("cannot read the bound address: {e}")))?;
    let url = site_url(addr, &live.snapshot().base_path);
    builder.origin = site_url(addr, "");
    println!("serving the preview at {url}");
    println!(
        "  drafts shown; 不予公开 letters have a page of their own, listed nowhere; watching {} ({}); Ctrl-C to stop",
        builder.session.root().display(),
        if options.poll {
            "polling"
        } else {
            "file events"
        }
    );
    if !addr.ip().is_loopback() {
        println!(
            "  warning: bound to {}: anyone who can reach this machine can read the drafts and 不予公开 letters",
            addr.ip()
        );
    }
    if options.open {
        let url = url.clone();
        std::thread::spawn(move || {
            if let Err(e) = opener::open_browser(&url) {
                eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
            }
        });
    }

    let for_builder = live.clone();
    std::thread::Builder::new()
        .name("dafu-build".into())
        .spawn(move || builder.run(batches, &for_builder))
        .map_err(|e| ServeError::Io(format!("cannot start the builder thread: {e}")))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Io(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| ServeError::Io(format!("cannot listen on {addr}: {e}")))?;
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        http::serve(listener, http::router(live), shutdown).await;
        Ok::<(), ServeError>(())
    })?;
    // Open event streams never end by themselves: do not wait for them.
    runtime.shutdown_background();
    println!("stopped");
    Ok(())
}

fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, ServeError> {
    let addr = SocketAddr::new(ip, port);
    match TcpListener::bind(addr) {
        Ok(listener) => {
            listener
                .set_nonblocking(true)
                .map_err(|e| ServeError::Io(format!("cannot listen on {addr}: {e}")))?;
            Ok(listener)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let free = (1..=100)
                .filter_map(|n| port.checked_add(n))
                .find(|&p| TcpListener::bind(SocketAddr::new(ip, p)).is_ok());
            Err(ServeError::PortTaken { addr, free })
        }
        Err(e) => Err(ServeError::Io(format!("cannot listen on {addr}: {e}"))),
    }
}

/// The address to open: a wildcard bind is reached on the loopback address.
fn site_url(addr: SocketAddr, base_path: &str) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::from([127, 0, 0, 1]),
        ip if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}{base_path}", SocketAddr::new(ip, addr.port()))
}

/// Owns the session; turns batches of file changes into published builds.
struct Builder {
    session: Session,
    generation: u64,
    last_problems: Vec<Diagnostic>,
    /// `http://127.0.0.1:1111`, to say where the site went when `base_url` changes.
    origin: String,
    /// A rebuild panicked: the next one reads everything again.
    panicked: bool,
}

impl Builder {
    fn run(mut self, mut batches: Receiver<Batch>, live: &Live) {
        // The search index, when a build could not update it in place, is made on a thread of its
        // own (one core), so saves meanwhile are built at once.
        let (made_tx, made) = std::sync::mpsc::channel::<Option<MadeSearch>>();
        let mut making = false;
        // A job that failed is not tried again before the next build.
        let mut failed = false;
        // A batch that came while pages left for later were being rendered.
        let mut waiting: Option<Batch> = None;
        loop {
            if !making
                && !failed
                && let Some(job) = self.session.search_job()
            {
                making = true;
                let made_tx = made_tx.clone();
                std::thread::spawn(move || {
                    let run = || {
                        let pool = rayon::ThreadPoolBuilder::new()
                            .num_threads(1)
                            .build()
                            .ok()?;
                        Some(pool.install(|| job.run()))
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
                    let _ = made_tx.send(result.ok().flatten());
                });
            }
            let next = match waiting.take() {
                Some(batch) => Ok(batch),
                None if making => batches.recv_timeout(std::time::Duration::from_millis(20)),
                None => {
                    (batches.recv()).map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected)
                }
            };
            if let Ok(result) = made.try_recv() {
                making = false;
                match result {
                    Some(made) => self.serve_search(made, live),
                    None => failed = true,
                }
            }
            let mut batch = match next {
                Ok(batch) => batch,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            failed = false;
            // Everything that came in during the last build goes into this one.
            while let Ok(more) = batches.try_recv() {
                batch.merge(more);
            }
            let paths: Vec<PathBuf> = batch.paths.into_iter().collect();
            let rescan = batch.rescan || std::mem::take(&mut self.panicked);
            let plan = classify::plan(self.session.root(), &paths, rescan);
            let started = batch.first_event.unwrap_or_else(Instant::now);
            let result = match &plan {
                Plan::Nothing => continue,
                Plan::Content(paths) => self.guarded(|s| s.rebuild_content(paths)),
                Plan::Everything(paths) => self.guarded(|s| s.rebuild(paths)),
            };
            if let Err(problems) = &result
                && *problems == self.last_problems
            {
                // The same problems again: the pages already show them.
                continue;
            }
            let what = describe(self.session.root(), &plan);
            let notice_changes = match &result {
                Ok(rebuild) => [rebuild.changed.clone(), rebuild.removed.clone()].concat(),
                Err(_) => Vec::new(),
            };
            let ok = result.is_ok();
            let before = live.snapshot().base_path.clone();
            let snapshot = self.snapshot(result, started, &what);
            if snapshot.base_path != before {
                println!(
                    "base_url changed: the preview is now at {}{}",
                    self.origin.trim_end_matches('/'),
                    snapshot.base_path
                );
            }
            let notice = Notice::new(snapshot.generation, ok, notice_changes);
            live.publish(snapshot, &notice);
            if ok {
                self.complete(&mut batches, &mut waiting, live, &what);
            }
        }
    }

    /// Renders the pages the build left for later (see `Session::complete`), unless another batch
    /// of changes comes first; if one of them fails, the problem is published as a failed build.
    fn complete(
        &mut self,
        batches: &mut Receiver<Batch>,
        waiting: &mut Option<Batch>,
        live: &Live,
        what: &str,
    ) {
        let started = Instant::now();
        let result = self.guarded(move |session| {
            session.complete(move || {
                if waiting.is_none() {
                    *waiting = batches.try_recv().ok();
                }
                waiting.is_some()
            })
        });
        if let Err(problems) = result {
            let snapshot = self.snapshot(Err(problems), started, what);
            let notice = Notice::new(snapshot.generation, false, Vec::new());
            live.publish(snapshot, &notice);
        }
    }

    /// Runs a rebuild; a panic (a bug in dafu) is reported like a problem, and the server goes on.
    fn guarded<T: Send>(
        &mut self,
        rebuild: impl FnOnce(&mut Session) -> Result<T, Vec<Diagnostic>> + Send,
    ) -> Result<T, Vec<Diagnostic>> {
        let session = &mut self.session;
        // Run on a worker of the thread pool, so the build's parallel steps start on this thread at
        // once instead of each waiting for a sleeping worker to wake (milliseconds on a busy machine).
        let run = || rayon::scope(|_| rebuild(session));
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|panic| {
            self.panicked = true;
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(vec![
                Diagnostic::file("dafu", format!("internal error: {message}"))
                    .with_hint("this is a bug in dafu; save again, or restart `dafu serve`"),
            ])
        })
    }

    /// The next snapshot, after a build that took from `started` till now; says what happened.
    fn snapshot(
        &mut self,
        result: Result<Rebuild, Vec<Diagnostic>>,
        started: Instant,
        what: &str,
    ) -> Snapshot {
        self.generation += 1;
        let ms = started.elapsed().as_millis();
        let problems = match result {
            Ok(rebuild) => {
                let changed = rebuild.changed.len() + rebuild.removed.len();
                let later = match rebuild.later {
                    0 => String::new(),
                    n => format!("; {n} of them rendered just after"),
                };
                println!(
                    "{what}: {changed} of {} pages updated in {ms} ms ({} letter{} re-read{later})",
                    rebuild.total_pages,
                    rebuild.reparsed,
                    if rebuild.reparsed == 1 { "" } else { "s" }
                );
                Vec::new()
            }
            Err(problems) => {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                eprintln!(
                    "{what}: build failed in {ms} ms with {} problem{}; the last good pages are served, with the problems over them",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                problems
            }
        };
        self.last_problems = problems.clone();
        Snapshot {
            generation: self.generation,
            pages: self.session.output(),
            base_path: match self.session.config() {
                Some(config) => config.base_path().to_owned(),
                // No build has succeeded yet: where the site will be, if site.yaml says.
                None => crate::config::SiteConfig::from_root(self.session.root())
                    .map_or_else(|_| "/".to_owned(), |c| c.base_path().to_owned()),
            },
            problems: problems.into(),
            search_current: self.session.search_is_current(),
        }
    }

    /// Serves a search index made after a build that could not update it in place, as part of
    /// that build (same generation, no reload: only the search page reads these files, and it
    /// reads them when a search is made).
    fn serve_search(&mut self, made: MadeSearch, live: &Live) {
        let Some(rebuild) = self.session.apply_search(made) else {
            return;
        };
        println!(
            "search index: {} files updated",
            rebuild.changed.len() + rebuild.removed.len()
        );
        let previous = live.snapshot();
        live.complete(Snapshot {
            generation: previous.generation,
            pages: self.session.output(),
            base_path: previous.base_path.clone(),
            problems: previous.problems.clone(),
            search_current: self.session.search_is_current(),
        });
    }
}

/// What changed, for the terminal: `content/2023/ti-494.md`, or `3 files`.
fn describe(root: &Path, plan: &Plan) -> String {
    match plan {
        Plan::Content(paths) if paths.len() == 1 => {
            display_path(paths[0].strip_prefix(root).unwrap_or(&paths[0]))
        }
        Plan::Content(paths) => format!("{} files", paths.len()),
        Plan::Everything(_) | Plan::Nothing => "site".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_of_a_wildcard_bind_is_on_loopback() {
        let addr: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert_eq!(site_url(addr, "/jyta/"), "http://127.0.0.1:1111/jyta/");
        let addr: SocketAddr = "[::]:8000".parse().unwrap();
        assert_eq!(site_url(addr, "/"), "http://[::1]:8000/");
        let addr: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        assert_eq!(site_url(addr, "/"), "http://127.0.0.1:1111/");
    }

    #[test]
    fn port_taken_message_suggests_another() {
        let e = ServeError::PortTaken {
            addr: "127.0.0.1:1111".parse().unwrap(),
            free: Some(1112),
        };
        assert_eq!(
            e.to_string(),
            "port 1111 on 127.0.0.1 is already in use (another `dafu serve`?)\n  help: port 1112 is free: dafu serve --port 1112"
        );
    }
}
