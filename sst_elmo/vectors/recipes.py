"""
The word vectors that configs choose by name (`SST_ELMO_WORDS=NAME`, read from
`SST_ELMO_MODELS/words-NAME/`), how each is built, and building one the first time a config
asks for it.

    imdb    fastText on the text the shipped `elmo-imdb` read (IMDB's unlabelled reviews and
            the text of the labelled train reviews), with a vector for every SST word
    tweets  the same text plus the tweets' own (the training rows outside the fixed validation
            split, and the unlabelled ones), with a vector for every tweets word
    sst     `imdb`'s text plus the sentences of SST's training trees that task-adaptive
            pre-training reads (`configs/pretrain/sst_adapt.jsonnet`: outside its fixed
            validation split; never dev or test), with a vector for every SST word: the static
            vectors that read what an SST-adapted ELMo read

`make words` builds `imdb` and `tweets` (`sst` goes with an SST-adapted ELMo); a config run
with `SST_ELMO_WORDS=NAME` builds that recipe first when its vectors are missing, and says so.
"""
import logging
import os
import sys
from typing import Any, Dict, List, Mapping, Set

from sst_elmo.common.config_env import PROJECT_ROOT, SHIPPED_MODELS, register_config_check
from sst_elmo.vectors.training import VECTORS_FILE, VectorSettings, build_word_vectors

logger = logging.getLogger(__name__)

_CONFIGS = os.path.join(PROJECT_ROOT, "configs")
# Each: its pre-training configs, its cover configs and (optionally) VectorSettings' arguments.
RECIPES: Dict[str, Dict[str, Any]] = {
    "imdb": {
        "configs": ["pretrain/imdb_continue.jsonnet"],
        "cover": ["sst5_lstm.jsonnet"],
    },
    "tweets": {
        "configs": ["pretrain/imdb_continue.jsonnet", "pretrain/tweets_adapt.jsonnet"],
        "cover": ["tweets_elmo.jsonnet"],
    },
    "sst": {
        "configs": ["pretrain/imdb_continue.jsonnet", "pretrain/sst_adapt.jsonnet"],
        "cover": ["sst5_lstm.jsonnet"],
    },
}
# What building each took on 2 shared cores (the cards in models/words-NAME say the exact time).
RECIPE_MINUTES = {"imdb": 60, "tweets": 25, "sst": 50}
# The names being built in this process now.
_BUILDING: Set[str] = set()


def recipe_paths(name: str) -> Dict[str, List[str]]:
    """The recipe's pre-training and cover configs, as paths."""
    recipe = RECIPES[name]
    return {key: [os.path.join(_CONFIGS, config) for config in recipe[key]] for key in ("configs", "cover")}


def build_recipe(name: str, models: str = SHIPPED_MODELS, force: bool = False, **kwargs) -> Dict[str, object]:
    """Builds `models/words-NAME` by its recipe (`VectorSettings`' defaults: fastText, 300 dimensions)."""
    paths = recipe_paths(name)
    output_dir = os.path.join(models, f"words-{name}")
    settings = VectorSettings(**RECIPES[name].get("settings", {}))  # type: ignore[arg-type]
    return build_word_vectors(
        paths["configs"], output_dir, settings, cover_configs=paths["cover"], force=force,
        command=f"allennlp word-vectors --recipe {name}", **kwargs,
    )


def _say(line: str) -> None:
    print(f"word-vectors: {line}", file=sys.stderr, flush=True)


def build_missing_words(variables: Mapping[str, str]) -> None:
    """
    A config check (`register_config_check`): with `SST_ELMO_WORDS=NAME` for a recipe whose
    vectors are missing, builds them now, saying so first.
    """
    name = variables.get("SST_ELMO_WORDS", "")
    models = variables.get("SST_ELMO_MODELS") or SHIPPED_MODELS
    built = os.path.isfile(os.path.join(models, f"words-{name}", VECTORS_FILE))
    if name not in RECIPES or name in _BUILDING or built:
        return  # (a build reads its own configs with the same variables)
    print(
        f"SST_ELMO_WORDS={name}: {models}/words-{name}/{VECTORS_FILE} is not built yet; building it now "
        f"(once; about {RECIPE_MINUTES[name]} minutes on 2 cores; `make words` does the same)",
        file=sys.stderr, flush=True,
    )
    _BUILDING.add(name)
    try:
        build_recipe(name, models, force=True, progress=_say)
    finally:
        _BUILDING.discard(name)


register_config_check(build_missing_words)
