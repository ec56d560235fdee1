from sst_elmo_lab.grids.overrides import combine, merge, to_dotted, unflatten


def test_unflatten_merges_dotted_and_nested_keys():
    assert unflatten({"a.b": 1, "a": {"c": 2}, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}


def test_merge_is_key_by_key_and_leaves_its_inputs_alone():
    base = {"a": {"b": 1, "c": [1]}, "x": 0}
    merged = merge(base, {"a": {"c": [2]}, "y": 1})
    assert merged == {"a": {"b": 1, "c": [2]}, "x": 0, "y": 1}
    assert base == {"a": {"b": 1, "c": [1]}, "x": 0}


def test_combine_later_layers_win():
    combined = combine({"trainer.num_epochs": 5, "random_seed": 1}, {"trainer": {"num_epochs": 1}})
    assert combined == {"trainer": {"num_epochs": 1}, "random_seed": 1}


def test_to_dotted_merges_into_existing_objects_and_replaces_elsewhere():
    original = {
        "dataset_reader": {"type": "sst_trees", "use_subtrees": True},
        "model": {"encoder": {"type": "lstm"}},
    }
    nested = {
        "dataset_reader": {"use_subtrees": False, "max_instances": 3},
        "model": {"feedforward": {"num_layers": 1}},
        "validation_dataset_reader": {"type": "sst_trees"},
    }
    assert to_dotted(nested, original) == {
        "dataset_reader.use_subtrees": False,
        "dataset_reader.max_instances": 3,
        "model.feedforward": {"num_layers": 1},
        "validation_dataset_reader": {"type": "sst_trees"},
    }
