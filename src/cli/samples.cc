#include "cli/samples.h"

#include "data/model_input.h"
#include "data/pipeline.h"

namespace liteopt::cli {

Result<std::vector<std::vector<uint8_t>>> LoadModelSamples(const std::string& csv, const ir::Graph& g,
                                                           const SampleFlags& flags, const DatasetFlags& dataset,
                                                           const std::string& what) {
  const ir::Subgraph& sg = g.main();
  if (sg.inputs.size() != 1)
    return Unsupported(what + ": the model has " + std::to_string(sg.inputs.size()) +
                       " inputs; samples from images need one image input");
  const ir::Tensor& t = sg.tensors[sg.inputs[0]];
  data::InputTensorInfo info{t.name, t.shape, t.dtype, t.quant.quantized(),
                             t.quant.scale.empty() ? 0.0f : t.quant.scale[0],
                             t.quant.zero_point.empty() ? 0 : static_cast<int32_t>(t.quant.zero_point[0])};
  auto spec = data::ModelInputSpecFor(info, flags.normalize, dataset.ResizeMethod());
  if (!spec.ok()) return Status(spec.status()).Prepend(what + " " + csv);
  auto loaded = LoadCsvSource(csv, dataset, nullptr);
  if (!loaded.ok()) return Status(loaded.status()).Prepend(what);
  data::RepresentativeOptions ro;
  ro.count = flags.count;
  ro.seed = flags.seed;
  ro.skip_bad = dataset.skip_bad;
  ro.jpeg_dct_scaling = !dataset.exact_decode;
  auto samples = data::RepresentativeSamples(loaded->source, *spec, ro);
  if (!samples.ok()) return Status(samples.status()).Prepend(what + " " + csv);
  if (samples->empty()) return InvalidArgument(what + " " + csv + ": no usable rows (0 samples)");
  return samples;
}

}  // namespace liteopt::cli
