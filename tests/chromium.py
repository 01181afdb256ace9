"""Open a report in real headless Chromium: its DOM, its console messages, every request it tried, a screenshot.

Requests are caught by pointing Chromium at a recording proxy on 127.0.0.1 with loopback no longer bypassed, so a
page that reaches for any http(s) resource (an image, a font, a beacon) shows up in `requests`; file:// loads of
other files are refused by Chromium's own file-URL rules and would show up as console errors.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import have_chromium
from tests.loopback import QuietHandler, serving

# where screenshots are kept after the run (CI uploads var/); gitignored
ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artifacts"
_CONSOLE = re.compile(r":CONSOLE[:(]\d+\)?\]\s*(.*)")
# Chromium's own background calls (clock sync, component updates, sign-in) go through the proxy too, whatever the
# page holds; they are the browser's, not the report's
_BROWSER_HOSTS = re.compile(r"(^|[./])(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)(:\d+)?(/|$)")


@dataclass
class Rendered:
    dom: str
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None


class _Recorder(QuietHandler):
    seen: list[str]

    def _record(self) -> None:
        target = self.path.split("://", 1)[-1]
        if not _BROWSER_HOSTS.search(target.split("/", 1)[0] + "/"):
            self.seen.append(f"{self.command} {self.path}")
        self.answer(403, {}, b"")

    do_GET = do_POST = do_HEAD = do_CONNECT = _record  # noqa: N815 (http.server's naming)


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    binary = have_chromium()
    assert binary, "chromium is installed by `make test`"
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def render(html: Path, work: Path, screenshot_name: str | None = None) -> Rendered:
    """Load `html` in headless Chromium behind a recording proxy; optionally keep a screenshot in ARTIFACTS."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    with serving(handler) as server:
        proxy = [f"--proxy-server={server.url}", "--proxy-bypass-list=<-loopback>",
                 "--enable-logging=stderr", "--v=0"]
        done = _chromium([*proxy, "--virtual-time-budget=3000", "--dump-dom", html.as_uri()], work / "profile")
        console = [m.group(1) for line in done.stderr.splitlines() if (m := _CONSOLE.search(line))]
        shot: Path | None = None
        if screenshot_name:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"{screenshot_name}.png"
            shot.unlink(missing_ok=True)
            _chromium([*proxy, "--window-size=1280,2400", f"--screenshot={shot}", html.as_uri()], work / "profile2")
    return Rendered(dom=done.stdout, console=console, requests=list(seen), screenshot=shot)
