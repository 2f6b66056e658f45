public import Checks
public import Foundation
public import HostInspection

/// Reads the host files the logging, integrity, KSM and host-OS checks need (the checks themselves do no I/O).
public enum HostObservationCollector {
    /// Bound per file: configuration files, not logs.
    public static let limit = 1 << 20

    public static func collect(root: any HostRoot, now: Date) -> HostObservations {
        var obs = HostObservations(observedAt: now, source: root.label)
        func state(_ path: String) -> HostObservations.State {
            do {
                return .content(try root.readText(path, limit: limit))
            } catch {
                return error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        for path in HostObservations.wantedFiles { obs.files[path] = state(path) }
        for path in HostObservations.wantedExistence { obs.files[path] = root.exists(path) ? .present : .absent }
        for (directory, suffix) in HostObservations.wantedDirectories {
            do {
                let names = try root.list(directory)
                obs.listed[directory] = .present
                for name in names.sorted() where name.hasSuffix(suffix) {
                    obs.files["\(directory)/\(name)"] = state("\(directory)/\(name)")
                }
            } catch {
                obs.listed[directory] = error.code == .notFound ? .absent : .unreadable(error.message)
            }
        }
        return obs
    }
}
