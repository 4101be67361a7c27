"""Storage: the tables, engines, the schema's migrations, the change watcher, the write path."""
