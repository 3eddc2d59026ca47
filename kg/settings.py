"""One typed settings object, built at the edge: defaults, then the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    # embedded:<dir> | neo4j://host:port | bolt://host:port
    store: str = "embedded:./.medkg/graph"
    neo4j_user: str = "neo4j"
    neo4j_password: str = field(default="", repr=False)
    neo4j_database: str = "neo4j"
    store_batch_size: int = 2000
    store_retry_seconds: float = 60.0  # give up on an unreachable store after this
    models_dir: Path = REPO_ROOT / "models"
    # A local directory or a hub id; the same loading code handles both.
    ner_model: str = ""
    # entity type -> NER heads, e.g. "Chemical=biored,Gene=biored" for BioRED-style text;
    # empty: the routing the model's labels.json names
    ner_routing: str = ""
    re_model: str = ""
    kb_path: str = ""
    # Schwartz-Hearst abbreviation detection: "builtin" (pure Python) or "scispacy"
    # (scispacy's AbbreviationDetector first, the builtin pass after it)
    abbreviations: str = "builtin"
    extraction_batch_size: int = 32
    model_threads: int = 0  # ONNX Runtime threads per process; 0: all cores
    api_key: str = field(default="", repr=False)
    max_query_depth: int = 12
    max_query_cost: int = 50_000
    max_page_size: int = 500
    default_page_size: int = 25

    @property
    def store_kind(self) -> str:
        if self.store.startswith("embedded:"):
            return "embedded"
        if self.store.split("://", 1)[0] in {"neo4j", "bolt", "neo4j+s", "bolt+s"}:
            return "neo4j"
        raise ConfigError(
            f"MEDKG_STORE={self.store!r}: expected embedded:<dir>, neo4j://… or bolt://…"
        )

    @property
    def kb_dir(self) -> Path:
        """The linking KB's directory: ``MEDKG_KB``, else the shipped ``models/kb``."""
        return Path(self.kb_path) if self.kb_path else self.models_dir / "kb"

    @property
    def embedded_path(self) -> Path:
        return Path(self.store.removeprefix("embedded:")).expanduser()

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        d = cls()
        s = cls(
            store=env.get("MEDKG_STORE", d.store) or d.store,
            neo4j_user=env.get("MEDKG_NEO4J_USER", d.neo4j_user),
            neo4j_password=env.get("MEDKG_NEO4J_PASSWORD", d.neo4j_password),
            neo4j_database=env.get("MEDKG_NEO4J_DATABASE", d.neo4j_database),
            store_batch_size=_int(env, "MEDKG_STORE_BATCH_SIZE", d.store_batch_size),
            store_retry_seconds=_float(env, "MEDKG_STORE_RETRY_SECONDS", d.store_retry_seconds),
            models_dir=Path(env.get("MEDKG_MODELS_DIR", str(d.models_dir))),
            ner_model=env.get("MEDKG_NER_MODEL", d.ner_model),
            ner_routing=env.get("MEDKG_NER_ROUTING", d.ner_routing),
            re_model=env.get("MEDKG_RE_MODEL", d.re_model),
            kb_path=env.get("MEDKG_KB", d.kb_path),
            abbreviations=env.get("MEDKG_ABBREVIATIONS", d.abbreviations) or d.abbreviations,
            extraction_batch_size=_int(env, "MEDKG_EXTRACTION_BATCH_SIZE", d.extraction_batch_size),
            model_threads=_int(env, "MEDKG_MODEL_THREADS", d.model_threads),
            api_key=env.get("MEDKG_API_KEY", d.api_key),
            max_query_depth=_int(env, "MEDKG_MAX_QUERY_DEPTH", d.max_query_depth),
            max_query_cost=_int(env, "MEDKG_MAX_QUERY_COST", d.max_query_cost),
            max_page_size=_int(env, "MEDKG_MAX_PAGE_SIZE", d.max_page_size),
            default_page_size=_int(env, "MEDKG_DEFAULT_PAGE_SIZE", d.default_page_size),
        )
        _ = s.store_kind  # validate early, before anything connects
        if s.abbreviations not in ("builtin", "scispacy"):
            raise ConfigError(
                f"MEDKG_ABBREVIATIONS={s.abbreviations!r}: expected builtin or scispacy"
            )
        if s.store_batch_size <= 0:
            raise ConfigError("MEDKG_STORE_BATCH_SIZE must be positive")
        return s
