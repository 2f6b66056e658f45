import ArgumentParser

struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the isolation mechanisms on this host (or a snapshot), with their guests and evidence.")

    func run() async throws {
        throw ValidationError("discover is being built")
    }
}
