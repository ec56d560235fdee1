"""
The checks every JSON request of `allennlp sst-serve` passes before anything else reads it: the
body parsed with numbers bounded, only the fields an endpoint uses, each of its type, text that
is valid Unicode, tokens that are not blank; and the answer cache's key, made from those fields
alone. A refused request raises a `RequestError`: one line for people, details for programs.
"""
import hashlib
import json
from typing import Any, Dict, Sequence, Tuple

from sst_elmo.dataset_readers.sentence_jsonl import TEXT_KEYS

# Where errors in a request's inputs point: `request:N` is the N-th input of a list.
REQUEST = "request"
# The fields each endpoint reads from an input; any other is refused.
FIELDS: Dict[str, Tuple[str, ...]] = {
    "/predict": TEXT_KEYS,
    "/interpret": TEXT_KEYS + ("method",),
    "/attack": TEXT_KEYS + ("method",),
}
# The longest field name or value shown in an error message.
SHOWN = 60


class RequestError(Exception):
    """
    A request the server refuses. `str(error)` is one line that says what is wrong (and, where
    a person can do something about it, what to do); `details` are the same facts for programs,
    sent beside it in the JSON answer.

    # Parameters

    message : `str`
        One line.
    status : `int`, optional (default = `400`)
    code : `str`, optional (default = `"bad_request"`)
        A stable name for the kind of error (`unknown_field`, `wrong_type`, `too_long_to_explain`,
        `busy`, ...).
    **details
        JSON values: `input` (1-based, in a list), `field`, `expected`, and others by `code`.
    """

    def __init__(self, message: str, status: int = 400, code: str = "bad_request", **details: Any) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status
        self.code = code
        self.details = details


def shown(value: Any) -> str:
    """`value` as an error message shows it: its `ascii()`, shortened to `SHOWN` characters."""
    text = ascii(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def where(number: int, is_list: bool) -> str:
    """`request` for a single input, `request:N` for the N-th of a list."""
    return f"{REQUEST}:{number}" if is_list else REQUEST


def parse_json(text: str) -> Any:
    """
    `json.loads(text)`, with every number read as a float: a 100,000-digit integer is `inf`, not
    Python's `ValueError` for long integer strings (no field takes a number, so the type check
    that follows refuses it, naming the field).
    """
    return json.loads(text, parse_int=float)


def json_type(value: Any) -> str:
    """The JSON name of `value`'s type: `a string`, `a number`, `an object`, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    for kind, name in ((str, "a string"), (float, "a number"), (int, "a number"), (list, "a list"),
                       (dict, "an object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def checked_text(value: str, label: str, place: str, **details: Any) -> None:
    """Refuses a string that is not valid Unicode (a lone surrogate such as `"\\ud800"`)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RequestError(f"{place}: {label} is not valid text: a lone surrogate {shown(value[error.start])} "
                           f"at character {error.start + 1}", code="invalid_text", **details) from None


def _checked_tokens(value: Any, place: str, number: int) -> None:
    if not isinstance(value, list):
        raise RequestError(f'{place}: "tokens" must be a list of strings, not {json_type(value)}',
                           code="wrong_type", input=number, field="tokens", expected="a list of strings")
    for index, token in enumerate(value):
        field = f'"tokens"[{index}]'
        if not isinstance(token, str):
            raise RequestError(f'{place}: "tokens" must be a list of strings; {field} is {json_type(token)}',
                               code="wrong_type", input=number, field="tokens", expected="a list of strings")
        if not token.strip():
            raise RequestError(f"{place}: {field} is {'empty' if not token else 'only spaces'}: every token "
                               "needs a character that is not a space", code="blank_token", input=number,
                               field="tokens", index=index)
        checked_text(token, field, place, input=number, field="tokens", index=index)


def checked_input(item: Any, accepted: Sequence[str], number: int, is_list: bool) -> Dict[str, Any]:
    """One input object with each field known and of its type, or a `RequestError` naming the field."""
    place = where(number, is_list)
    if not isinstance(item, dict):
        raise RequestError(f"{place}: expected a JSON object, not {json_type(item)}", code="wrong_type",
                           input=number, expected="an object")
    for field, value in item.items():
        if field not in accepted:
            raise RequestError(f"{place}: unknown field {shown(field)}; this endpoint takes "
                               f"{', '.join(repr(name) for name in accepted)}", code="unknown_field",
                               input=number, field=field[:SHOWN], accepted=list(accepted))
        if field == "tokens":
            _checked_tokens(value, place, number)
        elif not isinstance(value, str):
            raise RequestError(f'{place}: "{field}" must be a string, not {json_type(value)}', code="wrong_type",
                               input=number, field=field, expected="a string")
        else:
            checked_text(value, f'"{field}"', place, input=number, field=field)
    return item


def checked_body(body: Any, endpoint: str) -> Any:
    """`body` (one input or a list of them) with every input checked by `checked_input`."""
    accepted = FIELDS[endpoint]
    if isinstance(body, list):
        return [checked_input(item, accepted, number, True) for number, item in enumerate(body, start=1)]
    return checked_input(body, accepted, 1, False)


def cache_key(endpoint: str, body: Any) -> str:
    """
    The answer cache's key of a checked body: a SHA-256 of the endpoint and the body's canonical
    JSON (keys sorted), so that every key has the same small size whatever the request's.
    """
    canonical = json.dumps([endpoint, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def error_body(error: RequestError) -> Dict[str, Any]:
    """The JSON answer of `error`: `{"error": "one line", "code": ..., **details}`."""
    return {"error": str(error), "code": error.code, **error.details}

