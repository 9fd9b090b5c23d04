"""The demo's portfolio page in a real browser: headless Chromium renders it at 1400 px and
420 px, and axe-core checks its accessibility there.

`.ci/run` installs Debian's `chromium` and axe-core (npm). Without them these tests fail, never
skip: the page's acceptance is that a browser shows it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rendering.html import STATUS_CLASSES, STYLE
from sandbox.server import Sandbox
from tests.e2e import run_cli

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / ".ci" / "axe" / "node_modules" / "axe-core"
DEMO_DAY = "2026-11-25"
# The demo on DEMO_DAY, as the README's comments show it.
DELIVERABLES = {
    "checkout-v2": ("Checkout v2", "Off track"),
    "mobile-onboarding": ("Mobile onboarding", "Off track"),
    "api-hardening": ("API hardening", "No due date"),
}

# Written by each framed copy of the page once it has loaded (and, with axe, been checked):
# its viewport's width, how wide its content is, and axe's violations.
PROBE = """<script>
addEventListener("load", async () => {
  const root = document.documentElement;
  const out = {width: innerWidth, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth};
  if (window.axe) {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    out.violations = result.violations.map(v => ({
      id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}));
  }
  parent.document.getElementById("out-" + location.hash.slice(1)).textContent =
    JSON.stringify(out);
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: `.ci/run` installs Debian's `chromium` package")
    return found


def axe_source() -> str:
    script = AXE / "axe.min.js"
    if not script.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: `.ci/run` installs it with npm")
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory) -> Path:
    """The page `demo` writes next to its state, for the README's day."""
    folder = tmp_path_factory.mktemp("demo")
    # `demo` starts its own sandbox; this one only gives run_cli a user's environment.
    with Sandbox(seed="demo") as trackers:
        result = run_cli(
            ["demo", "--as-of", DEMO_DAY, "--state", str(folder / "demo.db")],
            trackers,
            folder / "unused.db",
        )
    assert result.code == 0, result.err
    page = folder / "portfolio.html"
    assert f"Portfolio page: {page.resolve()}" in result.out
    return page


def browse(*args: str, folder: Path) -> str:
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",  # the probe frames report to their parent
            f"--user-data-dir={folder / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def probe(page: Path, frames: dict[str, tuple[Path, int]], axe: bool) -> dict[str, dict]:
    """Each page in a frame of the given width (the viewport its CSS sees), with PROBE (and
    axe-core) injected; what each frame reported."""
    folder = page.parent
    inject = (f"<script>{axe_source()}</script>" if axe else "") + PROBE
    iframes, outputs = [], []
    for name, (source, width) in frames.items():
        copy = folder / f"probe-{name}.html"
        copy.write_text(source.read_text().replace("</body>", inject + "</body>"))
        iframes.append(
            f'<iframe src="{copy.name}#{name}" style="border:0;width:{width}px;height:800px">'
            "</iframe>"
        )
        outputs.append(f'<pre id="out-{name}"></pre>')
    wrapper = folder / "probe.html"
    wrapper.write_text(f"<!doctype html><body>{''.join(outputs + iframes)}</body>")
    dom = browse(
        "--window-size=1500,1000",
        "--virtual-time-budget=30000",
        "--dump-dom",
        wrapper.as_uri(),
        folder=folder,
    )
    found = dict(re.findall(r'<pre id="out-([\w-]+)">([^<]*)</pre>', dom))
    missing = set(frames) - {name for name, text in found.items() if text}
    assert not missing, f"frames that reported nothing: {missing}"
    return {name: json.loads(html.unescape(text)) for name, text in found.items()}


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB(A) bytes of an 8-bit PNG, which is what Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(compressed), width * channels
    previous, pixels = bytearray(stride), bytearray()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, channels)
        pixels += line
        previous = line
    return width, height, bytes(pixels)


def _unfilter(kind: int, line: bytearray, up: bytearray, channels: int) -> None:
    if kind == 2:
        line[:] = bytes((a + b) & 255 for a, b in zip(line, up, strict=True))
        return
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        corner = up[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up[i]) // 2) & 255
        elif kind == 4:
            guess = left + up[i] - corner
            pa, pb, pc = abs(guess - left), abs(guess - up[i]), abs(guess - corner)
            best = left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner
            line[i] = (line[i] + best) & 255


