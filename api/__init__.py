"""Composition roots: the CLI, ingestion service and the GraphQL HTTP API."""
