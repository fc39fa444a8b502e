#include "train/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "io/tflite/op_versions.h"

namespace liteopt::train {

namespace {

using ir::Activation;
using ir::OpType;

// TFLite's SAME padding for one spatial dimension: the output is ceil(in / stride), the padding total is split
// with the smaller half before.
void SamePads(int64_t in, int64_t filter, int64_t stride, int64_t dilation, int64_t* before, int64_t* after) {
  const int64_t effective = (filter - 1) * dilation + 1;
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + effective - in, 0);
  *before = total / 2;
  *after = total - *before;
}

int64_t OutSize(int64_t in, int64_t filter, int64_t stride, int64_t dilation, ir::Padding padding) {
  const int64_t effective = (filter - 1) * dilation + 1;
  return padding == ir::Padding::kSame ? (in + stride - 1) / stride : (in - effective) / stride + 1;
}

// 4-D values are NCHW views of NHWC data; the others keep the IR order.
at::Tensor ToIrOrder(const at::Tensor& x) { return x.dim() == 4 ? x.permute({0, 2, 3, 1}) : x; }
at::Tensor FromIrOrder(const at::Tensor& x) { return x.dim() == 4 ? x.permute({0, 3, 1, 2}) : x; }
// IR axis of a 4-D tensor -> NCHW dimension.
int64_t NchwDim(int64_t ir_axis) {
  static constexpr int64_t kMap[4] = {0, 2, 3, 1};
  return kMap[ir_axis];
}

at::Tensor Activate(const at::Tensor& x, Activation a) {
  switch (a) {
    case Activation::kNone:
      return x;
    case Activation::kRelu:
      return at::relu(x);
    case Activation::kRelu6:
      return at::hardtanh(x, 0.0, 6.0);
    case Activation::kReluN1To1:
      return at::hardtanh(x, -1.0, 1.0);
    case Activation::kTanh:
      return at::tanh(x);
    case Activation::kSignBit:
      break;
  }
  return x;
}

// Spatial padding of a 4-D NCHW tensor for SAME: returns the symmetric part as conv padding, or pads explicitly
// (with `fill`) when TFLite's split is asymmetric.
at::Tensor PadSpatial(const at::Tensor& x, const Layer& l, double fill, std::vector<int64_t>* conv_pad) {
  *conv_pad = {0, 0};
  if (l.padding != ir::Padding::kSame) return x;
  int64_t top, bottom, left, right;
  SamePads(x.size(2), l.filter_h, l.stride_h, l.dilation_h, &top, &bottom);
  SamePads(x.size(3), l.filter_w, l.stride_w, l.dilation_w, &left, &right);
  if (top == bottom && left == right && fill == 0.0) {
    *conv_pad = {top, left};
    return x;
  }
  if (top == 0 && bottom == 0 && left == 0 && right == 0) return x;
  return at::constant_pad_nd(x, {left, right, top, bottom}, fill);
}

at::Tensor ConvForward(const Layer& l, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                       int64_t groups) {
  std::vector<int64_t> pad;
  const at::Tensor in = PadSpatial(x, l, 0.0, &pad);
  return at::conv2d(in, weight, bias, {l.stride_h, l.stride_w}, pad, {l.dilation_h, l.dilation_w}, groups);
}

at::Tensor PoolForward(const Layer& l, const at::Tensor& x) {
  std::vector<int64_t> pad;
  if (l.kind == LayerKind::kMaxPool) {
    const at::Tensor in = PadSpatial(x, l, -std::numeric_limits<double>::infinity(), &pad);
    return at::max_pool2d(in, {l.filter_h, l.filter_w}, {l.stride_h, l.stride_w});
  }
  // TFLite averages over the valid elements only: divide the zero-padded average by the padded average of ones.
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  if (l.padding == ir::Padding::kSame) {
    SamePads(x.size(2), l.filter_h, l.stride_h, 1, &top, &bottom);
    SamePads(x.size(3), l.filter_w, l.stride_w, 1, &left, &right);
  }
  if (top + bottom + left + right == 0) return at::avg_pool2d(x, {l.filter_h, l.filter_w}, {l.stride_h, l.stride_w});
  const at::Tensor padded = at::constant_pad_nd(x, {left, right, top, bottom}, 0.0);
  const at::Tensor ones = at::constant_pad_nd(at::ones({1, 1, x.size(2), x.size(3)}, x.options()),
                                              {left, right, top, bottom}, 0.0);
  return at::avg_pool2d(padded, {l.filter_h, l.filter_w}, {l.stride_h, l.stride_w}) /
         at::avg_pool2d(ones, {l.filter_h, l.filter_w}, {l.stride_h, l.stride_w});
}

// PyTorch's default initialization of conv and linear layers (kaiming_uniform with a = sqrt(5)): weights and
// bias uniform in +-1/sqrt(fan_in).
at::Tensor DefaultInit(at::IntArrayRef shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return at::empty(shape, at::kFloat).uniform_(-bound, bound);
}

at::Tensor Param(at::Tensor t) {
  if (t.dim() == 4) t = t.contiguous(at::MemoryFormat::ChannelsLast);
  return t.detach().requires_grad_(true);
}

// ---------------------------------------------------------------------------------------------------------------
// Built-in architectures.

int MakeDivisible(double v, int divisor = 8) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

class ArchBuilder {
 public:
  explicit ArchBuilder(const ArchOptions& o, std::string arch) {
    net_.arch = std::move(arch);
    net_.height = o.height;
    net_.width = o.width;
    net_.channels = o.channels;
    net_.num_classes = o.num_classes;
    net_.value_shapes.push_back({1, o.height, o.width, o.channels});
    net_.input = 0;
  }

