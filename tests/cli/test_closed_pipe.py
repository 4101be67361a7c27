"""A reader that goes away (``hotline … | head``) ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_output_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, HOTLINE_LANG="en", XDG_CONFIG_HOME=str(tmp_path / "config"),
               HOTLINE_DB=f"sqlite:///{tmp_path / 'desk.db'}")
    env.pop("HOTLINE_CONFIG", None)
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read what the command prints
    try:
        proc = subprocess.run([sys.executable, "-m", "screens.main", "policy", "show", "standard"],
                              stdout=write_end, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                              timeout=120, check=False)
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert b"Traceback" not in proc.stderr
    assert b"BrokenPipeError" not in proc.stderr
