// Devices: the compute backends this build has and the GPUs it can see (`whalesong-cli devices`, the settings).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ws {

struct GpuInfo {
    int index = 0;
    std::string name;
    int computeMajor = 0; ///< compute capability, e.g. 9.0 for Hopper
    int computeMinor = 0;
    std::uint64_t totalBytes = 0;
    std::uint64_t freeBytes = 0;
};

struct DeviceReport {
    std::vector<std::string> backends; ///< compiled in: "cpu", and "cuda" when the CUDA toolkit was found
    std::vector<GpuInfo> gpus;         ///< visible CUDA devices (none without the CUDA backend)
    std::string gpuProblem;            ///< why no GPU is usable, when none is ("no CUDA driver", …); else empty
};

/// Whether this build has the CUDA backend.
bool cudaBuilt();
/// Asks the CUDA runtime (when built in) which GPUs are visible. Thread-safe; never fails: problems are reported.
DeviceReport queryDevices();

} // namespace ws
