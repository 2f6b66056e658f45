package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func main() {
	p := unsafe.Pointer(nil) // unsafe.Pointer in a comment does not count
	fmt.Println(p, unsafe.Sizeof(p), "unsafe.Pointer in a string")
}
