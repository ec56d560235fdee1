"""
Every method that overrides a base class's method is marked `@overrides` (the `overrides`
package), so that a base method renamed in a new AllenNLP release fails at import instead of
being silently no longer called.
"""
import importlib
import inspect
import pkgutil

import sst_elmo


def project_classes():
    for module_info in pkgutil.walk_packages(sst_elmo.__path__, "sst_elmo."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                yield cls


def unmarked_overrides():
    missing = []
    for cls in project_classes():
        for name, method in vars(cls).items():
            if isinstance(method, (classmethod, staticmethod)):
                method = method.__func__
            if name.startswith("__") or not inspect.isfunction(method):
                continue
            overridden = any(name in vars(base) for base in cls.__mro__[1:] if base is not object)
            if overridden and not getattr(method, "__override__", False):
                missing.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    return missing


def test_every_overriding_method_is_marked():
    assert list(project_classes())  # the walk finds the classes
    assert unmarked_overrides() == []


def test_a_method_that_overrides_nothing_fails_at_import():
    from allennlp.data import DatasetReader
    from overrides import overrides

    try:
        class Reader(DatasetReader):
            @overrides
            def _read_file(self, file_path):  # a base method that does not exist
                return []
    except TypeError as error:
        assert "_read_file" in str(error)
    else:
        raise AssertionError("@overrides accepted a method that overrides nothing")
