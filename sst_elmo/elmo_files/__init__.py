"""
ELMo files: the HDF5 weight layout and options of a biLM, exporting a trained `elmo_bilm`
to them, and the checks that an options/weights pair is well formed before it is loaded.
"""
