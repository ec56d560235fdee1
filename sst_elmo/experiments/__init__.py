"""
Experiments beyond one training run: a grid runner over configs x seeds x training-set
sizes (`grid`, `run_grid`), its results table (`results`), markdown summaries (`report`),
plots (`plots`) and statistics (`statistics`), diagnosis and probes of an ELMo (`diagnosis`,
`probe`), and the tutorial's ELMo-features + logistic-regression baseline
(`feature_baseline`, `feature_cv`). Not imported by `sst_elmo` itself, so the plugin stays
light; they may import the plugin and `sst_elmo.common.launch`, never `sst_elmo.benchmarks`
or `sst_elmo.pipelines`.
"""
