"""The ``hotline`` console script: the core's command line, with the screens plugged in."""

from __future__ import annotations

import os
import sys

from hotline.cli.context import UiRequest
from hotline.cli.main import run

#: Frames a second the screen may be redrawn at, at most (the toolkit's default is 60).
#: A change asks for a frame; one that comes within a frame of the last waits for the
#: next, so a result read in the background (a search, a ticket's clocks) came up to
#: 17 ms after it was ready. At 120 that wait is halved; an idle desk draws once a
#: second either way. ``TEXTUAL_FPS`` set in the environment wins.
FRAME_RATE = 120
os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))


def open_ui(request: UiRequest) -> int:
    from screens.app import HotlineApp

    if request.serve is not None:
        from screens.serve import serve

        return serve(request.serve)

    app = HotlineApp(request.desk, opener=request.opener, simulator=request.simulator,
                     offer_demo=request.offer_demo, banner=request.banner, sign_in=True,
                     wall=request.wall)
    app.run()
    return app.return_code or 0


def main() -> None:
    from screens.serve import end_with_server

    end_with_server()
    sys.exit(run(sys.argv[1:], ui=open_ui))


if __name__ == "__main__":
    main()
