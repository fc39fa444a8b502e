// Keras layers -> IR ops. Layouts: Keras Conv2D kernels are HWIO (TFLite: OHWI), DepthwiseConv2D kernels
// HW(C)(M) (TFLite 1HW(C*M), the same bytes), Dense kernels [in, out] (TFLite [out, in]).
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "io/keras/converter.h"

namespace liteopt::io::keras::internal {

namespace {

using ir::OpType;

template <typename T>
std::string ShapeText(const std::vector<T>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

Status LayerError(const LayerSpec& l, const std::string& m) { return InvalidArgument(l.Describe() + ": " + m); }

// ---- config fields: type-checked, absent or null -> default ----

const json* Field(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it == cfg.end() || it->is_null() ? nullptr : &*it;
}
float FloatField(const json& cfg, const char* key, float def) {
  const json* f = Field(cfg, key);
  return f != nullptr && f->is_number() ? f->get<float>() : def;
}
std::string StringField(const json& cfg, const char* key, const std::string& def) {
  const json* f = Field(cfg, key);
  return f != nullptr && f->is_string() ? f->get<std::string>() : def;
}
bool BoolField(const json& cfg, const char* key, bool def) {
  const json* f = Field(cfg, key);
  return f != nullptr && f->is_boolean() ? f->get<bool>() : def;
}
// An integer, or a list of `n` integers ("kernel_size": 3 or [3, 3]).
Result<std::vector<int32_t>> Ints(const LayerSpec& l, const char* key, std::vector<int32_t> def) {
  const json* f = Field(*l.config, key);
  if (f == nullptr) return def;
  if (f->is_number_integer()) return std::vector<int32_t>(def.size(), f->get<int32_t>());
  if (f->is_array() && f->size() == def.size()) {
    std::vector<int32_t> v;
    for (const json& e : *f) {
      if (!e.is_number_integer()) break;
      v.push_back(e.get<int32_t>());
    }
    if (v.size() == def.size()) return v;
  }
  return LayerError(l, std::string("'") + key + "' must be an integer or a list of " + std::to_string(def.size()) +
                           ", found " + f->dump());
}
Result<int32_t> PositiveInt(const LayerSpec& l, const char* key) {
  const json* f = Field(*l.config, key);
  if (f == nullptr || !f->is_number_integer() || f->get<int64_t>() <= 0 || f->get<int64_t>() > (1 << 24))
    return LayerError(l, std::string("'") + key + "' must be a positive integer");
  return f->get<int32_t>();
}
// Numbers or lists of numbers (Rescaling's scale, Normalization's mean).
std::vector<float> Floats(const json* f) {
  std::vector<float> v;
  if (f == nullptr) return v;
  if (f->is_number()) v.push_back(f->get<float>());
  if (f->is_array())
    for (const json& e : f->flatten()) {
      if (e.is_number()) v.push_back(e.get<float>());
    }
  return v;
}

// The activation's name: "relu", or the wrapped one of TFMOT's {"class_name": "QuantizeAwareActivation",
// "config": {"activation": "relu"}}, or Keras 3's {"class_name": "function", "config": "relu"}.
std::string ActivationOf(const json* a) {
  if (a == nullptr) return "linear";
  if (a->is_string()) return a->get<std::string>();
  if (a->is_object()) {
    const json* c = Field(*a, "config");
    if (c != nullptr && c->is_string()) return c->get<std::string>();
    if (c != nullptr && c->is_object() && Field(*c, "activation") != nullptr) return ActivationOf(Field(*c, "activation"));
  }
  return a->dump();
}

bool KnownActivation(const std::string& a) {
  static const std::set<std::string> known = {"linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "swish",
                                              "silu", "hard_sigmoid", "hard_swish", "hard_silu", "leaky_relu"};
  return known.count(a) > 0;
}

// ---- op emission ----

std::vector<int32_t> BroadcastShape(std::vector<int32_t> a, std::vector<int32_t> b) {
  if (a.size() < b.size()) std::swap(a, b);
  for (size_t i = 0; i < b.size(); ++i) {
    int32_t& d = a[a.size() - b.size() + i];
    d = std::max(d, b[i]);
  }
  return a;
}

int32_t Unary(Converter& c, const LayerSpec& l, OpType type, int32_t x, const std::string& suffix,
              ir::OpOptions o = {}) {
  IrBuilder& b = c.builder();
  const int32_t y = b.Activation(l.tensor_name + "/" + suffix, b.shape(x));
  b.Op(type, {x}, {y}, o);
  return y;
}

uint8_t BinaryTag(OpType t) {
  switch (t) {
    case OpType::ADD: return options_tag::kAdd;
    case OpType::MUL: return options_tag::kMul;
    case OpType::SUB: return options_tag::kSub;
    default: return 0;
  }
}

int32_t Binary(Converter& c, const LayerSpec& l, OpType type, int32_t x, int32_t y, const std::string& suffix) {
  IrBuilder& b = c.builder();
  const int32_t z = b.Activation(l.tensor_name + "/" + suffix, BroadcastShape(b.shape(x), b.shape(y)));
  ir::OpOptions o;
  o.type = BinaryTag(type);
  b.Op(type, {x, y}, {z}, o);
  return z;
}

// x (op) constant, with the constant of shape [n] (n = 1: a scalar broadcast).
int32_t WithConstant(Converter& c, const LayerSpec& l, OpType type, int32_t x, const std::vector<float>& values,
                     const std::string& suffix) {
  const int32_t k = c.builder().FloatConstant(l.tensor_name + "/" + suffix + "_value",
                                              {static_cast<int32_t>(values.size())}, values);
  return Binary(c, l, type, x, k, suffix);
}

Result<int32_t> EmitActivation(Converter& c, const LayerSpec& l, const std::string& act, int32_t x) {
  if (act == "linear") return x;
  if (act == "relu") return Unary(c, l, OpType::RELU, x, "relu");
  if (act == "relu6") return Unary(c, l, OpType::RELU6, x, "relu6");
  if (act == "sigmoid") return Unary(c, l, OpType::LOGISTIC, x, "sigmoid");
  if (act == "tanh") return Unary(c, l, OpType::TANH, x, "tanh");
  if (act == "hard_swish" || act == "hard_silu") return Unary(c, l, OpType::HARD_SWISH, x, "hard_swish");
  if (act == "softmax") {
    ir::OpOptions o;
    o.type = options_tag::kSoftmax;
    o.beta = 1.0f;
    return Unary(c, l, OpType::SOFTMAX, x, "softmax", o);
  }
  if (act == "swish" || act == "silu") {
    const int32_t s = Unary(c, l, OpType::LOGISTIC, x, "sigmoid");
    return Binary(c, l, OpType::MUL, x, s, "swish");
  }
  if (act == "leaky_relu") {  // Keras 3's activation function: negative_slope 0.2
    ir::OpOptions o;
    o.type = options_tag::kLeakyRelu;
    o.alpha = 0.2f;
    return Unary(c, l, OpType::LEAKY_RELU, x, "leaky_relu", o);
  }
  if (act == "hard_sigmoid") {  // clip(x * slope + 0.5, 0, 1); Keras 2's slope is 0.2, Keras 3's 1/6
    const float slope = c.keras_major() >= 3 ? 1.0f / 6.0f : 0.2f;
    int32_t y = WithConstant(c, l, OpType::MUL, x, {slope}, "hard_sigmoid_mul");
    y = WithConstant(c, l, OpType::ADD, y, {0.5f}, "hard_sigmoid_add");
    y = WithConstant(c, l, OpType::MINIMUM, y, {1.0f}, "hard_sigmoid_min");
    return Unary(c, l, OpType::RELU, y, "hard_sigmoid");
  }
  return LayerError(l, "activation '" + act + "' is not supported");
}

// ---- windows (conv and pooling geometry) ----

struct Window {
  int32_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  ir::Padding padding = ir::Padding::kValid;
};

Result<Window> ParseWindow(const LayerSpec& l, bool pool) {
  Window w;
  LITEOPT_ASSIGN_OR_RETURN(auto k, Ints(l, pool ? "pool_size" : "kernel_size", {pool ? 2 : -1, pool ? 2 : -1}));
  LITEOPT_ASSIGN_OR_RETURN(auto s, Ints(l, "strides", pool ? k : std::vector<int32_t>{1, 1}));
  LITEOPT_ASSIGN_OR_RETURN(auto d, Ints(l, "dilation_rate", {1, 1}));
  for (int32_t v : {k[0], k[1], s[0], s[1], d[0], d[1]})
    if (v <= 0) return LayerError(l, "kernel/pool size, strides and dilation must be positive");
  w = {k[0], k[1], s[0], s[1], d[0], d[1], ir::Padding::kValid};
  const std::string p = StringField(*l.config, "padding", "valid");
  if (p == "same") {
    w.padding = ir::Padding::kSame;
  } else if (p != "valid") {
    return LayerError(l, "padding '" + p + "' is not supported (same or valid)");
  }
  return w;
}

Result<std::vector<int32_t>> WindowOutput(const LayerSpec& l, const std::vector<int32_t>& in, const Window& w,
                                          int32_t channels) {
  if (in.size() != 4) return LayerError(l, "expects a 4-D NHWC input, got " + ShapeText(in));
  auto out = [&](int32_t size, int32_t k, int32_t s, int32_t d) {
    const int32_t eff = (k - 1) * d + 1;
    return w.padding == ir::Padding::kSame ? (size + s - 1) / s : (size - eff) / s + 1;
  };
  const int32_t oh = out(in[1], w.kh, w.sh, w.dh), ow = out(in[2], w.kw, w.sw, w.dw);
  if (oh <= 0 || ow <= 0 || (w.padding == ir::Padding::kValid && (in[1] < (w.kh - 1) * w.dh + 1 || in[2] < (w.kw - 1) * w.dw + 1)))
    return LayerError(l, "the window is larger than the input " + ShapeText(in));
  return std::vector<int32_t>{in[0], oh, ow, channels};
}

ir::OpOptions WindowOptions(uint8_t tag, const Window& w) {
  ir::OpOptions o;
  o.type = tag;
  o.padding = w.padding;
  o.stride_h = w.sh;
  o.stride_w = w.sw;
  if (tag == options_tag::kPool2D) {
    o.filter_h = w.kh;
    o.filter_w = w.kw;
  } else {
    o.dilation_h = w.dh;
    o.dilation_w = w.dw;
  }
  return o;
}

// A conv-like op's activation: relu and relu6 are fused as TFLite's converter does, others follow.
std::string SplitActivation(const LayerSpec& l, ir::OpOptions& o) {
  const std::string act = ActivationOf(Field(*l.config, "activation"));
  if (act == "relu") o.activation = ir::Activation::kRelu;
  if (act == "relu6") o.activation = ir::Activation::kRelu6;
  return o.activation == ir::Activation::kNone ? act : "linear";
}

Result<std::vector<float>> Bias(const LayerSpec& l, const LayerWeights& w, int32_t n, const char* use_key) {
  if (!BoolField(*l.config, use_key, true)) return std::vector<float>(static_cast<size_t>(n), 0.0f);
  return w.Get("bias", {n});
}

// ---- layers ----

using Inputs = std::vector<int32_t>;

Result<int32_t> Conv2D(Converter& c, const LayerSpec& l, const Inputs& in) {
  IrBuilder& b = c.builder();
  const auto shape = b.shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(Window w, ParseWindow(l, false));
  LITEOPT_ASSIGN_OR_RETURN(int32_t filters, PositiveInt(l, "filters"));
  LITEOPT_ASSIGN_OR_RETURN(auto out_shape, WindowOutput(l, shape, w, filters));
  LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
  const int32_t cin = shape[3];
  LITEOPT_ASSIGN_OR_RETURN(auto k, wt.Get("kernel", {w.kh, w.kw, cin, filters}));
  LITEOPT_ASSIGN_OR_RETURN(auto bias, Bias(l, wt, filters, "use_bias"));
  std::vector<float> ohwi(k.size());
  for (int32_t y = 0; y < w.kh; ++y)
    for (int32_t x = 0; x < w.kw; ++x)
      for (int32_t i = 0; i < cin; ++i)
        for (int32_t o = 0; o < filters; ++o)
          ohwi[((static_cast<size_t>(o) * w.kh + y) * w.kw + x) * cin + i] =
              k[((static_cast<size_t>(y) * w.kw + x) * cin + i) * filters + o];
  ir::OpOptions o = WindowOptions(options_tag::kConv2D, w);
  const std::string after = SplitActivation(l, o);
  const int32_t wt_t = b.FloatConstant(l.tensor_name + "/kernel", {filters, w.kh, w.kw, cin}, ohwi);
  const int32_t b_t = b.FloatConstant(l.tensor_name + "/bias", {filters}, bias);
  const int32_t y = b.Activation(l.tensor_name + "/conv2d", out_shape);
  b.Op(OpType::CONV_2D, {in[0], wt_t, b_t}, {y}, o);
  return EmitActivation(c, l, after, y);
}

// Emits DEPTHWISE_CONV_2D with a [kh, kw, C, M] kernel (the same bytes as TFLite's [1, kh, kw, C*M]).
int32_t Depthwise(Converter& c, const LayerSpec& l, int32_t x, const Window& w, int32_t multiplier,
                  const std::vector<float>& kernel, const std::vector<float>& bias, const std::vector<int32_t>& out,
                  ir::Activation act) {
  IrBuilder& b = c.builder();
  const int32_t channels = out[3];
  const int32_t wt_t = b.FloatConstant(l.tensor_name + "/depthwise_kernel", {1, w.kh, w.kw, channels}, kernel);
  const int32_t b_t = b.FloatConstant(l.tensor_name + "/depthwise_bias", {channels}, bias);
  const int32_t y = b.Activation(l.tensor_name + "/depthwise", out);
  ir::OpOptions o = WindowOptions(options_tag::kDepthwiseConv2D, w);
  o.depth_multiplier = multiplier;
  o.activation = act;
  b.Op(OpType::DEPTHWISE_CONV_2D, {x, wt_t, b_t}, {y}, o);
  return y;
}

Result<int32_t> DepthwiseConv2D(Converter& c, const LayerSpec& l, const Inputs& in) {
  const auto shape = c.builder().shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(Window w, ParseWindow(l, false));
  LITEOPT_ASSIGN_OR_RETURN(auto m, Ints(l, "depth_multiplier", {1}));
  if (m[0] <= 0) return LayerError(l, "depth_multiplier must be positive");
  const int32_t channels = shape.size() == 4 ? shape[3] * m[0] : 0;
  LITEOPT_ASSIGN_OR_RETURN(auto out_shape, WindowOutput(l, shape, w, channels));
  LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
  const char* var = wt.Has("depthwise_kernel") ? "depthwise_kernel" : "kernel";  // Keras 3 says "kernel"
  LITEOPT_ASSIGN_OR_RETURN(auto k, wt.Get(var, {w.kh, w.kw, shape[3], m[0]}));
  LITEOPT_ASSIGN_OR_RETURN(auto bias, Bias(l, wt, channels, "use_bias"));
  ir::OpOptions o;
  const std::string after = SplitActivation(l, o);
  return EmitActivation(c, l, after, Depthwise(c, l, in[0], w, m[0], k, bias, out_shape, o.activation));
}

Result<int32_t> SeparableConv2D(Converter& c, const LayerSpec& l, const Inputs& in) {
  IrBuilder& b = c.builder();
  const auto shape = b.shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(Window w, ParseWindow(l, false));
  LITEOPT_ASSIGN_OR_RETURN(auto m, Ints(l, "depth_multiplier", {1}));
  LITEOPT_ASSIGN_OR_RETURN(int32_t filters, PositiveInt(l, "filters"));
  if (m[0] <= 0) return LayerError(l, "depth_multiplier must be positive");
  const int32_t mid = shape.size() == 4 ? shape[3] * m[0] : 0;
  LITEOPT_ASSIGN_OR_RETURN(auto mid_shape, WindowOutput(l, shape, w, mid));
  LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
  LITEOPT_ASSIGN_OR_RETURN(auto dk, wt.Get("depthwise_kernel", {w.kh, w.kw, shape[3], m[0]}));
  LITEOPT_ASSIGN_OR_RETURN(auto pk, wt.Get("pointwise_kernel", {1, 1, mid, filters}));
  LITEOPT_ASSIGN_OR_RETURN(auto bias, Bias(l, wt, filters, "use_bias"));
  const int32_t d = Depthwise(c, l, in[0], w, m[0], dk, std::vector<float>(mid, 0.0f), mid_shape,
                              ir::Activation::kNone);
  std::vector<float> oi(pk.size());  // [1, 1, mid, filters] -> [filters, 1, 1, mid]
  for (int32_t i = 0; i < mid; ++i)
    for (int32_t o = 0; o < filters; ++o) oi[static_cast<size_t>(o) * mid + i] = pk[static_cast<size_t>(i) * filters + o];
  ir::OpOptions o = WindowOptions(options_tag::kConv2D, Window{});
  const std::string after = SplitActivation(l, o);
  const int32_t wt_t = b.FloatConstant(l.tensor_name + "/pointwise_kernel", {filters, 1, 1, mid}, oi);
  const int32_t b_t = b.FloatConstant(l.tensor_name + "/bias", {filters}, bias);
  auto out_shape = mid_shape;
  out_shape[3] = filters;
  const int32_t y = b.Activation(l.tensor_name + "/pointwise", out_shape);
  b.Op(OpType::CONV_2D, {d, wt_t, b_t}, {y}, o);
  return EmitActivation(c, l, after, y);
}

Result<int32_t> Dense(Converter& c, const LayerSpec& l, const Inputs& in) {
  IrBuilder& b = c.builder();
  auto shape = b.shape(in[0]);
  if (shape.size() < 2) return LayerError(l, "expects an input of rank 2 or more, got " + ShapeText(shape));
  LITEOPT_ASSIGN_OR_RETURN(int32_t units, PositiveInt(l, "units"));
  LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
  const int32_t cin = shape.back();
  LITEOPT_ASSIGN_OR_RETURN(auto k, wt.Get("kernel", {cin, units}));
  LITEOPT_ASSIGN_OR_RETURN(auto bias, Bias(l, wt, units, "use_bias"));
  std::vector<float> oi(k.size());
  for (int32_t i = 0; i < cin; ++i)
    for (int32_t o = 0; o < units; ++o) oi[static_cast<size_t>(o) * cin + i] = k[static_cast<size_t>(i) * units + o];
  ir::OpOptions o;
  o.type = options_tag::kFullyConnected;
  o.keep_num_dims = shape.size() > 2;  // Keras applies Dense to the last axis
  const std::string after = SplitActivation(l, o);
  const int32_t wt_t = b.FloatConstant(l.tensor_name + "/kernel", {units, cin}, oi);
  const int32_t b_t = b.FloatConstant(l.tensor_name + "/bias", {units}, bias);
  shape.back() = units;
  const int32_t y = b.Activation(l.tensor_name + "/dense", shape);
  b.Op(OpType::FULLY_CONNECTED, {in[0], wt_t, b_t}, {y}, o);
  return EmitActivation(c, l, after, y);
}

// x * s + offset per channel (the last axis); the fold pass moves it into a preceding conv when it can.
int32_t ChannelAffine(Converter& c, const LayerSpec& l, int32_t x, const std::vector<float>& s,
                      const std::vector<float>& offset) {
  const bool identity_scale = std::all_of(s.begin(), s.end(), [](float v) { return v == 1.0f; });
  const bool zero_offset = std::all_of(offset.begin(), offset.end(), [](float v) { return v == 0.0f; });
  if (!identity_scale) x = WithConstant(c, l, OpType::MUL, x, s, "mul");
  if (!zero_offset) x = WithConstant(c, l, OpType::ADD, x, offset, "add");
  return x;
}

Result<int32_t> LastAxisChannels(const LayerSpec& l, const std::vector<int32_t>& shape, const json* axis) {
  const int32_t rank = static_cast<int32_t>(shape.size());
  int64_t a = -1;
  if (axis != nullptr && axis->is_number_integer()) a = axis->get<int64_t>();
  if (axis != nullptr && axis->is_array() && axis->size() == 1 && (*axis)[0].is_number_integer())
    a = (*axis)[0].get<int64_t>();
  else if (axis != nullptr && !axis->is_number_integer())
    return LayerError(l, "axis " + axis->dump() + " is not supported (the last axis only)");
  if (a < 0) a += rank;
  if (rank < 2 || a != rank - 1)
    return LayerError(l, "normalizes axis " + std::to_string(a) + " of " + ShapeText(shape) +
                             "; only the last (channel) axis is supported");
  return shape.back();
}

Result<int32_t> BatchNormalization(Converter& c, const LayerSpec& l, const Inputs& in) {
  const auto shape = c.builder().shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(int32_t ch, LastAxisChannels(l, shape, Field(*l.config, "axis")));
  LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
  std::vector<float> gamma(ch, 1.0f), beta(ch, 0.0f);
  if (BoolField(*l.config, "scale", true)) {
    LITEOPT_ASSIGN_OR_RETURN(gamma, wt.Get("gamma", {ch}));
  }
  if (BoolField(*l.config, "center", true)) {
    LITEOPT_ASSIGN_OR_RETURN(beta, wt.Get("beta", {ch}));
  }
  LITEOPT_ASSIGN_OR_RETURN(auto mean, wt.Get("moving_mean", {ch}));
  LITEOPT_ASSIGN_OR_RETURN(auto var, wt.Get("moving_variance", {ch}));
  const float eps = FloatField(*l.config, "epsilon", 1e-3f);
  // TFLite's converter: multiplier = gamma * rsqrt(var + eps), offset = beta - mean * multiplier (float32).
  std::vector<float> s(ch), offset(ch);
  for (int32_t i = 0; i < ch; ++i) {
    s[i] = gamma[i] * (1.0f / std::sqrt(var[i] + eps));
    offset[i] = beta[i] - mean[i] * s[i];
  }
  return ChannelAffine(c, l, in[0], s, offset);
}

Result<int32_t> Rescaling(Converter& c, const LayerSpec& l, const Inputs& in) {
  std::vector<float> s = Floats(Field(*l.config, "scale")), offset = Floats(Field(*l.config, "offset"));
  if (s.empty()) s = {1.0f};
  if (offset.empty()) offset = {0.0f};
  return ChannelAffine(c, l, in[0], s, offset);
}

// (x - mean) / max(sqrt(var), 1e-7) (Keras' epsilon), or its inverse with invert=True.
Result<int32_t> Normalization(Converter& c, const LayerSpec& l, const Inputs& in) {
  const auto shape = c.builder().shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(int32_t ch, LastAxisChannels(l, shape, Field(*l.config, "axis")));
  std::vector<float> mean = Floats(Field(*l.config, "mean")), var = Floats(Field(*l.config, "variance"));
  if (mean.empty() || var.empty()) {
    LITEOPT_ASSIGN_OR_RETURN(LayerWeights wt, c.Weights(l));
    LITEOPT_ASSIGN_OR_RETURN(mean, wt.Get("mean", {ch}));
    LITEOPT_ASSIGN_OR_RETURN(var, wt.Get("variance", {ch}));
  }
  if (mean.size() == 1) mean.assign(ch, mean[0]);
  if (var.size() == 1) var.assign(ch, var[0]);
  if (static_cast<int32_t>(mean.size()) != ch || static_cast<int32_t>(var.size()) != ch)
    return LayerError(l, "mean/variance have " + std::to_string(mean.size()) + " values for " + std::to_string(ch) +
                             " channels");
  const bool invert = BoolField(*l.config, "invert", false);
  std::vector<float> s(ch), offset(ch);
  for (int32_t i = 0; i < ch; ++i) {
    const float sd = std::max(std::sqrt(var[i]), 1e-7f);
    s[i] = invert ? sd : 1.0f / sd;
    offset[i] = invert ? mean[i] : -mean[i] / sd;
  }
  return ChannelAffine(c, l, in[0], s, offset);
}

Result<int32_t> Activation(Converter& c, const LayerSpec& l, const Inputs& in) {
  return EmitActivation(c, l, ActivationOf(Field(*l.config, "activation")), in[0]);
}

int32_t LeakyRelu(Converter& c, const LayerSpec& l, int32_t x, float alpha) {
  ir::OpOptions o;
  o.type = options_tag::kLeakyRelu;
  o.alpha = alpha;
  return Unary(c, l, OpType::LEAKY_RELU, x, "leaky_relu", o);
}

Result<int32_t> ReLU(Converter& c, const LayerSpec& l, const Inputs& in) {
  const json* max = Field(*l.config, "max_value");
  const float slope = FloatField(*l.config, "negative_slope", 0.0f);
  if (slope == 0.0f && max != nullptr && max->is_number() && max->get<float>() == 6.0f)
    return Unary(c, l, OpType::RELU6, in[0], "relu6");
  int32_t y = slope != 0.0f ? LeakyRelu(c, l, in[0], slope) : Unary(c, l, OpType::RELU, in[0], "relu");
  if (max != nullptr && max->is_number()) y = WithConstant(c, l, OpType::MINIMUM, y, {max->get<float>()}, "max_value");
  return y;
}

Result<int32_t> LeakyReLU(Converter& c, const LayerSpec& l, const Inputs& in) {
  const float alpha = FloatField(*l.config, "alpha", FloatField(*l.config, "negative_slope", 0.3f));
  return LeakyRelu(c, l, in[0], alpha);
}

Result<int32_t> Softmax(Converter& c, const LayerSpec& l, const Inputs& in) {
  LITEOPT_RETURN_IF_ERROR(LastAxisChannels(l, c.builder().shape(in[0]), Field(*l.config, "axis")).status());
  return EmitActivation(c, l, "softmax", in[0]);
}

Result<int32_t> Pool(Converter& c, const LayerSpec& l, const Inputs& in, OpType type) {
  IrBuilder& b = c.builder();
  const auto shape = b.shape(in[0]);
  LITEOPT_ASSIGN_OR_RETURN(Window w, ParseWindow(l, true));
  LITEOPT_ASSIGN_OR_RETURN(auto out_shape, WindowOutput(l, shape, w, shape.size() == 4 ? shape[3] : 0));
  const int32_t y = b.Activation(l.tensor_name + "/pool", out_shape);
  b.Op(type, {in[0]}, {y}, WindowOptions(options_tag::kPool2D, w));
  return y;
}

Result<int32_t> GlobalPool(Converter& c, const LayerSpec& l, const Inputs& in, OpType type) {
  IrBuilder& b = c.builder();
  const auto shape = b.shape(in[0]);
  if (shape.size() != 4) return LayerError(l, "expects a 4-D NHWC input, got " + ShapeText(shape));
  ir::OpOptions o;
  o.type = options_tag::kReducer;
  o.keep_dims = BoolField(*l.config, "keepdims", false);
  const int32_t axes = b.Int32Constant(l.tensor_name + "/axes", {2}, {1, 2});
  const int32_t y = b.Activation(l.tensor_name + "/reduce",
                                 o.keep_dims ? std::vector<int32_t>{shape[0], 1, 1, shape[3]}
                                             : std::vector<int32_t>{shape[0], shape[3]});
  b.Op(type, {in[0], axes}, {y}, o);
  return y;
}

// RESHAPE to [batch, dims...] with the batch written as -1 so the model still resizes to other batches.
int32_t ReshapeTo(Converter& c, const LayerSpec& l, int32_t x, const std::vector<int32_t>& dims) {
  IrBuilder& b = c.builder();
  std::vector<int32_t> target = {-1};
  target.insert(target.end(), dims.begin(), dims.end());
  const int32_t shape_t = b.Int32Constant(l.tensor_name + "/shape", {static_cast<int32_t>(target.size())}, target);
  std::vector<int32_t> out = target;
  out[0] = b.shape(x)[0];
  const int32_t y = b.Activation(l.tensor_name + "/reshape", out);
  b.Op(OpType::RESHAPE, {x, shape_t}, {y});
  return y;
}

Result<int32_t> Flatten(Converter& c, const LayerSpec& l, const Inputs& in) {
  const auto shape = c.builder().shape(in[0]);
  const int64_t n = ir::NumElements(shape) / std::max(shape.empty() ? 1 : shape[0], 1);
  return ReshapeTo(c, l, in[0], {static_cast<int32_t>(n)});
}

Result<int32_t> Reshape(Converter& c, const LayerSpec& l, const Inputs& in) {
  const auto shape = c.builder().shape(in[0]);
  const json* t = Field(*l.config, "target_shape");
  if (t == nullptr || !t->is_array()) return LayerError(l, "'target_shape' must be a list");
  std::vector<int32_t> dims;
  int unknown = -1;
  int64_t known = 1;
  for (const json& e : *t) {
    if (!e.is_number_integer() || e.get<int64_t>() < -1 || e.get<int64_t>() == 0 || e.get<int64_t>() > (1 << 30))
      return LayerError(l, "bad target_shape " + t->dump());
    if (e.get<int32_t>() == -1) {
      if (unknown >= 0) return LayerError(l, "target_shape has two -1 entries");
      unknown = static_cast<int>(dims.size());
    } else {
      known *= e.get<int64_t>();
    }
    dims.push_back(e.get<int32_t>());
  }
  const int64_t n = ir::NumElements(shape) / std::max(shape.empty() ? 1 : shape[0], 1);
  if (unknown >= 0 && n % known == 0) dims[unknown] = static_cast<int32_t>(n / known);
  if (ir::NumElements(dims) != n)
    return LayerError(l, "cannot reshape " + ShapeText(shape) + " to target_shape " + t->dump());
  return ReshapeTo(c, l, in[0], dims);
}

Result<int32_t> ZeroPadding2D(Converter& c, const LayerSpec& l, const Inputs& in) {
  IrBuilder& b = c.builder();
  const auto shape = b.shape(in[0]);
  if (shape.size() != 4) return LayerError(l, "expects a 4-D NHWC input, got " + ShapeText(shape));
  const json* p = Field(*l.config, "padding");
  std::vector<int32_t> tblr;  // top, bottom, left, right
  if (p == nullptr) tblr = {1, 1, 1, 1};
  else if (p->is_number_integer()) tblr.assign(4, p->get<int32_t>());
  else if (p->is_array() && p->size() == 2 && (*p)[0].is_number_integer() && (*p)[1].is_number_integer())
    tblr = {(*p)[0].get<int32_t>(), (*p)[0].get<int32_t>(), (*p)[1].get<int32_t>(), (*p)[1].get<int32_t>()};
  else if (p->is_array() && p->size() == 2 && (*p)[0].is_array() && (*p)[1].is_array())
    for (const json& e : p->flatten())
      if (e.is_number_integer()) tblr.push_back(e.get<int32_t>());
  if (tblr.size() != 4 || std::any_of(tblr.begin(), tblr.end(), [](int32_t v) { return v < 0 || v > (1 << 20); }))
    return LayerError(l, "bad padding " + (p ? p->dump() : std::string("null")));
  const int32_t pads = b.Int32Constant(l.tensor_name + "/paddings", {4, 2}, {0, 0, tblr[0], tblr[1], tblr[2], tblr[3], 0, 0});
  const int32_t y = b.Activation(l.tensor_name + "/pad",
                                 {shape[0], shape[1] + tblr[0] + tblr[1], shape[2] + tblr[2] + tblr[3], shape[3]});
  ir::OpOptions o;
  o.type = options_tag::kPad;
  b.Op(OpType::PAD, {in[0], pads}, {y}, o);
  return y;
}

Result<int32_t> Merge(Converter& c, const LayerSpec& l, const Inputs& in, OpType type) {
  if (in.size() < 2) return LayerError(l, "needs at least 2 inputs, got " + std::to_string(in.size()));
  if (type == OpType::SUB && in.size() != 2) return LayerError(l, "needs exactly 2 inputs");
  int32_t y = in[0];
  for (size_t i = 1; i < in.size(); ++i) y = Binary(c, l, type, y, in[i], "merge_" + std::to_string(i));
  return y;
}

Result<int32_t> Concatenate(Converter& c, const LayerSpec& l, const Inputs& in) {
  IrBuilder& b = c.builder();
  if (in.empty()) return LayerError(l, "has no inputs");
  auto out = b.shape(in[0]);
  const int32_t rank = static_cast<int32_t>(out.size());
  LITEOPT_ASSIGN_OR_RETURN(auto axis_v, Ints(l, "axis", {-1}));
  const int32_t axis = axis_v[0] < 0 ? axis_v[0] + rank : axis_v[0];
  if (axis <= 0 || axis >= rank) return LayerError(l, "bad concatenation axis " + std::to_string(axis_v[0]));
  for (size_t i = 1; i < in.size(); ++i) {
    const auto& s = b.shape(in[i]);
    if (static_cast<int32_t>(s.size()) != rank) return LayerError(l, "inputs of different ranks");
    for (int32_t d = 0; d < rank; ++d)
      if (d != axis && s[d] != out[d]) return LayerError(l, "inputs " + ShapeText(out) + " and " + ShapeText(s) + " differ off the axis");
    out[axis] += s[axis];
  }
  ir::OpOptions o;
  o.type = options_tag::kConcatenation;
  o.axis = axis;
  const int32_t y = b.Activation(l.tensor_name + "/concat", out);
  b.Op(OpType::CONCATENATION, in, {y}, o);
  return y;
}

Result<int32_t> Identity(Converter&, const LayerSpec&, const Inputs& in) { return in[0]; }

using Handler = std::function<Result<int32_t>(Converter&, const LayerSpec&, const Inputs&)>;

const std::map<std::string, Handler>& Handlers() {
  using std::placeholders::_1, std::placeholders::_2, std::placeholders::_3;
  auto with = [](auto f, OpType t) { return Handler([f, t](Converter& c, const LayerSpec& l, const Inputs& in) { return f(c, l, in, t); }); };
  static const std::map<std::string, Handler> handlers = {
      {"Conv2D", Conv2D}, {"Convolution2D", Conv2D}, {"DepthwiseConv2D", DepthwiseConv2D},
      {"SeparableConv2D", SeparableConv2D}, {"SeparableConvolution2D", SeparableConv2D}, {"Dense", Dense},
      {"BatchNormalization", BatchNormalization}, {"Rescaling", Rescaling}, {"Normalization", Normalization},
      {"Activation", Activation}, {"ReLU", ReLU}, {"LeakyReLU", LeakyReLU}, {"Softmax", Softmax},
      {"MaxPooling2D", with(Pool, OpType::MAX_POOL_2D)}, {"MaxPool2D", with(Pool, OpType::MAX_POOL_2D)},
      {"AveragePooling2D", with(Pool, OpType::AVERAGE_POOL_2D)}, {"AvgPool2D", with(Pool, OpType::AVERAGE_POOL_2D)},
      {"GlobalAveragePooling2D", with(GlobalPool, OpType::MEAN)}, {"GlobalAvgPool2D", with(GlobalPool, OpType::MEAN)},
      {"GlobalMaxPooling2D", with(GlobalPool, OpType::REDUCE_MAX)}, {"GlobalMaxPool2D", with(GlobalPool, OpType::REDUCE_MAX)},
      {"Flatten", Flatten}, {"Reshape", Reshape}, {"ZeroPadding2D", ZeroPadding2D},
      {"Add", with(Merge, OpType::ADD)}, {"Multiply", with(Merge, OpType::MUL)}, {"Subtract", with(Merge, OpType::SUB)},
      {"Concatenate", Concatenate},
      // Identity at inference: dropout and noise layers, TFMOT's input QuantizeLayer (the float model).
      {"Dropout", Identity}, {"SpatialDropout1D", Identity}, {"SpatialDropout2D", Identity},
      {"GaussianDropout", Identity}, {"GaussianNoise", Identity}, {"AlphaDropout", Identity},
      {"ActivityRegularization", Identity}, {"QuantizeLayer", Identity},
  };
  return handlers;
}

}  // namespace

std::string LayerSpec::Describe() const {
  std::string s = class_name + " '" + name + "'";
  if (!wrapper.empty()) s += " (in " + wrapper + " '" + wrapper_name + "')";
  return s;
}

// TFMOT quantization-aware training: the kernel as the QAT model computes with it, FakeQuantWithMinMaxVars
// (8 bits, narrow range [1, 255]) with the learned `<var>_min` / `<var>_max`, one range per tensor or per
// output channel (the last axis; a depthwise kernel's [C, M] axes together). The int8 converter's symmetric
// scale max|w| / 127 then equals the learned max / 127, as in TFLite's conversion of the FakeQuant op.
Status LayerWeights::FakeQuantize(const std::string& var, const std::vector<int64_t>& shape,
                                  std::vector<float>& w) const {
  LITEOPT_ASSIGN_OR_RETURN(FloatArray lo, file_->ReadFloats(vars_.at(var + "_min")));
  LITEOPT_ASSIGN_OR_RETURN(FloatArray hi, file_->ReadFloats(vars_.at(var + "_max")));
  const size_t n = lo.values.size();
  const int64_t last = shape.empty() ? 1 : shape.back();
  const int64_t last2 = shape.size() >= 2 ? last * shape[shape.size() - 2] : last;
  if (n == 0 || hi.values.size() != n || (n != 1 && static_cast<int64_t>(n) != last && static_cast<int64_t>(n) != last2))
    return InvalidArgument(file_->path() + ": " + layer_ + ": '" + var + "_min' / '" + var + "_max' have " +
                           std::to_string(n) + " / " + std::to_string(hi.values.size()) + " values for a kernel of shape " +
                           ShapeText(shape));
  for (size_t c = 0; c < n; ++c) {
    const float mn = lo.values[c], mx = hi.values[c];
    if (!(mx > mn) || !std::isfinite(mn) || !std::isfinite(mx))
      return InvalidArgument(file_->path() + ": " + layer_ + ": learned range [" + std::to_string(mn) + ", " +
                             std::to_string(mx) + "] of '" + var + "' (channel " + std::to_string(c) + ") is empty");
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const size_t c = n == 1 ? 0 : i % n;
    const float mn = lo.values[c], mx = hi.values[c];
    const float scale = (mx - mn) / 254.0f;  // TF's nudging: quant range [1, 255]
    const float zero = std::round(std::clamp(1.0f - mn / scale, 1.0f, 255.0f));
    const float nmin = (1.0f - zero) * scale, nmax = (255.0f - zero) * scale;
    const float x = std::clamp(w[i], nmin, nmax);
    w[i] = std::floor((x - nmin) / scale + 0.5f) * scale + nmin;
  }
  return Status::Ok();
}

Result<std::vector<float>> LayerWeights::Get(const std::string& var, const std::vector<int64_t>& expected) const {
  const std::string where = file_ != nullptr ? file_->path() + ": " : std::string();
  auto it = vars_.find(var);
  if (it == vars_.end()) {
    std::string have;
    for (const auto& [k, v] : vars_) have += (have.empty() ? "" : ", ") + k;
    return NotFound(where + layer_ + ": no weight '" + var + "' in the file (it has: " +
                    (have.empty() ? "none" : have) + ")");
  }
  LITEOPT_ASSIGN_OR_RETURN(FloatArray a, file_->ReadFloats(it->second));
  if (a.shape != expected)
    return InvalidArgument(where + layer_ + ": weight '" + var + "' (" + it->second + ") has shape " +
                           ShapeText(a.shape) + ", but the config and the input shape give " + ShapeText(expected));
  for (const auto& [k, path] : vars_) {  // TFMOT pruning: keep exactly the weights the mask keeps
    if (k.rfind("mask", 0) != 0) continue;
    LITEOPT_ASSIGN_OR_RETURN(FloatArray m, file_->ReadFloats(path));
    if (m.shape != a.shape) continue;
    for (size_t i = 0; i < a.values.size(); ++i) a.values[i] *= m.values[i];
  }
  if (vars_.count(var + "_min") && vars_.count(var + "_max")) LITEOPT_RETURN_IF_ERROR(FakeQuantize(var, expected, a.values));
  return std::move(a.values);
}

Result<LayerWeights> Converter::Weights(const LayerSpec& l) const {
  const std::string group = l.weight_group.empty() ? "/" : l.weight_group;
  if (file_ == nullptr || !file_->HasGroup(l.weight_group))
    return NotFound((file_ ? file_->path() + ": " : std::string()) + l.Describe() +
                    ": no weights in the file (no group " + group + ")");
  std::vector<std::string> names;
  if (file_->HasAttribute(l.weight_group, "weight_names")) {
    LITEOPT_ASSIGN_OR_RETURN(names, file_->StringsAttribute(l.weight_group, "weight_names"));
  }
  std::map<std::string, std::string> vars;
  for (const std::string& n : names) {
    std::vector<std::string> parts;
    for (size_t s = 0, e; s <= n.size(); s = e + 1) {
      e = std::min(n.find('/', s), n.size());
      parts.push_back(n.substr(s, e - s));
    }
    std::string var = parts.back();
    const size_t colon = var.rfind(':');
    if (colon != std::string::npos) var.resize(colon);  // "kernel:0" -> "kernel"
    if (!l.weight_owners.empty()) {
      const std::string owner = parts.size() >= 2 ? parts[parts.size() - 2] : "";
      if (std::find(l.weight_owners.begin(), l.weight_owners.end(), owner) == l.weight_owners.end()) continue;
    }
    if (vars.count(var))
      return DataLoss(file_->path() + ": " + l.Describe() + ": two weights named '" + var + "' in " + group);
    vars[var] = (l.weight_group.empty() ? "" : l.weight_group + "/") + n;
  }
  return LayerWeights(file_, l.Describe(), std::move(vars));
}

Result<int32_t> ConvertLayer(Converter& c, const LayerSpec& l, const std::vector<int32_t>& inputs) {
  auto it = Handlers().find(l.class_name);
  if (it == Handlers().end()) return Unsupported(l.Describe() + ": layer class not supported");
  if (inputs.empty()) return LayerError(l, "has no input");
  const std::string why = UnsupportedSetting(l.class_name, *l.config);
  if (!why.empty()) return Unsupported(l.Describe() + ": " + why);
  return it->second(c, l, inputs);
}

bool IsSupportedLayer(const std::string& class_name) { return Handlers().count(class_name) > 0; }

std::string UnsupportedSetting(const std::string& class_name, const json& config) {
  if (!config.is_object()) return "the layer config is not an object";
  const std::string act = ActivationOf(Field(config, "activation"));
  if (!KnownActivation(act)) return "activation '" + act + "'";
  if (class_name == "Conv2D" && Field(config, "groups") && *Field(config, "groups") != 1)
    return "grouped convolution (groups=" + Field(config, "groups")->dump() + ")";
  if (StringField(config, "padding", "valid") == "causal") return "padding 'causal'";
  if (class_name == "ReLU" && FloatField(config, "threshold", 0.0f) != 0.0f)
    return "threshold=" + Field(config, "threshold")->dump();
  return "";
}

}  // namespace liteopt::io::keras::internal
