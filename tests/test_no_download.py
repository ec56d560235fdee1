import subprocess
import sys

# Imports everything an `allennlp` command imports (the default plugins, allennlp-models
# included, then sst_elmo) with NLTK's downloader and socket connections made to fail loudly.
PROBE = """
import socket
import nltk

def refuse(*args, **kwargs):
    raise SystemExit(f"a download was attempted: {args}")

nltk.download = refuse
socket.socket.connect = refuse
from allennlp.common.plugins import import_plugins
import_plugins()
import sst_elmo
import allennlp.commands.checklist as checklist  # every `allennlp` command imports it (and CheckList)
print(checklist.CheckList.__module__)
print("no download")
"""


def test_starting_allennlp_with_the_plugin_downloads_nothing():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no download" in result.stdout
    # scripts/vendor/checklist is installed and imports without a download: not the dummy command
    assert "allennlp.commands._checklist_internal" in result.stdout.splitlines()
