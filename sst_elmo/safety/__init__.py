"""
The archive checks and hooks: what makes loading an archive, a config or a weights file
from anywhere safe (member lists, sizes, nesting, registered types, restricted unpickling),
and the narrow hooks that put those checks into AllenNLP's own loading.
"""
