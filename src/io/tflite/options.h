// Internal to io/tflite (includes the generated schema header, which is private to liteopt_tflite):
// maps TFLite builtin option tables to and from the flat ir::OpOptions.
//
// Contract: ir::OpOptions::type is the BuiltinOptions union tag. For the tags listed by
// IsModeledOptionsType the fields below round-trip exactly (except the noted gaps); every other tag
// (option tables with no fields, and tables liteopt does not model) is kept as a tag only, and the
// writer emits an empty table of that type, i.e. schema defaults.
//
// Field mapping where the IR field name differs from the schema:
//   Pool2DOptions.filter_width/height      -> filter_w / filter_h
//   *.fused_activation_function            -> activation
//   Cast/Shape/ArgMax/ArgMinOptions output -> out_type (CastOptions.in_data_type is written from the
//                                             op's first input dtype; it is not stored in the IR)
//   UnpackOptions.num                      -> values_count
//   MirrorPadOptions.mode (REFLECT=0, SYMMETRIC=1) -> padding (stored as Padding 0/1)
//   OneHotOptions.axis, GatherOptions.axis -> axis
// Gaps (written as schema defaults): LSTMOptions.kernel_type, GatherOptions.batch_dims.
#pragma once

#include <cstdint>

#include "base/dtype.h"
#include "io/tflite/schema/tflite_generated.h"
#include "ir/graph.h"

namespace liteopt::io::tflite::internal {

// True when the fields of the option table with this union tag are carried in ir::OpOptions.
bool IsModeledOptionsType(uint8_t type);

// Fills `out` (type and fields) from the operator's builtin options. A tag whose table is absent
// keeps the schema defaults of that table.
void ReadBuiltinOptions(const liteopt::tflite_fb::Operator& op, ir::OpOptions* out);

// Builds the option table for `o.type` (0 = none: returns a null offset). `first_input_dtype` feeds
// CastOptions.in_data_type.
flatbuffers::Offset<void> WriteBuiltinOptions(flatbuffers::FlatBufferBuilder& fbb, const ir::OpOptions& o,
                                              DType first_input_dtype);

}  // namespace liteopt::io::tflite::internal
