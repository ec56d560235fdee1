"""
Pipelines that make artifacts through the real `allennlp` commands: the end-to-end demo
(`demo`), pre-training the project's own ELMo (`pretrain`) and shipping it with its model card
(`ship`). Not imported by `sst_elmo` itself; they may import the plugin and
`sst_elmo.common.launch`, never `sst_elmo.experiments` or `sst_elmo.benchmarks`.
"""
