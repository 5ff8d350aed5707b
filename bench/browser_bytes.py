#!/usr/bin/env python3
"""Opens pages in headless Chromium, one fresh browser profile per page, and counts the bytes the
local server sends for each: the same measure for dafu's search page and for Pagefind.

Usage: browser_bytes.py ROOT URLS.txt OUT.jsonl

ROOT is served on 127.0.0.1 (no compression: the bytes are the files' bytes). Each line of URLS.txt
is the path of a harness page (bench/dafu_bench.html, bench/pagefind_bench.html) with `?q=`: the page
runs the query and POSTs what it found to /__result, which ends that page's run. For each, one JSON
line: the path, every file sent with its size, the bytes of the page shell (HTML and CSS) and of the
rest (scripts, wasm, index files), the seconds taken, and what the page posted.
"""
import json, os, re, signal, subprocess, sys, tempfile, threading, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from functools import partial

root, urls_path, out_path = sys.argv[1:4]
log, lock, posted = [], threading.Lock(), threading.Event()
result = {}

class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def copyfile(self, source, outputfile):
        data = source.read()
        with lock:
            log.append((self.path, len(data)))
        outputfile.write(data)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        result["out"] = body.decode("utf-8")
        self.send_response(204)
        self.end_headers()
        posted.set()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

Handler.extensions_map = {**Handler.extensions_map, ".js": "text/javascript", ".wasm": "application/wasm",
                          ".pagefind": "application/wasm", ".json": "application/json"}
server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=root))
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
chromium = "/usr/bin/chromium"

with open(out_path, "w", encoding="utf-8") as out:
    for path in [l.strip() for l in open(urls_path, encoding="utf-8") if l.strip()]:
        with lock:
            log.clear()
        posted.clear()
        result.clear()
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
            started = time.time()
            browser = subprocess.Popen(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", f"http://127.0.0.1:{port}{path}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            done = posted.wait(120)
            seconds = time.time() - started
            with lock:
                files = [(p, n) for p, n in log if not p.startswith("/favicon")]
            # The browser's own process group (it was started in a new session): its helpers too.
            os.killpg(browser.pid, signal.SIGTERM)
            try:
                browser.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(browser.pid, signal.SIGKILL)
                browser.wait()
            time.sleep(0.3)
        shell = sum(n for p, n in files if re.search(r"(\.html|\.css|/)(\?.*)?$", p) and "pagefind" not in p)
        out.write(json.dumps({"path": path, "files": files, "shell_bytes": shell,
                              "search_bytes": sum(n for _, n in files) - shell,
                              "seconds": round(seconds, 2),
                              "out": result.get("out") if done else None}, ensure_ascii=False) + "\n")
        out.flush()
server.shutdown()
