// The backend factory: the only file that names the implementations (cpu/, cuda/) and decides, with the reason,
// which one runs a model. The CUDA backend is a library of its own, loaded with dlopen when a GPU is asked for.
#include "backends.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cuda/plugin_api.h"
#include "whalesong/devices.h"

namespace ws {
namespace detail {
namespace {

/// The loaded CUDA backend library, or why there is none. Loaded once per process and never unloaded (the CUDA
/// runtime does not survive being unloaded).
struct CudaPlugin {
    const cuda::PluginApi* api = nullptr;
    std::string problem;
};

std::filesystem::path executableDir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe.parent_path();
}

/// Where the library may be: $WHALESONG_CUDA_LIBRARY alone when set; else beside the program, in
/// ../lib/whalesong or ../lib/<multiarch>/whalesong (installed layouts), and in the build tree that made this engine.
std::vector<std::filesystem::path> pluginCandidates() {
    if (const char* env = std::getenv("WHALESONG_CUDA_LIBRARY"); env && *env) return {env};
    std::vector<std::filesystem::path> out;
    if (const auto dir = executableDir(); !dir.empty()) {
        out.push_back(dir / cuda::kPluginFile);
        out.push_back(dir.parent_path() / "lib" / "whalesong" / cuda::kPluginFile);
#ifdef WS_LIBRARY_ARCHITECTURE // Debian's multiarch folder, where the package puts it: /usr/lib/x86_64-linux-gnu/whalesong
        out.push_back(dir.parent_path() / "lib" / WS_LIBRARY_ARCHITECTURE / "whalesong" / cuda::kPluginFile);
#endif
    }
#ifdef WS_CUDA_PLUGIN_BUILD_DIR
    out.push_back(std::filesystem::path(WS_CUDA_PLUGIN_BUILD_DIR) / cuda::kPluginFile);
#endif
    return out;
}

CudaPlugin openCudaPlugin() {
    CudaPlugin p;
    if (!cudaBuilt()) {
        p.problem = "this build has no CUDA backend (the CUDA toolkit was not found when it was configured)";
        return p;
    }
    std::filesystem::path found;
    for (const auto& c : pluginCandidates()) {
        std::error_code ec;
        if (std::filesystem::exists(c, ec)) {
            found = c;
            break;
        }
    }
    if (found.empty()) {
        std::string where;
        for (const auto& c : pluginCandidates()) where += (where.empty() ? "" : ", ") + c.string();
        p.problem = std::string("the CUDA backend library ") + cuda::kPluginFile + " is not installed (looked in " +
                    where + ")";
        return p;
    }
    // RTLD_LOCAL: its copies of CUDA, cuBLAS and the engine stay to itself.
    void* handle = dlopen(found.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* e = dlerror();
        p.problem = found.string() + " cannot be loaded: " + (e ? e : "unknown error") +
                    " (are the CUDA 13 runtime libraries, cuBLAS and cuBLASLt installed?)";
        return p;
    }
    auto entry = reinterpret_cast<WsCudaPluginEntry>(dlsym(handle, cuda::kPluginEntry));
    const cuda::PluginApi* api = entry ? entry() : nullptr;
    const cuda::PluginApi expected;
    if (!api) {
        p.problem = found.string() + ": not a Whalesong CUDA backend (no " + cuda::kPluginEntry + ")";
    } else if (api->abi != expected.abi || std::strcmp(api->buildId, expected.buildId) != 0 ||
               std::memcmp(api->sizes, expected.sizes, sizeof expected.sizes) != 0) {
        p.problem = found.string() + ": built for another version of Whalesong (" + api->buildId + "; this is " +
                    expected.buildId + ")";
    } else if (!api->queryDevices || !api->createModel) {
        p.problem = found.string() + ": incomplete backend entry";
    } else {
        p.api = api;
        return p;
    }
    dlclose(handle); // nothing of it was run but its constructors
    return p;
}

const CudaPlugin& cudaPlugin() {
    static std::once_flag once;
    static CudaPlugin plugin;
    std::call_once(once, [] { plugin = openCudaPlugin(); });
    return plugin;
}

/// Why CUDA cannot run this load, or empty when it can.
std::string whyNotCuda(const LoadOptions& options) {
    const DeviceReport devices = queryDevices();
    if (devices.gpus.empty()) return devices.gpuProblem;
    if (options.gpu < 0 || options.gpu >= static_cast<int>(devices.gpus.size()))
        return "GPU " + std::to_string(options.gpu) + " does not exist (" + std::to_string(devices.gpus.size()) +
               " visible)";
    return {};
}

} // namespace

Result<BackendChoice> chooseBackend(const LoadOptions& options) {
    BackendChoice choice;
    if (options.backend == Backend::Cpu) return choice;
    const std::string why = whyNotCuda(options);
    if (why.empty()) {
        choice.backend = Backend::Cuda;
        if (options.backend == Backend::Auto) choice.note = "GPU " + std::to_string(options.gpu);
        return choice;
    }
    if (options.backend == Backend::Cuda) return Result<BackendChoice>(Code::Unsupported, "backend cuda: " + why);
    choice.note = "the CPU, because " + why;
    return choice;
}

Result<std::unique_ptr<BackendModel>> createBackend(BackendChoice& choice, const ModelConfig& config,
                                                    TensorStore store, ModelWeights weights,
                                                    const LoadOptions& options) {
    using R = Result<std::unique_ptr<BackendModel>>;
    if (choice.backend == Backend::Cuda) {
        const CudaPlugin& plugin = cudaPlugin();
        Status why;
        if (plugin.api) {
            // The GPU keeps its own copy of the weights: the mappings are released once it is made.
            auto m = plugin.api->createModel(config, store, weights, options);
            if (m) return m;
            why = m.status();
        } else {
            why = Status(Code::Unsupported, plugin.problem);
        }
        if (options.backend != Backend::Auto) return R(why.code(), "backend cuda: " + why.message());
        choice = BackendChoice{Backend::Cpu, "the CPU, because " + why.message()};
    }
    if (choice.backend != Backend::Cpu) return R(Code::Internal, "backend auto must be resolved before loading");
    return std::unique_ptr<BackendModel>(
        std::make_unique<cpu::CpuModel>(config, std::move(store), std::move(weights), options.threads));
}

} // namespace detail

bool cudaBuilt() {
#ifdef WS_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

DeviceReport queryDevices() {
    const detail::CudaPlugin& plugin = detail::cudaPlugin();
    if (plugin.api) return plugin.api->queryDevices();
    DeviceReport r;
    r.backends.push_back("cpu");
    r.gpuProblem = plugin.problem;
    return r;
}

} // namespace ws
