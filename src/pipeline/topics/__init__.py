"""Tracked topics: multilingual rules (YAML) and models learned from labelled examples.

The model half loads scikit-learn, so it is imported on first use: tagging
with rules alone stays quick to start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipeline.topics.rules import RulesError, RuleSet, Topic, TopicMatch, load_rules, parse_rules
from pipeline.topics.tagging import Tagger, TaggingError

if TYPE_CHECKING:
    from pipeline.topics.model import (
        ModelError,
        TopicModel,
        TrainReport,
        fit,
        load_model,
        read_examples,
        train,
    )

_LAZY = {"ModelError", "TopicModel", "TrainReport", "fit", "load_model", "read_examples", "train"}

__all__ = ["ModelError", "RuleSet", "RulesError", "Tagger", "TaggingError", "Topic", "TopicMatch", "TopicModel",
           "TrainReport", "fit", "load_model", "load_rules", "parse_rules", "read_examples", "train"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("pipeline.topics.model"), name)
    raise AttributeError(f"module 'pipeline.topics' has no attribute {name!r}")
