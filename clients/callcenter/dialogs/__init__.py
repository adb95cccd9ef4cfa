"""Modal screens for what the agent does during a call; each shows its write's result inline."""
