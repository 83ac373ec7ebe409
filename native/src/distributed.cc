// Data parallelism over libtorch's c10d (the layer under torch.distributed): a TCPStore rendezvous,
// ProcessGroupGloo on CPU, ProcessGroupNCCL on CUDA when this libtorch has it. One process group per
// process, as torch.distributed's default group. Plumbing only: the trainer decides what to reduce.
//
// Compiled with MEATUS_C10D when CMake finds the c10d and gloo headers; without them every function
// throws "not built with c10d", and the addon still builds.
#include "binding.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>

#ifdef MEATUS_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MEATUS_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace meatus {

#ifdef MEATUS_C10D
namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::string backend;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{0};
};
std::unique_ptr<Group> group;

std::string Seconds(std::chrono::milliseconds t) {
  std::ostringstream o;
  o << t.count() / 1000.0 << " s";
  return o.str();
}

Group& Current(Napi::Env env, const char* what) {
  if (!group) throw Napi::Error::New(env, std::string(what) + ": no process group (call init first)");
  return *group;
}

// Runs a collective and waits, turning a failure into an error that says which rank gave up on
// which operation, and why a peer may be missing.
void WaitFor(Group& g, const char* what, const c10::intrusive_ptr<c10d::Work>& work) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(g.rank) + " of " + std::to_string(g.size) +
                             ": another rank died, hung, or did not reach this step within the timeout (" +
                             Seconds(g.timeout) + "). " + e.what());
  }
}

// Groups tensors into buckets of at most `bucket_bytes` (a tensor larger than that is a bucket of its
// own), all of one dtype and device, in order.
std::vector<std::vector<at::Tensor>> Buckets(const std::vector<at::Tensor>& ts, int64_t bucket_bytes) {
  std::vector<std::vector<at::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : ts) {
    bool fits = !out.empty() && bytes + static_cast<int64_t>(t.nbytes()) <= bucket_bytes &&
                out.back()[0].scalar_type() == t.scalar_type() && out.back()[0].device() == t.device();
    if (!fits) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(t);
    bytes += static_cast<int64_t>(t.nbytes());
  }
  return out;
}

// Flattens each bucket, runs `op` on every flat buffer (all launched before the first wait), then
// copies the results back into the tensors.
template <typename Op>
void Bucketed(Group& g, const char* what, const std::vector<at::Tensor>& ts, int64_t bucket_bytes, Op op) {
  c10::NoGradGuard no_grad;
  auto buckets = Buckets(ts, bucket_bytes);
  std::vector<std::vector<at::Tensor>> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& b : buckets) {
    flats.push_back({at::flatten_dense_tensors(b)});
    works.push_back(op(flats.back()));
  }
  for (size_t i = 0; i < buckets.size(); i++) {
    WaitFor(g, what, works[i]);
    auto parts = at::unflatten_dense_tensors(flats[i][0], buckets[i]);
    for (size_t j = 0; j < parts.size(); j++) buckets[i][j].copy_(parts[j]);
  }
}

}  // namespace

// init(backend, host, port, rank, size, timeoutMs): rendezvous through a TCPStore served by rank 0
// at host:port, then the process group. Blocks until every rank has arrived or the timeout passes.
static Napi::Value Init(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "distributed.init", [&]() -> Napi::Value {
    Args a(info, 0, "distributed.init");
    auto backend = a.Str(0);
    auto host = a.Str(1);
    auto port = a.I(2);
    auto rank = a.I(3);
    auto size = a.I(4);
    auto timeout = std::chrono::milliseconds(a.I(5));
    if (group) throw std::runtime_error("a process group already exists in this process");
    if (size < 1 || rank < 0 || rank >= size)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is not in [0, " + std::to_string(size) + ")");
    if (port < 1 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is not in [1, 65535]");
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<int>(size);
    so.waitWorkers = true;
    so.timeout = timeout;
    auto g = std::make_unique<Group>();
    g->rank = static_cast<int>(rank);
    g->size = static_cast<int>(size);
    g->timeout = timeout;
    g->backend = backend;
    try {
      g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    } catch (const std::exception& e) {
      throw std::runtime_error("rendezvous at " + host + ":" + std::to_string(port) + " (rank " + std::to_string(rank) + " of " +
                               std::to_string(size) + ") failed within " + Seconds(timeout) +
                               ": are all ranks started, with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE? " + e.what());
    }
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("meatus/" + backend, g->store);
    if (backend == "gloo") {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");  // as torch.distributed does
      opts->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                : c10d::ProcessGroupGloo::createDefaultDevice());
      g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, g->rank, g->size, opts);
    } else if (backend == "nccl") {
#ifdef MEATUS_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, g->rank, g->size, opts);
#else
      throw std::runtime_error("backend 'nccl': this libtorch has no ProcessGroupNCCL (a CUDA libtorch with NCCL is needed); use 'gloo'");
#endif
    } else {
      throw std::invalid_argument("unknown backend '" + backend + "' (expected gloo or nccl)");
    }
    group = std::move(g);
    return env.Undefined();
  });
}

