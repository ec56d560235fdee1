"""
The engine of `elmo-embed`: sentences in (`sentence_input`), one HDF5 file of ELMo vectors out
(`embedding_writer`).
"""
