"""
Text cleaning that readers, tokenizers and the predictor share: URLs and @handles, which a
model trained on the Stanford Sentiment Treebank has never read (SST has none).
"""
import re

# A URL as the ELMo feature-extraction tutorial's cleaning finds one (http(s):// or www.).
URL = re.compile(r"https?://\S+|www\.\S+")
# An @handle: "@" and word characters, not inside a word or an e-mail address.
HANDLE = re.compile(r"(?<![\w@])@\w+")


def strip_urls(text: str) -> str:
    """`text` with every URL replaced by a space."""
    return URL.sub(" ", text)


def strip_urls_and_handles(text: str) -> str:
    """
    `text` without its URLs and @handles, spaces squeezed; the rest as it was. E-mail addresses
    stay ("write to a@b.com"). The `treebank` tokenizer's `strip_urls_and_handles` and the
    predictor's option of the same name apply it to raw text.
    """
    return " ".join(HANDLE.sub(" ", strip_urls(text)).split())
