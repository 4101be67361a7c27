"""The ``hotline`` command line: :mod:`hotline.cli.main` parses and runs, one module a command."""
