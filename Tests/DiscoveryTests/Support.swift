import BulkheadModel
import Formats
import Foundation
import Testing

@testable import Discovery

enum Fixture {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil) ?? URL(fileURLWithPath: "Tests/DiscoveryTests/Fixtures")
    }
    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }
    static func text(_ path: String) throws -> String {
        String(decoding: try data(path), as: UTF8.self)
    }
    static func files(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path).sorted()
            .map { "\(dir)/\($0)" }
    }
    /// The argv of a one-command shell-text fixture (libvirt `.args`, Proxmox `.cmd`).
    static func argv(_ path: String) throws -> [String] {
        let cmds = try CommandLineText.split(try text(path))
        guard cmds.count == 1, let c = cmds.first else {
            Issue.record("\(path): expected one command, found \(cmds.count)")
            return []
        }
        return c.argv
    }
}

/// Deterministic pseudo-random numbers (SplitMix64) for mutation tests.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}

enum Mutation {
    /// `count` mutants of `data`: byte flips, truncations, duplications and deletions.
    static func mutants(of data: Data, count: Int, seed: UInt64) -> [Data] {
        var rng = SeededRandom(state: seed)
        var out: [Data] = []
        let bytes = [UInt8](data)
        for _ in 0..<count {
            var b = bytes
            switch rng.below(5) {
            case 0:
                for _ in 0..<(1 + rng.below(4)) where !b.isEmpty { b[rng.below(b.count)] ^= UInt8(1 << rng.below(8)) }
            case 1: b = Array(b.prefix(rng.below(b.count + 1)))
            case 2:
                if !b.isEmpty {
                    let i = rng.below(b.count)
                    let j = min(b.count, i + rng.below(64))
                    b.insert(contentsOf: b[i..<j], at: rng.below(b.count))
                }
            case 3:
                if !b.isEmpty {
                    let i = rng.below(b.count)
                    b.removeSubrange(i..<min(b.count, i + rng.below(32)))
                }
            default:
                let specials: [UInt8] = [0, 0x22, 0x27, 0x2C, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D, 0x3D, 0x0A, 0xFF, 0xC3]
                for _ in 0..<(1 + rng.below(3)) where !b.isEmpty {
                    b[rng.below(b.count)] = specials[rng.below(specials.count)]
                }
            }
            out.append(Data(b))
        }
        return out
    }

    /// Mutants of an argv: dropped, duplicated, truncated and byte-flipped arguments.
    static func mutants(of argv: [String], count: Int, seed: UInt64) -> [[String]] {
        var rng = SeededRandom(state: seed)
        var out: [[String]] = []
        for _ in 0..<count {
            var a = argv
            switch rng.below(4) {
            case 0: if a.count > 1 { a.remove(at: 1 + rng.below(a.count - 1)) }
            case 1: a = Array(a.prefix(1 + rng.below(a.count)))
            case 2: if !a.isEmpty { a.insert(a[rng.below(a.count)], at: rng.below(a.count)) }
            default:
                if !a.isEmpty {
                    let i = rng.below(a.count)
                    var u = Array(a[i].utf8)
                    if !u.isEmpty {
                        u[rng.below(u.count)] = [0x2C, 0x3D, 0x7B, 0x2D, 0x3A, 0x22][rng.below(6)]
                        u = Array(u.prefix(1 + rng.below(u.count)))
                    }
                    a[i] = String(decoding: u, as: UTF8.self)
                }
            }
            out.append(a)
        }
        return out
    }
}

/// Runs `body` and returns the ConfigParseError it throws, recording an issue if it does not throw.
func parseError<T>(_ body: () throws(ConfigParseError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigParseError? {
    do {
        _ = try body()
        Issue.record("expected a ConfigParseError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
