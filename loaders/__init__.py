"""Readers that turn source files into ``Document`` records (or named ``LoaderError``s)."""

from loaders.pubtator import read_pubtator

__all__ = ["read_pubtator"]
