"""Relation extraction from literature: a shared-encoder pair classifier served with ONNX.

Nothing heavy here: importing the package must not load a model or onnxruntime.
"""
