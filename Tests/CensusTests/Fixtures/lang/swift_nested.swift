/* outer /* inner */ still comment */
let a = 1
/*
 /* nested */
 */
// line
