import re
import string

from allennlp.data import DatasetReader, Instance
from overrides import overrides

from sst_elmo.data.text_cleaning import strip_urls
from sst_elmo.dataset_readers.text_csv import TextCsvReader

_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DIGITS = re.compile(r"[0-9]")
# The cleaning steps of the ELMo feature-extraction tutorial, in the order they are applied.
CLEANING_STEPS = {
    "strip_urls": strip_urls,
    "strip_punctuation": lambda text: text.translate(_PUNCTUATION),
    "lowercase": str.lower,
    "strip_digits": lambda text: _DIGITS.sub(" ", text),
    "squeeze_whitespace": lambda text: " ".join(text.split()),
}


def clean_tweet(text: str, **steps: bool) -> str:
    """
    One tweet cleaned with the `CLEANING_STEPS`, each on unless turned off by name
    (`clean_tweet(text, lowercase=False)`): what `tweets_csv` and `elmo-embed --clean-tweets` apply.
    """
    unknown = set(steps) - set(CLEANING_STEPS)
    if unknown:
        raise ValueError(f"unknown cleaning steps {sorted(unknown)}; the steps are {list(CLEANING_STEPS)}")
    for name, step in CLEANING_STEPS.items():
        if steps.get(name, True):
            text = step(text)
    return text


@DatasetReader.register("tweets_csv")
class TweetsCsvReader(TextCsvReader):
    """
    Reads tweets from a CSV file with a header, by default the `id,label,tweet` layout of
    the "identify the sentiments" contest; a file without the label column (such as
    `unlabelled.csv`) yields instances without labels, for prediction.

    Each tweet goes through the cleaning of the ELMo feature-extraction tutorial, every step
    switchable: strip URLs, strip punctuation, lower-case, strip digits, squeeze whitespace.
    The tutorial's last step, spaCy lemmatisation, is left out on purpose: spaCy's and
    NLTK WordNet's lemmatisers both need a model download, and ELMo's character input
    does not need lemmas.

    A quoted field that runs over lines is an error naming its first line: in this data it is
    an unterminated quote, which would otherwise swallow every following row.

    Registered as a `DatasetReader` with name "tweets_csv".

    # Parameters

    text_column : `str`, optional (default = `"tweet"`)
    label_column : `str`, optional (default = `"label"`)
    id_column : `str`, optional (default = `"id"`)
        As in `TextCsvReader`.
    strip_urls, strip_punctuation, lowercase, strip_digits, squeeze_whitespace : `bool`, optional
        The cleaning steps, each on by default, applied in this order.
    **kwargs
        Passed to `ClassificationReader`.
    """

    multiline = False

    def __init__(
        self,
        text_column: str = "tweet",
        label_column: str = "label",
        id_column: str = "id",
        strip_urls: bool = True,
        strip_punctuation: bool = True,
        lowercase: bool = True,
        strip_digits: bool = True,
        squeeze_whitespace: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(text_column, label_column, id_column, **kwargs)
        self._steps = {
            "strip_urls": strip_urls,
            "strip_punctuation": strip_punctuation,
            "lowercase": lowercase,
            "strip_digits": strip_digits,
            "squeeze_whitespace": squeeze_whitespace,
        }

    def clean(self, text: str) -> str:
        """Applies the enabled cleaning steps to one tweet (`clean_tweet`)."""
        return clean_tweet(text, **self._steps)

    @overrides
    def text_to_instance(self, text, label=None) -> Instance:  # type: ignore
        """Raw tweets are cleaned like the training data; token lists are used as they are."""
        if isinstance(text, str):
            text = self.clean(text)
        return super().text_to_instance(text, label)
