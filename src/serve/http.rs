//! HTTP: pages served from memory (a map of output paths, so no request can reach a file outside the
//! site, whatever it spells), the live-reload script, and the event stream (Server-Sent Events on
//! the same origin and port, so it works behind a proxy). axum routes and answers; hyper reads the
//! requests, with a timeout on slow request headers; each connection is a task of its own.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use super::inject::{self, PageInfo};
use super::live::{Live, Notice, Snapshot};

/// A client must send its request headers within this time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// An idle event stream gets a comment this often, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How soon a page whose event stream broke tries again.
const RETRY: Duration = Duration::from_millis(500);

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An output path (`2023/ti-494/index.html`); `dir` is the relative way back to the site root.
    Page {
        key: String,
        root: String,
    },
    /// The same path with a slash added, or the site's base path.
    Redirect(String),
    Events,
    Script,
    /// What is served now, as JSON (for tests, scripts and the curious).
    Status,
    /// Outside the site, or not a path the site could have.
    Outside,
}

/// Maps a request path (still percent-encoded, as sent) to what it asks for. The site lives under
/// `base` (`/jyta/`, always starting and ending with `/`). Pure; never touches the file system.
pub fn resolve(raw: &str, base: &str) -> Target {
    let Ok(path) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
        return Target::Outside;
    };
    if !path.starts_with('/') || path.contains(['\\', '\0']) {
        return Target::Outside;
    }
    if path == "/" && base != "/" {
        return Target::Redirect(base.to_owned());
    }
    if base.len() > 1 && path == base[..base.len() - 1] {
        return Target::Redirect(base.to_owned());
    }
    let Some(rest) = path.strip_prefix(base) else {
        return Target::Outside;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    let bad = segments
        .iter()
        .enumerate()
        .any(|(i, s)| matches!(*s, "." | "..") || (s.is_empty() && i != last) || s.contains(':'));
    if bad {
        return Target::Outside;
    }
    if rest == inject::EVENTS_PATH {
        return Target::Events;
    }
    if rest == inject::SCRIPT_PATH {
        return Target::Script;
    }
    if rest == inject::STATUS_PATH {
        return Target::Status;
    }
    let root = if last == 0 {
        "./".to_owned()
    } else {
        "../".repeat(last)
    };
    let key = if rest.is_empty() || rest.ends_with('/') {
        format!("{rest}index.html")
    } else {
        rest.to_owned()
    };
    Target::Page { key, root }
}

/// The Content-Type of an output file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

pub fn router(live: Arc<Live>) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(live)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CatchPanicLayer::new())
}

async fn handle(State(live): State<Arc<Live>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "405 method not allowed: the preview answers GET and HEAD only\n",
        )
            .into_response();
    }
    let snapshot = live.snapshot();
    match resolve(uri.path(), &snapshot.base_path) {
        Target::Events => events(&live),
        Target::Script => (
            [(header::CONTENT_TYPE, content_type(inject::SCRIPT_PATH))],
            inject::RELOAD_JS,
        )
            .into_response(),
        Target::Status => (
            [(header::CONTENT_TYPE, content_type("status.json"))],
            status_json(&snapshot),
        )
            .into_response(),
        Target::Redirect(location) => redirect(&location),
        Target::Page { key, root } => {
            // A page the last build left for later is rendered here if it was not yet (see
            // `session::Later`): tokio is told, so other requests move to another thread.
            if let Some(bytes) = tokio::task::block_in_place(|| snapshot.pages.get(&key)) {
                return page(StatusCode::OK, &key, &bytes, &root, &[&key], &snapshot);
            }
            let as_dir = format!("{key}/index.html");
            if snapshot.pages.contains(&as_dir) {
                // Pages link relatively: `2023/ti-494` must become `2023/ti-494/` for them to work.
                let last = uri.path().rsplit('/').next().unwrap_or_default();
                return redirect(&format!("{last}/"));
            }
            not_found(&snapshot, &root, &[&key, &as_dir])
        }
        Target::Outside => not_found(&snapshot, &snapshot.base_path, &[]),
    }
}

