/// The one credential redaction of Bulkhead: every argument vector and option string is passed through
/// `Redaction.argument` before it is stored (process facts, parsed guest configurations, `raw` argv, libvirt
/// `<qemu:commandline>`), so no password, key or token reaches assessment.json, the store or a bundle.
///
/// Redacted, anywhere in the text:
/// - the userinfo of every URI (`https://user:pass@host`, `ssh://user:pass@host`, `iscsi://user%pass@host`):
///   `scheme://<redacted>@host`;
/// - the value of every key-like parameter, in QEMU option strings (`password=`, `key=` of `rbd:pool/img:key=…`,
///   `data=` of a `secret` object), URI queries (`?password=…&token=…`) and JSON (`"password": "…"`); a value
///   runs to the next unescaped `,` `:` `&` `;` `"` `}` or space (`,,` and `\:` are QEMU's escapes);
/// - `password=on`/`off` (VNC's switch) is not a secret and is kept; so are references to secrets
///   (`password-secret=`, `key-secret=`, `passwordid=`, `keyid=`, `tls-creds=`): they name an object whose
///   material is itself redacted where it is given inline.
public enum Redaction {
    public static let marker = "<redacted>"

    /// Every element of an argument vector, redacted.
    public static func arguments(_ argv: [String]) -> [String] { argv.map(argument) }

    /// Keys whose values are passwords, keys or tokens (`secretObject`: inside a `secret` object, where `data`
    /// is the secret). A dotted key (`file.password`) is judged by its last part.
    public static func isSecretKey(_ key: String, secretObject: Bool = false) -> Bool {
        isSecretKey(Array(key.utf8)[...], secretObject: secretObject)
    }

    /// The same judgement over the key's bytes (ASCII letters compared without case), with no Foundation
    /// string search: this runs for every `key=` of every argument of every process, so the words are
    /// compared as bytes (`Words`), not through `String.utf8`.
    static func isSecretKey(_ key: ArraySlice<UInt8>, secretObject: Bool) -> Bool {
        var k = key
        if let dot = k.lastIndex(of: UInt8(ascii: ".")) { k = k[(dot + 1)...] }
        // The shortest secret keys are three bytes ("key", "psk"); most keys of an argv are short and innocent.
        guard k.count >= 3 else { return false }
        func `is`(_ word: [UInt8]) -> Bool { equalsIgnoringCase(k, word) }
        func ends(_ word: [UInt8]) -> Bool { k.count >= word.count && equalsIgnoringCase(k.suffix(word.count), word) }
        // References to a secret object, not secrets.
        if Words.referenceSuffixes.contains(where: ends) || Words.references.contains(where: `is`) { return false }
        if containsIgnoringCase(k, Words.passw) { return true }
        if Words.secrets.contains(where: `is`) { return true }
        if Words.secretSuffixes.contains(where: ends) || `is`(Words.keydata) {
            return !Words.publicSuffixes.contains(where: ends)
        }
        return secretObject && `is`(Words.data)
    }

    /// The words `isSecretKey` compares, lower-case, as bytes.
    enum Words {
        static let referenceSuffixes = bytes(["-secret", "_secret", "secretid"])
        static let references = bytes(["passwordid", "keyid"])
        static let passw = Array("passw".utf8)
        static let secrets = bytes(["key", "secret", "token", "cookie", "psk"])
        static let secretSuffixes = bytes(["-token", "_token", "-key", "_key"])
        static let keydata = Array("keydata".utf8)
        static let publicSuffixes = bytes(["pub-key", "public-key", "host-key", "host_key"])
        static let data = Array("data".utf8)
        /// One of these is in every key `isSecretKey` judges secret: `passw`; the whole-key words (`secrets`); the
        /// suffixes and `keydata`, which hold `key` or `token`; `data` of a secret object.
        static let inEverySecretKey: [[UInt8]] = [passw] + secrets + [data]
        /// Indexed by a byte: true when some word of `inEverySecretKey` begins with it (a table, not a `Set`:
        /// `mayHoldCredential` asks it of every byte of every argument, and a `Set` hashes each one).
        static let firstBytes: [Bool] = (0...255).map { byte in inEverySecretKey.contains { $0[0] == byte } }
        static let secretObjectPrefix = Array("secret,".utf8)
        static let secretObjectMarks = bytes(["qom-type=secret", "\"qom-type\":\"secret\"", "\"qom-type\": \"secret\""])
        static let marker = Array(Redaction.marker.utf8)
        static let switches = bytes(["on", "off", "true", "false", "yes", "no", ""])