@pytest.mark.parametrize("width", [1400, 420])
def test_the_demo_page_renders_with_content_at_desktop_and_phone_width(demo_page, width):
    shot = demo_page.parent / f"shot-{width}.png"
    browse(
        f"--window-size={width},900",
        f"--screenshot={shot}",
        demo_page.as_uri(),
        folder=demo_page.parent,
    )
    shot_width, height, pixels = png_pixels(shot.read_bytes())
    assert shot_width == width and height == 900
    channels = len(pixels) // (shot_width * height)
    colours = {pixels[i : i + 3] for i in range(0, len(pixels), channels * 7)}
    ink = sum(pixels[i : i + 3] != b"\xff\xff\xff" for i in range(0, len(pixels), channels * 7))
    # A blank page is one colour; the overview's text, badges and bars are many.
    assert len(colours) > 50
    assert ink / (len(pixels) // (channels * 7)) > 0.03


def test_the_overview_is_in_the_dom_with_one_chart_per_deliverable(demo_page):
    dom = browse("--dump-dom", demo_page.as_uri(), folder=demo_page.parent)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert f"<title>Delivery portfolio · {DEMO_DAY}</title>" in dom
    overview = dom[dom.index('<table class="overview">') : dom.index("</table>")]
    for anchor, (name, status) in DELIVERABLES.items():
        row = overview[overview.index(f'href="#d-{anchor}"') :]
        row = row[: row.index("</tr>")]
        assert name in row and f"</span>{status}</span>" in row, row
    # Checkout v2's figures, as its comments say them in the README.
    assert "42 of 103 items" in text and "2027-01-02" in text
    assert "2027-03-12" in text and "193 h of 400 h · projected 473.3 h · at risk" in text
    svgs = re.findall(r"<svg\b[^>]*>", dom)
    assert len(svgs) == len(DELIVERABLES)
    assert all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)


def test_nothing_overflows_at_420_px_and_the_probe_would_see_it(demo_page):
    wide = demo_page.parent / "wide.html"
    wide.write_text('<!doctype html><body><div style="width:900px">wide</div></body>')
    seen = probe(
        demo_page,
        {"phone": (demo_page, 420), "desktop": (demo_page, 1400), "control": (wide, 420)},
        axe=False,
    )
    assert seen["phone"]["width"] == 420
    assert seen["phone"]["scrollWidth"] <= seen["phone"]["clientWidth"], seen["phone"]
    assert seen["desktop"]["scrollWidth"] <= seen["desktop"]["clientWidth"], seen["desktop"]
    assert seen["control"]["scrollWidth"] > seen["control"]["clientWidth"], seen["control"]


def test_axe_core_finds_no_accessibility_violation_at_either_width(demo_page):
    faulty = demo_page.parent / "faulty.html"
    faulty.write_text(
        '<!doctype html><html><body><img src="x.png"><table><tr><td>1</td></tr></table>'
        "</body></html>"
    )
    seen = probe(
        demo_page,
        {"phone": (demo_page, 420), "desktop": (demo_page, 1400), "control": (faulty, 420)},
        axe=True,
    )
    assert seen["phone"]["violations"] == [], seen["phone"]["violations"]
    assert seen["desktop"]["violations"] == [], seen["desktop"]["violations"]
    # axe really ran: the control page's faults are found.
    found = {v["id"] for v in seen["control"]["violations"]}
    assert {"image-alt", "html-has-lang"} <= found, found


# ---- the page's own rules, read from its HTML and CSS -----------------------------------------


class _Outline(HTMLParser):
    """What the accessibility rules below need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.lang: str | None = None
        self.svgs: list[dict] = []
        self.tables = 0
        self.captions = 0
        self.header_cells: list[dict] = []
        self.badges: list[str] = []
        self._badge: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "html":
            self.lang = found.get("lang")
        elif tag == "svg":
            self.svgs.append(found)
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.header_cells.append(found)
        elif tag == "span" and "badge" in (found.get("class") or "").split():
            self._badge = []

    def handle_data(self, data: str) -> None:
        if self._badge is not None:
            self._badge.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._badge is not None and "".join(self._badge).strip():
            self.badges.append("".join(self._badge).strip())
            self._badge = None


def test_headings_tables_charts_and_badges_follow_the_rules(demo_page):
    outline = _Outline()
    outline.feed(demo_page.read_text())
    assert outline.lang == "en"
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    steps = zip(outline.headings, outline.headings[1:], strict=False)
    assert all(b - a <= 1 for a, b in steps), outline.headings
    assert outline.tables == outline.captions > len(DELIVERABLES)
    assert all(cell.get("scope") in ("col", "row") for cell in outline.header_cells)
    assert all(svg.get("role") == "img" and svg.get("aria-labelledby") for svg in outline.svgs)
    # Every status says its word (twice per deliverable: overview and section), never only a colour.
    statuses = sorted(status for _, status in DELIVERABLES.values())
    assert sorted(outline.badges) == sorted(statuses * 2)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("status", list(STATUS_CLASSES))
def test_every_status_badge_has_a_shape_and_text_contrast_of_at_least_4_5(status):
    kind = STATUS_CLASSES[status]
    rule = re.search(rf"\.{kind}\{{color:(#[0-9a-f]{{6}});background:(#[0-9a-f]{{6}})\}}", STYLE)
    assert rule, kind
    assert contrast(*rule.groups()) >= 4.5
    assert re.search(rf"\.{kind} \.shape\{{[^}}]+\}}", STYLE), "a shape besides the colour"
