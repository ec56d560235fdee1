"""
Speed measurements behind the benchmark scripts in `scripts/`: prediction (`predict_speed`),
serving (`serve_speed`, `heavy_requests`, `soak`, with the HTTP load generator `http_load`),
pre-training (`pretrain_speed`), the ELMo forward pass (`elmo_forward`), cached training
(`cached_training`), grid workers (`grid_workers`) and attributions (`attribution_agreement`).
They print tables and never assert a time. They may import `sst_elmo` and
`sst_elmo_lab.grids`, never `experiments` or `shipping`.
"""
