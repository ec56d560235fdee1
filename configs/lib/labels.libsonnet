// The names a person reads for each data set's labels (the readers' `label_names`; the
// predictor adds `label_name` to its outputs, the serving page shows it).
{
  sst: {
    '5-class': { '0': 'very negative', '1': 'negative', '2': 'neutral', '3': 'positive', '4': 'very positive' },
    '3-class': { '0': 'negative', '1': 'neutral', '2': 'positive' },
    '2-class': { '0': 'negative', '1': 'positive' },
  },
  // shared/data/tweets: 1 is a negative tweet, 0 any other.
  tweets: { '0': 'not negative', '1': 'negative' },
  imdb: { neg: 'negative', pos: 'positive' },
}
