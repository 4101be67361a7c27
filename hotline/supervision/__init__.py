"""What the shift supervisor does: the rota, who is on duty, the handover, the escalation queue."""
