#include "asm.h"
# a gas comment
; a semicolon comment
/* a block
   comment */
	movl $1, %eax   # trailing
#define X 1
	ret
