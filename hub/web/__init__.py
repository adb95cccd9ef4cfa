"""Above the domains: the schema assembled from every domain's pieces, the GraphQL view and the
key gate. No domain (and nothing in hub.api) imports this package."""
