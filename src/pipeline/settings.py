"""Settings: packaged defaults, then a user TOML file, then VEILLE_* variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

USER_FILE = "veille.toml"
ENV_PREFIX = "VEILLE_"


class SettingsError(ValueError):
    """A setting is unknown or has a value of the wrong type."""


@dataclass(frozen=True)
class Settings:
    db: str
    mirror: str
    timezone: str
    daily_cron: str
    backfill_cron: str
    backfill_days: int
    revisit_cron: str
    read_wait: float
    write_wait: float
    sources: str
    sources_file: str
    proxies: str
    topics_file: str
    topics_model: str
    reports_dir: str
    archive_dir: str
    work_dir: str
    prefect_home: str
    user_agent: str
    contact: str
    concurrency_per_host: int
    download_delay: float
    download_timeout: int
    crawl_time_limit: int
    max_page_bytes: int
    retry_times: int
    obey_robots: bool
    lookback_days: int
    max_articles_per_source: int
    language_seed: int
    min_topic_score: float
    alert_min_score: float
    alert_topics: str
    alert_sources: str
    alert_languages: str
    spike_z: float
    spike_min_count: int
    spike_min_days: int
    health_runs: int
    notify: str
    notify_secret: str
    notify_empty: bool
    story_window_days: int
    story_workers: int
    revisit_days: int
    revisit_max: int
    revisit_delay: float
    log_level: str
    log_format: str
    keep_archive_days: int
    keep_work_days: int

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values set (command-line flags)."""
        clean = {k: _coerce(k, v) for k, v in values.items() if v is not None}
        return replace(self, **clean)

    def as_env(self) -> dict[str, str]:
        """The settings as VEILLE_* variables, to hand to child processes."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[ENV_PREFIX + f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return out


_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = _TYPES.get(name)
    if kind is None:
        raise SettingsError(f"unknown setting {name!r}")
    try:
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return lowered in {"1", "true", "yes", "on"}
            return bool(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except ValueError as exc:
        raise SettingsError(f"setting {name!r}: expected {kind}, got {value!r}") from exc


def defaults() -> dict[str, Any]:
    """The packaged defaults as a dict."""
    text = resources.files("pipeline").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def setting_names() -> list[str]:
    """Every setting name, in declaration order."""
    return [f.name for f in fields(Settings)]


def load(config: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, overridden by the user file (explicit or ./veille.toml), then by VEILLE_* variables."""
    env = os.environ if environ is None else environ
    values = defaults()
    path = Path(config) if config else (Path(USER_FILE) if Path(USER_FILE).is_file() else None)
    if config is None and env.get(ENV_PREFIX + "CONFIG"):
        path = Path(env[ENV_PREFIX + "CONFIG"])
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"config file not found: {path}")
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from exc
        for key, value in user.items():
            if key not in _TYPES:
                raise SettingsError(f"{path}: unknown setting {key!r}")
            values[key] = value
    for key in _TYPES:
        raw = env.get(ENV_PREFIX + key.upper())
        if raw is not None:
            values[key] = raw
    return Settings(**{k: _coerce(k, v) for k, v in values.items()})
