"""
Pipelines that make the shipped artifacts through the real `allennlp` commands: pre-training
the project's own ELMo (`pretrain`), shipping it with its model card (`ship_elmo`), shipping
a trained classifier (`ship_classifier`) and calibrating it (`calibrate_classifier`). They
may import `sst_elmo` and `sst_elmo_lab.grids`, never `experiments` or `benchmarks`.
"""
