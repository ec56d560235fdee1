"""`allennlp` subcommands that `sst_elmo` adds (registered on import)."""
from sst_elmo.commands.elmo_cache import ElmoCache
from sst_elmo.commands.elmo_embed import ElmoEmbed
from sst_elmo.commands.elmo_export import ElmoExport
from sst_elmo.commands.sst_calibrate import SstCalibrate
from sst_elmo.commands.sst_compare import SstCompare
from sst_elmo.commands.sst_predict import SstPredict
from sst_elmo.commands.sst_serve import SstServe
from sst_elmo.commands.sst_verify import SstVerify
from sst_elmo.commands.word_vectors import WordVectors
