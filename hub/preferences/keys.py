"""What a preference key looks like: one place for the preferences that store them and the
segment rules that ask about them (a leaf: no store, no other domain)."""

from __future__ import annotations

import re

KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
KEY_RULE = "A preference key is a lower-case word such as category, theme, product or size."
