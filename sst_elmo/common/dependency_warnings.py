"""
The one dependency warning that every `allennlp` command printed before its own output:
allennlp-models imports its NarrativeQA tool, which imports `rouge`, whose `rouge.py` imports
`pkg_resources`, and setuptools warns that `pkg_resources` is deprecated. sst_elmo uses none
of them. The filter below ignores exactly that warning raised from exactly that module; every
other warning, the same message from any other module included, still shows.

It is installed twice, both before allennlp-models is imported:
- by the console scripts (`sst_elmo.cli`), before they start the `allennlp` CLI;
- for the plain `allennlp` command, which imports allennlp-models before any plugin, by a
  one-line `.pth` file that `make setup` (scripts/setup.sh) writes into the virtual
  environment (`write_pth`). Python runs a `.pth` line that starts with `import` at start-up;
  this one only adds the warning filter.
"""
import os
import re
import site
import warnings

MESSAGE = "pkg_resources is deprecated as an API"
MODULE = "rouge.rouge"
PTH_NAME = "sst_elmo_dependency_warnings.pth"


def filter_arguments() -> dict:
    """The `warnings.filterwarnings` arguments of the filter (message and module as anchored patterns)."""
    return {"action": "ignore", "message": re.escape(MESSAGE), "category": UserWarning,
            "module": re.escape(MODULE) + r"\Z"}


def quiet_dependency_warnings() -> None:
    """Ignores the `pkg_resources` deprecation warning raised from `rouge.rouge`, and nothing else."""
    warnings.filterwarnings(**filter_arguments())


def pth_line() -> str:
    """The `.pth` line that installs the same filter at interpreter start-up (standard library only)."""
    arguments = filter_arguments()
    return (f"import warnings; warnings.filterwarnings({arguments['action']!r}, message={arguments['message']!r}, "
            f"category=UserWarning, module={arguments['module']!r})\n")


def write_pth(site_packages: str = "") -> str:
    """Writes `PTH_NAME` into `site_packages` (default: this interpreter's first site-packages); its path."""
    directory = site_packages or site.getsitepackages()[0]
    path = os.path.join(directory, PTH_NAME)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(pth_line())
    return path
