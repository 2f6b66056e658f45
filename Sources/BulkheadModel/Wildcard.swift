/// Shell-style wildcard matching shared by every stage that matches names against patterns a user or a
/// configuration wrote (guest globs in the system profile, fluent-bit's `Match`, Vector's input globs):
/// `*` matches any run of characters (none included), `?` any one character, anything else itself. Greedy with
/// one backtrack point and no recursion, so the walk is at most O(pattern × text).
public enum Wildcard {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var i = 0
        var j = 0
        var star: Int?
        var mark = 0
        while j < t.count {
            if i < p.count, p[i] == "?" || p[i] == t[j] {
                i += 1
                j += 1
            } else if i < p.count, p[i] == "*" {
                star = i
                mark = j
                i += 1
            } else if let s = star {
                i = s + 1
                mark += 1
                j = mark
            } else {
                return false
            }
        }
        while i < p.count, p[i] == "*" { i += 1 }
        return i == p.count
    }
}
