// One function builds every classification experiment in configs/: the readers, the
// lstm_classifier model, bucketed batches and an Adam trainer with early stopping and
// gradient clipping. Top-level configs pick the data and the input representation.
// The values a tuning study may set go through tunable.value (configs/lib/tunable.libsonnet):
// learning rate, dropout, encoder size, epochs, patience and batch size.
local tunable = import 'tunable.libsonnet';

{
  experiment(
    reader,                      // the training dataset reader (its token_indexers are filled in)
    validation_reader={},        // merged onto the training reader for validation and test
    train_data_path,
    validation_data_path,
    test_data_path=null,         // when set, the best model is evaluated on it after training
    representation,              // {indexers, embedders} from elmo.libsonnet / words.libsonnet
    encoder={ type: 'lstm', hidden_size: 128, bidirectional: true },  // input size is inferred
    feedforward=null,            // e.g. {num_layers: 1, hidden_dims: 64, activations: 'relu'}
    dropout=0.5,
    positive_label=null,
    class_weights=null,
    validation_metric='+accuracy',
    batch_size=32,
    lr=0.001,
    num_epochs=20,
    patience=5,
    grad_norm=5.0,
    seed=13370,
    head=null,                   // another model to use instead of lstm_classifier (e.g. bcn.libsonnet's)
  )::
    local hidden = tunable.value('hidden_size', std.get(encoder, 'hidden_size', null));
    local tuned_encoder = encoder + (if hidden == null then {} else { hidden_size: hidden });
    local embedder = { token_embedders: representation.embedders };
    {
    random_seed: seed,
    numpy_seed: seed + 1,
    pytorch_seed: seed + 2,
    dataset_reader: reader + { token_indexers: representation.indexers },
    validation_dataset_reader: self.dataset_reader + validation_reader,
    train_data_path: train_data_path,
    validation_data_path: validation_data_path,
    [if test_data_path != null then 'test_data_path']: test_data_path,
    evaluate_on_test: test_data_path != null,
    model: if head != null then head + { text_field_embedder: embedder } else {
      type: 'lstm_classifier',
      text_field_embedder: embedder,
      encoder: tuned_encoder,
      [if feedforward != null then 'feedforward']: feedforward,
      dropout: tunable.value('dropout', dropout),
      [if positive_label != null then 'positive_label']: positive_label,
      [if class_weights != null then 'class_weights']: class_weights,
    },
    data_loader: {
      batch_sampler: {
        type: 'bucket', batch_size: tunable.value('batch_size', batch_size), sorting_keys: ['tokens'],
      },
    },
    validation_data_loader: self.data_loader,
    trainer: {
      optimizer: { type: 'adam', lr: tunable.value('lr', lr) },
      num_epochs: tunable.value('num_epochs', num_epochs),
      patience: tunable.value('patience', patience),
      validation_metric: validation_metric,
      grad_norm: grad_norm,
      checkpointer: { type: 'atomic', keep_most_recent_by_count: 1 },  // sst_elmo/training/atomic_checkpointer.py
      // complete_metrics: a recovered run's metrics.json is complete too; tensorboard: event
      // files in SERIALIZATION_DIR/log/ (open with `tensorboard --logdir`); tuning_pruner: in a
      // trial of `allennlp tune`, reports each epoch's validation metric to Optuna's pruner and
      // stops a trial that it prunes (nothing otherwise).
      callbacks: [{ type: 'complete_metrics' }, { type: 'tensorboard' }, { type: 'tuning_pruner' }],
    },
  },
}
