"""The read side: frozen rows for the screens and the commands (no session leaves here)."""
