"""Which models exist: the registry of frozen zoo entries and one module per source (no torch at import).

* :mod:`.registry`: :class:`ZooEntry`, :class:`Zoo`, :func:`load_zoo` (the listing, derived into the
  user's cache directory);
* :mod:`.ids`: the id of an entry, shared by every table in ``data/``;
* :mod:`.timm`, :mod:`.torchvision`, :mod:`.custom`: one module per source;
* :mod:`.build`: an entry's architecture without weights and its example input (imports torch).
"""
from efficiency.zoo.registry import UnknownModelError, Zoo, ZooEntry, family_of, load_zoo, natural_key

__all__ = ["UnknownModelError", "Zoo", "ZooEntry", "family_of", "load_zoo", "natural_key"]
