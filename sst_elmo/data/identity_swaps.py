"""
Counterfactual training copies: a phrase that names an identity ("a gay teen", "the Jewish
family") is also read with that term swapped for another of its group ("a lesbian teen", "the
Muslim family"), with the same label, so that a classifier learns that the term alone does not
carry the sentiment (counterfactual data augmentation; Lu et al. 2018, Dixon et al. 2018).

The terms come from a TSV file (`IdentityTerms.from_file`; the default list, `DEFAULT_TERMS`, is
Dixon et al.'s sexuality, race/ethnicity and religion terms). A term marked `person`, a word with
other common senses in reviews ("straight to video", "black comedy", "Christian Bale"), is
swapped only where the next word is a person noun, but may replace any term. Within a copy each
term found gets one replacement, a different one for each term of a group ("gay and lesbian"
never becomes "queer and queer"), written in the list's spelling ("American", "LGBTQ"; a
capital kept where the phrase had one) and with "a"/"an" before it fixed. Copies are drawn with
a random generator the caller seeds, so the same phrase gets the same copies on every read.
"""
import os
import random
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, FrozenSet, List, Sequence, Set, Tuple

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import numbered_lines

DEFAULT_TERMS = os.path.join(os.path.dirname(__file__), "lexicons", "identity_terms.tsv")
USES = ("any", "person")
NOUN_MARK = "@noun"

Term = Tuple[str, ...]  # lowercased words


@dataclass(frozen=True)
class IdentityTerms:
    """
    Identity terms by group (lowercased words), their spelling in copies (`spelling`), which are
    swapped wherever they stand (`anywhere`), the rest only before a word of `person_nouns`.
    """

    groups: Dict[str, Tuple[Term, ...]]
    spelling: Dict[Term, Tuple[str, ...]]
    anywhere: FrozenSet[Term]
    person_nouns: FrozenSet[str]

    @classmethod
    def from_file(cls, path: str = DEFAULT_TERMS) -> "IdentityTerms":
        """Reads `group<TAB>term<TAB>use` lines and `@noun<TAB>word` lines (`#` starts a comment)."""
        groups: Dict[str, List[Term]] = {}
        spelling: Dict[Term, Tuple[str, ...]] = {}
        anywhere, nouns, seen = set(), set(), {}
        for number, line in numbered_lines(path):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if fields[0] == NOUN_MARK and len(fields) == 2 and fields[1].strip():
                nouns.add(fields[1].strip().lower())
                continue
            if len(fields) != 3 or fields[2] not in USES or not fields[0] or not fields[1].split():
                raise InputError(f"expected GROUP<TAB>TERM<TAB>{'|'.join(USES)} or {NOUN_MARK}<TAB>WORD",
                                 path, number, line)
            term = tuple(fields[1].lower().split())
            if term in seen:
                raise InputError(f"{' '.join(term)!r} is listed twice (first at line {seen[term]})", path, number,
                                 line)
            seen[term] = number
            groups.setdefault(fields[0], []).append(term)
            spelling[term] = tuple(fields[1].split())
            if fields[2] == "any":
                anywhere.add(term)
        lonely = sorted(group for group, terms in groups.items() if len(terms) < 2)
        if not groups or lonely:
            raise InputError(f"every group needs two terms or more ({', '.join(lonely) or 'no group'})", path)
        return cls({group: tuple(terms) for group, terms in groups.items()}, spelling, frozenset(anywhere),
                   frozenset(nouns))

    @cached_property
    def _by_first_word(self) -> Dict[str, List[Tuple[Term, str]]]:
        """`(term, group)` by the term's first word, the longest first: one lookup a token."""
        index: Dict[str, List[Tuple[Term, str]]] = {}
        for group, terms in self.groups.items():
            for term in terms:
                index.setdefault(term[0], []).append((term, group))
        return {word: sorted(entries, key=lambda entry: -len(entry[0])) for word, entries in index.items()}

    def matches(self, tokens: Sequence[str]) -> List[Tuple[int, int, str]]:
        """`(start, end, group)` of each swappable term in `tokens`: the longest term of any group first,
        not overlapping."""
        lowered = [token.lower() for token in tokens]
        found: List[Tuple[int, int, str]] = []
        start = 0
        while start < len(lowered):
            end = start + 1
            for term, group in self._by_first_word.get(lowered[start], ()):
                stop = start + len(term)
                if tuple(lowered[start:stop]) == term and (
                        term in self.anywhere or (stop < len(lowered) and lowered[stop] in self.person_nouns)):
                    found.append((start, stop, group))
                    end = stop
                    break
            start = end
        return found


def swapped_copies(
    tokens: Sequence[str], terms: IdentityTerms, copies: int, rng: random.Random
) -> List[List[str]]:
    """
    Up to `copies` versions of `tokens` in which every identity term found is replaced by another
    term of its group (see the module's doc), drawn with `rng`; none if no term is found.
    """
    found = terms.matches(tokens)
    if not found:
        return []
    present = {tuple(token.lower() for token in tokens[start:end]) for start, end, _ in found}
    results: List[List[str]] = []
    for _ in range(copies):
        mapping = _draw_replacements(found, tokens, present, terms, rng)
        words: List[str] = []
        position = 0
        for start, end, _ in found:
            original = tuple(token.lower() for token in tokens[start:end])
            replacement = list(terms.spelling[mapping[original]])
            if tokens[start][:1].isupper():
                replacement[0] = replacement[0][:1].upper() + replacement[0][1:]
            words += list(tokens[position:start])
            if words and words[-1].lower() in ("a", "an"):
                article = "an" if replacement[0][:1].lower() in "aeiou" else "a"
                words[-1] = article.capitalize() if words[-1][:1].isupper() else article
            words += replacement
            position = end
        copy = words + list(tokens[position:])
        if copy not in results:
            results.append(copy)
    return results


def _draw_replacements(found: Sequence[Tuple[int, int, str]], tokens: Sequence[str], present: Set[Term],
                       terms: IdentityTerms, rng: random.Random) -> Dict[Term, Term]:
    """One replacement for each term found, distinct within a group, none of them a term of the phrase
    where the group has enough others."""
    mapping: Dict[Term, Term] = {}
    for start, end, group in found:
        original = tuple(token.lower() for token in tokens[start:end])
        if original in mapping:
            continue
        taken = set(mapping.values()) | present
        choices = [term for term in terms.groups[group] if term not in taken] or \
            [term for term in terms.groups[group] if term != original]
        mapping[original] = rng.choice(choices)
    return mapping
