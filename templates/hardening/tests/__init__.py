"""The protection tests, one module per protection; ``hardening/testing.py`` gathers them."""
