"""The demo store, above the domains: `rapport-hub seed-demo` (seed.py: personas, keys, the
agent, segments, the campaign) and the bulk load of a retail file's catalogue, customers,
events and what they teach (load.py), also used to seed the stores the backtest scores."""
