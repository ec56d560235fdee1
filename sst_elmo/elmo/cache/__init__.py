"""
The ELMo activation cache: biLM outputs stored once per distinct sentence (LMDB), and
the fill that runs the biLM over a data set's sentences.
"""
