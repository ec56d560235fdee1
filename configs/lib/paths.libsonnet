// Where every data set comes from. Online defaults need no set-up; for local files set
//   SST_ELMO_DATA=/path/to/data   (a directory laid out like ../shared/data: sst/, tweets/, imdb/)
// or override a single path: --overrides '{"train_data_path": "/my/train.txt"}'.
// (Importing sst_elmo sets unset SST_ELMO_* variables to "", which means "default".)
local data_root = std.extVar('SST_ELMO_DATA');
local under_root(relative, default) = if data_root == '' then default else data_root + '/' + relative;

{
  // SST PTB trees, the same files AllenNLP's sst_tokens reader reads.
  sst(split):: under_root('sst/' + split + '.txt',
                          'https://allennlp.s3.amazonaws.com/datasets/sst/' + split + '.txt'),
  // The tweets contest data has no public download URL: put it in ./data/tweets or set SST_ELMO_DATA.
  tweets(file):: under_root('tweets/' + file, 'data/tweets/' + file),
  // IMDB reviews as JSONL ({"id", "text", "label"}), see README "Data and citations".
  imdb(file):: under_root('imdb/' + file, 'data/imdb/' + file),
}
