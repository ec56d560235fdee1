"""
Experiments beyond one training run: a grid runner over configs x seeds x training-set
sizes (`grid`), its results table (`results`), markdown summaries (`report`) and plots
(`plots`), and the tutorial's ELMo-features + logistic-regression baseline
(`feature_baseline`). Not imported by `sst_elmo` itself, so the plugin stays light; the
scripts in `scripts/` import these modules.
"""
