// The shared pieces of the meatus addon: tensor handles, argument decoding and result encoding.
// Everything here is plumbing; tensor math is libtorch's.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <atomic>
#include <string>
#include <variant>
#include <vector>

namespace meatus {

// A JS-visible tensor handle: a Napi::External owning one of these. `dispose` releases the tensor
// early; the External's finalizer releases it otherwise (the GC safety net).
struct Holder {
  at::Tensor tensor;
  bool released = false;
};

// Number of handles not yet released (disposed or collected).
extern std::atomic<int64_t> live_handles;

// Wraps a tensor into a new handle (an undefined tensor becomes null).
Napi::Value Wrap(Napi::Env env, at::Tensor t);
// The tensor behind a handle; throws a JS-friendly error for a non-handle or a disposed one.
const at::Tensor& Unwrap(const Napi::Value& v, const char* what);

at::ScalarType ParseDtype(const std::string& s);
std::string DtypeName(at::ScalarType t);

// What an op returns. monostate → undefined (in-place ops: the JS side returns `this`).
using Out = std::variant<std::monostate, at::Tensor, std::vector<at::Tensor>, double, bool>;

// Positional argument access for an op call. Index i refers to the op's own arguments.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, size_t first, const char* op) : info_(info), first_(first), op_(op) {}
  Napi::Env Env() const { return info_.Env(); }
  size_t Size() const { return info_.Length() - first_; }

  const at::Tensor& T(size_t i) const;
  c10::optional<at::Tensor> OT(size_t i) const;
  std::vector<at::Tensor> TL(size_t i) const;
  double D(size_t i) const;
  c10::optional<double> OD(size_t i) const;
  int64_t I(size_t i) const;
  c10::optional<int64_t> OI(size_t i) const;
  bool B(size_t i) const;
  at::Scalar S(size_t i) const;
  c10::optional<at::Scalar> OS(size_t i) const;
  std::vector<int64_t> IL(size_t i) const;
  c10::optional<std::vector<int64_t>> OIL(size_t i) const;
  std::string Str(size_t i) const;
  at::ScalarType Dtype(size_t i) const;
  c10::optional<at::ScalarType> ODtype(size_t i) const;
  at::TensorOptions Options(size_t dtype_i, size_t device_i) const;

 private:
  Napi::Value At(size_t i) const;
  bool Missing(size_t i) const;
  [[noreturn]] void Fail(size_t i, const char* expected) const;
  const Napi::CallbackInfo& info_;
  size_t first_;
  const char* op_;
};

struct OpDef {
  const char* name;
  Out (*fn)(const Args&);
};

// The op table (ops.cc) and the runtime functions (runtime.cc).
const std::vector<OpDef>& OpTable();
void InitRuntime(Napi::Env env, Napi::Object exports);

// Runs `body`, turning libtorch and C++ exceptions into JS errors carrying libtorch's message.
template <typename F>
auto Guard(Napi::Env env, const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(what) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(what) + ": " + e.what());
  }
}

}  // namespace meatus
