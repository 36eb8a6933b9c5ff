"""Domain functions. They take and return plain values and models; they never touch ``request``."""
