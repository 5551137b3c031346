"""A small demonstration written by `make course` until the course notebooks exist.

``python -m adlab.demo OUTDIR`` evaluates Baydin et al.'s example
f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5), its gradient in forward mode
(one JVP per input) and in reverse mode (one VJP), and writes the figures to
OUTDIR/demo.md, printing them too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import adlab


def baydin(x1, x2):
    """f(x1, x2) = ln x1 + x1 x2 - sin x2 (Baydin et al. 2018, Table 2)."""
    return adlab.log(x1) + x1 * x2 - adlab.sin(x2)


def report() -> str:
    """Return the demo text: value and gradient of `baydin` at (2, 5), both modes."""
    x = (2.0, 5.0)
    y, d1 = adlab.jvp(baydin, x, (1.0, 0.0))
    _, d2 = adlab.jvp(baydin, x, (0.0, 1.0))
    y_rev, (g1, g2) = adlab.value_and_grad(baydin, argnums=(0, 1))(*x)
    lines = [
        "# adlab demo: f(x1, x2) = ln x1 + x1 x2 - sin x2 at (x1, x2) = (2, 5)",
        "",
        "| mode | passes | y | dy/dx1 | dy/dx2 |",
        "|---|---|---|---|---|",
        f"| forward (JVP) | 2 | {y:.6f} | {d1:.6f} | {d2:.6f} |",
        f"| reverse (VJP) | 1 | {y_rev:.6f} | {g1:.6f} | {g2:.6f} |",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Write OUTDIR/demo.md (OUTDIR defaults to build) and print it."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "build")
    out.mkdir(parents=True, exist_ok=True)
    text = report()
    (out / "demo.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {out / 'demo.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
