"""Reading a whole input through one reader, for the source tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from riskmodel.sources.base import expand_inputs, get_reader


def read_source(kind: str, path: Path | str, **options: object
                ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """All events, all rejects and the rows read of ``path`` with the reader ``kind``."""
    reader = get_reader(kind)
    events, rejects, n = [], [], 0
    for item in expand_inputs([path]):
        for chunk in reader(item, **options):
            events.append(chunk.events)
            rejects.append(chunk.rejects)
            n += chunk.n_read
    return pd.concat(events, ignore_index=True), pd.concat(rejects, ignore_index=True), n
