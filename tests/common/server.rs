//! A running `dafu serve` (the real binary, on a free port of 127.0.0.1) and small HTTP helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for the server to notice a change and rebuild (debug binary, busy machine).
pub const REBUILD_WAIT: Duration = Duration::from_secs(30);

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// The site's address: `http://127.0.0.1:PORT/jyta/`
    pub base: String,
    /// Everything the server printed so far (stdout and stderr).
    pub log: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

impl Server {
    /// Starts `dafu serve --root ROOT --port 0 ARGS` and waits until it prints its address.
    pub fn start(root: &Path, args: &[&str]) -> Server {
        Server::start_with_env(root, args, &[])
    }

    pub fn start_with_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dafu"))
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dafu serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = log.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("serving the preview at ") {
                        break url.trim().to_owned();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "dafu serve printed no address; it said:\n{}",
                        log.lock().unwrap()
                    );
                }
            }
        };
        let origin = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            origin,
            base,
            log,
            agent,
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// GET a path under the site (`2023/ti-101/`), or an absolute one (`/x`).
    pub fn get(&self, path: &str) -> Response {
        let url = self.url(path);
        let response = self
            .agent
            .get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}\nserver log:\n{}", self.log()));
        collect(response)
    }

    pub fn head(&self, path: &str) -> Response {
        let url = self.url(path);
        collect(self.agent.head(&url).call().unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.origin)
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Sends `request` as written (for requests an HTTP client would refuse or tidy up) and returns
    /// the status code of the answer.
    pub fn raw_status(&self, request: &str) -> u16 {
        let response = self.raw(request);
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {response:?}"))
    }

    pub fn raw(&self, request: &str) -> String {
        let addr = self.origin.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    }

    /// `__dafu/status` as JSON.
    pub fn status(&self) -> serde_json::Value {
        serde_json::from_slice(&self.get("__dafu/status").body).unwrap()
    }

    /// Opens the event stream; events arrive on the returned reader's channel.
    pub fn events(&self) -> Events {
        Events::open(&self.url("__dafu/events"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends Ctrl-C (SIGINT) and waits for the server to end; returns its exit code.
    #[cfg(unix)]
    pub fn interrupt(&mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("dafu serve did not stop on Ctrl-C");
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(response: ureq::http::Response<ureq::Body>) -> Response {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = response
        .into_body()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap_or_default();
    Response {
        status,
        headers,
        body,
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open event stream, read on a thread of its own.
pub struct Events {
    rx: Receiver<Event>,
}

impl Events {
    pub fn open(url: &str) -> Events {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let response = agent.get(url).call().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let reader = BufReader::new(response.into_body().into_reader());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut name, mut data) = (String::new(), String::new());
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if line.is_empty() {
                    if !data.is_empty() || !name.is_empty() {
                        let event = Event {
                            name: std::mem::take(&mut name),
                            data: std::mem::take(&mut data),
                        };
                        if tx.send(event).is_err() {
                            break;
                        }
                    }
                } else if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
        });
        Events { rx }
    }

    pub fn next(&self, timeout: Duration) -> Option<Event> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The next `build` event, or a panic naming what was waited for.
    #[track_caller]
    pub fn build(&self, what: &str) -> serde_json::Value {
        let deadline = Instant::now() + REBUILD_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) if e.name == "build" => return e.json(),
                Ok(_) => {}
                Err(_) => panic!("no build event after {what}"),
            }
        }
    }

    /// Waits for builds until one satisfies `done`, then until none follows for a moment (a change
    /// written in several steps can take several builds); returns the last build.
    #[track_caller]
    pub fn settle(
        &self,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + REBUILD_WAIT;
        let mut last = loop {
            let build = self.build(what);
            if done(&build) {
                break build;
            }
            assert!(
                Instant::now() < deadline,
                "no fitting build after {what}; last: {build}"
            );
        };
        while let Some(e) = self.next(Duration::from_millis(400)) {
            if e.name == "build" {
                last = e.json();
            }
        }
        last
    }
}

/// The page as built, without what the preview adds when serving it (the live-reload script).
pub fn strip_preview(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let Some(start) = text.find("<script data-dafu-live") else {
        return html.to_vec();
    };
    let end = start + text[start..].find("</script>\n").unwrap() + "</script>\n".len();
    let mut out = html[..start].to_vec();
    out.extend_from_slice(&html[end..]);
    out
}
