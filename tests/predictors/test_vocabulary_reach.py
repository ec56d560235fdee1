"""A prediction says how much of its input the model cannot read (`unknown_share`, `out_of_reach`)."""
import json
import sys
from pathlib import Path

import pytest
from allennlp.data import Vocabulary
from allennlp.data.token_indexers import ELMoTokenCharactersIndexer, SingleIdTokenIndexer

from sst_elmo.predictors.vocabulary_reach import (
    OUT_OF_REACH_THRESHOLD,
    OUT_OF_REACH_WARNING,
    VocabularyReach,
    out_of_character_reach,
)
from tests.conftest import build_archive

CHINESE = "这部电影太糟糕了"  # "this film is terrible"
FRENCH = "Ce film est vraiment nul, je le déteste."
SST2 = Path(__file__).resolve().parents[2] / "models" / "sst2" / "model.tar.gz"


@pytest.mark.parametrize("token", ["film", "Amélie", "naïve", "don’t", "—", "…", "3.5", "€5", ":-)", "K-pop🎵"])
def test_latin_script_and_english_punctuation_are_within_characters_reach(token):
    assert not out_of_character_reach(token)


@pytest.mark.parametrize("token", [CHINESE, "фильм", "αγάπη", "فيلم", "映画!", "👎", "🙂🙂"])
def test_other_scripts_and_emoji_are_out_of_characters_reach(token):
    assert out_of_character_reach(token)


def vocabulary(*words: str) -> Vocabulary:
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(list(words), "tokens")
    return vocab


def test_word_vocabulary_judges_the_token_as_its_indexer_lowercases_it():
    vocab = vocabulary("a", "fine", "film", ".")
    lowercasing = VocabularyReach(vocab, {"tokens": SingleIdTokenIndexer(lowercase_tokens=True)})
    assert [lowercasing.unknown(word) for word in ["Fine", "FILM", "superb"]] == [False, False, True]
    exact = VocabularyReach(vocab, {"tokens": SingleIdTokenIndexer()})
    assert exact.unknown("Fine") and not exact.unknown("fine")


def test_elmo_characters_judge_the_script_only():
    reach = VocabularyReach(Vocabulary(), {"elmo": ELMoTokenCharactersIndexer()})
    assert reach.judged and not reach.unknown("incroyable") and reach.unknown(CHINESE)


def test_share_counts_words_and_the_flag_is_above_the_threshold():
    reach = VocabularyReach(vocabulary("a", "fine", "film"), {"tokens": SingleIdTokenIndexer()})
    # Punctuation is not counted: 1 of the 2 words is unknown, which is not above one half.
    half = reach.describe(["a", "superb", ",", ".", "!"])
    assert half == {"unknown_share": 0.5, "unknown_tokens": ["superb"], "out_of_reach": False}
    most = reach.describe(["a", "superb", "movie", "."])
    assert most["unknown_share"] == pytest.approx(2 / 3) and most["out_of_reach"] is True
    assert most["warning"] == OUT_OF_REACH_WARNING
    assert reach.describe(["👎", "!"]) == {
        "unknown_share": 1.0, "unknown_tokens": ["👎", "!"], "out_of_reach": True, "warning": OUT_OF_REACH_WARNING
    }
    strict = VocabularyReach(vocabulary("a", "fine", "film"), {"tokens": SingleIdTokenIndexer()}, threshold=0.25)
    assert strict.describe(["a", "fine", "film", "superb"])["out_of_reach"] is False  # 0.25 is not above 0.25
    assert OUT_OF_REACH_THRESHOLD == 0.5


def test_a_model_with_no_word_or_character_input_is_not_judged():
    reach = VocabularyReach(Vocabulary(), {"tokens": SingleIdTokenIndexer(namespace="absent")})
    assert not reach.judged and reach.describe(["anything"]) == {}
    with pytest.raises(ValueError, match="between 0 and 1"):
        VocabularyReach(Vocabulary(), {}, threshold=1.5)


