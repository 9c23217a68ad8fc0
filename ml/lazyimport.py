"""Import a heavy or optional package on first use, without remembering a failure.

When a package's import fails half-way (say `facenet_pytorch`, whose model module imports
`requests`), Python drops the module that raised but keeps the submodules that had already loaded.
Those leftovers point at a parent that is gone, so every later attempt in the same process fails with
a `KeyError` even after the cause is fixed (the missing package installed), and the only cure would
be a restart. `import_fresh` clears the leftovers, so "Try again" really tries again.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def forget_package(name: str) -> None:
    """Drop `name` and all its submodules from sys.modules and let the import system look again."""
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]
    importlib.invalidate_caches()  # newly installed files are seen at once


def import_fresh(name: str) -> ModuleType:
    """`importlib.import_module(name)`; if it raises, the top-level package's half-loaded remains
    are forgotten first, so the next call starts from scratch."""
    try:
        return importlib.import_module(name)
    except BaseException:
        forget_package(name.partition(".")[0])
        raise
