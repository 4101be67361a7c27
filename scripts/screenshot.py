"""Write the README's screenshots (docs/*.svg, and PNG where rsvg-convert exists).

    uv run python scripts/screenshot.py
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screens.app import HotlineApp  # noqa: E402
from tests.scenes import busy_morning  # noqa: E402

DOCS = ROOT / "docs"


async def shoot() -> list[Path]:
    out = []
    app = HotlineApp(busy_morning(), live=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        out.append(Path(app.save_screenshot("dashboard.svg", str(DOCS))))
        await pilot.press("2", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        out.append(Path(app.save_screenshot("ticket.svg", str(DOCS))))
    return out


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    for svg in asyncio.run(shoot()):
        print(svg)
        if shutil.which("rsvg-convert"):
            png = svg.with_suffix(".png")
            subprocess.run(["rsvg-convert", "-w", "1400", str(svg), "-o", str(png)], check=True)
            svg.unlink()
            print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
