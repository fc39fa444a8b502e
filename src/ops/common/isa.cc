#include "ops/common/isa.h"

#include "base/cpu.h"

namespace liteopt::ops {

namespace {
bool g_override_active = false;
Isa g_override = Isa::kPortable;
}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeon: return "neon";
    case Isa::kNeonDot: return "neondot";
  }
  return "?";
}

bool IsaAvailable(Isa isa) {
  const CpuFeatures& f = GetCpuFeatures();
  switch (isa) {
    case Isa::kPortable: return true;
#if defined(__x86_64__)
    case Isa::kAvx2: return f.avx2 && f.fma;
#else
    case Isa::kAvx2: return false;
#endif
    case Isa::kAvx512Vnni: return false;  // no kernels for it yet
#if defined(__aarch64__)
    case Isa::kNeon: return f.neon;
    case Isa::kNeonDot: return f.neon && f.neon_dotprod;
#else
    case Isa::kNeon: return false;
    case Isa::kNeonDot: return false;
#endif
  }
  (void)f;
  return false;
}

std::vector<Isa> AvailableIsas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot})
    if (IsaAvailable(isa)) out.push_back(isa);
  return out;
}

Isa SelectedIsa() {
  if (g_override_active) return g_override;
  static const Isa best = AvailableIsas().back();
  return best;
}

IsaOverride::IsaOverride(Isa isa) : had_previous_(g_override_active), previous_(g_override) {
  g_override_active = true;
  g_override = isa;
}

IsaOverride::~IsaOverride() {
  g_override_active = had_previous_;
  g_override = previous_;
}

}  // namespace liteopt::ops
