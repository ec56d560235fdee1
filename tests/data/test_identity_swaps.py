import random

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.data.identity_swaps import DEFAULT_TERMS, IdentityTerms, swapped_copies


@pytest.fixture(scope="module")
def terms():
    return IdentityTerms.from_file()


def test_the_default_list_holds_its_three_groups_and_not_the_checklist_suites_words(terms):
    assert set(terms.groups) == {"sexuality", "race", "religion"}
    assert ("gay",) in terms.anywhere and ("straight",) not in terms.anywhere and "man" in terms.person_nouns
    everything = {word for group in terms.groups.values() for term in group for word in term}
    assert not everything & {"asexual", "pansexual", "cisgender", "atheist"}  # CheckList's, not Dixon et al.'s
    assert "Dixon" in open(DEFAULT_TERMS, encoding="utf-8").read()


def test_a_term_is_swapped_within_its_group_with_its_case_and_the_rest_kept(terms):
    copies = swapped_copies("A Gay teen and a Jewish family".split(), terms, 3, random.Random(0))
    assert copies and len(copies) <= 3
    for copy in copies:
        assert copy[0] == "A" and copy[2:6] == ["teen", "and", "a", copy[5]] and copy[-1] == "family"
        assert (copy[1].lower(),) in terms.groups["sexuality"] and copy[1] != "Gay" and copy[1][0].isupper()
        assert (copy[5].lower(),) in terms.groups["religion"] and copy[5] != "Jewish"
    assert copies == swapped_copies("A Gay teen and a Jewish family".split(), terms, 3, random.Random(0))


def test_words_with_other_senses_are_swapped_only_before_a_person_noun(terms):
    assert swapped_copies("straight to video".split(), terms, 2, random.Random(0)) == []
    assert swapped_copies("a black comedy".split(), terms, 2, random.Random(0)) == []
    assert swapped_copies("a nice film".split(), terms, 2, random.Random(0)) == []
    [copy] = swapped_copies("a straight man".split(), terms, 1, random.Random(0))
    assert copy[0] == "a" and copy[-1] == "man" and copy[1] != "straight"
    # The longest term first: "african american" is one term, swapped whole.
    [copy] = swapped_copies("an african american family".split(), terms, 1, random.Random(1))
    assert copy[0] in ("a", "an") and copy[-1] == "family" and copy[1:-1] != ["african", "american"]
    assert swapped_copies("Christian Bale stars".split(), terms, 1, random.Random(0)) == []


def test_copies_are_consistent_spelled_as_listed_and_keep_a_and_an_right(terms):
    for seed in range(40):
        rng = random.Random(seed)
        [copy] = swapped_copies("a gay and lesbian couple meet a black man".split(), terms, 1, rng)
        first, second, race = copy[1], copy[3], copy[7:-1]
        assert first != second and {first.lower(), second.lower()}.isdisjoint({"gay", "lesbian"})
        for article, word in ((copy[0], first), (copy[6], race[0])):
            assert article == ("an" if word[0].lower() in "aeiou" else "a"), copy
        assert tuple(race) == terms.spelling[tuple(word.lower() for word in race)]  # "American", "white"
    [copy] = swapped_copies("the gay man and the gay woman".split(), terms, 1, random.Random(3))
    assert copy[1] == copy[5] != "gay"  # one replacement per term within a copy


def test_the_longest_term_of_any_group_wins(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text("a\tnew\tany\na\told\tany\nb\tnew york\tany\nb\tparis\tany\n", encoding="utf-8")
    custom = IdentityTerms.from_file(str(path))
    assert swapped_copies("in new york".split(), custom, 1, random.Random(0)) == [["in", "paris"]]


@pytest.mark.parametrize("content, message", [
    ("race\tblack\teverywhere\n", "expected GROUP<TAB>TERM<TAB>any|person"),
    ("race\tblack\n", "expected GROUP"),
    ("race\tblack\tany\nrace\tBlack\tany\n", "listed twice"),
    ("race\tblack\tany\nreligion\tsikh\tany\nreligion\ttaoist\tany\n", r"two terms or more \(race\)"),
    ("# nothing\n", "no group"),
])
def test_a_broken_term_file_is_one_line_naming_it(tmp_path, content, message):
    path = tmp_path / "terms.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        IdentityTerms.from_file(str(path))
    assert str(path) in str(error.value) and "\n" not in str(error.value)
