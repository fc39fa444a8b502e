#include "io/tflite/options.h"

#include <vector>

namespace liteopt::io::tflite::internal {

namespace fb = ::liteopt::tflite_fb;
using BO = fb::BuiltinOptions;

namespace {

// An empty table: reading any field of it yields the schema default, so an absent option table can
// be read exactly like a present one.
const void* EmptyTable() {
  static const std::vector<uint8_t> kBuf = [] {
    flatbuffers::FlatBufferBuilder b(64);
    const auto t = b.EndTable(b.StartTable());
    b.Finish(flatbuffers::Offset<flatbuffers::Table>(t));
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  }();
  return flatbuffers::GetRoot<flatbuffers::Table>(kBuf.data());
}

template <typename T>
const T& Table(const fb::Operator& op) {
  const void* p = op.builtin_options();
  return *static_cast<const T*>(p ? p : EmptyTable());
}

ir::Activation Act(fb::ActivationFunctionType a) { return static_cast<ir::Activation>(a); }
fb::ActivationFunctionType Act(ir::Activation a) { return static_cast<fb::ActivationFunctionType>(a); }
ir::Padding Pad(fb::Padding p) { return static_cast<ir::Padding>(p); }
fb::Padding Pad(ir::Padding p) { return static_cast<fb::Padding>(p); }
DType Type(fb::TensorType t) { return static_cast<DType>(t); }
fb::TensorType Type(DType t) { return static_cast<fb::TensorType>(t); }
int8_t Type8(fb::TensorType t) { return static_cast<int8_t>(t); }
fb::TensorType Type8(int8_t t) { return static_cast<fb::TensorType>(t); }

std::vector<int32_t> Ints(const flatbuffers::Vector<int32_t>* v) {
  return v ? std::vector<int32_t>(v->begin(), v->end()) : std::vector<int32_t>();
}

}  // namespace

bool IsModeledOptionsType(uint8_t type) {
  switch (static_cast<BO>(type)) {
    case BO::Conv2DOptions:
    case BO::DepthwiseConv2DOptions:
    case BO::Pool2DOptions:
    case BO::RNNOptions:
    case BO::FullyConnectedOptions:
    case BO::SoftmaxOptions:
    case BO::ConcatenationOptions:
    case BO::AddOptions:
    case BO::L2NormOptions:
    case BO::LSTMOptions:
    case BO::ResizeBilinearOptions:
    case BO::ReshapeOptions:
    case BO::MulOptions:
    case BO::GatherOptions:
    case BO::ReducerOptions:
    case BO::SubOptions:
    case BO::DivOptions:
    case BO::SqueezeOptions:
    case BO::SequenceRNNOptions:
    case BO::StridedSliceOptions:
    case BO::SplitOptions:
    case BO::CastOptions:
    case BO::ArgMaxOptions:
    case BO::TransposeConvOptions:
    case BO::ShapeOptions:
    case BO::ArgMinOptions:
    case BO::PackOptions:
    case BO::OneHotOptions:
    case BO::UnpackOptions:
    case BO::UnidirectionalSequenceLSTMOptions:
    case BO::ResizeNearestNeighborOptions:
    case BO::LeakyReluOptions:
    case BO::MirrorPadOptions:
    case BO::SplitVOptions:
      return true;
    default:
      return false;
  }
}

void ReadBuiltinOptions(const fb::Operator& op, ir::OpOptions* out) {
  ir::OpOptions& o = *out;
  o = ir::OpOptions();
  o.type = static_cast<uint8_t>(op.builtin_options_type());
  switch (op.builtin_options_type()) {
    case BO::Conv2DOptions: {
      const auto& t = Table<fb::Conv2DOptions>(op);
      o.padding = Pad(t.padding());
      o.stride_w = t.stride_w();
      o.stride_h = t.stride_h();
      o.activation = Act(t.fused_activation_function());
      o.dilation_w = t.dilation_w_factor();
      o.dilation_h = t.dilation_h_factor();
      o.quantized_bias_type = Type8(t.quantized_bias_type());
      break;
    }
    case BO::DepthwiseConv2DOptions: {
      const auto& t = Table<fb::DepthwiseConv2DOptions>(op);
      o.padding = Pad(t.padding());
      o.stride_w = t.stride_w();
      o.stride_h = t.stride_h();
      o.depth_multiplier = t.depth_multiplier();
      o.activation = Act(t.fused_activation_function());
      o.dilation_w = t.dilation_w_factor();
      o.dilation_h = t.dilation_h_factor();
      break;
    }
    case BO::Pool2DOptions: {
      const auto& t = Table<fb::Pool2DOptions>(op);
      o.padding = Pad(t.padding());
      o.stride_w = t.stride_w();
      o.stride_h = t.stride_h();
      o.filter_w = t.filter_width();
      o.filter_h = t.filter_height();
      o.activation = Act(t.fused_activation_function());
      break;
    }
    case BO::RNNOptions: {
      const auto& t = Table<fb::RNNOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.asymmetric_quantize_inputs = t.asymmetric_quantize_inputs();
      break;
    }
    case BO::FullyConnectedOptions: {
      const auto& t = Table<fb::FullyConnectedOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.weights_format = static_cast<int8_t>(t.weights_format());
      o.keep_num_dims = t.keep_num_dims();
      o.asymmetric_quantize_inputs = t.asymmetric_quantize_inputs();
      o.quantized_bias_type = Type8(t.quantized_bias_type());
      break;
    }
    case BO::SoftmaxOptions:
      o.beta = Table<fb::SoftmaxOptions>(op).beta();
      break;
    case BO::ConcatenationOptions: {
      const auto& t = Table<fb::ConcatenationOptions>(op);
      o.axis = t.axis();
      o.activation = Act(t.fused_activation_function());
      break;
    }
    case BO::AddOptions: {
      const auto& t = Table<fb::AddOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.pot_scale_int16 = t.pot_scale_int16();
      break;
    }
    case BO::L2NormOptions:
      o.activation = Act(Table<fb::L2NormOptions>(op).fused_activation_function());
      break;
    case BO::LSTMOptions: {
      const auto& t = Table<fb::LSTMOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.cell_clip = t.cell_clip();
      o.proj_clip = t.proj_clip();
      o.asymmetric_quantize_inputs = t.asymmetric_quantize_inputs();
      break;
    }
    case BO::ResizeBilinearOptions: {
      const auto& t = Table<fb::ResizeBilinearOptions>(op);
      o.align_corners = t.align_corners();
      o.half_pixel_centers = t.half_pixel_centers();
      break;
    }
    case BO::ReshapeOptions:
      o.new_shape = Ints(Table<fb::ReshapeOptions>(op).new_shape());
      break;
    case BO::MulOptions:
      o.activation = Act(Table<fb::MulOptions>(op).fused_activation_function());
      break;
    case BO::GatherOptions:
      o.axis = Table<fb::GatherOptions>(op).axis();
      break;
    case BO::ReducerOptions:
      o.keep_dims = Table<fb::ReducerOptions>(op).keep_dims();
      break;
    case BO::SubOptions: {
      const auto& t = Table<fb::SubOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.pot_scale_int16 = t.pot_scale_int16();
      break;
    }
    case BO::DivOptions:
      o.activation = Act(Table<fb::DivOptions>(op).fused_activation_function());
      break;
    case BO::SqueezeOptions:
      o.squeeze_dims = Ints(Table<fb::SqueezeOptions>(op).squeeze_dims());
      break;
    case BO::SequenceRNNOptions: {
      const auto& t = Table<fb::SequenceRNNOptions>(op);
      o.time_major = t.time_major();
      o.activation = Act(t.fused_activation_function());
      o.asymmetric_quantize_inputs = t.asymmetric_quantize_inputs();
      break;
    }
    case BO::StridedSliceOptions: {
      const auto& t = Table<fb::StridedSliceOptions>(op);
      o.begin_mask = t.begin_mask();
      o.end_mask = t.end_mask();
      o.ellipsis_mask = t.ellipsis_mask();
      o.new_axis_mask = t.new_axis_mask();
      o.shrink_axis_mask = t.shrink_axis_mask();
      o.offset = t.offset();
      break;
    }
    case BO::SplitOptions:
      o.num_splits = Table<fb::SplitOptions>(op).num_splits();
      break;
    case BO::CastOptions:
      o.out_type = Type(Table<fb::CastOptions>(op).out_data_type());
      break;
    case BO::ArgMaxOptions:
      o.out_type = Type(Table<fb::ArgMaxOptions>(op).output_type());
      break;
    case BO::ArgMinOptions:
      o.out_type = Type(Table<fb::ArgMinOptions>(op).output_type());
      break;
    case BO::TransposeConvOptions: {
      const auto& t = Table<fb::TransposeConvOptions>(op);
      o.padding = Pad(t.padding());
      o.stride_w = t.stride_w();
      o.stride_h = t.stride_h();
      o.activation = Act(t.fused_activation_function());
      o.quantized_bias_type = Type8(t.quantized_bias_type());
      break;
    }
    case BO::ShapeOptions:
      o.out_type = Type(Table<fb::ShapeOptions>(op).out_type());
      break;
    case BO::PackOptions: {
      const auto& t = Table<fb::PackOptions>(op);
      o.values_count = t.values_count();
      o.axis = t.axis();
      break;
    }
    case BO::OneHotOptions:
      o.axis = Table<fb::OneHotOptions>(op).axis();
      break;
    case BO::UnpackOptions: {
      const auto& t = Table<fb::UnpackOptions>(op);
      o.values_count = t.num();
      o.axis = t.axis();
      break;
    }
    case BO::UnidirectionalSequenceLSTMOptions: {
      const auto& t = Table<fb::UnidirectionalSequenceLSTMOptions>(op);
      o.activation = Act(t.fused_activation_function());
      o.cell_clip = t.cell_clip();
      o.proj_clip = t.proj_clip();
      o.time_major = t.time_major();
      o.asymmetric_quantize_inputs = t.asymmetric_quantize_inputs();
      o.diagonal_recurrent_tensors = t.diagonal_recurrent_tensors();
      break;
    }
    case BO::ResizeNearestNeighborOptions: {
      const auto& t = Table<fb::ResizeNearestNeighborOptions>(op);
      o.align_corners = t.align_corners();
      o.half_pixel_centers = t.half_pixel_centers();
      break;
    }
    case BO::LeakyReluOptions:
      o.alpha = Table<fb::LeakyReluOptions>(op).alpha();
      break;
    case BO::MirrorPadOptions:
      o.padding = static_cast<ir::Padding>(Table<fb::MirrorPadOptions>(op).mode());
      break;
    case BO::SplitVOptions:
      o.num_splits = Table<fb::SplitVOptions>(op).num_splits();
      break;
    default:
      break;  // no fields, or a table liteopt keeps as a tag only
  }
}

flatbuffers::Offset<void> WriteBuiltinOptions(flatbuffers::FlatBufferBuilder& fbb, const ir::OpOptions& o,
                                              DType first_input_dtype) {
  if (o.type == 0) return 0;
  auto vec = [&](const std::vector<int32_t>& v) {
    return v.empty() ? flatbuffers::Offset<flatbuffers::Vector<int32_t>>() : fbb.CreateVector(v);
  };
  switch (static_cast<BO>(o.type)) {
    case BO::Conv2DOptions:
      return fb::CreateConv2DOptions(fbb, Pad(o.padding), o.stride_w, o.stride_h, Act(o.activation), o.dilation_w,
                                     o.dilation_h, Type8(o.quantized_bias_type))
          .Union();
    case BO::DepthwiseConv2DOptions:
      return fb::CreateDepthwiseConv2DOptions(fbb, Pad(o.padding), o.stride_w, o.stride_h, o.depth_multiplier,
                                              Act(o.activation), o.dilation_w, o.dilation_h)
          .Union();
    case BO::Pool2DOptions:
      return fb::CreatePool2DOptions(fbb, Pad(o.padding), o.stride_w, o.stride_h, o.filter_w, o.filter_h,
                                     Act(o.activation))
          .Union();
    case BO::RNNOptions:
      return fb::CreateRNNOptions(fbb, Act(o.activation), o.asymmetric_quantize_inputs).Union();
    case BO::FullyConnectedOptions:
      return fb::CreateFullyConnectedOptions(
                 fbb, Act(o.activation), static_cast<fb::FullyConnectedOptionsWeightsFormat>(o.weights_format),
                 o.keep_num_dims, o.asymmetric_quantize_inputs, Type8(o.quantized_bias_type))
          .Union();
    case BO::SoftmaxOptions:
      return fb::CreateSoftmaxOptions(fbb, o.beta).Union();
    case BO::ConcatenationOptions:
      return fb::CreateConcatenationOptions(fbb, o.axis, Act(o.activation)).Union();
    case BO::AddOptions:
      return fb::CreateAddOptions(fbb, Act(o.activation), o.pot_scale_int16).Union();
    case BO::L2NormOptions:
      return fb::CreateL2NormOptions(fbb, Act(o.activation)).Union();
    case BO::LSTMOptions:
      return fb::CreateLSTMOptions(fbb, Act(o.activation), o.cell_clip, o.proj_clip, fb::LSTMKernelType::FULL,
                                   o.asymmetric_quantize_inputs)
          .Union();
    case BO::ResizeBilinearOptions:
      return fb::CreateResizeBilinearOptions(fbb, o.align_corners, o.half_pixel_centers).Union();
    case BO::ReshapeOptions: {
      const auto shape = vec(o.new_shape);
      return fb::CreateReshapeOptions(fbb, shape).Union();
    }
    case BO::MulOptions:
      return fb::CreateMulOptions(fbb, Act(o.activation)).Union();
    case BO::GatherOptions:
      return fb::CreateGatherOptions(fbb, o.axis).Union();
    case BO::ReducerOptions:
      return fb::CreateReducerOptions(fbb, o.keep_dims).Union();
    case BO::SubOptions:
      return fb::CreateSubOptions(fbb, Act(o.activation), o.pot_scale_int16).Union();
    case BO::DivOptions:
      return fb::CreateDivOptions(fbb, Act(o.activation)).Union();
    case BO::SqueezeOptions: {
      const auto dims = vec(o.squeeze_dims);
      return fb::CreateSqueezeOptions(fbb, dims).Union();
    }
    case BO::SequenceRNNOptions:
      return fb::CreateSequenceRNNOptions(fbb, o.time_major, Act(o.activation), o.asymmetric_quantize_inputs).Union();
    case BO::StridedSliceOptions:
      return fb::CreateStridedSliceOptions(fbb, o.begin_mask, o.end_mask, o.ellipsis_mask, o.new_axis_mask,
                                           o.shrink_axis_mask, o.offset)
          .Union();
    case BO::SplitOptions:
      return fb::CreateSplitOptions(fbb, o.num_splits).Union();
    case BO::CastOptions:
      return fb::CreateCastOptions(fbb, Type(first_input_dtype), Type(o.out_type)).Union();
    case BO::ArgMaxOptions:
      return fb::CreateArgMaxOptions(fbb, Type(o.out_type)).Union();
    case BO::ArgMinOptions:
      return fb::CreateArgMinOptions(fbb, Type(o.out_type)).Union();
    case BO::TransposeConvOptions:
      return fb::CreateTransposeConvOptions(fbb, Pad(o.padding), o.stride_w, o.stride_h, Act(o.activation),
                                            Type8(o.quantized_bias_type))
          .Union();
    case BO::ShapeOptions:
      return fb::CreateShapeOptions(fbb, Type(o.out_type)).Union();
    case BO::PackOptions:
      return fb::CreatePackOptions(fbb, o.values_count, o.axis).Union();
    case BO::OneHotOptions:
      return fb::CreateOneHotOptions(fbb, o.axis).Union();
    case BO::UnpackOptions:
      return fb::CreateUnpackOptions(fbb, o.values_count, o.axis).Union();
    case BO::UnidirectionalSequenceLSTMOptions:
      return fb::CreateUnidirectionalSequenceLSTMOptions(fbb, Act(o.activation), o.cell_clip, o.proj_clip, o.time_major,
                                                         o.asymmetric_quantize_inputs, o.diagonal_recurrent_tensors)
          .Union();
    case BO::ResizeNearestNeighborOptions:
      return fb::CreateResizeNearestNeighborOptions(fbb, o.align_corners, o.half_pixel_centers).Union();
    case BO::LeakyReluOptions:
      return fb::CreateLeakyReluOptions(fbb, o.alpha).Union();
    case BO::MirrorPadOptions:
      return fb::CreateMirrorPadOptions(fbb, static_cast<fb::MirrorPadMode>(o.padding)).Union();
    case BO::SplitVOptions:
      return fb::CreateSplitVOptions(fbb, o.num_splits).Union();
    default:
      // Tables without fields, and tables kept as a tag only: an empty table of that type.
      return flatbuffers::Offset<void>(fbb.EndTable(fbb.StartTable()));
  }
}

}  // namespace liteopt::io::tflite::internal
