"""
ELMo files: the HDF5 weight layout and options of a biLM, the checks that an options/weights
pair is well formed before it is loaded, building an `_ElmoBiLm` from them (or from new random
weights), exporting a trained `elmo_bilm` to them, and the `shipped://` names of shipped ones.
"""
