// One function builds every biLM pre-training experiment in configs/pretrain/: the text_corpus
// reader (ELMo character ids + lm_words targets), the elmo_bilm model, bucketed batches read
// chunk by chunk (the corpus is streamed, never held in memory) and a trainer that keeps
// checkpoints. Export the result with `allennlp elmo-export model.tar.gz OUTPUT_DIR`.
local paths = import '../lib/paths.libsonnet';

{
  // IMDB's 50,000 unlabelled reviews: SST_ELMO_DATA/imdb/unsup.txt.gz (default data/imdb/).
  imdb_unsup:: paths.imdb('unsup.txt.gz'),

  // The content of an ELMo options.json ({char_cnn, lstm}) for a biLM shape: LSTM `dim` cells
  // projected to `projection_dim`, and a character CNN with `filters` ([[width, number], ...]).
  // The other keys have the published ELMo models' values unless given.
  options(
    dim,
    projection_dim,
    filters,
    n_layers=2,
    n_highway=1,
    char_dim=16,
    cell_clip=3,
    proj_clip=3,
    activation='relu',
  ):: {
    lstm: {
      dim: dim,
      projection_dim: projection_dim,
      n_layers: n_layers,
      cell_clip: cell_clip,
      proj_clip: proj_clip,
      use_skip_connections: true,
    },
    char_cnn: {
      embedding: { dim: char_dim },
      filters: filters,
      n_highway: n_highway,
      n_characters: 262,
      max_characters_per_token: 50,
      activation: activation,
    },
  },

  experiment(
    options,                    // ELMo options.json content: {char_cnn, lstm}; see options(...);
                                // null with options_file
    train_data_path,            // a file, or a list of files read one after another
    validation_data_path=null,  // null: the same file, with a held-out split of its documents
    validation_fraction=0.01,   // share of documents held out when validation_data_path is null
    weight_file=null,           // a bilm-tf hdf5 to continue pre-training from
    options_file=null,          // instead of options: its options.json (e.g. a shipped ELMo's)
    reader={},                  // more text_corpus parameters (e.g. csv_column for CSV files)
    num_samples=null,           // sampled softmax with this many samples; null: full softmax
    dropout=0.1,
    bf16=false,                 // bfloat16 autocast for the matrix products (fast path only):
                                // true, false, or 'auto' (bf16 where the hardware has it natively)
    min_count=3,                // lm_words vocabulary: minimum count and maximum size
    max_vocab_size=50000,
    max_sentence_length=50,     // longer sentences are cut into chunks
    batch_size=32,
    max_instances_in_memory=3200,
    batches_per_epoch=null,     // null: an epoch is the whole corpus
    max_validation_instances=null,
    optimizer={ type: 'adam', lr: 0.001 },
    num_epochs=10,
    patience=null,
    grad_norm=10.0,
    save_every_num_seconds=null,
    seed=13370,
  ):: {
    local held_out = validation_data_path == null,
    random_seed: seed,
    numpy_seed: seed + 1,
    pytorch_seed: seed + 2,
    dataset_reader: {
      type: 'text_corpus',
      token_indexers: {
        elmo: { type: 'elmo_characters' },
        words: { type: 'single_id', namespace: 'lm_words' },
      },
      max_sentence_length: max_sentence_length,
      [if held_out then 'split']: 'train',
    } + reader + {
      [if held_out then 'validation_fraction']: validation_fraction,
    },
    validation_dataset_reader: self.dataset_reader + {
      [if held_out then 'split']: 'validation',
      [if max_validation_instances != null then 'max_instances']: max_validation_instances,
    },
    train_data_path: train_data_path,
    validation_data_path: if held_out then train_data_path else validation_data_path,
    datasets_for_vocab_creation: ['train'],
    vocabulary: {
      min_count: { lm_words: min_count },
      max_vocab_size: { lm_words: max_vocab_size },
    },
    model: {
      type: 'elmo_bilm',
      [if options != null then 'options']: options,
      [if options_file != null then 'options_file']: options_file,
      dropout: dropout,
      [if weight_file != null then 'weight_file']: weight_file,
      [if num_samples != null then 'num_samples']: num_samples,
      [if bf16 != false then 'bf16']: bf16,
    },
    data_loader: {
      batch_sampler: { type: 'bucket', batch_size: batch_size, sorting_keys: ['tokens'] },
      max_instances_in_memory: max_instances_in_memory,
      [if batches_per_epoch != null then 'batches_per_epoch']: batches_per_epoch,
    },
    validation_data_loader: {
      batch_sampler: { type: 'bucket', batch_size: batch_size, sorting_keys: ['tokens'] },
      max_instances_in_memory: max_instances_in_memory,
    },
    trainer: {
      // AllenNLP's gradient_descent, except that --recover does not read the finished epochs again.
      type: 'quick_recover',
      optimizer: optimizer,
      num_epochs: num_epochs,
      [if patience != null then 'patience']: patience,
      validation_metric: '-perplexity',
      grad_norm: grad_norm,
      checkpointer: {
        type: 'atomic',  // written to a temporary file, then renamed: never half-written
        keep_most_recent_by_count: 2,
        [if save_every_num_seconds != null then 'save_every_num_seconds']: save_every_num_seconds,
      },
      // complete_metrics: a recovered run's metrics.json is complete too; tensorboard: event
      // files in SERIALIZATION_DIR/log/ (open with `tensorboard --logdir`).
      callbacks: [{ type: 'complete_metrics' }, { type: 'training_clock' }, { type: 'tensorboard' }],
    },
  },
}