  int Conv(int in, int out_channels, int k, int stride, bool depthwise, const std::string& name) {
    const auto& s = net_.value_shapes[in];
    Layer l;
    l.kind = depthwise ? LayerKind::kDepthwiseConv : LayerKind::kConv;
    l.name = name;
    const int64_t in_channels = s[3];
    if (depthwise) out_channels = static_cast<int>(in_channels);
    const int64_t fan_in = (depthwise ? 1 : in_channels) * k * k;
    l.weight = Param(DefaultInit({out_channels, depthwise ? 1 : in_channels, k, k}, fan_in));
    l.filter_h = l.filter_w = k;
    l.stride_h = l.stride_w = stride;
    l.padding = ir::Padding::kSame;
    std::vector<int64_t> shape = {1, OutSize(s[1], k, stride, 1, l.padding), OutSize(s[2], k, stride, 1, l.padding),
                                  out_channels};
    return Add(std::move(l), {in}, std::move(shape));
  }
  int BatchNorm(int in, const std::string& name) {
    const int64_t c = net_.value_shapes[in][3];
    Layer l;
    l.kind = LayerKind::kBatchNorm;
    l.name = name;
    l.gamma = Param(at::ones({c}));
    l.beta = Param(at::zeros({c}));
    l.running_mean = at::zeros({c});
    l.running_var = at::ones({c});
    return Add(std::move(l), {in}, net_.value_shapes[in]);
  }
  int Act(int in, Activation a, const std::string& name) {
    Layer l;
    l.kind = LayerKind::kActivation;
    l.name = name;
    l.activation = a;
    return Add(std::move(l), {in}, net_.value_shapes[in]);
  }
  int ConvBnAct(int in, int out_channels, int k, int stride, bool depthwise, Activation a, const std::string& name) {
    int v = BatchNorm(Conv(in, out_channels, k, stride, depthwise, name), name + "_bn");
    return a == Activation::kNone ? v : Act(v, a, name + "_act");
  }
  int Sum(int a, int b, const std::string& name) {
    Layer l;
    l.kind = LayerKind::kAdd;
    l.name = name;
    return Add(std::move(l), {a, b}, net_.value_shapes[a]);
  }
  int GlobalAveragePool(int in) {
    Layer l;
    l.kind = LayerKind::kMean;
    l.name = "global_average_pool";
    l.dims = {1, 2};
    return Add(std::move(l), {in}, {1, net_.value_shapes[in][3]});
  }
  int Dropout(int in, float rate) {
    if (rate <= 0.0f) return in;
    Layer l;
    l.kind = LayerKind::kDropout;
    l.name = "dropout";
    l.rate = rate;
    return Add(std::move(l), {in}, net_.value_shapes[in]);
  }
  int Dense(int in, int units, const std::string& name) {
    const int64_t fan_in = net_.value_shapes[in][1];
    Layer l;
    l.kind = LayerKind::kDense;
    l.name = name;
    l.weight = Param(DefaultInit({units, fan_in}, fan_in));
    l.bias = Param(DefaultInit({units}, fan_in));
    return Add(std::move(l), {in}, {1, units});
  }
  Net Finish(int logits) {
    Layer l;
    l.kind = LayerKind::kSoftmax;
    l.name = "softmax";
    net_.logits = logits;
    net_.output = Add(std::move(l), {logits}, net_.value_shapes[logits]);
    return std::move(net_);
  }
  int64_t spatial(int v) const { return std::min(net_.value_shapes[v][1], net_.value_shapes[v][2]); }

 private:
  int Add(Layer l, std::vector<int> inputs, std::vector<int64_t> shape) {
    l.inputs = std::move(inputs);
    l.output = static_cast<int>(net_.value_shapes.size());
    net_.value_shapes.push_back(std::move(shape));
    net_.layers.push_back(std::move(l));
    return net_.layers.back().output;
  }

