"""
Running a biLM: `FastElmoBiLm` (the project's stateless biLM kernel) and its training scan,
`BiLmRunner` (stateless activations of every layer), `use_fast_bilm` (model surgery for a
loaded model's frozen ELMo) and the top-layer scalar mix.
"""
