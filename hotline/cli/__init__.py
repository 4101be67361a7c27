"""The `hotline` command: one module per sub-command (or group), registered in main."""