        static func bytes(_ words: [String]) -> [[UInt8]] { words.map { Array($0.utf8) } }
    }

    static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }

    /// `bytes` equals the ASCII `word`, letters compared without case.
    static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ word: String) -> Bool {
        equalsIgnoringCase(bytes, Array(word.utf8))
    }

    /// `bytes` equals the lower-case ASCII `word`, letters compared without case.
    static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
        guard bytes.count == word.count else { return false }
        var index = bytes.startIndex
        for expected in word {
            if lower(bytes[index]) != expected { return false }
            index += 1
        }
        return true
    }

    /// `bytes` contains the lower-case ASCII `word`, letters compared without case.
    static func containsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ word: String) -> Bool {
        containsIgnoringCase(bytes, Array(word.utf8))
    }

    /// `bytes` contains the lower-case ASCII `word`, letters compared without case.
    static func containsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
        guard let first = word.first, bytes.count >= word.count else { return false }
        var start = bytes.startIndex
        while start <= bytes.endIndex - word.count {
            if lower(bytes[start]) == first, equalsIgnoringCase(bytes[start..<(start + word.count)], word) { return true }
            start += 1
        }
        return false
    }

    /// A QEMU `secret` object (`secret,id=…,data=…`, `qom-type=secret`, or its JSON form), whose `data` is the secret.
    static func isSecretObject(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 7 && equalsIgnoringCase(bytes[0..<7], Words.secretObjectPrefix)
            || Words.secretObjectMarks.contains { containsIgnoringCase(bytes[...], $0) }
    }

    /// False only when `argument(_:)` cannot change `text`: it has no `@` (every URI userinfo redacted has one) and
    /// none of `Words.inEverySecretKey`, one of which every key `isSecretKey` judges secret contains (ASCII letters
    /// without case, as `isSecretKey` compares them). One pass over the bytes with no copy: most arguments of a
    /// process hold none of these, and the process scan passes every argument of every process through `argument`.
    public static func mayHoldCredential(_ text: String) -> Bool {
        let bytes = text.utf8.span
        // The tables once, not a lazy global's check per byte.
        let firstBytes = Words.firstBytes
        let words = Words.inEverySecretKey
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "@") { return true }
            // `x | 0x20` is a given lower-case letter only for that letter in either case.
            let lower = byte | 0x20
            if firstBytes[Int(lower)] {
                for word in words where word[0] == lower && index + word.count <= bytes.count {
                    var offset = 1
                    while offset < word.count, bytes[index + offset] | 0x20 == word[offset] { offset += 1 }
                    if offset == word.count { return true }
                }
            }
            index += 1
        }
        return false
    }

    /// One argument or option string with every credential redacted (unchanged when it holds none).
    public static func argument(_ text: String) -> String {
        // Fast path: nothing that could introduce a credential.
        guard mayHoldCredential(text) else { return text }
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ":") }) else {
            return text
        }
        // Whether this is a `secret` object matters only for a `data` key: judged once, when one is met.
        var secretObjectJudged: Bool?
        func secretKey(_ key: ArraySlice<UInt8>) -> Bool {
            if isSecretKey(key, secretObject: false) { return true }
            guard equalsIgnoringCase(key.suffix(4), Words.data) else { return false }
            if secretObjectJudged == nil { secretObjectJudged = isSecretObject(bytes) }
            return isSecretKey(key, secretObject: secretObjectJudged ?? false)
        }
        // What is unchanged is copied only once something is redacted: most arguments hold no credential.
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            // URI userinfo: scheme://userinfo@host
            if b == UInt8(ascii: ":"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/"),
                i > 0, isSchemeByte(bytes[i - 1])
            {
                var end = i + 3
                var at: Int? = nil
                while end < bytes.count, !authorityEnd(bytes[end]) {
                    if bytes[end] == UInt8(ascii: "@") { at = end }
                    end += 1
                }
                // The authority is scanned on (not skipped), so a `password=` inside one without userinfo is
                // still redacted: skipping it made the result depend on whether a scheme byte preceded `://`,
                // which a first redaction can change (found by Fuzz/text: redaction was not idempotent).
                if let at, at > i + 3 {
                    out.append(contentsOf: bytes[copied..<(i + 3)])
                    out.append(contentsOf: Words.marker)
                    i = at
                    copied = at
                } else {
                    i += 3
                }
                continue
            }
            // JSON: "key": "value"
            if b == UInt8(ascii: "\""), let (keyEnd, valueStart) = jsonKey(bytes, i) {
                if secretKey(bytes[(i + 1)..<keyEnd]) {
                    var j = valueStart + 1
                    while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                    out.append(contentsOf: bytes[copied...valueStart])
                    out.append(contentsOf: Words.marker)
                    i = min(j, bytes.count)
                    copied = i
                    continue
                }
            }
            // key=value
            if b == UInt8(ascii: "=") {
                var ks = i
                while ks > 0, isKeyByte(bytes[ks - 1]) { ks -= 1 }
                if ks < i, ks == 0 || isDelimiter(bytes[ks - 1]) {
                    if secretKey(bytes[ks..<i]) {
                        let end = valueEnd(bytes, i + 1)
                        if !isSwitch(bytes[(i + 1)..<end]) {
                            out.append(contentsOf: bytes[copied...i])
                            out.append(contentsOf: Words.marker)
                            i = end
                            copied = end
                            continue
                        }
                    }
                }
            }
            i += 1
        }
        // `copied` moves only when something was redacted.
        guard copied > 0 else { return text }
        out.append(contentsOf: bytes[copied...])
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: -

    static func isSwitch(_ v: ArraySlice<UInt8>) -> Bool {
        Words.switches.contains { equalsIgnoringCase(v, $0) }
    }

    static func isSchemeByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
    }

    /// What may precede a key: a separator of QEMU options, rbd's colon syntax, a URI query, a shell word.
    static func isDelimiter(_ b: UInt8) -> Bool {
        b == 0x2C || b == 0x3A || b == 0x3F || b == 0x26 || b == 0x3B || b == 0x20 || b == 0x09 || b == 0x7B || b == 0x22 || b == 0x27
            || b == 0x2F
    }

    /// The authority of a URI ends at a path, query, fragment, option separator, quote or space.
    static func authorityEnd(_ b: UInt8) -> Bool {
        b == 0x2F || b == 0x3F || b == 0x23 || b == 0x2C || b == 0x22 || b == 0x27 || b == 0x20 || b == 0x09 || b == 0x0A || b == 0x7D
    }

    /// The end of a value starting at `start`: the next unescaped separator.
    static func valueEnd(_ bytes: [UInt8], _ start: Int) -> Int {
        var j = start
        while j < bytes.count {
            let c = bytes[j]
            if c == UInt8(ascii: "\\"), j + 1 < bytes.count {
                j += 2
                continue
            }
            if c == UInt8(ascii: ",") {
                if j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: ",") {
                    j += 2
                    continue
                }
                return j
            }
            if c == UInt8(ascii: ":") || c == UInt8(ascii: "&") || c == UInt8(ascii: ";") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "}")
                || c == 0x20 || c == 0x09 || c == 0x0A
            {
                return j
            }
            j += 1
        }
        return j
    }

    /// At a `"` that opens a JSON key followed by `:` and a string value: the key's closing quote and the
    /// value's opening quote.
    static func jsonKey(_ bytes: [UInt8], _ start: Int) -> (Int, Int)? {
        var j = start + 1
        while j < bytes.count, isKeyByte(bytes[j]) { j += 1 }
        guard j < bytes.count, j > start + 1, bytes[j] == UInt8(ascii: "\"") else { return nil }
        let keyEnd = j
        j += 1
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
        guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "\"") else { return nil }
        return (keyEnd, j)
    }
}
