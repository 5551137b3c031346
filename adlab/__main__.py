"""``python -m adlab``: the same command as ``adlab`` (see `adlab.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
