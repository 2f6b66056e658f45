#include "plain.h"
int a() { return 1; }
