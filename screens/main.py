"""The ``hotline`` console script: the core's command line, with the screens plugged in."""

from __future__ import annotations

import sys

from hotline.cli import UiRequest, run


def open_ui(request: UiRequest) -> None:
    from screens.app import HotlineApp

    HotlineApp(request.desk, simulator=request.simulator, offer_demo=request.offer_demo,
               banner=request.banner, sign_in=not request.desk.signed_in).run()


def main() -> None:
    sys.exit(run(sys.argv[1:], ui=open_ui))


if __name__ == "__main__":
    main()