  Net net_;
};

Net SmallCnn(const ArchOptions& o) {
  ArchBuilder b(o, "small_cnn");
  int x = 0;
  const int widths[4] = {32, 64, 128, 256};
  for (int i = 0; i < 4; ++i) {
    const int stride = (i == 0 && b.spatial(x) < 64) ? 1 : 2;
    x = b.ConvBnAct(x, MakeDivisible(widths[i] * o.alpha), 3, stride, false, Activation::kRelu,
                    "block" + std::to_string(i + 1) + "_conv");
  }
  x = b.Dropout(b.GlobalAveragePool(x), o.dropout);
  return b.Finish(b.Dense(x, o.num_classes, "dense"));
}

Net MobileNetV2(const ArchOptions& o) {
  ArchBuilder b(o, "mobilenet_v2");
  const Activation relu6 = Activation::kRelu6;
  int x = b.ConvBnAct(0, MakeDivisible(32 * o.alpha), 3, 2, false, relu6, "conv1");
  if (std::min(o.height, o.width) < 64) {
    // The small-input variant (see model.h): depthwise-separable blocks, no inverted residuals.
    const int blocks[4][2] = {{64, 1}, {128, 2}, {128, 1}, {256, 1}};
    for (int i = 0; i < 4; ++i) {
      const std::string name = "block" + std::to_string(i + 1);
      x = b.ConvBnAct(x, 0, 3, blocks[i][1], true, relu6, name + "_dw");
      x = b.ConvBnAct(x, MakeDivisible(blocks[i][0] * o.alpha), 1, 1, false, relu6, name + "_pw");
    }
  } else {
    // t (expansion), c (channels), n (repeats), s (stride of the first repeat), as in the MobileNetV2 paper.
    const int settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    int in_channels = MakeDivisible(32 * o.alpha);
    int block = 0;
    for (const auto& s : settings) {
      const int out_channels = MakeDivisible(s[1] * o.alpha);
      for (int i = 0; i < s[2]; ++i, ++block) {
        const std::string name = "block" + std::to_string(block + 1);
        const int stride = i == 0 ? s[3] : 1;
        int y = x;
        if (s[0] != 1) y = b.ConvBnAct(y, in_channels * s[0], 1, 1, false, relu6, name + "_expand");
        y = b.ConvBnAct(y, 0, 3, stride, true, relu6, name + "_dw");
        y = b.ConvBnAct(y, out_channels, 1, 1, false, Activation::kNone, name + "_project");
        if (stride == 1 && in_channels == out_channels) y = b.Sum(x, y, name + "_add");
        x = y;
        in_channels = out_channels;
      }
    }
    x = b.ConvBnAct(x, o.alpha > 1.0f ? MakeDivisible(1280 * o.alpha) : 1280, 1, 1, false, relu6, "conv_last");
  }
  x = b.Dropout(b.GlobalAveragePool(x), o.dropout);
  return b.Finish(b.Dense(x, o.num_classes, "dense"));
}

// ---------------------------------------------------------------------------------------------------------------
// Graph building for export.

class GraphBuilder {
 public:
  GraphBuilder() {
    g_.description = "liteopt train";
    g_.buffers.emplace_back();
    g_.subgraphs.emplace_back();
    g_.subgraphs[0].name = "main";
  }
  int Tensor(const std::string& name, std::vector<int32_t> shape, const at::Tensor& data = {},
             DType dtype = DType::kFloat32) {
    ir::Tensor t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.has_rank = true;
    if (data.defined()) {
      const at::Tensor c = data.detach().contiguous();
      std::vector<uint8_t> bytes(c.nbytes());
      std::memcpy(bytes.data(), c.data_ptr(), bytes.size());
      t.buffer = static_cast<int32_t>(g_.buffers.size());
      g_.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
    }
    auto& tensors = g_.main().tensors;
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
  void Op(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs, const ir::OpOptions& options) {
    ir::Op op;
    op.type = type;
    op.inputs = std::move(inputs);
    op.outputs = std::move(outputs);
    op.options = options;
    g_.main().ops.push_back(std::move(op));
    g_.main().ops.back().version = io::tflite::OperatorVersion(g_, g_.main().ops.back());
  }
  ir::Graph& graph() { return g_; }

 private:
  ir::Graph g_;
};

std::vector<int32_t> Shape32(const std::vector<int64_t>& s) { return std::vector<int32_t>(s.begin(), s.end()); }

// Weights in the IR's layout: OHWI for conv, 1HWO for depthwise, [O, I] for dense.
at::Tensor IrWeight(const Layer& l, const at::Tensor& w) {
  switch (l.kind) {
    case LayerKind::kConv:
      return w.permute({0, 2, 3, 1}).contiguous();
    case LayerKind::kDepthwiseConv:
      return w.permute({1, 2, 3, 0}).contiguous();
    default:
      return w.contiguous();
  }
}

Result<ir::Graph> ExportBuiltIn(const Net& net) {
  std::vector<int> consumers(net.value_shapes.size(), 0);
  for (const auto& l : net.layers)
    for (int v : l.inputs) ++consumers[v];
  // The layer (index) producing each value.
  std::vector<int> producer(net.value_shapes.size(), -1);
  for (size_t i = 0; i < net.layers.size(); ++i) producer[net.layers[i].output] = static_cast<int>(i);
  auto only_consumer = [&](int value, size_t from, LayerKind kind) -> int {
    if (consumers[value] != 1 || value == net.logits) return -1;
    for (size_t j = from; j < net.layers.size(); ++j) {
      const auto& l = net.layers[j];
      if (std::find(l.inputs.begin(), l.inputs.end(), value) != l.inputs.end())
        return l.kind == kind ? static_cast<int>(j) : -1;
    }
    return -1;
  };

  GraphBuilder b;
  std::vector<int> tensor_of(net.value_shapes.size(), -1);
  tensor_of[net.input] = b.Tensor("input", Shape32(net.value_shapes[net.input]));
  std::vector<bool> done(net.layers.size(), false);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (done[i]) continue;
    const Layer& l = net.layers[i];
    const int in = l.inputs.empty() ? -1 : tensor_of[l.inputs[0]];
    int out_value = l.output;
    ir::OpOptions o;
    switch (l.kind) {
      case LayerKind::kConv:
      case LayerKind::kDepthwiseConv:
      case LayerKind::kDense: {
        at::Tensor w = l.weight.detach(), bias = l.bias.defined() ? l.bias.detach() : at::Tensor();
        if (l.kind != LayerKind::kDense) {
          if (int bn = only_consumer(out_value, i + 1, LayerKind::kBatchNorm); bn >= 0) {
            std::tie(w, bias) = FoldBatchNorm(w, bias, net.layers[bn]);
            done[bn] = true;
            out_value = net.layers[bn].output;
          }
        }
        Activation act = Activation::kNone;
        if (int a = only_consumer(out_value, i + 1, LayerKind::kActivation);
            a >= 0 && !net.layers[a].logistic) {
          act = net.layers[a].activation;
          done[a] = true;
          out_value = net.layers[a].output;
        }
        const int64_t units = w.size(0);
        if (!bias.defined()) bias = at::zeros({units});
        const int wt = b.Tensor(l.name + "/weights", Shape32(IrWeight(l, w).sizes().vec()), IrWeight(l, w));
        const int bt = b.Tensor(l.name + "/bias", {static_cast<int32_t>(units)}, bias.to(at::kFloat));
        const int ot = b.Tensor(l.name, Shape32(net.value_shapes[out_value]));
        o.activation = act;
        if (l.kind == LayerKind::kDense) {
          o.type = 8;
          b.Op(OpType::FULLY_CONNECTED, {in, wt, bt}, {ot}, o);
        } else {
          o.padding = l.padding;
          o.stride_h = l.stride_h;
          o.stride_w = l.stride_w;
          o.dilation_h = l.dilation_h;
          o.dilation_w = l.dilation_w;
          const bool dw = l.kind == LayerKind::kDepthwiseConv;
          o.type = dw ? 2 : 1;
          if (dw) o.depth_multiplier = static_cast<int32_t>(units / net.value_shapes[l.inputs[0]][3]);
          b.Op(dw ? OpType::DEPTHWISE_CONV_2D : OpType::CONV_2D, {in, wt, bt}, {ot}, o);
        }
        tensor_of[out_value] = ot;
        break;
      }
      case LayerKind::kAdd: {
        Activation act = Activation::kNone;
        if (int a = only_consumer(out_value, i + 1, LayerKind::kActivation); a >= 0 && !net.layers[a].logistic) {
          act = net.layers[a].activation;
          done[a] = true;
          out_value = net.layers[a].output;
        }
        const int ot = b.Tensor(l.name, Shape32(net.value_shapes[out_value]));
        o.type = 11;
        o.activation = act;
        b.Op(OpType::ADD, {in, tensor_of[l.inputs[1]]}, {ot}, o);
        tensor_of[out_value] = ot;
        break;
      }
      case LayerKind::kActivation: {
        const int ot = b.Tensor(l.name, Shape32(net.value_shapes[out_value]));
        OpType t = l.logistic                              ? OpType::LOGISTIC
                   : l.activation == Activation::kRelu6   ? OpType::RELU6
                   : l.activation == Activation::kRelu    ? OpType::RELU
                   : l.activation == Activation::kTanh    ? OpType::TANH
                                                          : OpType::RELU_N1_TO_1;
        b.Op(t, {in}, {ot}, o);
        tensor_of[out_value] = ot;
        break;
      }
      case LayerKind::kMean: {
        at::Tensor axes = at::tensor(std::vector<int32_t>(l.dims.begin(), l.dims.end()), at::kInt);
        const int at_ = b.Tensor(l.name + "/axes", {static_cast<int32_t>(l.dims.size())}, axes, DType::kInt32);
        const int ot = b.Tensor(l.name, Shape32(net.value_shapes[out_value]));
        o.type = 27;
        o.keep_dims = l.keep_dims;
        b.Op(OpType::MEAN, {in, at_}, {ot}, o);
        tensor_of[out_value] = ot;
        break;
      }
      case LayerKind::kSoftmax: {
        const int ot = b.Tensor("output", Shape32(net.value_shapes[out_value]));
        o.type = 9;
        o.beta = l.softmax_beta;
        b.Op(OpType::SOFTMAX, {in}, {ot}, o);
        tensor_of[out_value] = ot;
        break;
      }
      case LayerKind::kDropout:
        tensor_of[out_value] = in;
        break;
      default:
        return Unsupported("export of layer '" + l.name + "' of a built-in architecture is not implemented");
    }
  }
  ir::Graph& g = b.graph();
  g.main().inputs = {tensor_of[net.input]};
  g.main().outputs = {tensor_of[net.output]};
  ir::SignatureDef sig;
  sig.key = "serving_default";
  sig.inputs = {{"input", tensor_of[net.input]}};
  sig.outputs = {{"output", tensor_of[net.output]}};
  g.signatures.push_back(std::move(sig));
  return std::move(g);
}

// ---------------------------------------------------------------------------------------------------------------
// IR -> Net.

class GraphImporter {
 public:
  explicit GraphImporter(std::shared_ptr<const ir::Graph> g) : g_(std::move(g)), sg_(g_->main()) {}

