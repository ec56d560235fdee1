from sst_elmo.benchmarks.cache_store_speed import compare_stores, phrase_lengths, store_table
from tests.conftest import FIXTURES

TRAIN = str(FIXTURES / "data" / "sst" / "train.txt")


def test_both_stores_hold_every_distinct_phrase_and_read_every_phrase(tiny_elmo, tmp_path):
    distinct, every = phrase_lengths(TRAIN)
    assert len(every) > len(distinct) > 12  # phrases repeat ("." and the like)
    timings = compare_stores(TRAIN, *tiny_elmo, str(tmp_path), dim=16)
    assert [t.store for t in timings] == ["lmdb", "npy files"]
    for timing in timings:
        assert timing.entries == len(distinct) and timing.epoch_reads == len(every)
        assert timing.disk_bytes > 0 and timing.write_s > 0 and timing.epoch_read_s > 0
    assert list(tmp_path.iterdir()) == []  # the stores are removed
    assert "| lmdb |" in store_table(timings)


def test_the_command_line_prints_the_table_and_leaves_only_the_random_elmo(tmp_path, capsys):
    from sst_elmo.benchmarks.cache_store_speed import main

    main([TRAIN, "--work", str(tmp_path), "--limit", "5", "--dim", "16"])
    table = capsys.readouterr().out
    assert "| lmdb |" in table and "| npy files |" in table
    (elmo_dir,) = tmp_path.iterdir()  # the stores are removed; the ELMo only names them
    assert sorted(path.name for path in elmo_dir.iterdir()) == ["options.json", "weights.hdf5"]
