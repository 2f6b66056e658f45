/// CRC-32 (IEEE 802.3, reflected 0xEDB88320): the gzip trailer's check, and that of .xz headers, indexes and
/// CRC32-checked blocks; slicing by eight.
public enum CRC32 {
    static let table = reflectedCRCTables(polynomial: UInt32(0xEDB8_8320))

    /// The CRC of `data` continued from `crc` (0 to start).
    public static func update(_ crc: UInt32, _ data: Span<UInt8>) -> UInt32 { reflectedCRC(crc, table.span, data) }

    public static func hash(_ data: [UInt8]) -> UInt32 { update(0, data.span) }
}

/// CRC-64/XZ (ECMA-182 polynomial, reflected 0xC96C5795D7870F42, initial and final value all ones), the .xz
/// CRC64 check; slicing by eight.
public enum CRC64 {
    static let table = reflectedCRCTables(polynomial: UInt64(0xC96C_5795_D787_0F42))

    /// The CRC of `data` continued from `crc` (0 to start).
    public static func update(_ crc: UInt64, _ data: Span<UInt8>) -> UInt64 { reflectedCRC(crc, table.span, data) }

    public static func hash(_ data: [UInt8]) -> UInt64 { update(0, data.span) }
}

/// The eight 256-entry tables of slicing-by-eight for a reflected CRC with `polynomial`: table 0 advances the CRC
/// by one byte; table k by that byte followed by k zero bytes.
func reflectedCRCTables<Word: FixedWidthInteger & UnsignedInteger>(polynomial: Word) -> [Word] {
    var t = [Word](repeating: 0, count: 8 * 256)
    for n in 0..<256 {
        var c = Word(n)
        for _ in 0..<8 { c = c & 1 != 0 ? polynomial ^ (c >> 1) : c >> 1 }
        t[n] = c
    }
    for k in 1..<8 {
        for n in 0..<256 {
            let previous = t[(k - 1) * 256 + n]
            t[k * 256 + n] = (previous >> 8) ^ t[Int(previous & 0xFF)]
        }
    }
    return t
}

/// A reflected CRC of 32 or 64 bits continued from `crc` over `data`, slicing by eight with the tables of
/// `reflectedCRCTables`: each 8-byte block is read as two little-endian 32-bit halves, the CRC is XORed into its
/// first bytes (the low half for CRC-32, both halves for CRC-64), and each byte goes through the table for the
/// number of bytes that follow it in the block.
@inline(__always)
func reflectedCRC<Word: FixedWidthInteger & UnsignedInteger>(_ crc: Word, _ t: Span<Word>, _ data: Span<UInt8>) -> Word {
    var c = ~crc
    var i = 0
    let n = data.count
    while n - i >= 8 {
        let low =
            UInt32(truncatingIfNeeded: c)
            ^ (UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        let high =
            UInt32(truncatingIfNeeded: c >> 32)
            ^ (UInt32(data[i + 4]) | UInt32(data[i + 5]) << 8 | UInt32(data[i + 6]) << 16 | UInt32(data[i + 7]) << 24)
        c =
            t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int(low >> 8 & 0xFF)] ^ t[5 * 256 + Int(low >> 16 & 0xFF)]
            ^ t[4 * 256 + Int(low >> 24)] ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int(high >> 8 & 0xFF)]
            ^ t[256 + Int(high >> 16 & 0xFF)] ^ t[Int(high >> 24)]
        i += 8
    }
    return ~reflectedCRCBytes(c, t, data, from: i)
}

/// The (inverted) CRC `c` advanced over `data` from `from` to its end a byte at a time, with table 0 of `t`.
@inline(__always)
func reflectedCRCBytes<Word: FixedWidthInteger & UnsignedInteger>(
    _ c: Word, _ t: Span<Word>, _ data: Span<UInt8>, from start: Int
) -> Word {
    var c = c
    for i in start..<data.count { c = t[Int(truncatingIfNeeded: (c ^ Word(data[i])) & 0xFF)] ^ (c >> 8) }
    return c
}
