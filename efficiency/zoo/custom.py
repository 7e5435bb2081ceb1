"""User models given as entry points: ``package.module:callable`` or ``path/to/file.py:callable``.

The callable takes no arguments and returns an ``nn.Module``. Nothing is imported until
:func:`load_callable` is called (the refresh worker does that), so a bad entry point is
reported with its name and the reason.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Callable

from efficiency.zoo import ids
from efficiency.zoo.registry import ZooEntry


class CustomModelError(ValueError):
    """The entry point cannot be parsed, imported or called."""


def split_entry_point(spec: str) -> tuple[str, str]:
    """'pkg.mod:fn' -> ('pkg.mod', 'fn'); 'dir/file.py:fn' -> ('dir/file.py', 'fn')."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr or not attr.replace("_", "a").replace(".", "a").isalnum():
        raise CustomModelError(
            f"custom model {spec!r}: expected 'package.module:callable' or 'path/to/file.py:callable'")
    return target, attr


def load_callable(spec: str) -> Callable:
    target, attr = split_entry_point(spec)
    try:
        if target.endswith(".py"):
            path = Path(target).expanduser().resolve()
            if not path.is_file():
                raise CustomModelError(f"custom model {spec!r}: file {path} does not exist")
            mod_name = f"_efficiency_custom_{abs(hash(str(path)))}"
            module_spec = importlib.util.spec_from_file_location(mod_name, path)
            if module_spec is None or module_spec.loader is None:
                raise CustomModelError(f"custom model {spec!r}: cannot load {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[mod_name] = module
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except CustomModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's to see
        raise CustomModelError(f"custom model {spec!r}: import of {target!r} failed: "
                               f"{type(exc).__name__}: {exc}{_not_found_hint(exc, target, attr)}") from exc
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise CustomModelError(f"custom model {spec!r}: {target!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise CustomModelError(f"custom model {spec!r}: {attr!r} is not callable")
    return obj


def _not_found_hint(exc: Exception, target: str, attr: str) -> str:
    """Where the module form's module itself was not found (not a package it imports): the two ways
    to reach it, since a folder of the user's is rarely on the import path (UXCHECK6 #9)."""
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if not missing or not (target == missing or target.startswith(missing + ".")):
        return ""
    return f" (is its folder on PYTHONPATH, or pass a path: path/to/{target.replace('.', '/')}.py:{attr}?)"


def family_name(spec: str) -> str:
    """A custom model's family: its module's name or its file's stem ('tinynet' for 'x/tinynet.py:build' and
    'pkg.tinynet:build'), what names the network; the callable's name is most often a generic 'build' or
    'model'. A label only (not in the id or an input key): changing it relabels cached rows."""
    target = split_entry_point(spec)[0]
    return Path(target).stem if target.endswith(".py") else target.rpartition(".")[2]


def build_custom(spec: str):
    """Call the entry point and check that it gave an ``nn.Module``."""
    from torch import nn

    fn = load_callable(spec)
    try:
        model = fn()
    except Exception as exc:  # noqa: BLE001
        raise CustomModelError(f"custom model {spec!r}: calling it raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(model, nn.Module):
        raise CustomModelError(f"custom model {spec!r}: returned {type(model).__name__}, not an nn.Module")
    return model


def custom_entry(spec: str, input_size: str | tuple[int, ...], accuracy: float | None = None,
                 task: str = "classification") -> ZooEntry:
    """A zoo entry for a user model; ``accuracy`` is ImageNet-1k top-1 in percent, if known."""
    split_entry_point(spec)
    shape = ids.parse_input_size(input_size) if isinstance(input_size, str) else tuple(input_size)
    if accuracy is not None and not 0.0 <= float(accuracy) <= 100.0:
        raise CustomModelError(f"custom model {spec!r}: accuracy {accuracy} is not a percentage")
    size = ids.input_size_str(shape)
    return ZooEntry(id=ids.custom_id(spec, size), source="custom", name=spec, arch=spec, weights="",
                    task=task, family=family_name(spec), input_size=shape,
                    user_accuracy=None if accuracy is None else float(accuracy))
