"""
Checking a config (an archive's `config.json`) before anything is built from it.

AllenNLP's `from_params` resolves a `type` that is not a registered name but a dotted path
(`"subprocess.Popen"`) by importing the module and calling the object, so a crafted config
runs code as soon as it is built. `check_config_types` walks the whole config first and
accepts only registered names. It runs on every archive's config in a process that imported
`sst_elmo` (`sst_elmo.safety.archive_hooks`), not on a user's own training config.
"""
import sys
from typing import Any, Iterator, Set, Tuple

from sst_elmo.common.errors import InputError

# Registered names whose constructors load (or download) a further archive named by the config.
REFUSED_TYPES = {"from_archive"}
# The sections of an archive's config that loading it builds (`load_archive`, `allennlp predict`
# and `evaluate`). Other sections (`trainer`, ...) are never built then, so they may name types
# of packages this process has not imported (a custom callback); a dotted path is refused anywhere.
LOADED_SECTIONS = {
    "dataset_reader", "validation_dataset_reader", "model", "vocabulary", "data_loader",
    "validation_data_loader", "evaluation",
}


def config_types(config: Any, where: str = "") -> Iterator[Tuple[str, Any]]:
    """`(dotted key path, value)` of every `type` key in a (nested) config."""
    if isinstance(config, dict):
        for key, value in config.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "type":
                yield path, value
            else:
                yield from config_types(value, path)
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from config_types(value, f"{where}[{index}]")


def registered_names() -> Set[str]:
    """Every name registered with any AllenNLP `Registrable`, plugins (allennlp-models) included."""
    from allennlp.common.plugins import import_plugins
    from allennlp.common.registrable import Registrable

    if not _plugins_imported():
        import_plugins()
    return {name for names in Registrable._registry.values() for name in names}


def _plugins_imported() -> bool:
    """
    Whether AllenNLP's `import_plugins` has visibly run in this process already (the
    `allennlp` CLI runs it before any command): every subpackage of `allennlp` and of
    `allennlp_models` is imported. Running it again costs about a second of walking the
    packages' files. Where unsure it says `False`, which only costs that second.
    """
    import importlib.util
    import pkgutil

    for package, exclude in (("allennlp", {"sanity_checks", "tools"}), ("allennlp_models", set())):
        module = sys.modules.get(package)
        if module is None:
            if importlib.util.find_spec(package) is None:
                continue  # not installed: nothing to import
            return False
        for info in pkgutil.iter_modules(module.__path__):
            if info.ispkg and info.name not in exclude and f"{package}.{info.name}" not in sys.modules:
                return False
    return True


def check_config_types(config: Any, name: str) -> None:
    """
    Raises an `InputError` at `name` (the config file) if any `type` in `config` is not a
    string, is a dotted path or one of `REFUSED_TYPES`, or (in the `LOADED_SECTIONS`, or in
    any section when `config` is not a dict) is not a registered name. Imports and builds nothing.
    """
    known = None
    for path, value in config_types(config):
        if not isinstance(value, str):
            raise InputError(f"{path}: type must be a string, not {value!r}", name)
        if "." in value:
            raise InputError(
                f"{path}: type {value!r} is a dotted path, which would import and call code; "
                "only registered names are accepted",
                name,
            )
        if value in REFUSED_TYPES:
            raise InputError(f"{path}: type {value!r} loads another archive; refused", name)
        if isinstance(config, dict) and path.split(".", 1)[0].split("[", 1)[0] not in LOADED_SECTIONS:
            continue
        known = registered_names() if known is None else known
        if value not in known:
            raise InputError(f"{path}: type {value!r} is not a registered name", name)
