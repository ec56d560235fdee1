"""
Fixtures for tests, like `allennlp.common.testing`: small ELMo files (`sst_elmo.testing.elmo`).
The tests and the lab's measurements import them; no module of the product does
(`tests/test_import_graph.py` checks this).
"""
