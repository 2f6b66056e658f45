const char *a = "/* not a comment";
const char *b = "// not a comment either";
const char *c = "escaped \" quote /* still string */";
char d = '"'; /* a comment after a quote char */
/* only comment */
int e = 1; /* "quote in comment */
