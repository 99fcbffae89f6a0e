"""The performance benchmark (issue 7): `python -m bench`, see bench/__main__.py."""
