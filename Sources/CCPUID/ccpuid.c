// Intentionally empty: everything is a static inline function in include/ccpuid.h.
#include "ccpuid.h"
