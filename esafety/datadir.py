"""Where esafety keeps its data: the one reader of ESAFETY_DATA_DIR.

Plain Python (no Django), so the settings, the command line and the engine's helpers all
find the same folder. Django code reads `settings.DATA_DIR`, which comes from here.
"""

import os
from pathlib import Path


def data_dir() -> Path:
    """$ESAFETY_DATA_DIR as given, or esafety-data in the current folder."""
    return Path(os.environ.get("ESAFETY_DATA_DIR") or Path.cwd() / "esafety-data")
