import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader
from allennlp.data.token_indexers import ELMoTokenCharactersIndexer, SingleIdTokenIndexer

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import SstTreesReader
from tests.conftest import FIXTURES

TRAIN = str(FIXTURES / "data" / "sst" / "train.txt")


def labels_and_tokens(instances):
    return [(i["label"].label, [t.text for t in i["tokens"]]) for i in instances]


class TestSstTreesReader:
    def test_five_class_roots(self):
        instances = list(SstTreesReader().read(TRAIN))
        assert len(instances) == 12
        assert labels_and_tokens(instances)[0] == ("3", ["The", "film", "shines", "."])
        assert labels_and_tokens(instances)[3] == (
            "0", ["It", "is", "awful", "-LRB-", "really", "-RRB-", "."]
        )

    def test_three_and_two_class(self):
        three = [label for label, _ in labels_and_tokens(SstTreesReader(granularity="3-class").read(TRAIN))]
        assert three[:5] == ["2", "0", "2", "0", "1"]
        two = labels_and_tokens(SstTreesReader(granularity="2-class").read(TRAIN))
        assert len(two) == 10  # the two neutral roots are dropped
        assert {label for label, _ in two} == {"0", "1"}

    def test_subtrees(self):
        phrases = labels_and_tokens(SstTreesReader(use_subtrees=True).read(TRAIN))
        assert ("4", ["shines", "."]) in phrases
        assert ("2", ["The"]) in phrases
        assert len(phrases) > 50
        binary = labels_and_tokens(SstTreesReader(use_subtrees=True, granularity="2-class").read(TRAIN))
        assert all(label in {"0", "1"} for label, _ in binary)

    def test_sample_trees_draws_whole_trees_nested_and_fixed(self):
        roots = labels_and_tokens(SstTreesReader().read(TRAIN))
        small = labels_and_tokens(SstTreesReader(sample_trees=4).read(TRAIN))
        larger = labels_and_tokens(SstTreesReader(sample_trees=8).read(TRAIN))
        assert len(small) == 4 and len(larger) == 8
        assert set(map(str, small)) <= set(map(str, larger))  # nested
        assert small == labels_and_tokens(SstTreesReader(sample_trees=4).read(TRAIN))  # fixed seed
        assert small != roots[:4]  # drawn from the whole file, not its first trees
        assert [roots.index(root) for root in small] == sorted(roots.index(root) for root in small)
        other_seed = labels_and_tokens(SstTreesReader(sample_trees=4, sample_seed=1).read(TRAIN))
        assert other_seed != small
        assert labels_and_tokens(SstTreesReader(sample_trees=100).read(TRAIN)) == roots
        # With subtrees, every phrase of exactly the sampled trees.
        phrases = labels_and_tokens(SstTreesReader(sample_trees=4, use_subtrees=True).read(TRAIN))
        sentences = [tokens for _, tokens in phrases if any(tokens == t for _, t in small)]
        assert len(sentences) == 4 and len(phrases) > 4
        with pytest.raises(ValueError, match="sample_trees"):
            SstTreesReader(sample_trees=0)

    def test_elmo_characters_and_word_ids_together(self):
        reader = DatasetReader.from_params(Params({
            "type": "sst_trees",
            "token_indexers": {"tokens": {"type": "single_id"}, "elmo": {"type": "elmo_characters"}},
        }))
        instance = next(iter(reader.read(TRAIN)))
        indexers = instance["tokens"]._token_indexers
        assert isinstance(indexers["elmo"], ELMoTokenCharactersIndexer)
        assert isinstance(indexers["tokens"], SingleIdTokenIndexer)

    def test_text_to_instance_takes_raw_text_or_tokens_and_trees_only_explicitly(self):
        reader = SstTreesReader()
        tree = reader.tree_to_instance("(4 (2 a) (4 gem))")
        assert tree["label"].label == "4" and [t.text for t in tree["tokens"]] == ["a", "gem"]
        raw = reader.text_to_instance("(Spoilers ahead) A gorgeous, witty film.")
        assert "label" not in raw.fields
        assert [t.text for t in raw["tokens"]][:4] == ["-LRB-", "Spoilers", "ahead", "-RRB-"]
        assert [t.text for t in reader.text_to_instance("It doesn't (quite) work.")["tokens"]] == [
            "It", "does", "n't", "-LRB-", "quite", "-RRB-", "work", ".",
        ]
        assert "label" not in reader.text_to_instance(["a", "b"]).fields

    @pytest.mark.parametrize(
        "bad_line, message",
        [
            ("(3 (2 unbalanced) (3 tree)", "malformed tree"),
            ("(3 (x label) (3 words))", "node label 'x' is not a sentiment 0-4"),
            ("(7 (2 a) (2 b))", "node label '7'"),
            ("just words", "malformed tree"),
            ("(3)", "no words"),
        ],
    )
    def test_malformed_tree_names_file_and_line(self, tmp_path, bad_line, message):
        path = tmp_path / "bad.txt"
        path.write_text("(3 (2 fine) (3 tree))\n\n" + bad_line + "\n")
        with pytest.raises(InputError) as error:
            list(SstTreesReader().read(str(path)))
        assert f"{path}:3: " in str(error.value)
        assert message in str(error.value)
        assert "\n" not in str(error.value)

    def test_unknown_granularity(self):
        with pytest.raises(ValueError, match="granularity"):
            SstTreesReader(granularity="7-class")


