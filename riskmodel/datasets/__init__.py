"""Bundled data: the SYNTHETIC default world and its simulator.

riskmodel ships no event data. Its default world is generated on demand by
:func:`simulate_world` from the frozen parameters :data:`DEFAULT_WORLD` (documented in
:mod:`riskmodel.datasets.simulate`) and written in the official GDELT 2.0 Events layout, so that
the main job ingests it through the same ``gdelt2`` reader as a user's own GDELT files. Every file
name, URL and notice of that world says SYNTHETIC.

:func:`default_world_path` names where the default world lives and :func:`load_default_world`
generates it there once (and regenerates it when the parameters or the seed change).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from riskmodel.datasets.simulate import (
    DEFAULT_SEED,
    DEFAULT_WORLD,
    EPISODE_KINDS,
    GDELT2_EXPORT_COLUMNS,
    GROUND_TRUTH_COLUMNS,
    PairSpec,
    ScriptedEpisode,
    StateInfo,
    World,
    WorldParams,
    episode_indicator,
    load_ground_truth,
    load_world,
    simulate_episodes,
    simulate_world,
)

__all__ = [
    "DATA_ENV",
    "DEFAULT_SEED",
    "DEFAULT_WORLD",
    "EPISODE_KINDS",
    "GDELT2_EXPORT_COLUMNS",
    "GROUND_TRUTH_COLUMNS",
    "PairSpec",
    "ScriptedEpisode",
    "StateInfo",
    "World",
    "WorldParams",
    "default_world_path",
    "episode_indicator",
    "load_default_world",
    "load_ground_truth",
    "load_world",
    "simulate_episodes",
    "simulate_world",
]

#: Environment variable naming the data folder (default ``./data``).
DATA_ENV = "RISKMODEL_DATA"

#: Folder name of the default world inside the data folder.
_DEFAULT_WORLD_DIR = "synthetic_default_world"


def default_world_path(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Where the SYNTHETIC default world lives.

    Parameters
    ----------
    data_home : path-like, optional
        The data folder; default ``$RISKMODEL_DATA`` or ``./data``.

    Returns
    -------
    pathlib.Path
        ``<data_home>/synthetic_default_world`` (it may not exist yet; see
        :func:`load_default_world`).
    """
    home = Path(data_home) if data_home is not None else Path(os.environ.get(DATA_ENV, "data"))
    return home / _DEFAULT_WORLD_DIR


def load_default_world(data_home: str | os.PathLike[str] | None = None, *,
                       force: bool = False) -> World:
    """Return the SYNTHETIC default world, simulating it first where it is missing or stale.

    The world is regenerated when its ``world.json`` records a different seed or parameters
    than :data:`DEFAULT_SEED` and :data:`DEFAULT_WORLD`, or when ``force`` is true.

    Parameters
    ----------
    data_home : path-like, optional
        The data folder (see :func:`default_world_path`).
    force : bool
        Regenerate even if an up-to-date world is present.

    Returns
    -------
    World
    """
    path = default_world_path(data_home)
    meta_path = path / "world.json"
    if not force and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            current = json.loads(json.dumps(DEFAULT_WORLD.to_dict(), default=str))
            fresh = (meta.get("seed") == DEFAULT_SEED and meta.get("params") == current
                     and all((path / "gdelt2" / f).is_file() for f in meta.get("files", [])))
        except (OSError, ValueError):
            fresh = False
        if fresh:
            return load_world(path)
    return simulate_world(path, DEFAULT_WORLD, seed=DEFAULT_SEED)
