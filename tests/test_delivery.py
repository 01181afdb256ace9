"""Delivery through apprise to a real SMTP server and a real HTTP endpoint on 127.0.0.1."""

from __future__ import annotations

import base64
import email
import json
import os
import socket
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from pipeline import delivery, reports, warehouse
from tests.conftest import VEILLE
from tests.loopback import QuietHandler, serving
from tests.test_alerts import NOW, article, load, make_cfg, match


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA) to receive one message per session."""

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        server: Any = self.server
        self._say("220 localhost test SMTP")
        while raw := self.rfile.readline():
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._say("250-localhost")
                self._say("250 AUTH PLAIN")
            elif verb == "AUTH":
                parts = base64.b64decode(line.split()[2]).split(b"\0")
                server.logins.append((parts[1].decode(), parts[2].decode()))
                self._say("235 2.7.0 accepted")
            elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                if verb == "RCPT":
                    server.recipients.append(line.split(":", 1)[1].strip(" <>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                body = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.messages.append(email.message_from_bytes(b"".join(body)))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class _Hook(QuietHandler):
    def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
        server: Any = self.server
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.posts.append((self.path, payload))
        self.answer(500 if self.path.startswith("/broken") else 200, {}, b"{}")


@pytest.fixture
def smtp() -> Iterator[Any]:
    server: Any = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.logins, server.recipients, server.messages = [], [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook() -> Iterator[Any]:
    with serving(_Hook) as server:
        server.posts = []  # what the webhook received, (path, JSON payload)
        yield server


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(db: str) -> None:
    load(db, [article("a1", "st-a1", NOW - timedelta(hours=2), title="Économie numérique <b>&</b> coopération")],
         [match("a1")])


def _parts(message: Message) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            found[part.get_filename() or part.get_content_type()] = (
                payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "")
    return found


def test_report_is_mailed_and_posted_with_credentials_from_the_environment(
        tmp_path: Path, smtp: Any, hook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEILLE_TEST_SMTP_PASSWORD", "p@ss/w:rd")
    smtp_port, hook_port = smtp.server_address[1], hook.server_address[1]
    cfg = make_cfg(tmp_path, notify=(
        f"mailto://veille:${{VEILLE_TEST_SMTP_PASSWORD}}@127.0.0.1:{smtp_port}"
        f"?from=veille@example.org&to=analyst@example.org, json://127.0.0.1:{hook_port}/hook"))
    _seed(cfg.db)
    report, paths = reports.build_and_write(cfg, until=NOW, record_alerts=True)
    assert [d.ok for d in report.deliveries] == [True, True], report.deliveries
    assert all("p@ss" not in d.target and "w:rd" not in d.target for d in report.deliveries)
    assert smtp.logins == [("veille", "p@ss/w:rd")] and smtp.recipients == ["analyst@example.org"]
    message = smtp.messages[0]
    assert "1 new story" in str(message["Subject"])
    parts = _parts(message)
    html_name = next(p.name for p in paths if p.suffix == ".html")
    assert html_name in parts and "&lt;b&gt;" in parts[html_name], "the HTML report travels as an attachment"
    (path, payload), = hook.posts
    assert path == "/hook" and "1 new story" in payload["title"]
    assert "Économie numérique \\<b\\>&\\</b\\> coopération" in payload["message"]
    with warehouse.read(cfg.db, 5) as con:
        (stored,), = con.execute("SELECT deliveries FROM reports").fetchall()
    assert [d["ok"] for d in json.loads(stored)] == [True, True]


def test_delivery_failures_are_recorded_and_reported_never_raised(tmp_path: Path, hook: Any) -> None:
    cfg = make_cfg(tmp_path, notify=(
        f"json://127.0.0.1:{hook.server_address[1]}/broken, "
        f"mailto://127.0.0.1:{_closed_port()}?from=veille@example.org&to=analyst@example.org, "
        "json://${VEILLE_TEST_UNSET_TOKEN}@127.0.0.1:9/x, not-a-scheme://whatever"))
    _seed(cfg.db)
    report, paths = reports.build_and_write(cfg, until=NOW, record_alerts=True)
    assert all(p.is_file() for p in paths), "files are always written"
    assert [d.ok for d in report.deliveries] == [False, False, False, False]
    assert "500" in (report.deliveries[0].error or "")
    assert report.deliveries[2].error == "environment variable VEILLE_TEST_UNSET_TOKEN is not set"
    assert report.deliveries[3].error == "not a valid apprise URL"
    summary = reports.summary_markdown(report)
    assert "Delivered to 0 of 4 target(s)." in summary and summary.count("failed:") == 4
    with warehouse.read(cfg.db, 5) as con:
        (stored,), = con.execute("SELECT deliveries FROM reports").fetchall()
        assert con.execute("SELECT count(*) FROM alerts WHERE kind = 'new'").fetchone() == (1,)
    assert [d["ok"] for d in json.loads(stored)] == [False] * 4


def test_nothing_is_sent_on_a_quiet_day_or_when_only_rendering(tmp_path: Path, hook: Any) -> None:
    cfg = make_cfg(tmp_path, notify=f"json://127.0.0.1:{hook.server_address[1]}/hook")
    _seed(cfg.db)
    assert reports.build_and_write(cfg, until=NOW)[0].deliveries == [], "rendering alone sends nothing"
    reports.build_and_write(cfg, until=NOW, record_alerts=True)
    quiet, _ = reports.build_and_write(cfg, until=NOW + timedelta(minutes=1), record_alerts=True)
    assert quiet.deliveries == [] and len(hook.posts) == 1


def test_placeholders_expand_whole_or_percent_encoded() -> None:
    env = {"HOOK": "json://example.org/a?b=c", "PW": "a@b/c"}
    assert delivery.expand("${HOOK}", env) == ("json://example.org/a?b=c", ["json://example.org/a?b=c"])
    assert delivery.expand("mailto://u:${PW}@h", env)[0] == "mailto://u:a%40b%2Fc@h"
    with pytest.raises(delivery.MissingVariable):
        delivery.expand("json://${NOPE}@h", env)


def test_artifact_helpers(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    _seed(cfg.db)
    report, _ = reports.build_and_write(cfg, until=NOW)
    rows = reports.alerts_table(report)
    assert rows == [{"topic": "digital-economy", "story_id": "st-a1",
                     "title": "Économie numérique <b>&</b> coopération", "score": 3.0,
                     "first_seen": report.topics["digital-economy"][0].first_seen, "outlets": "xinhua",
                     "languages": "fr", "copies": 1, "url": "https://example.org/xinhua-fr/a1.html"}]
    summary = reports.summary_markdown(report)
    assert summary.startswith("# veille report") and "**1** new story" in summary and "<b>" not in summary


def test_cli_report_record_delivers_to_the_configured_webhook(tmp_path: Path, hook: Any) -> None:
    db = str(tmp_path / "w.duckdb")
    _seed(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update({"VEILLE_DB": db, "VEILLE_REPORTS_DIR": str(tmp_path / "reports"),
                "VEILLE_NOTIFY": f"json://127.0.0.1:{hook.server_address[1]}/cli"})
    rendered = subprocess.run([VEILLE, "report"], capture_output=True, text=True, env=env, timeout=120)
    assert rendered.returncode == 0 and hook.posts == [], "rendering alone must not deliver"
    recorded = subprocess.run([VEILLE, "report", "--record"], capture_output=True, text=True, env=env, timeout=120)
    assert recorded.returncode == 0, recorded.stderr
    (path, payload), = hook.posts
    assert path == "/cli" and "1 new story" in payload["title"]
