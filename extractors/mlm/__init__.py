"""Domain-adaptive masked-language-model pretraining of the packaged encoder."""
