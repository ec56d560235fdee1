"""
Static word vectors trained on your own text: the engine of `allennlp word-vectors`.

`corpus` reads the text that pre-training configs read (their `text_corpus` readers, with the
same tokenizer, sentence splitting and held-out split) and the words of the task data that
classifier configs read; `training` trains gensim's `FastText` (or `Word2Vec`) on that text and
writes the vectors in the GloVe text format that AllenNLP's `embedding.pretrained_file` reads,
with a card that says how they were made.
"""
