#ifndef HEADER_C_H
#define HEADER_C_H
/* "namespace" only appears in this comment; no C++ in the code. */
#ifdef __cplusplus
extern "C" {
#endif
int g(void);
#ifdef __cplusplus
}
#endif
#endif
