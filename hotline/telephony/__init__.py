"""Where calls come from: Asterisk AMI, JSON lines (file, stream, socket), queue_log, the simulator."""
