#include "ops/kernel.h"
