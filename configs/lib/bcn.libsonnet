// allennlp-models' biattentive classification network (`bcn`, McCann et al. 2017), the head
// of the ELMo paper's SST result, as a `head` for classifier.experiment: a feedforward over
// the embedded tokens, a biLSTM encoder, biattention of the encoding with itself, a biLSTM
// integrator, max/min/mean/self-attentive pooling and a 3-layer maxout output. The sizes are
// allennlp-models' SST config's, all from `hidden`; ELMo comes in the text field embedder
// (our cached_elmo, keyed 'bilm': bcn refuses an embedder named 'elmo'), as its
// use_input_elmo would add it.
//   input_dim: the embedder's output (words.dim(...) + elmo.output_dim)
{
  head(input_dim, num_labels, hidden=300, embedding_dropout=0.25, integrator_dropout=0.1):: {
    type: 'bcn',
    embedding_dropout: embedding_dropout,
    pre_encode_feedforward: {
      input_dim: input_dim, num_layers: 1, hidden_dims: [hidden], activations: ['relu'], dropout: [0.25],
    },
    encoder: { type: 'lstm', input_size: hidden, hidden_size: hidden, num_layers: 1, bidirectional: true },
    // [encoded; encoded - context; encoded * context], each 2 x hidden
    integrator: { type: 'lstm', input_size: 6 * hidden, hidden_size: hidden, num_layers: 1, bidirectional: true },
    integrator_dropout: integrator_dropout,
    // max, min, mean and self-attentive pools of the 2 x hidden integrator output
    output_layer: {
      input_dim: 8 * hidden, num_layers: 3, output_dims: [4 * hidden, 2 * hidden, num_labels],
      pool_sizes: 4, dropout: [0.2, 0.3, 0.0],
    },
  },
}
