"""Model builders (functional Keras), one module per model."""
