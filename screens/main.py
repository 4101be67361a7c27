"""The ``hotline`` console script: the core's command line, with the screens plugged in."""

from __future__ import annotations

import sys

from hotline.cli import UiRequest, run


def open_ui(request: UiRequest) -> int:
    from screens.app import HotlineApp

    app = HotlineApp(request.desk, opener=request.opener, simulator=request.simulator,
                     offer_demo=request.offer_demo, banner=request.banner, sign_in=True)
    app.run()
    return app.return_code or 0


def main() -> None:
    sys.exit(run(sys.argv[1:], ui=open_ui))


if __name__ == "__main__":
    main()
