"""
What the plugin changes in AllenNLP's own `allennlp predict` (installed on import by
`install_predict_hooks`):

- Blank lines are skipped (as AllenNLP does) but counted: an error names the input file and
  the line's real number, `in.jsonl:8: the text has no tokens (...)`, not `<predict input>:6`
  (with a predictor that checks lines, `sentence_classifier_predictor`), and says how to go on
  past bad lines.
- `--output-file` is written to a temporary file beside it and renamed when the run succeeds
  (`atomic_file`): a failed run leaves no empty or partial file, and a file of that name from
  an earlier run stays as it was.
- `--silent` also keeps INFO logging, AllenNLP's and the plugin's, off the terminal (warnings
  and errors still show). Only AllenNLP's first line, `Plugin allennlp_models available`,
  comes before the plugin is loaded; `ALLENNLP_LOG_LEVEL=WARNING` silences that one too.
"""
import logging
import os
import sys
from typing import Iterator, List, Optional

from allennlp.commands import predict
from allennlp.common.util import JsonDict
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file, numbered_lines, remove_partials

STDIN = "<stdin>"
# Appended to a bad line's error: how to predict the other lines anyway.
SKIP_HINT = "; to skip bad lines and go on: --predictor-args '{\"skip_bad_lines\": true}'"


class _KeptOpen:
    """The output file as `_PredictManager.run` sees it: its `close` leaves closing to `atomic_file`."""

    def __init__(self, handle) -> None:
        self.write = handle.write

    def close(self) -> None:
        pass


class CheckedPredictManager(predict._PredictManager):
    """`allennlp predict`'s manager with the real `file:line` and an all-or-nothing output file."""

    def __init__(self, predictor, input_file: str, output_file: Optional[str], *args, **kwargs) -> None:
        super().__init__(predictor, input_file, None, *args, **kwargs)  # opens no file yet
        self._output_path = output_file

    def _numbered_lines(self) -> Iterator:
        if self._input_file == "-":
            return ((number, line) for number, line in enumerate(sys.stdin, start=1) if line.strip())
        return numbered_lines(self._input_file)

    @overrides
    def _get_json_data(self) -> Iterator[JsonDict]:
        load = getattr(self._predictor, "load_numbered_line", None)
        if load is None:  # another predictor: AllenNLP's own reading
            yield from super()._get_json_data()
            return
        path = STDIN if self._input_file == "-" else self._input_file
        for number, line in self._numbered_lines():
            try:
                row = load(line, path, number)
            except InputError as error:
                error.message += SKIP_HINT
                raise
            yield row

    @overrides
    def run(self) -> None:
        if self._output_path is None:
            super().run()
            return
        for leftover in remove_partials(self._output_path):
            print(f"removed {leftover}, left by a killed run", file=sys.stderr)
        with atomic_file(self._output_path, "w") as out:
            self._output_file = _KeptOpen(out)
            super().run()


def quiet_logging() -> None:
    """Warnings and errors only, from every logger (INFO is AllenNLP's level for the CLI)."""
    logging.getLogger().setLevel(logging.WARNING)


def silent_predict(argv: List[str]) -> bool:
    """Whether this process is `allennlp predict ... --silent`."""
    program = os.path.normpath(argv[0]) if argv else ""
    main_module = os.path.join("allennlp", "__main__.py")
    is_allennlp = os.path.basename(program) == "allennlp" or program.endswith(main_module)
    return is_allennlp and argv[1:2] == ["predict"] and "--silent" in argv[2:]


def _get_predictor_quietly(args):
    if args.silent:
        quiet_logging()
    return _plain_get_predictor(args)


_plain_get_predictor = predict._get_predictor


def install_predict_hooks() -> None:
    """Puts the manager and the quiet `--silent` into `allennlp predict` (once)."""
    predict._PredictManager = CheckedPredictManager
    predict._get_predictor = _get_predictor_quietly
    if silent_predict(sys.argv):  # before the other plugins and the archive log their INFO lines
        quiet_logging()