def test_tiny_word_model_flags_chinese_and_french(lstm_predictor):
    english = lstm_predictor.predict_json({"sentence": "The film shines."})
    assert english["unknown_share"] == 0.0 and english["out_of_reach"] is False and "warning" not in english
    chinese = lstm_predictor.predict_json({"sentence": CHINESE})
    assert chinese["tokens"] == [CHINESE] and chinese["unknown_share"] == 1.0
    assert chinese["out_of_reach"] is True and chinese["warning"] == OUT_OF_REACH_WARNING
    french = lstm_predictor.predict_json({"sentence": FRENCH})  # the fixture vocabulary knows only "film"
    assert french["unknown_share"] == pytest.approx(7 / 8) and french["out_of_reach"] is True
    assert "film" not in french["unknown_tokens"]


def test_tiny_elmo_model_flags_chinese_but_reads_french_letters(elmo_predictor):
    chinese, french = elmo_predictor.predict_batch_json([{"sentence": CHINESE}, {"tokens": FRENCH.split()}])
    assert chinese["unknown_share"] == 1.0 and chinese["out_of_reach"] is True
    assert french["unknown_share"] == 0.0 and french["out_of_reach"] is False


def test_the_threshold_is_a_predictor_argument(lstm_predictor):
    from allennlp.predictors import Predictor

    strict = Predictor.by_name("sentence_classifier_predictor")(
        lstm_predictor._model, lstm_predictor._dataset_reader, out_of_reach_threshold=0.0
    )
    output = strict.predict_json({"sentence": "The film shines superbly."})
    assert output["unknown_share"] == pytest.approx(1 / 4) and output["out_of_reach"] is True


@pytest.mark.skipif(not SST2.exists(), reason=f"needs the shipped model {SST2} (absent)")
def test_shipped_sst2_flags_chinese_and_french_but_not_english(tmp_path, monkeypatch):
    from sst_elmo.predictors import SentenceClassifierPredictor

    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path / "cache"))
    predictor = SentenceClassifierPredictor.from_path(str(SST2))
    english, chinese, french = predictor.predict_batch_json(
        [{"sentence": "A gorgeous, witty, seductive movie."}, {"sentence": CHINESE}, {"sentence": FRENCH}]
    )
    assert english["unknown_share"] == 0.0 and english["out_of_reach"] is False
    assert chinese["unknown_share"] == 1.0 and chinese["out_of_reach"] is True
    assert french["out_of_reach"] is True and french["warning"] == OUT_OF_REACH_WARNING
    terrible = predictor.predict_json({"sentence": "Terrible. 👎"})  # the full stop is split from the emoji
    assert terrible["tokens"] == ["Terrible", ".", "👎"] and terrible["label_name"] == "negative"


def test_predict_sst_predict_and_the_service_carry_the_flag(tmp_path, fixture_env, monkeypatch):
    from allennlp.commands import main

    from sst_elmo.predictors import SentenceClassifierPredictor
    from sst_elmo.serving.service import PredictionService

    archive = str(build_archive(tmp_path / "run", "sst5_lstm.jsonnet") / "model.tar.gz")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"sentence": text}) + "\n" for text in [CHINESE, "The film shines."]))
    for command in (["predict", "--silent"], ["sst-predict"]):
        out = tmp_path / f"{command[0]}.jsonl"
        monkeypatch.setattr(sys, "argv", ["allennlp", command[0], archive, str(source), "--output-file", str(out),
                                          *command[1:]])
        main()
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        flags = [(row["out_of_reach"], row["unknown_share"]) for row in rows]
        assert flags == [(True, 1.0), (False, 0.0)], command
        assert rows[0]["warning"] == OUT_OF_REACH_WARNING and "warning" not in rows[1]

    service = PredictionService(SentenceClassifierPredictor.from_path(archive))  # what sst-serve answers with
    try:
        assert service.predict({"sentence": CHINESE})["out_of_reach"] is True
    finally:
        service.close()
