// Module entry: tensor handles, argument decoding, typed-array transfer and the op dispatcher.
#include "binding.h"

#include <cstring>
#include <unordered_map>

namespace meatus {

std::atomic<int64_t> live_handles{0};

// Tags our Externals so that a foreign External is never mistaken for a tensor handle.
static const napi_type_tag kHolderTag = {0x6d6561747573746fULL, 0x7263682d68616e64ULL};

static void Release(Holder* h) {
  if (!h->released) {
    h->released = true;
    h->tensor = at::Tensor();
    live_handles--;
  }
}

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* h = new Holder{std::move(t)};
  live_handles++;
  auto ext = Napi::External<Holder>::New(env, h, [](Napi::Env, Holder* p) {
    Release(p);
    delete p;
  });
  ext.TypeTag(&kHolderTag);
  return ext;
}

static Holder* HolderOf(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  auto ext = v.As<Napi::External<Holder>>();
  if (!ext.CheckTypeTag(&kHolderTag)) return nullptr;
  return ext.Data();
}

const at::Tensor& Unwrap(const Napi::Value& v, const char* what) {
  Holder* h = HolderOf(v);
  if (h == nullptr) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Tensor");
  if (h->released) throw Napi::Error::New(v.Env(), std::string(what) + ": the tensor has been disposed");
  return h->tensor;
}

static const std::vector<std::pair<std::string, at::ScalarType>>& DtypeNames() {
  static const std::vector<std::pair<std::string, at::ScalarType>> names = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
      {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort},  {"int8", at::kChar},
      {"uint8", at::kByte},    {"bool", at::kBool},
  };
  return names;
}

at::ScalarType ParseDtype(const std::string& s) {
  for (const auto& [name, type] : DtypeNames())
    if (name == s) return type;
  throw std::invalid_argument("unknown dtype '" + s +
                              "' (expected float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 or bool)");
}

std::string DtypeName(at::ScalarType t) {
  for (const auto& [name, type] : DtypeNames())
    if (type == t) return name;
  return c10::toString(t);
}

// ---- Args ----

Napi::Value Args::At(size_t i) const { return info_[first_ + i]; }
bool Args::Missing(size_t i) const {
  if (first_ + i >= info_.Length()) return true;
  auto v = At(i);
  return v.IsUndefined() || v.IsNull();
}
void Args::Fail(size_t i, const char* expected) const {
  throw Napi::TypeError::New(Env(), std::string(op_) + ": argument " + std::to_string(i) + " must be " + expected);
}

const at::Tensor& Args::T(size_t i) const {
  if (Missing(i)) Fail(i, "a Tensor");
  Holder* h = HolderOf(At(i));
  if (h == nullptr) Fail(i, "a Tensor");
  if (h->released)
    throw Napi::Error::New(Env(), std::string(op_) + ": argument " + std::to_string(i) + " is a disposed tensor");
  return h->tensor;
}
c10::optional<at::Tensor> Args::OT(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return T(i);
}
std::vector<at::Tensor> Args::TL(size_t i) const {
  if (Missing(i) || !At(i).IsArray()) Fail(i, "an array of Tensors");
  auto arr = At(i).As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    Holder* h = HolderOf(v);
    if (h == nullptr || h->released) Fail(i, "an array of live Tensors");
    out.push_back(h->tensor);
  }
  return out;
}
double Args::D(size_t i) const {
  if (Missing(i) || !At(i).IsNumber()) Fail(i, "a number");
  return At(i).As<Napi::Number>().DoubleValue();
}
c10::optional<double> Args::OD(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return D(i);
}
int64_t Args::I(size_t i) const {
  if (Missing(i) || !At(i).IsNumber()) Fail(i, "an integer");
  double d = At(i).As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) Fail(i, "an integer");
  return static_cast<int64_t>(d);
}
c10::optional<int64_t> Args::OI(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return I(i);
}
bool Args::B(size_t i) const {
  if (Missing(i) || !At(i).IsBoolean()) Fail(i, "a boolean");
  return At(i).As<Napi::Boolean>().Value();
}
at::Scalar Args::S(size_t i) const {
  if (Missing(i)) Fail(i, "a number or boolean");
  auto v = At(i);
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (!v.IsNumber()) Fail(i, "a number or boolean");
  double d = v.As<Napi::Number>().DoubleValue();
  // Integral JS numbers are passed as integer scalars, so that int tensors stay int (like Python ints).
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
    return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}
c10::optional<at::Scalar> Args::OS(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return S(i);
}
std::vector<int64_t> Args::IL(size_t i) const {
  if (Missing(i) || !At(i).IsArray()) Fail(i, "an array of integers");
  auto arr = At(i).As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) Fail(i, "an array of integers");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != std::floor(d)) Fail(i, "an array of integers");
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}
c10::optional<std::vector<int64_t>> Args::OIL(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return IL(i);
}
std::string Args::Str(size_t i) const {
  if (Missing(i) || !At(i).IsString()) Fail(i, "a string");
  return At(i).As<Napi::String>().Utf8Value();
}
at::ScalarType Args::Dtype(size_t i) const { return ParseDtype(Str(i)); }
c10::optional<at::ScalarType> Args::ODtype(size_t i) const {
  if (Missing(i)) return c10::nullopt;
  return Dtype(i);
}
at::TensorOptions Args::Options(size_t dtype_i, size_t device_i) const {
  at::TensorOptions o;
  o = o.dtype(Missing(dtype_i) ? at::kFloat : Dtype(dtype_i));
  if (!Missing(device_i)) o = o.device(at::Device(Str(device_i)));
  return o;
}

