"""Delivering a report beyond its files: e-mail, webhooks and chat through apprise URLs.

Targets come from the `notify` setting (comma-separated apprise URLs) and,
optionally, from a Prefect Secret block named by `notify_secret`. Credentials
never live in files: a URL may hold `${NAME}` placeholders, expanded from the
environment at send time. Each target is tried on its own; a failure is
returned as a result, never raised, so delivery never fails a run.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pipeline.settings import Settings

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariable(KeyError):
    """A `${NAME}` placeholder names an unset environment variable."""


@dataclass
class Delivery:
    """The outcome of sending one report to one target (the target with its secrets masked)."""

    target: str
    ok: bool
    error: str | None = None


def expand(url: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """The URL with `${NAME}` placeholders filled in, and the secret values used (to mask them in messages).

    A placeholder that is the whole entry is replaced as is (a complete URL kept in
    a variable); inside a URL the value is percent-encoded, so a password holding
    `@`, `/` or `:` cannot change where the URL points.
    """
    whole = _PLACEHOLDER.fullmatch(url.strip())
    used: list[str] = []

    def value(name: str) -> str:
        if name not in environ:
            raise MissingVariable(f"environment variable {name} is not set")
        used.append(environ[name])
        return environ[name]

    if whole:
        return value(whole.group(1)), used
    return _PLACEHOLDER.sub(lambda m: quote(value(m.group(1)), safe=""), url), used


def secret_targets(block: str) -> list[str]:
    """Apprise URLs kept in a Prefect Secret block (a comma-separated string or a list)."""
    try:
        from prefect.blocks.system import Secret  # lazily: the library must not need Prefect
    except ImportError as exc:
        raise RuntimeError(f"notify_secret {block!r} needs Prefect, which is not installed") from exc
    raw = Secret.load(block).get()  # type: ignore[union-attr]  # sync call outside a flow
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def configured_targets(cfg: Settings) -> tuple[list[str], list[Delivery]]:
    """The raw target URLs (placeholders unexpanded), and failures met while gathering them."""
    urls = [u.strip() for u in str(getattr(cfg, "notify", "")).split(",") if u.strip()]
    problems: list[Delivery] = []
    block = str(getattr(cfg, "notify_secret", "")).strip()
    if block:
        try:
            urls.extend(secret_targets(block))
        except Exception as exc:  # a missing block or an unreachable Prefect API is a delivery failure
            problems.append(Delivery(f"prefect-secret:{block}", False, f"{type(exc).__name__}: {exc}"))
    return urls, problems


def _mask(text: str, secrets: list[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "****").replace(quote(secret, safe=""), "****")
    return text


def send_one(url: str, title: str, body: str, attachments: list[Path],
             environ: Mapping[str, str] | None = None) -> Delivery:
    """Send to one apprise URL; the outcome, never an exception."""
    import apprise  # imported here: only runs that deliver pay for loading every apprise plugin

    env = os.environ if environ is None else environ
    shown = _PLACEHOLDER.sub(lambda m: "${" + m.group(1) + "}", url)
    try:
        expanded, secrets = expand(url, env)
    except MissingVariable as exc:
        return Delivery(shown, False, str(exc.args[0]))
    plugin = apprise.Apprise.instantiate(expanded)
    if plugin is None:
        return Delivery(_mask(shown, secrets), False, "not a valid apprise URL")
    target = _mask(str(plugin.url(privacy=True)), secrets)  # type: ignore[no-untyped-call]
    sender = apprise.Apprise()
    sender.add(plugin)
    attach = [str(p) for p in attachments if p.is_file()] if plugin.attachment_support else None
    try:
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            ok = bool(sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN,
                                    attach=attach or None))
        messages = captured.getvalue() if hasattr(captured, "getvalue") else ""
    except Exception as exc:  # a plugin bug must not take the run down with it
        return Delivery(target, False, _mask(f"{type(exc).__name__}: {exc}", secrets))
    if ok:
        return Delivery(target, True)
    lines = [line.split(" - ", 2)[-1] for line in str(messages).splitlines() if line.strip()]
    return Delivery(target, False, _mask("; ".join(lines[-3:]) or "apprise reported a failure", secrets)[:500])


def deliver(cfg: Settings, title: str, body: str, attachments: list[Path],
            environ: Mapping[str, str] | None = None) -> list[Delivery]:
    """Send the report to every configured target; one result per target (empty: none configured)."""
    urls, results = configured_targets(cfg)
    for url in urls:
        result = send_one(url, title, body, attachments, environ)
        if not result.ok:
            log.warning("delivery to %s failed: %s", result.target, result.error)
        results.append(result)
    return results