// allReduce(tensors, scale, bucketBytes): every tensor becomes the sum over ranks of scale × itself.
static Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "distributed.allReduce", [&]() -> Napi::Value {
    Args a(info, 0, "distributed.allReduce");
    auto& g = Current(env, "distributed.allReduce");
    auto ts = a.TL(0);
    double scale = a.D(1);
    Bucketed(g, "allReduce", ts, a.I(2), [&](std::vector<at::Tensor>& flat) {
      if (scale != 1.0) flat[0].mul_(scale);
      return g.pg->allreduce(flat, c10d::AllreduceOptions{});
    });
    return env.Undefined();
  });
}

// broadcast(tensors, root, bucketBytes): every rank's tensors become rank `root`'s.
static Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "distributed.broadcast", [&]() -> Napi::Value {
    Args a(info, 0, "distributed.broadcast");
    auto& g = Current(env, "distributed.broadcast");
    auto ts = a.TL(0);
    c10d::BroadcastOptions bo;
    bo.rootRank = a.I(1);
    Bucketed(g, "broadcast", ts, a.I(2), [&](std::vector<at::Tensor>& flat) { return g.pg->broadcast(flat, bo); });
    return env.Undefined();
  });
}

static Napi::Value Barrier(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return Guard(env, "distributed.barrier", [&]() -> Napi::Value {
    auto& g = Current(env, "distributed.barrier");
    WaitFor(g, "barrier", g.pg->barrier());
    return env.Undefined();
  });
}

static Napi::Value Destroy(const Napi::CallbackInfo& info) {
  group.reset();
  return info.Env().Undefined();
}

// state() → { backend, rank, size, timeoutMs } or null.
static Napi::Value State(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!group) return env.Null();
  auto o = Napi::Object::New(env);
  o.Set("backend", group->backend);
  o.Set("rank", group->rank);
  o.Set("size", group->size);
  o.Set("timeoutMs", static_cast<double>(group->timeout.count()));
  return o;
}
#else
static Napi::Value Unavailable(const Napi::CallbackInfo& info) {
  throw Napi::Error::New(info.Env(),
                         "distributed: this meatus addon was built without c10d (libtorch's distributed headers or gloo's were not found; "
                         "on Debian install libgloo-dev, then run npm run setup)");
}
static Napi::Value State(const Napi::CallbackInfo& info) { return info.Env().Null(); }
#define Init Unavailable
#define AllReduce Unavailable
#define Broadcast Unavailable
#define Barrier Unavailable
#define Destroy Unavailable
#endif

// backends() → { gloo, nccl }: what this build can use.
static Napi::Value Backends(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
#ifdef MEATUS_C10D
  o.Set("gloo", true);
#else
  o.Set("gloo", false);
#endif
#ifdef MEATUS_NCCL
  o.Set("nccl", true);
#else
  o.Set("nccl", false);
#endif
  return o;
}

void InitDistributed(Napi::Env env, Napi::Object exports) {
  auto d = Napi::Object::New(env);
  d.Set("init", Napi::Function::New(env, Init, "init"));
  d.Set("allReduce", Napi::Function::New(env, AllReduce, "allReduce"));
  d.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  d.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  d.Set("destroy", Napi::Function::New(env, Destroy, "destroy"));
  d.Set("state", Napi::Function::New(env, State, "state"));
  d.Set("backends", Napi::Function::New(env, Backends, "backends"));
  exports.Set("distributed", d);
}

}  // namespace meatus