// ---- results ----

static Napi::Value Encode(Napi::Env env, Out&& out) {
  if (auto* t = std::get_if<at::Tensor>(&out)) return Wrap(env, std::move(*t));
  if (auto* v = std::get_if<std::vector<at::Tensor>>(&out)) {
    auto arr = Napi::Array::New(env, v->size());
    for (size_t k = 0; k < v->size(); k++) arr.Set(static_cast<uint32_t>(k), Wrap(env, std::move((*v)[k])));
    return arr;
  }
  if (auto* d = std::get_if<double>(&out)) return Napi::Number::New(env, *d);
  if (auto* b = std::get_if<bool>(&out)) return Napi::Boolean::New(env, *b);
  return env.Undefined();
}

// call(opIndex, ...args)
static Napi::Value Call(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& table = OpTable();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "call: expected an op index");
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= table.size()) throw Napi::RangeError::New(env, "call: no op with index " + std::to_string(id));
  const OpDef& op = table[id];
  Args args(info, 1, op.name);
  return Encode(env, Guard(env, op.name, [&] { return op.fn(args); }));
}

static Napi::Value OpNames(const Napi::CallbackInfo& info) {
  const auto& table = OpTable();
  auto arr = Napi::Array::New(info.Env(), table.size());
  for (size_t k = 0; k < table.size(); k++) arr.Set(static_cast<uint32_t>(k), table[k].name);
  return arr;
}

static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Holder* h = info.Length() > 0 ? HolderOf(info[0]) : nullptr;
  if (h == nullptr) throw Napi::TypeError::New(info.Env(), "dispose: expected a Tensor handle");
  Release(h);
  return info.Env().Undefined();
}

static Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  Holder* h = info.Length() > 0 ? HolderOf(info[0]) : nullptr;
  if (h == nullptr) throw Napi::TypeError::New(info.Env(), "isDisposed: expected a Tensor handle");
  return Napi::Boolean::New(info.Env(), h->released);
}

static Napi::Value LiveHandles(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(live_handles.load()));
}

// meta(handle) → [dtype, device, shape, requiresGrad]
static Napi::Value Meta(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const at::Tensor& t = Unwrap(info[0], "meta");
  auto shape = Napi::Array::New(env, t.dim());
  for (int64_t k = 0; k < t.dim(); k++) shape.Set(static_cast<uint32_t>(k), Napi::Number::New(env, t.size(k)));
  auto out = Napi::Array::New(env, 4);
  out.Set(0u, DtypeName(t.scalar_type()));
  out.Set(1u, t.device().str());
  out.Set(2u, shape);
  out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
  return out;
}

// fromBuffer(typedArray, shape, dtype, device?) → handle; copies the bytes.
static Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "fromTypedArray", [&]() -> Napi::Value {
    if (info.Length() < 3 || !info[0].IsTypedArray())
      throw Napi::TypeError::New(env, "fromTypedArray: expected a typed array, a shape and a dtype");
    auto arr = info[0].As<Napi::TypedArray>();
    Args a(info, 1, "fromTypedArray");
    auto shape = a.IL(0);
    auto dtype = a.Dtype(1);
    auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t want = static_cast<size_t>(t.numel()) * t.element_size();
    if (arr.ByteLength() != want)
      throw Napi::RangeError::New(env, "fromTypedArray: " + std::to_string(arr.ByteLength()) + " bytes given, shape [" +
                                           c10::Join(", ", shape) + "] of " + DtypeName(dtype) + " needs " +
                                           std::to_string(want));
    if (want > 0) {
      auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
      std::memcpy(t.data_ptr(), src, want);
    }
    if (info.Length() >= 4 && info[3].IsString()) return Wrap(env, t.to(at::Device(a.Str(2))));
    return Wrap(env, t);
  });
}

// toBuffer(handle, dtype) → ArrayBuffer holding a contiguous CPU copy converted to dtype.
static Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "toTypedArray", [&]() -> Napi::Value {
    const at::Tensor& src = Unwrap(info[0], "toTypedArray");
    Args a(info, 1, "toTypedArray");
    auto t = src.detach().to(at::kCPU, a.Dtype(0)).contiguous();
    size_t n = static_cast<size_t>(t.numel()) * t.element_size();
    auto buf = Napi::ArrayBuffer::New(env, n);
    if (n > 0) std::memcpy(buf.Data(), t.data_ptr(), n);
    return buf;
  });
}

void InitDistributed(Napi::Env env, Napi::Object exports);  // distributed.cc

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("call", Napi::Function::New(env, Call, "call"));
  exports.Set("opNames", Napi::Function::New(env, OpNames, "opNames"));
  exports.Set("dispose", Napi::Function::New(env, Dispose, "dispose"));
  exports.Set("isDisposed", Napi::Function::New(env, IsDisposed, "isDisposed"));
  exports.Set("liveHandles", Napi::Function::New(env, LiveHandles, "liveHandles"));
  exports.Set("meta", Napi::Function::New(env, Meta, "meta"));
  exports.Set("fromBuffer", Napi::Function::New(env, FromBuffer, "fromBuffer"));
  exports.Set("toBuffer", Napi::Function::New(env, ToBuffer, "toBuffer"));
  InitRuntime(env, exports);
  InitDistributed(env, exports);
  return exports;
}

}  // namespace meatus

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return meatus::Init(env, exports); }
NODE_API_MODULE(meatus_torch, InitModule)
