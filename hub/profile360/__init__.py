"""The 360° profile: the Profile GraphQL type every touchpoint reads, its loaders and the profile
queries and mutations. A slice of its own above the domains: it reads identity, preferences,
consent, events, picks, registries, segments and messages, and no domain imports it (a domain's
payload that answers with the profile names the type lazily, `hub.profiles.payloads.ProfileRef`,
and hands it the profile row, which the type reads)."""
