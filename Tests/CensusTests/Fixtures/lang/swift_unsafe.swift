func f(_ p: UnsafeMutableRawPointer) {
    let n = unsafeBitCast(p, to: Int.self)
    withUnsafeBytes(of: n) { _ in }
    // UnsafePointer in a comment
    let s = "UnsafePointer in a string"
}
