public import Foundation

/// Where the store lives when `--store` is not given.
///
/// - root (uid 0): `/var/lib/bulkhead/bulkhead.sqlite`
/// - anyone else: `$XDG_DATA_HOME/bulkhead/bulkhead.sqlite`, or `~/.local/share/bulkhead/bulkhead.sqlite`
///   when `XDG_DATA_HOME` is unset, empty or not absolute (as the XDG Base Directory spec says).
public enum StoreLocation {
    public static let fileName = "bulkhead.sqlite"
    public static let systemDirectory = "/var/lib/bulkhead"

    public static func defaultPath(
        isRoot: Bool = getuid() == 0, environment: [String: String] = ProcessInfo.processInfo.environment,
        home: String = NSHomeDirectory()
    ) -> String {
        if isRoot { return systemDirectory + "/" + fileName }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return (xdg.hasSuffix("/") ? String(xdg.dropLast()) : xdg) + "/bulkhead/" + fileName
        }
        let base = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/.local/share/bulkhead/" + fileName
    }
}
