let raw = #"a "quoted" // not a comment"#
let multi = """
    /* not a comment
    // not a comment
    """
let rawMulti = #"""
    "\(x)" stays raw """ still inside
    """#
let plain = "escaped \" // inside"
// comment