  Result<Net> Run() {
    if (sg_.inputs.size() != 1 || sg_.outputs.size() != 1)
      return Unsupported("training needs a model with one input and one output (found " +
                         std::to_string(sg_.inputs.size()) + " and " + std::to_string(sg_.outputs.size()) + ")");
    const ir::Tensor& in = sg_.tensors[sg_.inputs[0]];
    if (in.dtype != DType::kFloat32 || in.shape.size() != 4)
      return Unsupported("training needs a float32 NHWC image input; input '" + in.name + "' is " +
                         std::string(DTypeName(in.dtype)) + " of rank " + std::to_string(in.shape.size()) +
                         " (quantized models cannot be trained: start from the float model)");
    net_.arch = "tflite";
    net_.source = g_;
    net_.height = in.shape[1];
    net_.width = in.shape[2];
    net_.channels = in.shape[3];
    value_of_.assign(sg_.tensors.size(), -1);
    value_of_[sg_.inputs[0]] = NewValue(sg_.inputs[0]);
    net_.input = 0;
    for (size_t i = 0; i < sg_.ops.size(); ++i) LITEOPT_RETURN_IF_ERROR(Import(static_cast<int>(i)));
    const int out = value_of_[sg_.outputs[0]];
    if (out < 0) return Unsupported("the model output is not computed from its input");
    net_.output = out;
    net_.logits = out;
    if (!net_.layers.empty() && net_.layers.back().output == out && net_.layers.back().kind == LayerKind::kSoftmax)
      net_.logits = net_.layers.back().inputs[0];
    const auto& os = net_.value_shapes[out];
    net_.num_classes = os.empty() ? 1 : static_cast<int>(os.back());
    return std::move(net_);
  }

 private:
  int NewValue(int tensor) {
    const auto& s = sg_.tensors[tensor].shape;
    net_.value_shapes.emplace_back(s.begin(), s.end());
    net_.value_tensors.push_back(tensor);
    return static_cast<int>(net_.value_shapes.size()) - 1;
  }
  std::string Where(int op) const {
    return "op " + std::to_string(op) + " (" + ir::OpTypeName(sg_.ops[op].type) + ")";
  }
  bool IsConst(int t) const { return t >= 0 && !g_->data(sg_.tensors[t]).empty(); }
  at::Tensor ConstData(int t) const {
    const auto& tensor = sg_.tensors[t];
    const auto& buf = g_->data(tensor);
    std::vector<int64_t> shape(tensor.shape.begin(), tensor.shape.end());
    const auto type = tensor.dtype == DType::kInt32 ? at::kInt : tensor.dtype == DType::kInt64 ? at::kLong : at::kFloat;
    return at::from_blob(const_cast<uint8_t*>(buf.data), shape, type).clone();
  }
  std::vector<int64_t> IntConst(int t) const {
    at::Tensor c = ConstData(t).to(at::kLong).reshape({-1});
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  }
  Result<int> Value(int op, int t) const {
    if (t < 0 || t >= static_cast<int>(value_of_.size()) || value_of_[t] < 0)
      return Unsupported(Where(op) + ": input tensor " + std::to_string(t) +
                         " is not computed from the model input");
    return value_of_[t];
  }
  // One parameter per (constant buffer, layout), so shared weights stay shared.
  at::Tensor Weight(int t, LayerKind kind) {
    const int buffer = sg_.tensors[t].buffer;
    auto key = std::make_pair(buffer, static_cast<int>(kind));
    if (auto it = params_.find(key); it != params_.end()) return it->second;
    at::Tensor w = ConstData(t);
    if (kind == LayerKind::kConv) w = w.permute({0, 3, 1, 2});
    if (kind == LayerKind::kDepthwiseConv) w = w.permute({3, 0, 1, 2});
    w = Param(w.contiguous());
    params_[key] = w;
    return w;
  }
  // A constant operand of an elementwise op in the layout of the other operand (rank `rank`).
  at::Tensor ElementwiseConst(int t, int64_t rank) const {
    at::Tensor c = ConstData(t);
    if (rank == 4) {
      while (c.dim() < 4) c = c.unsqueeze(0);
      c = c.permute({0, 3, 1, 2}).contiguous();
    }
    return c;
  }

