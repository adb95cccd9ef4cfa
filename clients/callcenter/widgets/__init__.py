"""Widgets grouped by the screen area they fill."""
