struct S<'a> { s: &'a str }
fn f<'a>(x: &'a str) -> char {
    let q = '"'; // a quote char does not open a string
    let e = '\''; /* escaped quote char */
    let u = 'é';
    q
}
// end
