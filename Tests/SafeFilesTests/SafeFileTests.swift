import BulkheadModel
import BulkheadTestSupport
import Foundation
import SafeFiles
import Testing

/// Issue 19 #3 and #9: secret and evidence files are owner-only from their first byte and never written
/// through a link; files a user names are read only when regular (a FIFO is refused without blocking).
@Suite struct SafeFileTests {
    let dir: String
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory(prefix: "safefile")
        dir = scratch.path
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        #expect(lstat(path, &st) == 0)
        return st.st_mode & 0o7777
    }

    @Test func createsOwnerOnlyWhateverTheUmask() throws {
        // A permissive umask (0) must not widen the file: the mode comes from open(…, 0600).
        let old = umask(0)
        defer { umask(old) }
        let path = dir + "/secret.key"
        try SafeFile.create(path, contents: Data("k".utf8))
        #expect(mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "k")
        let pub = dir + "/public.pub"
        try SafeFile.create(pub, contents: Data("p".utf8), mode: 0o644)
        #expect(mode(pub) == 0o644)
    }

    @Test func refusesAnExistingFile() throws {
        let path = dir + "/exists"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SafeFileError.self) { try SafeFile.create(path, contents: Data("new".utf8)) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    }

    @Test func refusesASymlinkAndNeverWritesThroughIt() throws {
        // The attack: a link planted where the key will go, pointing at a file the attacker can read.
        let victim = dir + "/attacker-readable"
        try Data().write(to: URL(fileURLWithPath: victim))
        let path = dir + "/bulkhead.key"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        let error = #expect(throws: SafeFileError.self) { try SafeFile.create(path, contents: Data("secret".utf8)) }
        #expect(error?.code == .exists)
        #expect(error?.message.contains("symbolic link") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)).isEmpty)
        // A dangling link is refused too (O_EXCL), and its target is not created.
        let dangling = dir + "/dangling.key"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir + "/nowhere")
        #expect(throws: SafeFileError.self) { try SafeFile.create(dangling, contents: Data("secret".utf8)) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/nowhere"))
    }

    @Test func replacingRefusesALinkAndLeavesItsTargetAlone() throws {
        let victim = dir + "/victim"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        let path = dir + "/report.txt"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        let error = #expect(throws: SafeFileError.self) { try SafeFile.create(path, contents: Data("report".utf8), replace: true) }
        #expect(error?.code == .link)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")
    }

    @Test func replacingARegularFileIsOwnerOnlyAndLeavesNoTemporary() throws {
        let path = dir + "/report.txt"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o644)
        try SafeFile.create(path, contents: Data("report".utf8), replace: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "report")
        #expect(mode(path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.txt"])
    }

    @Test func refusesADirectoryOthersCanWrite() throws {
        let open = dir + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
        chmod(open, 0o777)
        let error = #expect(throws: SafeFileError.self) { try SafeFile.create(open + "/k", contents: Data()) }
        #expect(error?.code == .unsafeDirectory)
        // Sticky (as /tmp): accepted.
        chmod(open, 0o1777)
        try SafeFile.create(open + "/k", contents: Data())
        #expect(mode(open + "/k") == 0o600)
    }

    @Test func aFIFOIsRefusedWithoutOpeningIt() throws {
        // Opening a FIFO for reading blocks until a writer comes: the helper must refuse it before open.
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = #expect(throws: SafeFileError.self) { try SafeFile.readRegular(fifo, limit: 1024) }
        #expect(error?.code == .notRegular)
        #expect(error?.message.contains("FIFO") == true)
        // Through a link too.
        let link = dir + "/link-to-fifo"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fifo)
        #expect(throws: SafeFileError.self) { try SafeFile.readRegular(link, limit: 1024) }
    }

    @Test func devicesAndDirectoriesAreRefused() throws {
        let device = #expect(throws: SafeFileError.self) { try SafeFile.readRegular("/dev/zero", limit: 1024) }
        #expect(device?.code == .notRegular)
        let directory = #expect(throws: SafeFileError.self) { try SafeFile.readRegular(dir, limit: 1024) }
        #expect(directory?.code == .notRegular)
    }

    @Test func readsARegularFileWithinItsBound() throws {
        let path = dir + "/t.json"
        try Data(repeating: 0x41, count: 100).write(to: URL(fileURLWithPath: path))
        #expect(try SafeFile.readRegular(path, limit: 100).count == 100)
        let error = #expect(throws: SafeFileError.self) { try SafeFile.readRegular(path, limit: 99) }
        #expect(error?.code == .tooLarge)
    }

    @Test func aDanglingLinkIsNamedAsSuch() throws {
        let link = dir + "/store.sqlite"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir + "/elsewhere.sqlite")
        let error = #expect(throws: SafeFileError.self) { try SafeFile.checkRegular(link) }
        #expect(error?.code == .link)
        #expect(!FileManager.default.fileExists(atPath: dir + "/elsewhere.sqlite"))
    }
}
