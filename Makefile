# The two commands a newcomer needs (each installs what it needs first):
#   make demo   train -> evaluate -> predict, end to end
#   make test   the whole test suite
.PHONY: setup demo test lint serve words

# Every extra (tests, server, lab, CheckList); `make demo` needs the package alone.
setup:
	@scripts/setup.sh

demo:
	@EXTRAS= scripts/setup.sh
	@scripts/demo.sh

test: setup
	@scripts/test.sh

lint: setup
	@.venv/bin/ruff check sst_elmo tests scripts

serve: setup
	@.venv/bin/allennlp sst-serve sst2

# Word vectors trained on the text the shipped ELMo read (docs/word-vectors.md), by the recipes
# of sst_elmo/vectors/recipes.py, from ../shared's IMDB and tweets data (or SST_ELMO_DATA's).
# Each is built once, about an hour on 2 cores; the committed card.json is rewritten.
WORDS_DATA ?= $(if $(SST_ELMO_DATA),$(SST_ELMO_DATA),../shared/data)
words: models/words-imdb/vectors.txt.gz models/words-tweets/vectors.txt.gz

models/words-%/vectors.txt.gz: | setup
	SST_ELMO_DATA=$(WORDS_DATA) .venv/bin/allennlp word-vectors --recipe $* --force
