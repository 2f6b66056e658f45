/* outer /* inner */ still a comment */
fn main() {
    /* a
       /* nested
       */
       still comment
    */
    let x = 1; /* code line */
}
