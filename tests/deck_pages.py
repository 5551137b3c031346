"""Look at a built deck slide by slide, as the audience sees it, and measure what matters.

    .venv/bin/python tests/deck_pages.py build/slides/03_what_ad_is.slides.html /tmp/deck03

writes /tmp/deck03/slide-01.png, ... (each slide at 1280 x 800, with all its
fragments shown) and prints, for each slide, its zoom and its speaker notes'
first words. `facts` is used by tests/test_slides.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

FACTS = r"""() => {
    // each slide is measured while it is the current one (reveal.js hides the others)
    Reveal.configure({transition: 'none', backgroundTransition: 'none'});
    const slides = Reveal.getSlides();
    return slides.map(s => {
        const at = Reveal.getIndices(s);
        Reveal.slide(at.h, at.v);
        const fit = s.querySelector(':scope > .adlab-fit');
        const zoom = fit ? parseFloat(fit.style.zoom || '1') : 1;
        const notes = s.querySelector('aside.notes');
        const pictures = [...s.querySelectorAll('.adlab-explorer-static img')].map(img => ({
            natural: img.naturalWidth, shown: img.getBoundingClientRect().width /
                (document.querySelector('.reveal .slides').getBoundingClientRect().width / 1280)}));
        return {zoom, notes: notes ? notes.textContent.trim() : '',
                text: s.textContent.replace(/\s+/g, ' ').trim().slice(0, 60), pictures};
    });
}"""


def facts(page) -> list:
    """Per slide: zoom, speaker notes text, first words, and the explorer pictures' natural
    and shown widths (in slide pixels)."""
    return page.evaluate(FACTS)


def show_all(page, outdir: Path) -> list:
    """Screenshot every slide with its fragments shown; returns the paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    n = page.evaluate("Reveal.getTotalSlides()")
    paths = []
    for k in range(n):
        page.evaluate("""(k) => {
            const s = Reveal.getSlides()[k], i = Reveal.getIndices(s);
            Reveal.slide(i.h, i.v); while (Reveal.nextFragment()) {}
        }""", k)
        page.wait_for_timeout(900)  # the slide transition
        path = outdir / f"slide-{k + 1:02d}.png"
        page.screenshot(path=str(path))
        paths.append(path)
    return paths


def main(argv=None) -> int:
    """``deck_pages.py DECK.slides.html OUTDIR``"""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from adlab import slides

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(main.__doc__)
        return 2
    deck, outdir = Path(argv[0]).resolve(), Path(argv[1])
    with slides.serve(deck.parent) as base, slides.chromium() as browser:
        page = slides.open_deck(browser, base + deck.name)
        for k, (f, p) in enumerate(zip(facts(page), show_all(page, outdir)), 1):
            print(f"{p}: zoom {f['zoom']:.2f}, pictures {f['pictures']}, {f['text'][:40]!r}; "
                  f"notes: {f['notes'][:60]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
