#pragma once
/* A header with a C++ construct in its code. */
namespace demo {
int f();
}