  Status Import(int index) {
    const ir::Op& op = sg_.ops[index];
    for (int t : op.inputs)
      if (t >= 0 && sg_.tensors[t].dtype != DType::kFloat32 && !IsIntegerParameter(op, t))
        return Unsupported(Where(index) + ": tensor '" + sg_.tensors[t].name + "' is " +
                           std::string(DTypeName(sg_.tensors[t].dtype)) +
                           "; training needs a float model (quantized and float16-weight models are not trainable)");
    if (op.outputs.size() != 1) return Unsupported(Where(index) + " has " + std::to_string(op.outputs.size()) + " outputs");
    Layer l;
    l.source_op = index;
    const ir::Tensor& out_t = sg_.tensors[op.outputs[0]];
    l.name = out_t.name.empty() ? "op" + std::to_string(index) : out_t.name;
    l.activation = op.options.activation;
    if (l.activation == Activation::kSignBit) return Unsupported(Where(index) + ": SIGN_BIT activation");
    const auto& o = op.options;
    auto input = [&](size_t k) -> Result<int> { return Value(index, k < op.inputs.size() ? op.inputs[k] : -1); };
    switch (op.type) {
      case OpType::CONV_2D:
      case OpType::DEPTHWISE_CONV_2D:
      case OpType::FULLY_CONNECTED: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        if (op.inputs.size() < 2 || !IsConst(op.inputs[1]))
          return Unsupported(Where(index) + ": weights must be constant");
        l.kind = op.type == OpType::CONV_2D             ? LayerKind::kConv
                 : op.type == OpType::DEPTHWISE_CONV_2D ? LayerKind::kDepthwiseConv
                                                        : LayerKind::kDense;
        if (l.kind == LayerKind::kDense && (o.keep_num_dims || o.weights_format != 0))
          return Unsupported(Where(index) + ": keep_num_dims or shuffled weights");
        l.weight = Weight(op.inputs[1], l.kind);
        l.weight_buffer = sg_.tensors[op.inputs[1]].buffer;
        if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
          if (!IsConst(op.inputs[2])) return Unsupported(Where(index) + ": bias must be constant");
          l.bias = Weight(op.inputs[2], LayerKind::kDense);
          l.bias_buffer = sg_.tensors[op.inputs[2]].buffer;
        }
        l.stride_h = o.stride_h;
        l.stride_w = o.stride_w;
        l.dilation_h = o.dilation_h;
        l.dilation_w = o.dilation_w;
        l.padding = o.padding;
        if (l.kind != LayerKind::kDense) {
          l.filter_h = static_cast<int>(l.weight.size(2));
          l.filter_w = static_cast<int>(l.weight.size(3));
          if (net_.value_shapes[x].size() != 4) return Unsupported(Where(index) + ": input is not 4-D");
        }
        l.inputs = {x};
        break;
      }
      case OpType::ADD:
      case OpType::MUL: {
        l.kind = op.type == OpType::ADD ? LayerKind::kAdd : LayerKind::kMul;
        if (op.inputs.size() != 2) return Unsupported(Where(index) + ": needs 2 inputs");
        const bool c0 = IsConst(op.inputs[0]), c1 = IsConst(op.inputs[1]);
        if (c0 && c1) return Unsupported(Where(index) + ": both inputs are constant");
        LITEOPT_ASSIGN_OR_RETURN(int a, input(c0 ? 1 : 0));
        l.inputs = {a};
        if (c0 || c1) {
          l.constant = ElementwiseConst(op.inputs[c0 ? 0 : 1], static_cast<int64_t>(net_.value_shapes[a].size()));
        } else {
          LITEOPT_ASSIGN_OR_RETURN(int b, input(1));
          if (net_.value_shapes[a].size() != net_.value_shapes[b].size())
            return Unsupported(Where(index) + ": inputs of different ranks");
          l.inputs.push_back(b);
        }
        break;
      }
      case OpType::MEAN: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        if (op.inputs.size() < 2 || !IsConst(op.inputs[1])) return Unsupported(Where(index) + ": axes must be constant");
        l.kind = LayerKind::kMean;
        const int64_t rank = static_cast<int64_t>(net_.value_shapes[x].size());
        for (int64_t a : IntConst(op.inputs[1])) l.dims.push_back(a < 0 ? a + rank : a);
        l.keep_dims = o.keep_dims;
        l.inputs = {x};
        break;
      }
      case OpType::AVERAGE_POOL_2D:
      case OpType::MAX_POOL_2D: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        l.kind = op.type == OpType::MAX_POOL_2D ? LayerKind::kMaxPool : LayerKind::kAvgPool;
        l.filter_h = o.filter_h;
        l.filter_w = o.filter_w;
        l.stride_h = o.stride_h;
        l.stride_w = o.stride_w;
        l.padding = o.padding;
        l.inputs = {x};
        break;
      }
      case OpType::RESHAPE: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        l.kind = LayerKind::kReshape;
        l.dims.assign(out_t.shape.begin(), out_t.shape.end());
        if (l.dims.size() < 2) return Unsupported(Where(index) + ": reshape to rank < 2 (the batch must stay)");
        l.dims[0] = -1;
        l.inputs = {x};
        break;
      }
      case OpType::PAD: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        if (op.inputs.size() < 2 || !IsConst(op.inputs[1])) return Unsupported(Where(index) + ": paddings must be constant");
        l.kind = LayerKind::kPad;
        l.dims = IntConst(op.inputs[1]);
        if (l.dims.size() != 2 * net_.value_shapes[x].size()) return Unsupported(Where(index) + ": bad paddings");
        l.inputs = {x};
        break;
      }
      case OpType::CONCATENATION: {
        l.kind = LayerKind::kConcat;
        for (size_t k = 0; k < op.inputs.size(); ++k) {
          LITEOPT_ASSIGN_OR_RETURN(int x, input(k));
          l.inputs.push_back(x);
        }
        const int64_t rank = static_cast<int64_t>(net_.value_shapes[l.inputs[0]].size());
        l.dims = {o.axis < 0 ? o.axis + rank : o.axis};
        break;
      }
      case OpType::SOFTMAX: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        l.kind = LayerKind::kSoftmax;
        l.softmax_beta = o.beta;
        l.inputs = {x};
        break;
      }
      case OpType::RELU:
      case OpType::RELU6:
      case OpType::RELU_N1_TO_1:
      case OpType::TANH:
      case OpType::LOGISTIC: {
        LITEOPT_ASSIGN_OR_RETURN(int x, input(0));
        l.kind = LayerKind::kActivation;
        l.activation = op.type == OpType::RELU     ? Activation::kRelu
                       : op.type == OpType::RELU6  ? Activation::kRelu6
                       : op.type == OpType::TANH   ? Activation::kTanh
                       : op.type == OpType::RELU_N1_TO_1 ? Activation::kReluN1To1
                                                   : Activation::kNone;
        l.logistic = op.type == OpType::LOGISTIC;
        l.inputs = {x};
        break;
      }
      default:
        return Unsupported(Where(index) + " is not supported for training (supported: CONV_2D, DEPTHWISE_CONV_2D, "
                           "FULLY_CONNECTED, ADD, MUL, MEAN, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, PAD, "
                           "CONCATENATION, SOFTMAX, RELU, RELU6, RELU_N1_TO_1, TANH, LOGISTIC)");
    }
    const int v = NewValue(op.outputs[0]);
    value_of_[op.outputs[0]] = v;
    l.output = v;
    net_.layers.push_back(std::move(l));
    return Status::Ok();
  }
  // Integer inputs that are shape parameters, not data.
  static bool IsIntegerParameter(const ir::Op& op, int t) {
    return (op.type == OpType::MEAN || op.type == OpType::RESHAPE || op.type == OpType::PAD) && t != op.inputs[0];
  }

  std::shared_ptr<const ir::Graph> g_;
  const ir::Subgraph& sg_;
  Net net_;
  std::vector<int> value_of_;
  std::map<std::pair<int, int>, at::Tensor> params_;
};

