import Foundation
import Testing

/// A real rpm database built at test time: `rpmbuild` makes a package whose %changelog names CVEs and
/// `rpm --justdb` registers it in `<tree>/var/lib/rpm/rpmdb.sqlite` (sqlite backend). Tests that use it
/// are enabled by `Tool.runs("rpmbuild", "rpm")`.
public enum RealRPM {
    public static let spec = """
        Name: qemu-kvm
        Version: 7.2.0
        Release: 3.el9
        Epoch: 17
        Summary: Bulkhead test package with a changelog naming CVEs
        License: MIT
        BuildArch: noarch
        %description
        Test package.
        %files
        %changelog
        * Tue May 20 2025 A Packager <a@example.org> - 17:7.2.0-3.el9
        - Fix CVE-2024-7409 (nbd server)
        * Mon Jan 06 2025 A Packager <a@example.org> - 7.2.0-2
        - Fix CVE-2021-3682 and CVE-2020-14364
        * Sun Dec 01 2024 A Packager <a@example.org> - 7.2.0-1.el9
        - Rebase, mentions CVE-2024-7409 again in passing
        * Fri Nov 29 2024 Someone <s@example.org>
        - CVE-2023-0001 in an entry without a version

        """

    public static func program(_ name: String) throws -> String {
        try #require(Tool.find(name), "\(name) is not installed (.ci/run installs the rpm package)")
    }

    @discardableResult
    public static func run(_ program: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(program) \(arguments) exited \(p.terminationStatus)")
        return String(decoding: data.prefix(1 << 20), as: UTF8.self)
    }

    /// Builds the package and its database under `tree`; returns the database directory.
    public static func build(in tree: String) throws -> String {
        let rpmbuild = try program("rpmbuild")
        let rpm = try program("rpm")
        let work = tree + "/rpmbuild"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Data(spec.utf8).write(to: URL(fileURLWithPath: work + "/q.spec"))
        try run(rpmbuild, ["--quiet", "--nodeps", "--define", "_topdir \(work)/top", "-bb", "\(work)/q.spec"])
        let dbpath = tree + "/var/lib/rpm"
        try FileManager.default.createDirectory(atPath: dbpath, withIntermediateDirectories: true)
        try run(rpm, ["--dbpath", dbpath, "--define", "_db_backend sqlite", "--initdb"])
        let rpms = try FileManager.default.contentsOfDirectory(atPath: "\(work)/top/RPMS/noarch")
        for file in rpms {
            try run(
                rpm,
                [
                    "--dbpath", dbpath, "--define", "_db_backend sqlite", "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch",
                    "\(work)/top/RPMS/noarch/\(file)",
                ])
        }
        try FileManager.default.removeItem(atPath: work)
        return dbpath
    }

    /// What rpm itself says: `NAME` lines of the changelog and the installed EVR.
    public static func rpmQuery(_ dbpath: String, _ format: String) throws -> String {
        try run(try program("rpm"), ["--dbpath", dbpath, "-q", "--qf", format, "qemu-kvm"])
    }
}
