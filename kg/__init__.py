"""medkg core: domain model, graph schema, store port and its adapters.

Imports nothing from ``loaders``, ``extractors`` or ``api``.
"""
