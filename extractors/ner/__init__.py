"""Named-entity recognition: a MiniLM token classifier served with ONNX Runtime.

``features`` (pure) is shared by training and serving; ``runtime`` runs the ONNX model
(tokenizers + onnxruntime + numpy); ``recognizer`` turns documents into mentions;
``train`` (torch) and ``prepare`` build the model; ``commands`` wires the CLI.
Nothing here imports anything heavy at import time.
"""