/// `{"generation": 3, "ok": true, "base_path": "/jyta/", "pages": [...], "problems": [...]}`
fn status_json(snapshot: &Snapshot) -> String {
    let mut pages: Vec<&str> = snapshot.pages.paths().collect();
    pages.sort_unstable();
    let problems: Vec<String> = snapshot.problems.iter().map(|p| p.to_string()).collect();
    serde_json::json!({
        "generation": snapshot.generation,
        "ok": problems.is_empty(),
        "base_path": snapshot.base_path,
        "pages": pages,
        "problems": problems,
        "search_current": snapshot.search_current,
    })
    .to_string()
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The site's own 404 page (it links with absolute paths, so it works at any address).
fn not_found(snapshot: &Snapshot, root: &str, asked: &[&str]) -> Response {
    let mut watch: Vec<&str> = vec!["404.html"];
    watch.extend_from_slice(asked);
    match snapshot.pages.get("404.html") {
        Some(bytes) => page(
            StatusCode::NOT_FOUND,
            "404.html",
            &bytes,
            root,
            &watch,
            snapshot,
        ),
        None => page(
            StatusCode::NOT_FOUND,
            "404.html",
            inject::no_site_page(),
            root,
            &watch,
            snapshot,
        ),
    }
}

/// A page as served: HTML gets the live-reload script (and the problems of a failed build).
fn page(
    status: StatusCode,
    key: &str,
    bytes: &[u8],
    root: &str,
    watch: &[&str],
    snapshot: &Snapshot,
) -> Response {
    let content_type = content_type(key);
    let body = if content_type.starts_with("text/html") {
        Body::from(inject::inject(
            bytes,
            &PageInfo {
                root,
                generation: snapshot.generation,
                watch,
                problems: &snapshot.problems,
            },
        ))
    } else {
        Body::from(bytes.to_vec())
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The event stream: `hello` with the current generation, then one `build` event per build. A
/// client too slow to keep up is sent "everything changed" instead of the builds it missed.
fn events(live: &Arc<Live>) -> Response {
    // Subscribe first, so no build falls between the hello and the stream.
    let receiver = live.subscribe();
    let hello = Event::default()
        .event("hello")
        .retry(RETRY)
        .data(format!("{{\"generation\":{}}}", live.snapshot().generation));
    let live = live.clone();
    let stream = futures_util::stream::unfold(
        (Some(hello), receiver, live),
        |(hello, mut receiver, live)| async move {
            if let Some(hello) = hello {
                return Some((Ok::<Event, Infallible>(hello), (None, receiver, live)));
            }
            let data: String = match receiver.recv().await {
                Ok(json) => json.to_string(),
                Err(RecvError::Lagged(_)) => {
                    let snapshot = live.snapshot();
                    let mut notice =
                        Notice::new(snapshot.generation, snapshot.problems.is_empty(), vec![]);
                    notice.all = true;
                    notice.to_json()
                }
                Err(RecvError::Closed) => return None,
            };
            let event = Event::default().event("build").data(data);
            Some((Ok(event), (None, receiver, live)))
        },
    );
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // nginx and others buffer responses unless told not to.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Accepts connections until `shutdown` resolves; each is served on a task of its own.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, or a connection reset before it was accepted: wait a
                // moment rather than spin, and go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            // A client that goes away mid-response is no concern of the others.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(key: &str, root: &str) -> Target {
        Target::Page {
            key: key.to_owned(),
            root: root.to_owned(),
        }
    }

    #[test]
    fn paths_map_to_output_files() {
        let base = "/jyta/";
        let table = [
            ("/jyta/", page("index.html", "./")),
            (
                "/jyta/2023/ti-494/",
                page("2023/ti-494/index.html", "../../"),
            ),
            (
                "/jyta/2023/ti-494/index.html",
                page("2023/ti-494/index.html", "../../"),
            ),
            ("/jyta/style.css", page("style.css", "./")),
            (
                "/jyta/topics/ke-ji/page/2/",
                page("topics/ke-ji/page/2/index.html", "../../../../"),
            ),
            ("/jyta/2023/ti-494", page("2023/ti-494", "../")),
            // Percent-encoded Chinese names are decoded.
            (
                "/jyta/2023/%E7%A7%91%E6%8A%80/",
                page("2023/科技/index.html", "../../"),
            ),
            ("/jyta/__dafu/events", Target::Events),
            ("/jyta/__dafu/reload.js", Target::Script),
            ("/jyta/__dafu/status", Target::Status),
            ("/", Target::Redirect("/jyta/".into())),
            ("/jyta", Target::Redirect("/jyta/".into())),
        ];
        for (raw, expected) in table {
            assert_eq!(resolve(raw, base), expected, "{raw}");
        }
        assert_eq!(resolve("/", "/"), page("index.html", "./"));
        assert_eq!(resolve("/__dafu/events", "/"), Target::Events);
    }

    #[test]
    fn requests_outside_the_site_are_refused() {
        for raw in [
            "/jyta/../etc/passwd",
            "/jyta/2023/../../etc/passwd",
            "/jyta/%2e%2e/etc/passwd",
            "/jyta/%2E%2E/%2E%2E/etc/passwd",
            "/jyta/..%2f..%2fetc%2fpasswd",
            "/jyta/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/jyta/..%5c..%5cwindows%5cwin.ini",
            "/jyta/2023\\..\\..\\secret",
            "/jyta/%5c%5cserver%5cshare",
            "/jyta/./index.html",
            "/jyta//etc/passwd",
            "/jyta/C:/Windows/win.ini",
            "/jyta/%00index.html",
            "/jyta/%ff%fe",
            "/etc/passwd",
            "//etc/passwd",
            "/other/index.html",
            "/jytax/index.html",
        ] {
            assert_eq!(resolve(raw, "/jyta/"), Target::Outside, "{raw}");
        }
        assert_eq!(resolve("/..", "/"), Target::Outside);
        assert_eq!(resolve("//etc/passwd", "/"), Target::Outside);
    }

    #[test]
    fn content_types_by_extension() {
        let table = [
            ("index.html", "text/html; charset=utf-8"),
            ("2023/a/index.html", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("search.js", "text/javascript; charset=utf-8"),
            ("feed.xml", "application/xml; charset=utf-8"),
            ("search/index.json", "application/json"),
            ("logo.SVG", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.woff2", "font/woff2"),
            ("LICENSE", "application/octet-stream"),
        ];
        for (path, expected) in table {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }
}
