// bench/dequantize_model IN.tflite OUT.tflite: writes the float32 twin of a fully quantized model for benchmarks
// (the same architecture and dequantized weights), e.g. a float MobileNetV2 from the int8 fixture. Quantized
// constants become float (scale * (q - zero point), per axis where quantized so), quantized activations become
// float32, QUANTIZE / DEQUANTIZE ops are removed (their consumers read the op's input). Not a converter: only for
// models of conv / depthwise / fully connected / add / mean / reshape / softmax / pooling ops.
#include <cstdio>
#include <cstring>
#include <map>

#include "io/tflite/reader.h"
#include "io/tflite/writer.h"

using namespace liteopt;

namespace {

float Dequantized(const ir::Tensor& t, const ir::Buffer& b, int64_t i) {
  const ir::QuantParams& q = t.quant;
  size_t channel = 0;
  if (q.scale.size() > 1) {
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(q.quantized_dimension) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
    channel = static_cast<size_t>((i / inner) % t.shape[q.quantized_dimension]);
  }
  const float scale = q.scale[channel];
  const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() > 1 ? channel : 0];
  int64_t v = 0;
  switch (t.dtype) {
    case DType::kInt8: v = static_cast<int8_t>(b.data[i]); break;
    case DType::kUInt8: v = b.data[i]; break;
    case DType::kInt32: {
      int32_t x;
      std::memcpy(&x, b.data + 4 * i, 4);
      v = x;
      break;
    }
    default: break;
  }
  return scale * static_cast<float>(v - zp);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.tflite OUT.tflite\n", argv[0]);
    return 2;
  }
  auto graph_or = io::tflite::ReadTfliteFile(argv[1]);
  if (!graph_or.ok()) {
    std::fprintf(stderr, "%s\n", graph_or.status().message().c_str());
    return 1;
  }
  auto graph = std::make_shared<ir::Graph>(**graph_or);
  ir::Subgraph& sg = graph->main();
  for (ir::Tensor& t : sg.tensors) {
    const bool quantized_type = t.dtype == DType::kInt8 || t.dtype == DType::kUInt8 ||
                                (t.dtype == DType::kInt32 && !t.quant.scale.empty() && t.buffer != 0);
    if (!quantized_type || t.quant.scale.empty()) continue;
    if (t.buffer != 0 && !graph->buffers[t.buffer].empty()) {
      const ir::Buffer& b = graph->buffers[t.buffer];
      const int64_t n = ir::NumElements(t.shape);
      std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
      for (int64_t i = 0; i < n; ++i) {
        const float f = Dequantized(t, b, i);
        std::memcpy(bytes.data() + 4 * i, &f, 4);
      }
      graph->buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
      t.buffer = static_cast<int32_t>(graph->buffers.size() - 1);
    }
    t.dtype = DType::kFloat32;
    t.quant = {};
  }
  // Drop QUANTIZE / DEQUANTIZE: every later reader of the op's output reads its input instead.
  std::map<int32_t, int32_t> alias;
  std::vector<ir::Op> ops;
  for (ir::Op op : sg.ops) {
    for (int32_t& in : op.inputs)
      if (alias.count(in)) in = alias[in];
    if (op.type == ir::OpType::QUANTIZE || op.type == ir::OpType::DEQUANTIZE) {
      alias[op.outputs[0]] = op.inputs[0];
      continue;
    }
    ops.push_back(op);
  }
  sg.ops = ops;
  for (int32_t& out : sg.outputs)
    if (alias.count(out)) out = alias[out];
  graph->signatures.clear();
  if (Status st = io::tflite::WriteTfliteFile(*graph, argv[2]); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
