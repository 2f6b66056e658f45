unsafe fn raw() {}
unsafe impl Send for S {}
unsafe trait T {}
unsafe extern "C" { fn abort(); }
fn main() {
    unsafe { raw(); }
    // unsafe { in a comment }
    let s = "unsafe { in a string }";
    /* unsafe fn in a block comment */
}
