"""Where relative paths in settings (models, ``config=``, ``inputs=``, ``cache_dir=``) start from."""

from __future__ import annotations

from pathlib import Path


def resolve_path(spec: str | Path, rootdir: Path) -> Path:
    """A relative path is taken against pytest's rootdir."""
    path = Path(spec).expanduser()
    return path if path.is_absolute() else rootdir / path
