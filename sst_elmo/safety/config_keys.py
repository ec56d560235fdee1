"""
Refusing a training config's unknown keys before anything is built.

AllenNLP passes a key that a constructor does not name on to the constructor's `**kwargs`, and
some take anything there: `GradientDescentTrainer` accepts `"trainer": {"num_epoch": 1}` and
trains the default epochs. Others fail only after the data was read (`Model.__init__() got an
unexpected keyword argument 'dropuot'`). `check_config_keys` walks a whole training config
as `from_params` would build it: each section's class (a registered name resolved, or the
`default_implementation`), the parameters of its constructor, and where a constructor takes
`**kwargs`, the parameters of what they are passed to (for a classmethod constructor such as
`from_partial_objects`, the class's `__init__`; for an `__init__`, the first `FromParams`
base class's, as AllenNLP itself assumes). A key that none of them names is refused with one
line naming it and the nearest valid key (`difflib`), and so is a `type` that is not a
registered name (with the nearest one). A section whose class cannot be told (a dotted type, a
`Union` of several classes, a custom `from_params`, `**kwargs` that reach no known signature)
is not checked, so the check never refuses a config that AllenNLP would build.

`install_config_key_check` (called when `sst_elmo` is imported) wraps the module attributes
`allennlp.commands.train.train_model_from_file` (to know the config's file name) and
`train_model` (behind `allennlp train`, after `--overrides` are applied), so the check runs
in `allennlp train`, `--dry-run` and `--recover` before the serialization directory is touched.
"""
import contextvars
import difflib
import functools
import inspect
import logging
import typing
from typing import Any, Dict, Optional

from sst_elmo.common.errors import InputError

logger = logging.getLogger(__name__)

# Top-level keys that `allennlp train` reads itself before `TrainModel` is built.
TRAIN_COMMAND_KEYS = {
    "evaluation", "include_in_archive", "distributed", "random_seed", "numpy_seed", "pytorch_seed",
}
_CONFIG_FILE: contextvars.ContextVar = contextvars.ContextVar("sst_elmo_config_file", default=None)
_ORIGINALS: Dict[str, Any] = {}


def check_config_keys(config: Dict[str, Any], name: str = "the config") -> None:
    """
    Raises an `InputError` at `name` for the first key of the training `config` (a dict, as
    `Params.as_dict()` gives it) that the class it configures does not take.
    """
    from allennlp.commands.train import TrainModel

    _check_object(config, TrainModel, "", name, TRAIN_COMMAND_KEYS)


def _check_value(value: Any, annotation: Any, path: str, name: str) -> None:
    """Checks `value` (the config at `path`) against a constructor parameter's `annotation`."""
    from allennlp.common.from_params import FromParams
    from allennlp.common.lazy import Lazy

    origin = getattr(annotation, "__origin__", None)
    args = [arg for arg in getattr(annotation, "__args__", ()) if arg is not type(None)]
    if origin is Lazy or (origin is typing.Union and len(args) == 1):
        _check_value(value, args[0], path, name)
    elif origin is typing.Union:
        classes = [arg for arg in args if inspect.isclass(arg) and issubclass(arg, FromParams)]
        if len(classes) == 1 and isinstance(value, dict):
            _check_value(value, classes[0], path, name)
    elif origin in (list, set, typing.List, typing.Set) and args and isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, args[0], f"{path}[{index}]", name)
    elif origin in (dict, typing.Dict) and len(args) == 2 and isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, args[1], f"{path}.{key}", name)
    elif origin in (tuple, typing.Tuple) and isinstance(value, list) and len(args) == len(value):
        for index, (item, item_type) in enumerate(zip(value, args)):
            _check_value(item, item_type, f"{path}[{index}]", name)
    elif inspect.isclass(annotation) and issubclass(annotation, FromParams) and isinstance(value, dict):
        _check_object(value, annotation, path, name)


