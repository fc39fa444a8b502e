// Printing a quantization debugging report (text and JSON), shared by `liteopt debug-quant` and `liteopt optimize`.
#pragma once

#include <nlohmann/json.hpp>

#include "eval/keep_float_search.h"
#include "eval/quant_debug.h"

namespace liteopt::cli {

// The per-layer table (the first `top` layers, 0 = all), then each bad layer with its suggestion, then the
// warnings, to stdout.
void PrintQuantDebugText(const eval::QuantDebugReport& r, size_t top);
// Bad layers and warnings only (what optimize prints when int8 loses too much).
void PrintBadLayers(const eval::QuantDebugReport& r);

nlohmann::json QuantDebugJson(const eval::QuantDebugReport& r);
nlohmann::json KeepFloatSearchJson(const eval::KeepFloatSearchResult& r, double budget_points);

}  // namespace liteopt::cli
