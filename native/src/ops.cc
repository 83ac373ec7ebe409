// The op table: one line per op, named after the ATen function it calls. Arguments are positional
// (see Args in binding.h); the TypeScript layer (src/torch/) supplies defaults and names.
// Adding an op = adding a line here and a method or function in src/torch/.
#include <torch/version.h>

#include "binding.h"

namespace meatus {

using A = const Args&;
using V = std::vector<at::Tensor>;

static V Pair(std::tuple<at::Tensor, at::Tensor> t) { return {std::get<0>(t), std::get<1>(t)}; }
static at::IntArrayRef Ref(const std::vector<int64_t>& v) { return v; }
// The correction argument of var/std: an optional int in libtorch 1.x, an optional Scalar in 2.x.
#if TORCH_VERSION_MAJOR >= 2
static c10::optional<at::Scalar> Correction(int64_t c) { return at::Scalar(c); }
#else
static c10::optional<int64_t> Correction(int64_t c) { return c; }
#endif

// clang-format off
static const std::vector<OpDef> kOps = {
  // ---- creation ----
  {"zeros",        [](A a) -> Out { return at::zeros(a.IL(0), a.Options(1, 2)); }},
  {"ones",         [](A a) -> Out { return at::ones(a.IL(0), a.Options(1, 2)); }},
  {"full",         [](A a) -> Out { return at::full(a.IL(0), a.S(1), a.Options(2, 3)); }},
  {"empty",        [](A a) -> Out { return at::empty(a.IL(0), a.Options(1, 2)); }},
  {"arange",       [](A a) -> Out { return at::arange(a.S(0), a.S(1), a.S(2), a.Options(3, 4)); }},
  {"linspace",     [](A a) -> Out { return at::linspace(a.S(0), a.S(1), a.I(2), a.Options(3, 4)); }},
  {"eye",          [](A a) -> Out { return at::eye(a.I(0), a.Options(1, 2)); }},
  {"scalar_tensor",[](A a) -> Out { return at::scalar_tensor(a.S(0), a.Options(1, 2)); }},
  {"zeros_like",   [](A a) -> Out { return at::zeros_like(a.T(0)); }},
  {"ones_like",    [](A a) -> Out { return at::ones_like(a.T(0)); }},
  {"full_like",    [](A a) -> Out { return at::full_like(a.T(0), a.S(1)); }},
  {"randn",        [](A a) -> Out { return at::randn(a.IL(0), a.Options(1, 2)); }},
  {"rand",         [](A a) -> Out { return at::rand(a.IL(0), a.Options(1, 2)); }},
  {"randint",      [](A a) -> Out { return at::randint(a.I(0), a.I(1), a.IL(2), a.Options(3, 4)); }},
  {"randperm",     [](A a) -> Out { return at::randperm(a.I(0), a.Options(1, 2)); }},
  {"normal_",      [](A a) -> Out { a.T(0).normal_(a.D(1), a.D(2)); return {}; }},
  {"uniform_",     [](A a) -> Out { a.T(0).uniform_(a.D(1), a.D(2)); return {}; }},
  {"bernoulli",    [](A a) -> Out { return at::bernoulli(a.T(0)); }},

  // ---- conversion and autograd ----
  {"to_dtype",     [](A a) -> Out { return a.T(0).to(a.Dtype(1)); }},
  {"to_device",    [](A a) -> Out { return a.T(0).to(at::Device(a.Str(1)), a.ODtype(2).value_or(a.T(0).scalar_type())); }},
  {"clone",        [](A a) -> Out { return a.T(0).clone(); }},
  {"detach",       [](A a) -> Out { return a.T(0).detach(); }},
  {"contiguous",   [](A a) -> Out { return a.T(0).contiguous(); }},
  {"item",         [](A a) -> Out { return a.T(0).item<double>(); }},
  {"numel",        [](A a) -> Out { return static_cast<double>(a.T(0).numel()); }},
  {"requires_grad_",[](A a) -> Out { a.T(0).requires_grad_(a.B(1)); return {}; }},
  {"is_leaf",      [](A a) -> Out { return a.T(0).is_leaf(); }},
  {"grad",         [](A a) -> Out { return a.T(0).grad(); }},
  {"set_grad",     [](A a) -> Out { a.T(0).mutable_grad() = a.OT(1).value_or(at::Tensor()); return {}; }},
  {"retain_grad",  [](A a) -> Out { a.T(0).retain_grad(); return {}; }},
  {"backward",     [](A a) -> Out { a.T(0).backward(a.OT(1).value_or(at::Tensor()), c10::optional<bool>(a.B(2)), false); return {}; }},
  {"autograd_grad",[](A a) -> Out { return torch::autograd::grad(a.TL(0), a.TL(1), a.TL(2), c10::optional<bool>(a.B(3)), a.B(4), a.B(5)); }},
  {"is_contiguous",[](A a) -> Out { return a.T(0).is_contiguous(); }},
  {"equal",        [](A a) -> Out { return at::equal(a.T(0), a.T(1)); }},
  {"allclose",     [](A a) -> Out { return at::allclose(a.T(0), a.T(1), a.D(2), a.D(3), a.B(4)); }},

  // ---- elementwise arithmetic (tensor ⊕ tensor, tensor ⊕ scalar) ----
  {"add",          [](A a) -> Out { return at::add(a.T(0), a.T(1), a.S(2)); }},
  {"add_s",        [](A a) -> Out { return at::add(a.T(0), a.S(1), a.S(2)); }},
  {"sub",          [](A a) -> Out { return at::sub(a.T(0), a.T(1), a.S(2)); }},
  {"sub_s",        [](A a) -> Out { return at::sub(a.T(0), a.S(1), a.S(2)); }},
  {"rsub_s",       [](A a) -> Out { return at::rsub(a.T(0), a.S(1), a.S(2)); }},
  {"mul",          [](A a) -> Out { return at::mul(a.T(0), a.T(1)); }},
  {"mul_s",        [](A a) -> Out { return at::mul(a.T(0), a.S(1)); }},
  {"div",          [](A a) -> Out { return at::div(a.T(0), a.T(1)); }},
  {"div_s",        [](A a) -> Out { return at::div(a.T(0), a.S(1)); }},
  {"rdiv_s",       [](A a) -> Out { return at::mul(at::reciprocal(a.T(0)), a.S(1)); }},
  {"floor_divide", [](A a) -> Out { return at::div(a.T(0), a.T(1), "floor"); }},
  {"remainder",    [](A a) -> Out { return at::remainder(a.T(0), a.T(1)); }},
  {"remainder_s",  [](A a) -> Out { return at::remainder(a.T(0), a.S(1)); }},
  {"pow",          [](A a) -> Out { return at::pow(a.T(0), a.T(1)); }},
  {"pow_s",        [](A a) -> Out { return at::pow(a.T(0), a.S(1)); }},
  {"maximum",      [](A a) -> Out { return at::maximum(a.T(0), a.T(1)); }},
  {"minimum",      [](A a) -> Out { return at::minimum(a.T(0), a.T(1)); }},
  {"neg",          [](A a) -> Out { return at::neg(a.T(0)); }},
  {"abs",          [](A a) -> Out { return at::abs(a.T(0)); }},
  {"sign",         [](A a) -> Out { return at::sign(a.T(0)); }},
  {"exp",          [](A a) -> Out { return at::exp(a.T(0)); }},
  {"log",          [](A a) -> Out { return at::log(a.T(0)); }},
  {"log1p",        [](A a) -> Out { return at::log1p(a.T(0)); }},
  {"sqrt",         [](A a) -> Out { return at::sqrt(a.T(0)); }},
  {"rsqrt",        [](A a) -> Out { return at::rsqrt(a.T(0)); }},
  {"square",       [](A a) -> Out { return at::square(a.T(0)); }},
  {"reciprocal",   [](A a) -> Out { return at::reciprocal(a.T(0)); }},
  {"sin",          [](A a) -> Out { return at::sin(a.T(0)); }},
  {"cos",          [](A a) -> Out { return at::cos(a.T(0)); }},
  {"tanh",         [](A a) -> Out { return at::tanh(a.T(0)); }},
  {"sigmoid",      [](A a) -> Out { return at::sigmoid(a.T(0)); }},
  {"floor",        [](A a) -> Out { return at::floor(a.T(0)); }},
  {"ceil",         [](A a) -> Out { return at::ceil(a.T(0)); }},
  {"round",        [](A a) -> Out { return at::round(a.T(0)); }},
  {"clamp",        [](A a) -> Out { return at::clamp(a.T(0), a.OS(1), a.OS(2)); }},
  {"clamp_t",      [](A a) -> Out { return at::clamp(a.T(0), a.OT(1), a.OT(2)); }},
  {"where",        [](A a) -> Out { return at::where(a.T(0), a.T(1), a.T(2)); }},
  {"lerp",         [](A a) -> Out { return at::lerp(a.T(0), a.T(1), a.S(2)); }},
  {"matmul",       [](A a) -> Out { return at::matmul(a.T(0), a.T(1)); }},
  {"linear",       [](A a) -> Out { return at::linear(a.T(0), a.T(1), a.OT(2)); }},

  // ---- comparisons and logic ----
  {"eq",           [](A a) -> Out { return at::eq(a.T(0), a.T(1)); }},
  {"eq_s",         [](A a) -> Out { return at::eq(a.T(0), a.S(1)); }},
  {"ne",           [](A a) -> Out { return at::ne(a.T(0), a.T(1)); }},
  {"ne_s",         [](A a) -> Out { return at::ne(a.T(0), a.S(1)); }},
  {"lt",           [](A a) -> Out { return at::lt(a.T(0), a.T(1)); }},
  {"lt_s",         [](A a) -> Out { return at::lt(a.T(0), a.S(1)); }},
  {"le",           [](A a) -> Out { return at::le(a.T(0), a.T(1)); }},
  {"le_s",         [](A a) -> Out { return at::le(a.T(0), a.S(1)); }},
  {"gt",           [](A a) -> Out { return at::gt(a.T(0), a.T(1)); }},
  {"gt_s",         [](A a) -> Out { return at::gt(a.T(0), a.S(1)); }},
  {"ge",           [](A a) -> Out { return at::ge(a.T(0), a.T(1)); }},
  {"ge_s",         [](A a) -> Out { return at::ge(a.T(0), a.S(1)); }},
  {"logical_and",  [](A a) -> Out { return at::logical_and(a.T(0), a.T(1)); }},
  {"logical_or",   [](A a) -> Out { return at::logical_or(a.T(0), a.T(1)); }},
  {"logical_not",  [](A a) -> Out { return at::logical_not(a.T(0)); }},
  {"isfinite",     [](A a) -> Out { return at::isfinite(a.T(0)); }},
  {"isnan",        [](A a) -> Out { return at::isnan(a.T(0)); }},

  // ---- reductions (dims = null: all) ----
  {"sum",          [](A a) -> Out { auto d = a.OIL(1); return d ? at::sum(a.T(0), *d, a.B(2), a.ODtype(3)) : at::sum(a.T(0), a.ODtype(3)); }},
  {"mean",         [](A a) -> Out { auto d = a.OIL(1); return d ? at::mean(a.T(0), *d, a.B(2), a.ODtype(3)) : at::mean(a.T(0), a.ODtype(3)); }},
  {"prod",         [](A a) -> Out { auto d = a.OI(1); return d ? at::prod(a.T(0), *d, a.B(2)) : at::prod(a.T(0)); }},
  {"amax",         [](A a) -> Out { return at::amax(a.T(0), a.IL(1), a.B(2)); }},
  {"amin",         [](A a) -> Out { return at::amin(a.T(0), a.IL(1), a.B(2)); }},
  {"max_all",      [](A a) -> Out { return at::max(a.T(0)); }},
  {"min_all",      [](A a) -> Out { return at::min(a.T(0)); }},
  {"max_dim",      [](A a) -> Out { return Pair(at::max(a.T(0), a.I(1), a.B(2))); }},
  {"min_dim",      [](A a) -> Out { return Pair(at::min(a.T(0), a.I(1), a.B(2))); }},
  {"argmax",       [](A a) -> Out { return at::argmax(a.T(0), a.OI(1), a.B(2)); }},
  {"argmin",       [](A a) -> Out { return at::argmin(a.T(0), a.OI(1), a.B(2)); }},
  {"var",          [](A a) -> Out { auto d = a.OIL(1); return at::var(a.T(0), d ? at::OptionalIntArrayRef(Ref(*d)) : c10::nullopt, Correction(a.I(2)), a.B(3)); }},
  {"std",          [](A a) -> Out { auto d = a.OIL(1); return at::std(a.T(0), d ? at::OptionalIntArrayRef(Ref(*d)) : c10::nullopt, Correction(a.I(2)), a.B(3)); }},
  {"norm",         [](A a) -> Out { return at::norm(a.T(0), a.S(1)); }},
  {"logsumexp",    [](A a) -> Out { return at::logsumexp(a.T(0), a.IL(1), a.B(2)); }},
  {"cumsum",       [](A a) -> Out { return at::cumsum(a.T(0), a.I(1)); }},
  {"all",          [](A a) -> Out { return at::all(a.T(0)); }},
  {"any",          [](A a) -> Out { return at::any(a.T(0)); }},
  {"count_nonzero",[](A a) -> Out { return at::count_nonzero(a.T(0), a.OI(1)); }},

  // ---- shape and indexing ----
  {"reshape",      [](A a) -> Out { return at::reshape(a.T(0), a.IL(1)); }},
  {"view",         [](A a) -> Out { return a.T(0).view(a.IL(1)); }},
  {"permute",      [](A a) -> Out { return a.T(0).permute(a.IL(1)); }},
  {"transpose",    [](A a) -> Out { return at::transpose(a.T(0), a.I(1), a.I(2)); }},
  {"squeeze",      [](A a) -> Out { auto d = a.OI(1); return d ? at::squeeze(a.T(0), *d) : at::squeeze(a.T(0)); }},
  {"unsqueeze",    [](A a) -> Out { return at::unsqueeze(a.T(0), a.I(1)); }},
  {"expand",       [](A a) -> Out { return a.T(0).expand(a.IL(1)); }},
  {"flatten",      [](A a) -> Out { return at::flatten(a.T(0), a.I(1), a.I(2)); }},
  {"narrow",       [](A a) -> Out { return at::narrow(a.T(0), a.I(1), a.I(2), a.I(3)); }},
  {"slice",        [](A a) -> Out { return at::slice(a.T(0), a.I(1), a.OI(2), a.OI(3), a.I(4)); }},
  {"select",       [](A a) -> Out { return at::select(a.T(0), a.I(1), a.I(2)); }},
  {"index_select", [](A a) -> Out { return at::index_select(a.T(0), a.I(1), a.T(2)); }},
  {"gather",       [](A a) -> Out { return at::gather(a.T(0), a.I(1), a.T(2)); }},
  {"masked_fill",  [](A a) -> Out { return at::masked_fill(a.T(0), a.T(1), a.S(2)); }},
  {"masked_select",[](A a) -> Out { return at::masked_select(a.T(0), a.T(1)); }},
  {"nonzero",      [](A a) -> Out { return at::nonzero(a.T(0)); }},
  {"cat",          [](A a) -> Out { return at::cat(a.TL(0), a.I(1)); }},
  {"stack",        [](A a) -> Out { return at::stack(a.TL(0), a.I(1)); }},
  {"split",        [](A a) -> Out { return at::split(a.T(0), a.I(1), a.I(2)); }},
  {"chunk",        [](A a) -> Out { return at::chunk(a.T(0), a.I(1), a.I(2)); }},
  {"flip",         [](A a) -> Out { return at::flip(a.T(0), a.IL(1)); }},
  {"roll",         [](A a) -> Out { return at::roll(a.T(0), a.IL(1), a.IL(2)); }},
  {"repeat",       [](A a) -> Out { return a.T(0).repeat(a.IL(1)); }},
  {"constant_pad", [](A a) -> Out { return at::constant_pad_nd(a.T(0), a.IL(1), a.S(2)); }},
  {"replication_pad3d",[](A a) -> Out { return at::replication_pad3d(a.T(0), a.IL(1)); }},
  {"reflection_pad3d", [](A a) -> Out { return at::reflection_pad3d(a.T(0), a.IL(1)); }},
  {"gradient",     [](A a) -> Out { return at::gradient(a.T(0), Ref(a.IL(1)), a.I(2)); }},
  {"one_hot",      [](A a) -> Out { return at::one_hot(a.T(0), a.I(1)); }},

  // ---- in place (for optimizers and initialisation; return undefined → JS returns `this`) ----
  {"copy_",        [](A a) -> Out { a.T(0).copy_(a.T(1)); return {}; }},
  {"zero_",        [](A a) -> Out { a.T(0).zero_(); return {}; }},
  {"fill_",        [](A a) -> Out { a.T(0).fill_(a.S(1)); return {}; }},
  {"add_",         [](A a) -> Out { a.T(0).add_(a.T(1), a.S(2)); return {}; }},
  {"add_s_",       [](A a) -> Out { a.T(0).add_(a.S(1)); return {}; }},
  {"mul_",         [](A a) -> Out { a.T(0).mul_(a.T(1)); return {}; }},
  {"mul_s_",       [](A a) -> Out { a.T(0).mul_(a.S(1)); return {}; }},
  {"div_",         [](A a) -> Out { a.T(0).div_(a.T(1)); return {}; }},
  {"div_s_",       [](A a) -> Out { a.T(0).div_(a.S(1)); return {}; }},
  {"addcmul_",     [](A a) -> Out { a.T(0).addcmul_(a.T(1), a.T(2), a.S(3)); return {}; }},
  {"addcdiv_",     [](A a) -> Out { a.T(0).addcdiv_(a.T(1), a.T(2), a.S(3)); return {}; }},
  {"lerp_",        [](A a) -> Out { a.T(0).lerp_(a.T(1), a.S(2)); return {}; }},
  {"clamp_",       [](A a) -> Out { a.T(0).clamp_(a.OS(1), a.OS(2)); return {}; }},
  {"sqrt_",        [](A a) -> Out { a.T(0).sqrt_(); return {}; }},

  // ---- neural-network functions ----
  {"relu",         [](A a) -> Out { return at::relu(a.T(0)); }},
  {"leaky_relu",   [](A a) -> Out { return at::leaky_relu(a.T(0), a.S(1)); }},
  {"leaky_relu_",  [](A a) -> Out { at::Tensor t = a.T(0); at::leaky_relu_(t, a.S(1)); return {}; }},
  {"gelu",         [](A a) -> Out { return at::gelu(a.T(0)); }},
  {"softmax",      [](A a) -> Out { return at::softmax(a.T(0), a.I(1), a.ODtype(2)); }},
  {"log_softmax",  [](A a) -> Out { return at::log_softmax(a.T(0), a.I(1), a.ODtype(2)); }},
  {"cross_entropy",[](A a) -> Out { return at::cross_entropy_loss(a.T(0), a.T(1), a.OT(2), a.I(3), a.I(4), a.D(5)); }},
  {"nll_loss",     [](A a) -> Out { return at::nll_loss_nd(a.T(0), a.T(1), a.OT(2), a.I(3), a.I(4)); }},
  {"mse_loss",     [](A a) -> Out { return at::mse_loss(a.T(0), a.T(1), a.I(2)); }},
  {"conv3d",       [](A a) -> Out { return at::conv3d(a.T(0), a.T(1), a.OT(2), a.IL(3), a.IL(4), a.IL(5), a.I(6)); }},
  {"conv2d",       [](A a) -> Out { return at::conv2d(a.T(0), a.T(1), a.OT(2), a.IL(3), a.IL(4), a.IL(5), a.I(6)); }},
  {"conv_transpose3d",[](A a) -> Out { return at::conv_transpose3d(a.T(0), a.T(1), a.OT(2), a.IL(3), a.IL(4), a.IL(5), a.I(6), a.IL(7)); }},
  {"instance_norm",[](A a) -> Out { return at::instance_norm(a.T(0), a.OT(1), a.OT(2), a.OT(3), a.OT(4), a.B(5), a.D(6), a.D(7), true); }},
  {"group_norm",   [](A a) -> Out { return at::group_norm(a.T(0), a.I(1), a.OT(2), a.OT(3), a.D(4), true); }},
  {"batch_norm",   [](A a) -> Out { return at::batch_norm(a.T(0), a.OT(1), a.OT(2), a.OT(3), a.OT(4), a.B(5), a.D(6), a.D(7), true); }},
  {"dropout",      [](A a) -> Out { return at::dropout(a.T(0), a.D(1), a.B(2)); }},
  {"upsample_nearest3d",  [](A a) -> Out { return at::upsample_nearest3d(a.T(0), a.IL(1), a.OD(2), a.OD(3), a.OD(4)); }},
  {"upsample_trilinear3d",[](A a) -> Out { return at::upsample_trilinear3d(a.T(0), a.IL(1), a.B(2), a.OD(3), a.OD(4), a.OD(5)); }},
  {"affine_grid",  [](A a) -> Out { return at::affine_grid_generator(a.T(0), a.IL(1), a.B(2)); }},
  {"grid_sample",  [](A a) -> Out { return at::grid_sampler(a.T(0), a.T(1), a.I(2), a.I(3), a.B(4)); }},
  {"avg_pool3d",   [](A a) -> Out { return at::avg_pool3d(a.T(0), a.IL(1), a.IL(2), a.IL(3), a.B(4), a.B(5), a.OI(6)); }},
  {"max_pool3d",   [](A a) -> Out { return at::max_pool3d(a.T(0), a.IL(1), a.IL(2), a.IL(3), a.IL(4), a.B(5)); }},
};
// clang-format on

const std::vector<OpDef>& OpTable() { return kOps; }

}  // namespace meatus
