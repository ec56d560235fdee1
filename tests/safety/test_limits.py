import json

import pytest
import torch

from sst_elmo.common.errors import InputError
from sst_elmo.safety.limits import DEFAULTS, LimitError, json_depth, limit, read_json_within_limits


def test_limits_have_defaults_and_read_the_environment_each_time(monkeypatch):
    monkeypatch.delenv("SST_ELMO_MAX_CONFIG_DEPTH", raising=False)
    assert limit("SST_ELMO_MAX_CONFIG_DEPTH") == DEFAULTS["SST_ELMO_MAX_CONFIG_DEPTH"]
    monkeypatch.setenv("SST_ELMO_MAX_CONFIG_DEPTH", "2_000")
    assert limit("SST_ELMO_MAX_CONFIG_DEPTH") == 2000
    for bad, message in [("lots", "is not an integer"), ("-1", "is negative")]:
        monkeypatch.setenv("SST_ELMO_MAX_CONFIG_DEPTH", bad)
        with pytest.raises(InputError, match=f"environment: SST_ELMO_MAX_CONFIG_DEPTH='{bad}' {message}"):
            limit("SST_ELMO_MAX_CONFIG_DEPTH")


@pytest.mark.parametrize("value", [{}, [], 1, "x", {"a": [1, {"b": [[[]]]}]}, [[["[[[", "]]]]]]}"]]],
                                   {'k"[': "\\", "v": ['"{{{']}])
def test_json_depth_matches_the_parsed_value(value):
    def depth(v):
        if isinstance(v, dict):
            return 1 + max(map(depth, v.values()), default=0)
        if isinstance(v, list):
            return 1 + max(map(depth, v), default=0)
        return 0

    assert json_depth(json.dumps(value)) == depth(value)


def test_read_json_within_limits(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"a": [[1]]}))
    assert read_json_within_limits(str(path)) == {"a": [[1]]}
    monkeypatch.setenv("SST_ELMO_MAX_CONFIG_DEPTH", "2")
    with pytest.raises(LimitError, match=r"nested 3 deep, over the limit of 2 \(SST_ELMO_MAX_CONFIG_DEPTH\)"):
        read_json_within_limits(str(path))
    monkeypatch.setenv("SST_ELMO_MAX_CONFIG_BYTES", "5")
    with pytest.raises(LimitError, match=f"c.json: {path.stat().st_size} bytes, over the limit of 5"):
        read_json_within_limits(str(path))
    monkeypatch.delenv("SST_ELMO_MAX_CONFIG_BYTES")
    monkeypatch.delenv("SST_ELMO_MAX_CONFIG_DEPTH")
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputError, match="not UTF-8"):
        read_json_within_limits(str(path))
    path.write_text("{'jsonnet': 1 + 1}")
    with pytest.raises(InputError, match="not JSON"):
        read_json_within_limits(str(path))


def test_read_state_dict_keeps_allennlp_prefix_and_ignore_options(tmp_path):
    from allennlp.nn.util import read_state_dict

    from sst_elmo.safety.archive_hooks import read_state_dict_safely

    assert read_state_dict is read_state_dict_safely
    torch.save({"module.a": torch.ones(1), "module.b": torch.zeros(2)}, tmp_path / "w.th")
    assert list(read_state_dict(str(tmp_path / "w.th"))) == ["module.a", "module.b"]
    assert list(read_state_dict(str(tmp_path / "w.th"), strip_prefix="module.", ignore=["module.b"])) == ["a"]
    with pytest.raises(ValueError, match="'ignore' parameter should be a list"):
        read_state_dict(str(tmp_path / "w.th"), ignore="module.b")
