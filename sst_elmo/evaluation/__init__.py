"""
The evaluation room: how good are a classifier's answers, and is one classifier really better
than another? What `allennlp sst-compare` and `allennlp sst-calibrate` do, and what the lab's
reports and shipping pipelines call (as AllenNLP's commands call `allennlp.evaluation`):

- `significance`: the paired tests (exact McNemar, paired bootstrap intervals of accuracy and
  F1), on tables of right and wrong answers;
- `calibration`: the expected calibration error (also behind the `expected_calibration_error`
  metric) and temperature scaling;
- `predictions`: one run's answers on labelled data, from an archive or a predictions file;
- `comparison`: two sides' answers compared, with a verdict in plain words;
- `archive_calibration`: an archive's temperature fitted and written into a copy of it;
- `reliability_plot`: the reliability diagram (matplotlib, imported only for a plot).

It loads archives only through `sst_elmo.safety` and reads models through their outputs, so it
sits just above `safety`; the commands sit above it and give it paths (a shipped classifier's
name is theirs to resolve).
"""
