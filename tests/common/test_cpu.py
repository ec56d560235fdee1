import os
import subprocess
import sys

import pytest

from sst_elmo.common.cpu import (
    MKL_VARIABLE,
    cpu_vendor,
    machine_description,
    matmul_gflops,
    native_bf16,
    prefer_fast_mkl,
)


def _cpuinfo(tmp_path, vendor):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: 25\n")
    return str(path)


def test_amd_gets_the_avx2_path(tmp_path):
    environ = {}
    assert prefer_fast_mkl(environ, _cpuinfo(tmp_path, "AuthenticAMD"))
    assert environ == {MKL_VARIABLE: "5"}


@pytest.mark.parametrize("vendor", ["GenuineIntel", "HygonGenuine", ""])
def test_other_cpus_are_unchanged(tmp_path, vendor):
    environ = {}
    assert not prefer_fast_mkl(environ, _cpuinfo(tmp_path, vendor))
    assert environ == {}


def test_a_users_own_setting_wins(tmp_path):
    environ = {MKL_VARIABLE: ""}
    assert not prefer_fast_mkl(environ, _cpuinfo(tmp_path, "AuthenticAMD"))
    assert environ == {MKL_VARIABLE: ""}


def test_no_cpuinfo_changes_nothing(tmp_path):
    environ = {}
    assert cpu_vendor(str(tmp_path / "missing")) is None
    assert not prefer_fast_mkl(environ, str(tmp_path / "missing"))
    assert environ == {}


@pytest.mark.skipif(cpu_vendor() != "AuthenticAMD", reason="needs an AMD CPU")
def test_importing_the_plugin_after_torch_sets_it():
    # As the allennlp CLI does: torch first, then the plugin, then arithmetic.
    env = {k: v for k, v in os.environ.items() if k != MKL_VARIABLE}
    code = "import torch, os, sst_elmo; print(os.environ.get('MKL_DEBUG_CPU_TYPE'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "5"


def test_matmul_gflops_is_a_positive_rate():
    assert matmul_gflops(size=64, repeats=2, threads=1) > 0
    assert matmul_gflops(size=64, repeats=2, threads=1, dtype="bfloat16") > 0


@pytest.mark.parametrize(
    "flags, expected",
    [
        ("fpu avx2 fma avx512f avx512bw", False),  # AVX-512 without BF16
        ("fpu avx2 fma vaes", False),  # AVX2 only (e.g. Zen 3)
        ("fpu avx512f avx512_bf16", True),  # Zen 4, Cooper Lake
        ("fpu avx512f amx_bf16 amx_tile", True),  # Sapphire Rapids
    ],
)
def test_native_bf16_reads_the_flags(tmp_path, flags, expected):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: X\nflags\t\t: {flags}\n")
    assert native_bf16(str(path)) is expected


def test_native_bf16_is_false_without_cpuinfo(tmp_path):
    assert native_bf16(str(tmp_path / "absent")) is False


def test_machine_description_names_the_cpu_model_and_the_cores(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\n"
                       "model name\t: Intel(R) Xeon(R) Platinum 8480+\n")
    assert machine_description(str(cpuinfo)) == f"Intel(R) Xeon(R) Platinum 8480+, {os.cpu_count()} cores"
    assert machine_description(str(tmp_path / "missing")).endswith(f", {os.cpu_count()} cores")
