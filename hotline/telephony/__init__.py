"""Where calls come from: Asterisk AMI, JSON lines, queue_log files, the simulator."""
