package main

// a comment
var s = `raw string
/* not a comment
// not a comment either
`

func main() {
	x := "a // b" /* trailing */
	_ = x
}
