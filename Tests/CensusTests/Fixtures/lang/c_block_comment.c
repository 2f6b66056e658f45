/*
 * A block comment over several lines.

 * The blank line above is blank, as cloc counts it.
 */
#include <stdio.h>

int main(void) { /* code and comment: code */
    return 0; // trailing comment
}
// line comment
   /* one-line block */
