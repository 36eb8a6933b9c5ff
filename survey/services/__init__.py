"""Domain functions. They take and return plain values and models, never touch ``request``, and
commit where they say so (choosing durability themselves). The app's settings reach them as
arguments; only :mod:`survey.services.settings` reads the two platform-wide ones (the anonymity
floor and the secret key). Failures a person must read are :class:`errors.ServiceError`."""