ir::Buffer BufferOf(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kFloat).contiguous();
  std::vector<uint8_t> bytes(c.nbytes());
  std::memcpy(bytes.data(), c.data_ptr(), bytes.size());
  return ir::Buffer::Owned(std::move(bytes));
}

// Writes a new classifier head's shapes into the graph: the dense op's weights, bias and output, and the ops
// between it and the model output (softmax, activations, reshape).
Status ResizeHeadInGraph(ir::Graph& g, const Layer& head, int num_classes) {
  ir::Subgraph& sg = g.main();
  ir::Op& fc = sg.ops[head.source_op];
  // Buffers used by other tensors too get a fresh copy instead of being overwritten.
  auto own_buffer = [&](int tensor) {
    int users = 0;
    for (const auto& s : g.subgraphs)
      for (const auto& t : s.tensors) users += t.buffer == sg.tensors[tensor].buffer;
    if (users > 1) {
      sg.tensors[tensor].buffer = static_cast<int32_t>(g.buffers.size());
      g.buffers.emplace_back();
    }
  };
  const int wt = fc.inputs[1];
  own_buffer(wt);
  const at::Tensor w = IrWeight(head, head.weight);
  sg.tensors[wt].shape = Shape32(w.sizes().vec());
  sg.tensors[wt].shape_signature.clear();
  g.buffers[sg.tensors[wt].buffer] = BufferOf(w);
  if (fc.inputs.size() > 2 && fc.inputs[2] >= 0) {
    const int bt = fc.inputs[2];
    own_buffer(bt);
    sg.tensors[bt].shape = {num_classes};
    sg.tensors[bt].shape_signature.clear();
    g.buffers[sg.tensors[bt].buffer] = BufferOf(head.bias);
  }
  int current = fc.outputs[0];
  auto set_last = [&](int t) {
    auto& tensor = sg.tensors[t];
    if (!tensor.shape.empty()) tensor.shape.back() = num_classes;
    if (!tensor.shape_signature.empty()) tensor.shape_signature.back() = num_classes;
  };
  set_last(current);
  for (size_t i = head.source_op + 1; i < sg.ops.size(); ++i) {
    ir::Op& op = sg.ops[i];
    if (op.inputs.empty() || op.inputs[0] != current) {
      for (int t : op.inputs)
        if (t == current) return Unsupported("cannot give the model a new head: op " + std::to_string(i) + " (" +
                                             ir::OpTypeName(op.type) + ") uses the classifier output");
      continue;
    }
    switch (op.type) {
      case OpType::SOFTMAX:
      case OpType::RELU:
      case OpType::RELU6:
      case OpType::LOGISTIC:
      case OpType::TANH:
        break;
      case OpType::RESHAPE:
        if (!op.options.new_shape.empty()) op.options.new_shape.back() = num_classes;
        if (op.inputs.size() > 1 && op.inputs[1] >= 0) {
          const int st = op.inputs[1];
          own_buffer(st);
          auto& t = sg.tensors[st];
          const auto& old = g.data(t);
          std::vector<int32_t> shape(old.size / 4);
          std::memcpy(shape.data(), old.data, shape.size() * 4);
          if (!shape.empty()) shape.back() = num_classes;
          std::vector<uint8_t> bytes(shape.size() * 4);
          std::memcpy(bytes.data(), shape.data(), bytes.size());
          g.buffers[t.buffer] = ir::Buffer::Owned(std::move(bytes));
        }
        break;
      default:
        return Unsupported("cannot give the model a new head: op " + std::to_string(i) + " (" +
                           ir::OpTypeName(op.type) + ") follows the classifier");
    }
    current = op.outputs[0];
    set_last(current);
  }
  return Status::Ok();
}

