"""Where calls come from: the simulator, and (later) PBX feeds and imports."""
