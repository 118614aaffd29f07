"""The runs behind each exercise, with quick/full profiles, writing JSON results."""
