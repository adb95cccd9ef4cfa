"""`rapport-hub backtest`, above the domains: fresh stores seeded with the demo (hub.demo), the
served recommendations (hub.recs) scored against simple baselines, reported per segment."""