Result<ir::Graph> ExportIntoSource(const Net& net) {
  ir::Graph g = *net.source;
  const Layer* head = net.head_layer >= 0 ? &net.layers[net.head_layer] : nullptr;
  for (const auto& l : net.layers) {
    if (&l == head) continue;
    if (l.weight_buffer > 0) g.buffers[l.weight_buffer] = BufferOf(IrWeight(l, l.weight));
    if (l.bias_buffer > 0) g.buffers[l.bias_buffer] = BufferOf(l.bias);
  }
  if (head != nullptr) LITEOPT_RETURN_IF_ERROR(ResizeHeadInGraph(g, *head, net.num_classes));
  return std::move(g);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

at::Tensor Net::Predict(const at::Tensor& x) const {
  at::NoGradGuard no_grad;
  return ToIrOrder(Run(x, false, output)).contiguous();
}

at::Tensor Net::Run(const at::Tensor& x, bool training, int stop) const {
  std::vector<at::Tensor> v(value_shapes.size());
  v[input] = quant ? quant->Value(input, x, training) : x;
  for (size_t li = 0; li < layers.size(); ++li) {
    const Layer& l = layers[li];
    std::vector<at::Tensor> in;
    for (int id : l.inputs) in.push_back(quant ? quant->Read(li, id, v[id]) : v[id]);
    const at::Tensor& a = in[0];
    auto weights = [&] { return quant ? quant->Weights(li, l.weight, l.bias) : std::make_pair(l.weight, l.bias); };
    at::Tensor y;
    switch (l.kind) {
      case LayerKind::kConv:
      case LayerKind::kDepthwiseConv: {
        const auto [w, b] = weights();
        y = ConvForward(l, a, w, b, l.kind == LayerKind::kConv ? 1 : a.size(1));
        break;
      }
      case LayerKind::kDense: {
        const auto [w, b] = weights();
        y = at::linear(ToIrOrder(a).reshape({-1, w.size(1)}), w, b);
        break;
      }
      case LayerKind::kBatchNorm:
        y = at::batch_norm(a, l.gamma, l.beta, l.running_mean, l.running_var, training && !l.frozen, l.bn_momentum,
                           l.bn_eps, false);
        break;
      case LayerKind::kActivation:
        y = l.logistic ? at::sigmoid(a) : a;
        break;
      case LayerKind::kAdd:
      case LayerKind::kMul: {
        const at::Tensor b = !l.constant.defined() ? in[1] : quant ? quant->Constant(li, l.constant) : l.constant;
        y = l.kind == LayerKind::kAdd ? a + b : a * b;
        break;
      }
      case LayerKind::kMean:
        if (a.dim() == 4 && l.dims == std::vector<int64_t>{1, 2}) {
          y = a.mean({2, 3}, l.keep_dims);
        } else {
          y = FromIrOrder(ToIrOrder(a).mean(l.dims, l.keep_dims));
          if (y.dim() != 4) y = ToIrOrder(y);
        }
        break;
      case LayerKind::kAvgPool:
      case LayerKind::kMaxPool:
        y = PoolForward(l, a);
        break;
      case LayerKind::kReshape:
        y = FromIrOrder(ToIrOrder(a).reshape(l.dims));
        break;
      case LayerKind::kPad: {
        std::vector<int64_t> pad;
        const auto& p = l.dims;
        if (a.dim() == 4) {
          pad = {p[4], p[5], p[2], p[3], p[6], p[7], p[0], p[1]};
        } else {
          for (int64_t d = a.dim() - 1; d >= 0; --d) {
            pad.push_back(p[2 * d]);
            pad.push_back(p[2 * d + 1]);
          }
        }
        y = at::constant_pad_nd(a, pad, 0.0);
        break;
      }
      case LayerKind::kConcat: {
        y = at::cat(in, a.dim() == 4 ? NchwDim(l.dims[0]) : l.dims[0]);
        break;
      }
      case LayerKind::kSoftmax:
        y = at::softmax(l.softmax_beta == 1.0f ? a : a * l.softmax_beta, a.dim() == 4 ? 1 : -1);
        break;
      case LayerKind::kDropout:
        y = at::dropout(a, l.rate, training);
        break;
    }
    if (l.kind != LayerKind::kBatchNorm) y = Activate(y, l.activation);  // logistic layers have kNone
    v[l.output] = quant ? quant->Value(l.output, y, training) : std::move(y);
    if (l.output == stop) return v[stop];
  }
  return v[stop];
}

std::vector<at::Tensor> Net::TrainableParameters() const {
  std::vector<at::Tensor> out;
  std::set<const void*> seen;
  for (const Layer& l : layers) {
    if (l.frozen) continue;
    for (const at::Tensor* t : {&l.weight, &l.bias, &l.gamma, &l.beta})
      if (t->defined() && t->requires_grad() && seen.insert(t->unsafeGetTensorImpl()).second) out.push_back(*t);
  }
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> Net::State() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  std::set<const void*> seen;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const std::pair<const char*, const at::Tensor*> fields[] = {
        {"weight", &l.weight}, {"bias", &l.bias}, {"gamma", &l.gamma}, {"beta", &l.beta},
        {"running_mean", &l.running_mean}, {"running_var", &l.running_var}};
    for (const auto& [field, t] : fields)
      if (t->defined() && seen.insert(t->unsafeGetTensorImpl()).second)
        out.emplace_back("l" + std::to_string(i) + "_" + field, *t);
  }
  if (quant)
    for (auto& entry : quant->State()) out.push_back(std::move(entry));
  return out;
}

