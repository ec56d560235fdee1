"""`allennlp` subcommands that `sst_elmo` adds (registered on import)."""
from sst_elmo.commands.elmo_embed import ElmoEmbed
from sst_elmo.commands.elmo_export import ElmoExport
