"""The desk's launcher sets how often the screen may be redrawn, unless the environment does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import screens.main, textual.constants as c; print(c.MAX_FPS)"


def _frame_rate(**env: str) -> int:
    base = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **env},
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def test_the_desk_redraws_at_up_to_120_frames_a_second() -> None:
    from screens.main import FRAME_RATE

    assert FRAME_RATE == 120
    assert _frame_rate() == FRAME_RATE


def test_the_environment_sets_another_frame_rate() -> None:
    assert _frame_rate(TEXTUAL_FPS="30") == 30
