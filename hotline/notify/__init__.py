"""Notifications: escalations reach people who are not at a seat.

The outbox rows are written by the desk (:mod:`hotline.desk.outbox`); here
they are routed by the config's rules (:mod:`.routing`), worded in the desk's
language (:mod:`.messages`) and delivered by one sender at a time
(:mod:`.sender`) on the configured channels (:mod:`.channels`, :mod:`.setup`).
"""