def _check_object(config: Dict[str, Any], cls: type, path: str, name: str, extra=frozenset()) -> None:
    """Checks the keys of `config`, which builds a `cls`, then the values of the keys it names."""
    from allennlp.common.from_params import FromParams
    from allennlp.common.registrable import Registrable

    label, constructor, allowed = cls.__name__, None, set(extra)
    if cls in Registrable._registry:
        choice = config.get("type", cls.default_implementation)
        if isinstance(choice, str) and "." not in choice and choice not in Registrable._registry[cls]:
            raise InputError(unknown_type_message(path, choice, cls.__name__, Registrable._registry[cls]), name)
        if not isinstance(choice, str) or choice not in Registrable._registry[cls]:
            return  # a dotted path (code we cannot see) or no type: AllenNLP's own error
        cls, constructor_name = Registrable._registry[cls][choice]
        constructor = getattr(cls, constructor_name) if constructor_name else None
        label, allowed = f"{label} {choice!r} ({cls.__name__})", allowed | {"type"}
    from_params = getattr(cls, "from_params", None)
    if getattr(from_params, "__func__", None) is not FromParams.from_params.__func__:
        return  # built by its own from_params (or, without one, from the keys as they are)
    parameters = accepted_parameters(cls, constructor)
    if parameters is None:
        return
    for key in config:
        if key not in parameters and key not in allowed:
            raise InputError(unknown_key_message(path, key, label, set(parameters) | allowed), name)
    for key, value in config.items():
        if key in parameters:
            _check_value(value, parameters[key].annotation, f"{path}.{key}" if path else key, name)


def accepted_parameters(cls: type, constructor=None) -> Optional[Dict[str, inspect.Parameter]]:
    """
    The keyword parameters that building `cls` with `constructor` (`None`: `__init__`) takes,
    those its `**kwargs` are passed to included; `None` when they reach no known signature.
    """
    from allennlp.common.from_params import FromParams

    method = cls.__init__ if constructor is None else constructor
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return None
    parameters = {}
    takes_kwargs = False
    for parameter in list(signature.parameters.values())[1 if constructor is None else 0:]:
        if parameter.kind is parameter.VAR_KEYWORD:
            takes_kwargs = True
        elif parameter.kind is not parameter.VAR_POSITIONAL:
            parameters[parameter.name] = parameter
    if not takes_kwargs:
        return parameters
    if constructor is not None:  # a classmethod constructor passes **kwargs on to the class
        forwarded = accepted_parameters(cls)
    else:
        owner = next(klass for klass in cls.__mro__ if "__init__" in vars(klass))  # whose __init__ it is
        base = next((base for base in owner.__mro__[1:] if issubclass(base, FromParams)), None)
        forwarded = None if base is None or base.__init__ is object.__init__ else accepted_parameters(base)
    return None if forwarded is None else {**forwarded, **parameters}


def unknown_key_message(path: str, key: str, label: str, valid) -> str:
    """One line: the unknown key at `path`, the class it was given to, and the nearest valid key."""
    where = f"{path}.{key}" if path else key
    prefix = f"{path}." if path else ""
    nearest = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    if nearest:
        return f"{where}: unknown key for {label}; did you mean {prefix}{nearest[0]}?"
    return f"{where}: unknown key for {label}; valid keys: {', '.join(sorted(valid))}"


def unknown_type_message(path: str, choice: str, kind: str, registered) -> str:
    """One line: the type at `path` that is not a registered `kind`, and the nearest registered name."""
    where = f"{path}.type" if path else "type"
    nearest = difflib.get_close_matches(choice, sorted(registered), n=1, cutoff=0.6)
    if nearest:
        return f"{where}: {choice!r} is not a registered {kind}; did you mean {nearest[0]!r}?"
    if len(registered) <= 30:
        return f"{where}: {choice!r} is not a registered {kind}; registered: {', '.join(sorted(registered))}"
    return f"{where}: {choice!r} is not a registered {kind}, nor close to any of its {len(registered)} names"


def install_config_key_check() -> None:
    """Runs `check_config_keys` at the start of `allennlp train` (once per process)."""
    from allennlp.commands import train

    if _ORIGINALS:
        return
    _ORIGINALS["train_model_from_file"] = train.train_model_from_file
    _ORIGINALS["train_model"] = train.train_model
    train.train_model_from_file = _naming_config_file(train.train_model_from_file)
    train.train_model = _checking_keys(train.train_model)


def _naming_config_file(function):
    @functools.wraps(function)
    def wrapper(parameter_filename, *args, **kwargs):
        token = _CONFIG_FILE.set(str(parameter_filename))
        try:
            return function(parameter_filename, *args, **kwargs)
        finally:
            _CONFIG_FILE.reset(token)

    return wrapper


def _checking_keys(function):
    @functools.wraps(function)
    def wrapper(params, *args, **kwargs):
        config = params.as_dict(quiet=True)
        name = _CONFIG_FILE.get() or "the config"
        try:
            check_config_keys(config, name)
        except InputError:
            raise
        except Exception as error:  # noqa: B902 - a failing check must not stop a valid run
            logger.warning("the check of the config's keys failed (%s: %s); training goes on",
                           type(error).__name__, error)
        return function(params, *args, **kwargs)

    return wrapper
