# The two commands a newcomer needs (each installs what it needs first):
#   make demo   train -> evaluate -> predict, end to end
#   make test   the whole test suite
.PHONY: setup demo test lint serve

setup:
	@scripts/setup.sh

demo: setup
	@scripts/demo.sh

test: setup
	@scripts/test.sh

lint: setup
	@.venv/bin/ruff check sst_elmo tests scripts

serve: setup
	@.venv/bin/allennlp sst-serve sst2
