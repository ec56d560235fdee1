"""
The engine of `elmo-embed`: sentences in, one HDF5 file of ELMo vectors out.
"""
