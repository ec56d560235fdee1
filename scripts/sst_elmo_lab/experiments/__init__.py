"""
Experiments beyond one training run: where an ELMo's effect comes from and linear probes of
it (`diagnosis`, `probe`), the tutorial's ELMo-features + logistic-regression baseline and
its cross-validated form (`feature_baseline`, `feature_cv`), the held-out tweets baseline
(`held_out`). They may import `sst_elmo` and `sst_elmo_lab.grids`, never `benchmarks` or
`shipping`.
"""
