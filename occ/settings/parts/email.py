"""Settings of one feature area; merged into base.py (UPPER-CASE names; BEAT joins the beat schedule)."""

BEAT: dict = {}
