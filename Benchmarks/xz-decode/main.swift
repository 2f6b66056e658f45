// Decode-time benchmark for XZ.swift (driven by Benchmarks/xz-decode.sh, which compiles this file with -O together
// with Sources/Formats/XZ.swift and Shim.swift). Decodes the .xz file named on the command line with
// XZ.decode (streamed, as PatchEvidence reads a list) and prints the bytes, a CRC-32 of the output and the time.
import Foundation

let path = CommandLine.arguments[1]
let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
var total = 0
var crc: UInt32 = 0
let clock = ContinuousClock()
let elapsed = try clock.measure {
    try XZ.decode(input, maxSize: 1 << 30, name: path) { piece in
        total += piece.count
        crc = CRC32.update(crc, piece)
    }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    "XZ.decode: \(total) bytes, CRC-32 \(String(crc, radix: 16)), \(String(format: "%.3f", seconds)) s (\(String(format: "%.1f", Double(total) / 1e6 / seconds)) MB/s)"
)
