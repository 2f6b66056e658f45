import ArgumentParser
import Foundation
import Reporting
import SafeFiles

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the Ed25519 keys that sign evidence bundles.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a signing key pair: PREFIX.key (private, mode 0600) and PREFIX.pub (public).",
            discussion: """
                Keep the private key on the assessment host or in your secrets store; give the public key to whoever \
                verifies bundles (`bulkhead verify BUNDLE --key PREFIX.pub`). Existing files are never overwritten.
                """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Path prefix for the two key files.", valueName: "PREFIX"))
        var output: String = "bulkhead"

        func run() throws {
            let key = SigningKey()
            let privatePath = output + ".key"
            let publicPath = output + ".pub"
            // The private key is owner-only from its first byte (O_CREAT|O_EXCL|O_NOFOLLOW, 0600): never a
            // world-readable temporary file renamed and chmod-ed afterwards. An existing file or link is refused.
            for path in [privatePath, publicPath] where SafeFile.occupied(path) {
                throw CLIError(.output, "\(path) already exists; choose another --output prefix")
            }
            do {
                try SafeFile.create(privatePath, contents: Data(key.fileText().utf8))
                try SafeFile.create(publicPath, contents: Data(key.publicKey.fileText().utf8), mode: 0o644)
            } catch {
                throw CLIError(.output, "cannot write \(privatePath) / \(publicPath)", cause: error)
            }
            print("Private key: \(privatePath) (mode 0600)")
            print("Public key:  \(publicPath) (key id \(key.publicKey.keyID))")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a signed evidence bundle: signature, every file's SHA-256, no file missing or added.",
        discussion: "Exits 0 when the bundle is intact and signed by the given key; otherwise prints every problem and exits 1.")

    @Argument(help: ArgumentHelp("The bundle directory written by `bulkhead assess --bundle`.", valueName: "BUNDLE"))
    var bundle: String

    @Option(help: ArgumentHelp("The signer's public key (PREFIX.pub from `bulkhead keys generate`).", valueName: "FILE"))
    var key: String

    func run() throws {
        let publicKey: PublicKey
        do {
            publicKey = try PublicKey.load(path: key)
        } catch {
            throw CLIError(.input, "cannot use the public key \(key)", cause: error)
        }
        do {
            let manifest = try EvidenceBundle.verify(at: bundle, publicKey: publicKey)
            print("Bundle \(bundle) verified: \(manifest.files.count) files intact, signed by key \(publicKey.keyID)")
            print(
                "  host \(CLIFailure.oneLine(manifest.hostname ?? "unknown")), created \(ISO8601DateFormatter().string(from: manifest.createdAt)) by Bulkhead \(CLIFailure.oneLine(manifest.bulkheadVersion))"
            )
        } catch {
            printError("VERIFICATION FAILED for \(bundle):")
            // The bundle came from elsewhere: its file names are sanitised.
            for line in error.message.split(separator: "\n") { printError("  \(CLIFailure.oneLine(String(line)))") }
            throw ExitCode(1)
        }
    }
}
