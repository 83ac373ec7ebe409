// Process-wide libtorch state: version, threads, seeds, grad mode, autocast, CUDA.
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "binding.h"

#ifdef MEATUS_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace meatus {

#define MEATUS_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

static Napi::Value Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("version", TORCH_VERSION);
  o.Set("cudaCompiled",
#ifdef MEATUS_CUDA
        true
#else
        false
#endif
  );
  o.Set("cudaAvailable", torch::cuda::is_available());
  o.Set("cudaDeviceCount", static_cast<double>(torch::cuda::device_count()));
  o.Set("numThreads", at::get_num_threads());
  o.Set("parallelInfo", at::get_parallel_info());
  o.Set("cxx11Abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
  return o;
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args a(info, 0, "setNumThreads");
  int64_t n = a.I(0);
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: expected a positive integer, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  Args a(info, 0, "manualSeed");
  torch::manual_seed(static_cast<uint64_t>(a.I(0)));
  return info.Env().Undefined();
}

// setGradEnabled(bool) → previous
static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  Args a(info, 0, "setGradEnabled");
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(a.B(0));
  return Napi::Boolean::New(info.Env(), prev);
}

static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// autocastEnter(dtype) / autocastExit(): CUDA autocast with nesting, as torch.autocast does.
// Returns/accepts the previous enabled state so that the JS side can restore it.
static Napi::Value AutocastEnter(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "autocast", [&]() -> Napi::Value {
    Args a(info, 0, "autocast");
    auto dtype = a.Dtype(0);
    if (dtype != at::kHalf && dtype != at::kBFloat16)
      throw Napi::TypeError::New(env, "autocast: dtype must be float16 or bfloat16, got " + DtypeName(dtype));
#if MEATUS_TORCH_AT_LEAST(2, 4)
    bool prev = at::autocast::is_autocast_enabled(at::kCUDA);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
    bool prev = at::autocast::is_enabled();
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(dtype);
#endif
    at::autocast::increment_nesting();
    return Napi::Boolean::New(env, prev);
  });
}

static Napi::Value AutocastExit(const Napi::CallbackInfo& info) {
  Args a(info, 0, "autocast");
  bool prev = a.B(0);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if MEATUS_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCUDA, prev);
#else
  at::autocast::set_enabled(prev);
#endif
  return info.Env().Undefined();
}

static Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
#ifdef MEATUS_CUDA
  Guard(info.Env(), "cuda.synchronize", [&] {
    if (torch::cuda::is_available()) c10::cuda::device_synchronize();
    return 0;
  });
#endif
  return info.Env().Undefined();
}

static Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) {
#ifdef MEATUS_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}

// cudaMemoryStats(device) → { allocated, reserved, peakAllocated } bytes (zeros without CUDA).
static Napi::Value CudaMemoryStats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  double allocated = 0, reserved = 0, peak = 0;
#ifdef MEATUS_CUDA
  Args a(info, 0, "cuda.memoryStats");
  if (torch::cuda::is_available()) {
    auto idx = static_cast<c10::DeviceIndex>(a.OI(0).value_or(0));
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(idx);
    const size_t agg = 0;  // StatType::AGGREGATE (its namespace moved between libtorch versions)
    allocated = static_cast<double>(stats.allocated_bytes[agg].current);
    reserved = static_cast<double>(stats.reserved_bytes[agg].current);
    peak = static_cast<double>(stats.allocated_bytes[agg].peak);
  }
#endif
  o.Set("allocated", allocated);
  o.Set("reserved", reserved);
  o.Set("peakAllocated", peak);
  return o;
}

void InitRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed, "manualSeed"));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled, "setGradEnabled"));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled, "isGradEnabled"));
  exports.Set("autocastEnter", Napi::Function::New(env, AutocastEnter, "autocastEnter"));
  exports.Set("autocastExit", Napi::Function::New(env, AutocastExit, "autocastExit"));
  exports.Set("cudaSynchronize", Napi::Function::New(env, CudaSynchronize, "cudaSynchronize"));
  exports.Set("cudaEmptyCache", Napi::Function::New(env, CudaEmptyCache, "cudaEmptyCache"));
  exports.Set("cudaMemoryStats", Napi::Function::New(env, CudaMemoryStats, "cudaMemoryStats"));
}

}  // namespace meatus
