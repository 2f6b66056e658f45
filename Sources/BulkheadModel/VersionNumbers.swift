/// The dotted numeric components of a version or release line, the one reading of them that the catalog's
/// lifecycle lines and the lifecycle check's installed versions share: a dpkg epoch (digits and a colon) and
/// then a leading `v` or `V` dropped, stopping at the first part that is not a number or has more than nine
/// digits, a part's leading digits kept (`1:7.2+dfsg-7+deb12u18` → [7, 2]; `v1.16.1` → [1, 16, 1]; `4.19` → [4, 19];
/// `latest` → []).
public func dottedVersionNumbers(_ version: String) -> [Int] {
    var rest = Substring(version)
    if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isNumber) { rest = rest[rest.index(after: colon)...] }
    if rest.first == "v" || rest.first == "V" { rest = rest.dropFirst() }
    var out: [Int] = []
    for part in rest.split(separator: ".", omittingEmptySubsequences: false) {
        let digits = part.prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let number = Int(digits) else { break }
        out.append(number)
        if digits.count != part.count { break }
    }
    return out
}
