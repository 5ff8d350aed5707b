//! An open page in a real browser (headless Chromium, driven over the DevTools protocol) reloads by
//! itself when its letter is saved, keeps its scroll position, shows a failed build's problems and
//! takes them away when fixed, and does not reload for a letter it does not show.
//!
//! Needs Debian's `chromium` (`/usr/bin/chromium`, or the path in `CHROMIUM`); `.ci/run` installs
//! it. Without it the test is skipped, except under CI (`CI=true`), where it fails.

mod common;
#[path = "common/server.rs"]
mod server;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Site;
use serde_json::{Value, json};
use server::Server;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

const LETTER: &str = "content/2023/jian-0007.md";

fn chromium() -> Option<String> {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI=true but Chromium is not at {path}: .ci/run should have installed it (apt-get install -y chromium)"
    );
    eprintln!("skipped: no Chromium at {path} (apt-get install -y chromium)");
    None
}

/// A headless Chromium, ended when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    devtools_port: u16,
}

impl Browser {
    fn start(path: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(path)
            .args(common::CHROMIUM_FLAGS)
            .args(["--window-size=1000,700", "--remote-debugging-port=0"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut said = String::new();
        let devtools_port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                panic!("Chromium did not open its DevTools port; it said:\n{said}");
            };
            said.push_str(&line);
            said.push('\n');
            if let Some(rest) = line.split("DevTools listening on ws://127.0.0.1:").nth(1) {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
        };
        // Keep reading, so Chromium never blocks on a full pipe.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Browser {
            child,
            _profile: profile,
            devtools_port,
        }
    }

    /// The DevTools connection to the first open tab.
    fn page(&self) -> Page {
        let list: Value = serde_json::from_slice(
            &ureq::get(format!("http://127.0.0.1:{}/json/list", self.devtools_port))
                .call()
                .unwrap()
                .into_body()
                .read_to_vec()
                .unwrap(),
        )
        .unwrap();
        let url = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_owned();
        let (socket, _) = tungstenite::connect(url).unwrap();
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
        }
        Page { socket, next_id: 0 }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Page {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Page {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(Message::Text(message.into())).unwrap();
        loop {
            let Message::Text(text) = self.socket.read().unwrap() else {
                continue;
            };
            let reply: Value = serde_json::from_str(text.as_str()).unwrap();
            if reply["id"] == id {
                return reply;
            }
        }
    }

    /// The value of a JavaScript expression in the page, or `None` while the page is (re)loading.
    fn eval(&mut self, expression: &str) -> Option<Value> {
        let reply = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        let result = &reply["result"];
        if reply.get("error").is_some() || result.get("exceptionDetails").is_some() {
            return None;
        }
        Some(result["result"]["value"].clone())
    }

    /// Waits until `expression` is true in the page.
    #[track_caller]
    fn wait_for(&mut self, expression: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.eval(expression) == Some(Value::Bool(true)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what} ({expression})");
    }
}

#[test]
fn an_open_page_reloads_itself_after_a_save_keeping_its_scroll_position() {
    let Some(chromium) = chromium() else { return };
    let site = Site::fixture("basic");
    // A letter long enough to scroll.
    let original = std::fs::read_to_string(site.path(LETTER)).unwrap();
    let long = original.replace(
        "感谢您的关心。",
        &format!(
            "{}感谢您的关心。",
            "本段用于撑开页面高度，以便滚动。\n\n".repeat(120)
        ),
    );
    site.write(LETTER, &long);
    let server = Server::start(site.root(), &[]);
    let events = server.events();
    let browser = Browser::start(&chromium);
    let mut page = browser.page();

    page.call(
        "Page.navigate",
        json!({"url": server.url("2023/jian-0007/")}),
    );
    page.wait_for(
        "document.readyState === 'complete' && window.dafuLive && window.dafuLive.connected",
        "the page to load and listen for builds",
    );
    page.eval("window.scrollTo(0, 1500); window.marker = 'before'; true");
    page.wait_for("Math.abs(window.scrollY - 1500) < 2", "the scroll");

    // Save the letter: the page reloads by itself, shows the change, and is where it was.
    site.write(
        LETTER,
        long.replace("感谢您的关心。", "感谢您的关心。浏览器自动刷新"),
    );
    page.wait_for(
        "window.marker === undefined && document.body.innerText.includes('浏览器自动刷新')",
        "the page to reload with the saved text",
    );
    page.wait_for(
        "document.readyState === 'complete' && Math.abs(window.scrollY - 1500) < 2",
        "the scroll position to come back",
    );

    // A letter this page does not show: no reload.
    page.wait_for(
        "window.dafuLive && window.dafuLive.connected",
        "the new page to listen",
    );
    page.eval("window.marker = 'still here'; true");
    let unrelated = site.path("content/2022/ti-202.md");
    let text = std::fs::read_to_string(&unrelated).unwrap();
    std::fs::write(
        &unrelated,
        text.replacen("\n---\n", "\n---\n无关修改。\n", 1),
    )
    .unwrap();
    events.settle("an unrelated edit", |b| {
        b["changed"].to_string().contains("2022/ti-202/index.html")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        page.eval("window.marker"),
        Some(json!("still here")),
        "the page reloaded for a letter it does not show"
    );

    // A mistake: the page shows it, over the last good text; fixed: it goes.
    site.write(LETTER, long.replace("date: 2023-03-10", "date: 2023-13-45"));
    page.wait_for(
        "!!document.getElementById('dafu-errors') && document.getElementById('dafu-errors').innerText.includes('content/2023/jian-0007.md:3')",
        "the error overlay",
    );
    page.wait_for(
        "document.readyState === 'complete' && window.dafuLive && window.dafuLive.connected",
        "the page with the overlay to listen",
    );
    site.write(
        LETTER,
        long.replace("感谢您的关心。", "感谢您的关心。已改正"),
    );
    page.wait_for(
        "!document.getElementById('dafu-errors') && document.body.innerText.includes('已改正')",
        "the overlay to go once fixed",
    );
}
