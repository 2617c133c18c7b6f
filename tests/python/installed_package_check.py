"""Run by the ctest install.python: the package as `cmake --install` laid
it out, imported from the prefix alone, trains, records and reads its log."""

import os
import sys

prefix = sys.argv[1]

import torch  # noqa: E402
import tensorswap as ts  # noqa: E402

assert ts.__file__.startswith(prefix), f"imported {ts.__file__}, not the installed package"

torch.manual_seed(0)
ts.options(min_bytes=0)
layers = torch.nn.ModuleList(torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.GELU())
                             for _ in range(4))
ts.swap(layers, "installed.layer.*")
log = os.path.join(os.path.dirname(prefix), "installed.tswap")
with ts.profile(log):
    for _ in range(2):
        x = torch.randn(8, 64)
        for layer in layers:
            x = layer(x)
        x.pow(2).mean().backward()
with open("/proc/self/maps") as maps:
    libraries = {line.split()[-1] for line in maps if "libtswap_" in line}
assert libraries and all(lib.startswith(prefix) for lib in libraries), libraries
counters = ts.stats().per_tag["installed.layer.*"]
assert counters.tensors_swapped_out > 0, counters
trace = ts.trace.load(log)
ts.testing.assert_ordering_rules(trace)
print(f"installed package: {counters.tensors_swapped_out} tensors swapped, "
      f"{len(trace)} events, ordering rules hold")
