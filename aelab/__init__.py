"""aelab: shared code for the Autoencoders chapter course."""
__version__ = "0.1.0"