std::string Net::Signature() const {
  std::string s = arch + " " + std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels) +
                  " classes " + std::to_string(num_classes);
  for (const auto& [name, t] : State()) {
    s += ";" + name + "[";
    for (int64_t d : t.sizes()) s += std::to_string(d) + ",";
    s += "]";
  }
  return s;
}

int64_t Net::NumParameters() const {
  int64_t n = 0;
  std::set<const void*> seen;
  for (const Layer& l : layers)
    for (const at::Tensor* t : {&l.weight, &l.bias, &l.gamma, &l.beta})
      if (t->defined() && seen.insert(t->unsafeGetTensorImpl()).second) n += t->numel();
  return n;
}

Result<Net> BuildArchitecture(const std::string& arch, const ArchOptions& o) {
  if (o.height < 8 || o.width < 8) return InvalidArgument("input size " + std::to_string(o.height) + "x" +
                                                          std::to_string(o.width) + " is too small (at least 8x8)");
  if (o.channels < 1 || o.channels > 4) return InvalidArgument("input channels must be 1 to 4");
  if (o.num_classes < 2) return InvalidArgument("a classifier needs at least 2 classes");
  if (arch == "small_cnn") return SmallCnn(o);
  if (arch == "mobilenet_v2") return MobileNetV2(o);
  return InvalidArgument("unknown architecture '" + arch + "' (known: small_cnn, mobilenet_v2)");
}

Result<Net> NetFromGraph(std::shared_ptr<const ir::Graph> graph) {
  if (!graph || graph->subgraphs.empty()) return InvalidArgument("empty model");
  return GraphImporter(std::move(graph)).Run();
}

Status ReplaceHead(Net& net, int num_classes) {
  // The head: the layer producing the logits, or the one a RESHAPE of the logits reads (Keras' MobileNet ends
  // in a 1x1 CONV_2D and a RESHAPE).
  int head = -1;
  for (int value = net.logits; head < 0;) {
    int producer = -1;
    for (size_t i = 0; i < net.layers.size(); ++i)
      if (net.layers[i].output == value) producer = static_cast<int>(i);
    if (producer < 0) break;
    const Layer& l = net.layers[producer];
    if (l.kind == LayerKind::kReshape) {
      value = l.inputs[0];
      continue;
    }
    if (l.kind == LayerKind::kDense || (l.kind == LayerKind::kConv && l.weight.size(2) == 1 && l.weight.size(3) == 1))
      head = producer;
    break;
  }
  if (head < 0)
    return Unsupported("the model's logits do not come from a FULLY_CONNECTED or 1x1 CONV_2D layer: cannot give it "
                       "a new " + std::to_string(num_classes) + "-class head");
  Layer& h = net.layers[head];
  const int64_t fan_in = h.weight.size(1);
  std::vector<int64_t> shape = h.weight.sizes().vec();
  shape[0] = num_classes;
  h.weight = Param(DefaultInit(shape, fan_in));
  if (h.bias.defined() || net.source == nullptr) h.bias = Param(DefaultInit({num_classes}, fan_in));
  h.frozen = false;
  const int64_t old_classes = net.value_shapes[h.output].back();
  net.num_classes = num_classes;
  // The head's output and the values computed from it (reshape, softmax) change their last dimension.
  for (size_t v = h.output; v < net.value_shapes.size(); ++v)
    if (!net.value_shapes[v].empty() && net.value_shapes[v].back() == old_classes) net.value_shapes[v].back() = num_classes;
  for (size_t i = head + 1; i < net.layers.size(); ++i)
    if (net.layers[i].kind == LayerKind::kReshape && net.layers[i].dims.back() == old_classes)
      net.layers[i].dims.back() = num_classes;
  net.head_layer = head;
  return Status::Ok();
}

Status FreezeUntil(Net& net, const std::string& layer) {
  int last = -1;
  char* end = nullptr;
  const long index = std::strtol(layer.c_str(), &end, 10);
  const bool numeric = !layer.empty() && end != nullptr && *end == '\0';
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const long id = net.source ? l.source_op : static_cast<long>(i);
    if (l.name == layer || (numeric && id == index)) last = static_cast<int>(i);
  }
  if (last < 0) {
    std::string names;
    for (size_t i = 0; i < net.layers.size() && i < 12; ++i) names += (i ? ", " : "") + net.layers[i].name;
    return NotFound("--freeze-until: no layer named or numbered '" + layer + "' (layers: " + names +
                    (net.layers.size() > 12 ? ", ..." : "") + ")");
  }
  for (int i = 0; i <= last; ++i) {
    Layer& l = net.layers[i];
    if (static_cast<int>(i) == net.head_layer) continue;
    l.frozen = true;
    for (at::Tensor* t : {&l.weight, &l.bias, &l.gamma, &l.beta})
      if (t->defined()) t->requires_grad_(false);
  }
  return Status::Ok();
}

Result<ir::Graph> ExportGraph(const Net& net) {
  at::NoGradGuard no_grad;
  return net.source ? ExportIntoSource(net) : ExportBuiltIn(net);
}

std::pair<at::Tensor, at::Tensor> FoldBatchNorm(const at::Tensor& weight, const at::Tensor& bias, const Layer& bn) {
  at::NoGradGuard no_grad;
  const at::Tensor scale = bn.gamma.detach().to(at::kDouble) /
                           at::sqrt(bn.running_var.detach().to(at::kDouble) + bn.bn_eps);
  std::vector<int64_t> shape(weight.dim(), 1);
  shape[0] = -1;
  const at::Tensor w = weight.detach().to(at::kDouble) * scale.reshape(shape);
  const at::Tensor b0 = bias.defined() ? bias.detach().to(at::kDouble) : at::zeros_like(scale);
  const at::Tensor b = (b0 - bn.running_mean.detach().to(at::kDouble)) * scale + bn.beta.detach().to(at::kDouble);
  return {w.to(at::kFloat).contiguous(), b.to(at::kFloat).contiguous()};
}

}  // namespace liteopt::train
