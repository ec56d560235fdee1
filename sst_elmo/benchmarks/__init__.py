"""
Speed measurements behind the benchmark scripts in `scripts/`: prediction (`predict_speed`),
serving (`serve_speed`), pre-training (`pretrain_speed`, `pretrain_shapes`), the ELMo forward
pass (`elmo_forward`), the activation cache's store (`cache_store_speed`) and cached training
(`cached_training`). They print tables and never assert a time. Not imported by `sst_elmo`
itself; they may import the plugin and `sst_elmo.common.launch`, never `sst_elmo.experiments`
or `sst_elmo.pipelines`.
"""
