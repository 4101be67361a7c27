"""Every write of the desk: calls, tickets and their steps, clocks, escalations, the roster.

:class:`Desk` gathers the operations as methods; each is defined in the
module of its area (``calls``, ``intake``, ``steps``, ``escalations`` …)
and writes through the seat's one transaction (:meth:`hotline.seat.Seat.write`).
"""