def test_identity_copies_follow_each_phrase_that_names_a_term_with_its_label(tmp_path):
    trees = tmp_path / "trees.txt"
    trees.write_text("(3 (2 A) (3 (2 gay) (3 (3 teen) (2 drama))))\n(1 (2 Straight) (1 (2 to) (1 video)))\n")
    plain = labels_and_tokens(SstTreesReader(use_subtrees=True).read(str(trees)))
    swapped = labels_and_tokens(SstTreesReader(use_subtrees=True, identity_terms="default").read(str(trees)))
    added = [row for row in swapped if row not in plain]
    assert [row for row in swapped if row in plain] == plain
    # The sentence, "gay teen drama" and "gay" alone each get one copy; "Straight to video" none.
    assert [(label, len(tokens)) for label, tokens in added] == [("3", 4), ("3", 3), ("2", 1)]
    assert all("gay" not in tokens for _, tokens in added)
    again = SstTreesReader(use_subtrees=True, identity_terms="default").read(str(trees))
    assert swapped == labels_and_tokens(again)
    other = labels_and_tokens(SstTreesReader(use_subtrees=True, identity_terms="default", identity_seed=1,
                                             identity_copies=3).read(str(trees)))
    assert len(other) > len(swapped)
    with pytest.raises(ValueError, match="identity_copies"):
        SstTreesReader(identity_terms="default", identity_copies=0)
    missing = SstTreesReader(use_subtrees=True, identity_terms=str(tmp_path / "gone.tsv"))  # an archive elsewhere
    with pytest.raises(InputError, match="gone.tsv"):
        list(missing.read(str(trees)))


def test_identity_copies_set_on_the_command_line_leave_the_validation_reader_alone(fixture_env, tmp_path):
    from tests.conftest import CONFIGS

    params = Params.from_file(str(CONFIGS / "sst2_elmo_glove.jsonnet"),
                                    '{"dataset_reader.identity_terms": "default"}')
    assert params["dataset_reader"]["identity_terms"] == "default"
    assert params["validation_dataset_reader"].as_dict().get("identity_terms") is None
    # Set inside a config, the SST configs' validation readers still turn it off.
    config = tmp_path / "swapped.jsonnet"
    config.write_text(f"(import '{CONFIGS / 'sst2_elmo_glove.jsonnet'}') + "
                      "{dataset_reader+: {identity_terms: 'default'}}")
    params = Params.from_file(str(config))
    assert params["dataset_reader"]["identity_terms"] == "default"
    assert params["validation_dataset_reader"]["identity_terms"] is None
