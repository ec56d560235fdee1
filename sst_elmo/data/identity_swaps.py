"""
Counterfactual training copies: a phrase that names an identity ("a gay teen", "the Jewish
family") is also read with that term swapped for another of its group ("a lesbian teen", "the
Muslim family"), with the same label, so that a classifier learns that the term alone does not
carry the sentiment (counterfactual data augmentation; Lu et al. 2018, Dixon et al. 2018).

The terms come from a TSV file (`IdentityTerms.from_file`; the default list, `DEFAULT_TERMS`, is
Dixon et al.'s sexuality, race/ethnicity and religion terms). A term marked `person`, a word with
other common senses in reviews ("straight to video", "black comedy"), is swapped only where the
next word is a person noun, but may replace any term. Copies are drawn with a random generator
the caller seeds, so the same phrase gets the same copies on every read.
"""
import os
import random
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import numbered_lines

DEFAULT_TERMS = os.path.join(os.path.dirname(__file__), "lexicons", "identity_terms.tsv")
USES = ("any", "person")
NOUN_MARK = "@noun"

Term = Tuple[str, ...]  # lowercased words


@dataclass(frozen=True)
class IdentityTerms:
    """
    Identity terms by group, which of them are swapped wherever they stand (`anywhere`), the
    rest only before a word of `person_nouns`.
    """

    groups: Dict[str, Tuple[Term, ...]]
    anywhere: FrozenSet[Term]
    person_nouns: FrozenSet[str]

    @classmethod
    def from_file(cls, path: str = DEFAULT_TERMS) -> "IdentityTerms":
        """Reads `group<TAB>term<TAB>use` lines and `@noun<TAB>word` lines (`#` starts a comment)."""
        groups: Dict[str, List[Term]] = {}
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
            if fields[2] == "any":
                anywhere.add(term)
        lonely = sorted(group for group, terms in groups.items() if len(terms) < 2)
        if not groups or lonely:
            raise InputError(f"every group needs two terms or more ({', '.join(lonely) or 'no group'})", path)
        return cls({group: tuple(terms) for group, terms in groups.items()}, frozenset(anywhere), frozenset(nouns))

    def matches(self, tokens: Sequence[str]) -> List[Tuple[int, int, str]]:
        """`(start, end, group)` of each swappable term in `tokens`, longest first, not overlapping."""
        lowered = [token.lower() for token in tokens]
        found: List[Tuple[int, int, str]] = []
        start = 0
        while start < len(lowered):
            match = self._match_at(lowered, start)
            if match is None:
                start += 1
            else:
                found.append(match)
                start = match[1]
        return found

    def _match_at(self, lowered: Sequence[str], start: int) -> Optional[Tuple[int, int, str]]:
        for group, terms in self.groups.items():
            for term in sorted(terms, key=len, reverse=True):
                end = start + len(term)
                if tuple(lowered[start:end]) != term:
                    continue
                if term in self.anywhere or (end < len(lowered) and lowered[end] in self.person_nouns):
                    return start, end, group
        return None


def swapped_copies(
    tokens: Sequence[str], terms: IdentityTerms, copies: int, rng: random.Random
) -> List[List[str]]:
    """
    Up to `copies` versions of `tokens` in which every identity term is replaced by another term
    of its group (its first letter's case kept), drawn with `rng`; none if no term is found.
    """
    found = terms.matches(tokens)
    if not found:
        return []
    results: List[List[str]] = []
    for _ in range(copies):
        words: List[str] = []
        position = 0
        for start, end, group in found:
            original = tuple(token.lower() for token in tokens[start:end])
            replacement = list(rng.choice([term for term in terms.groups[group] if term != original]))
            if tokens[start][:1].isupper():
                replacement[0] = replacement[0][:1].upper() + replacement[0][1:]
            words += list(tokens[position:start]) + replacement
            position = end
        copy = words + list(tokens[position:])
        if copy not in results:
            results.append(copy)
    return results
