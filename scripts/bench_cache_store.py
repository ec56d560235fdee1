#!/usr/bin/env python
"""
The activation cache's LMDB store against one `.npy` file per entry, on every distinct phrase
of an SST tree file: writing, disk, one epoch of reads (`sst_elmo.benchmarks.cache_store_speed`).

    .venv/bin/python scripts/bench_cache_store.py ../shared/data/sst/train.txt --work /tmp/bench_store
"""
from sst_elmo.benchmarks.cache_store_speed import main

if __name__ == "__main__":
    main()
