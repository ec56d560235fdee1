"""
The CPU's full matrix speed on AMD processors.

PyTorch 1.12 bundles Intel MKL 2020.0, which picks its code path from the CPU's vendor: on
an AMD CPU it runs a generic SSE path for fp32 matrix products (about 28 GFLOP/s per core on
a Zen 4 EPYC) instead of the AVX2 one (about 78). MKL 2020 still honours the environment
variable `MKL_DEBUG_CPU_TYPE=5`, which forces the AVX2 path. MKL reads it once, at its first
BLAS call, not when the library is loaded, so setting it in `os.environ` any time before the
first matrix product takes effect, also after `import torch`.

`prefer_fast_mkl` is called first thing when `sst_elmo` is imported: before the `allennlp`
CLI (which imports plugins before running a command), the `sst-*`/`elmo-*` commands, the
scripts and the tests do any arithmetic. It changes nothing on Intel or other CPUs, nor when
the user has set `MKL_DEBUG_CPU_TYPE` themselves (set it to an empty string to opt out).
`matmul_gflops` measures what a process actually gets; the benchmarks print it.
"""
import os
import platform
import time
from typing import MutableMapping, Optional

MKL_VARIABLE = "MKL_DEBUG_CPU_TYPE"
# MKL's code for its AVX2 path.
MKL_AVX2 = "5"


def cpu_field(name: str, cpuinfo_path: str = "/proc/cpuinfo") -> Optional[str]:
    """A field of the first CPU in `/proc/cpuinfo` (e.g. `vendor_id`, `model name`), or `None`."""
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, sep, value = line.partition(":")
                if sep and key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def machine_description(cpuinfo_path: str = "/proc/cpuinfo") -> str:
    """A line naming this machine for a figure or a model card: its CPU's model name and its cores."""
    model = cpu_field("model name", cpuinfo_path) or platform.processor() or platform.machine()
    return f"{model}, {os.cpu_count()} cores"


def cpu_vendor(cpuinfo_path: str = "/proc/cpuinfo") -> Optional[str]:
    """The `vendor_id` of the first CPU (e.g. `AuthenticAMD`), or `None` where unknown."""
    return cpu_field("vendor_id", cpuinfo_path)


# /proc/cpuinfo flags of the instructions oneDNN runs bfloat16 matrix products on natively.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def native_bf16(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """
    Whether this CPU multiplies bfloat16 matrices in hardware (AVX-512 BF16 or AMX): there
    bf16 products are several times faster than fp32; elsewhere (e.g. AVX2-only CPUs) oneDNN
    emulates them at a small fraction of the fp32 speed. `False` where `/proc/cpuinfo` is
    unreadable.
    """
    flags = (cpu_field("flags", cpuinfo_path) or "").split()
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def prefer_fast_mkl(
    environ: Optional[MutableMapping[str, str]] = None, cpuinfo_path: str = "/proc/cpuinfo"
) -> bool:
    """
    Sets `MKL_DEBUG_CPU_TYPE=5` on an AMD CPU when it is unset. Returns whether it set it.
    Child processes (e.g. `allennlp train` launched by a script) inherit the setting.
    """
    environ = os.environ if environ is None else environ
    if MKL_VARIABLE in environ or cpu_vendor(cpuinfo_path) != "AuthenticAMD":
        return False
    environ[MKL_VARIABLE] = MKL_AVX2
    return True


def matmul_gflops(
    size: int = 1024, repeats: int = 20, threads: Optional[int] = None, dtype: str = "float32"
) -> float:
    """
    Matrix-product speed of this process, GFLOP/s (`size` x `size` products in `dtype`,
    "float32" or "bfloat16": on CPUs with AMX or AVX-512 BF16, oneDNN runs bfloat16 products
    several times faster).
    """
    import torch

    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        left = torch.randn(size, size).to(getattr(torch, dtype))
        right = torch.randn(size, size).to(getattr(torch, dtype))
        for _ in range(3):
            left @ right
        start = time.perf_counter()
        for _ in range(repeats):
            left @ right
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(previous)
    return 2.0 * size**3 * repeats / seconds / 1e9
