/// Suggestions for a mistyped identifier (a check id, a vendor product id): the known names nearest
/// by edit distance, or containing what was typed.
public enum CloseMatches {
    /// Up to `limit` names from `known`, nearest first; none when nothing is close.
    public static func suggestions(for typed: String, in known: some Sequence<String>, limit: Int = 3) -> [String] {
        let wanted = Array(typed.lowercased())
        guard !wanted.isEmpty else { return [] }
        let bound = max(2, wanted.count / 3)
        var scored: [(distance: Int, name: String)] = []
        for name in Set(known) {
            let lower = name.lowercased()
            let d = distance(wanted, Array(lower))
            if d <= bound {
                scored.append((d, name))
            } else if wanted.count >= 3 && (lower.contains(String(wanted)) || String(wanted).contains(lower)) {
                scored.append((bound + 1, name))
            }
        }
        return scored.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(limit).map(\.name)
    }

    /// Levenshtein distance (insert, delete, substitute each cost 1).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
