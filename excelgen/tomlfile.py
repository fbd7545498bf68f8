"""read_toml, re-exported: it lives at the bottom layer, in network/tomlfile.py."""

from network.tomlfile import read_toml  # noqa: F401
