// Decode-time benchmark for Zstd.swift (driven by Benchmarks/zstd-decode.sh, which compiles this file with -O
// together with Sources/Formats/Zstd.swift and Shim.swift). Decodes the .zst file named on the command line with
// Zstd.decode (streamed, as PatchEvidence reads a list) and prints the bytes, the XXH64 of the output and the time.
import Foundation

let path = CommandLine.arguments[1]
let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
var total = 0
var hash = XXHash64.Stream()
let clock = ContinuousClock()
let elapsed = try clock.measure {
    try Zstd.decode(input, maxSize: 1 << 30, name: path) { piece in
        total += piece.count
        hash.update(piece)
    }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    "Zstd.decode: \(total) bytes, XXH64 \(String(hash.digest(), radix: 16)), \(String(format: "%.3f", seconds)) s (\(String(format: "%.1f", Double(total) / 1e6 / seconds)) MB/s)"
)
