"""The `hotline` command: :mod:`hotline.cli.main` parses and runs; one module a command."""
