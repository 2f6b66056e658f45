import BulkheadModel
import Foundation

// libvirt.graphics-listen: its words are in libvirt.graphics-listen.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    /// A qemu.conf string as libvirt reads it: `.absent`, the string, or `.refused` with what was found instead.
    enum ConfString: Equatable { case absent, value(String), refused(String) }

    static func confString(_ c: LibvirtQEMUDriverConfig, _ key: String) -> ConfString {
        guard let raw = c.settings[key] else { return .absent }
        guard raw.kind == .string, let s = raw.string else { return .refused(raw.string.map { String($0.prefix(40)) } ?? raw.kind.rawValue) }
        return .value(s)
    }

    static let graphicsListen = conf("libvirt.graphics-listen") { ctx, d, c, _ in
        var wrong: [String] = []
        var unclear: [String] = []
        var seen: [String] = []
        var evidence: [Evidence] = []
        func flag(_ key: String) -> Bool? {
            switch confBool(c, key) {
            case .absent: return nil
            case .value(let b): return b
            case .refused(let shown):
                unclear.append("\(key) = \(shown) is not 0 or 1, which libvirt refuses")
                return nil
            }
        }
        // libvirt's qemu.conf: "vnc_tls_x509_verify … If this option is not supplied, it will be set to the value of
        // "default_tls_x509_verify". If "default_tls_x509_verify" is not supplied either, the default is "0"."
        let defaultVerify = flag("default_tls_x509_verify")
        for display in ["vnc", "spice"] {
            let listenKey = "\(display)_listen"
            let listen: String
            switch confString(c, listenKey) {
            case .absent:
                seen.append("\(listenKey) not set (libvirt's default 127.0.0.1)")
                evidence.append(setting(ctx, d, listenKey, nil))
                continue
            case .refused(let shown):
                unclear.append("\(listenKey) = \(shown) is not a string, which libvirt refuses")
                continue
            case .value(let v): listen = v
            }
            evidence.append(setting(ctx, d, listenKey, "\"\(listen)\""))
            if Addresses.isLoopback(listen) {
                seen.append("\(listenKey) = \"\(listen)\" (loopback)")
                continue
            }
            // "Enable this option to have VNC served over an automatically created unix socket … This setting takes
            // preference over vnc_listen." (the same for SPICE)
            if flag("\(display)_auto_unix_socket") == true {
                seen.append("\(listenKey) = \"\(listen)\" but \(display)_auto_unix_socket = 1 (a UNIX socket instead)")
                evidence.append(setting(ctx, d, "\(display)_auto_unix_socket", "1"))
                continue
            }
            let where_ = "\(listenKey) = \"\(listen)\"" + (listen.isEmpty ? " (every interface)" : "")
            if case .refused(let shown) = confBool(c, "\(display)_tls") {
                unclear.append("\(display)_tls = \(shown) is not 0 or 1, which libvirt refuses")
                continue
            }
            let tls = flag("\(display)_tls")
            evidence.append(setting(ctx, d, "\(display)_tls", tls.map { $0 ? "1" : "0" }))
            let sasl = flag("\(display)_sasl") == true
            let password = display == "vnc" ? c.vncPasswordSet : c.spicePasswordSet
            guard tls == true else {
                wrong.append(
                    where_
                        + " without \(display)_tls: the \(display.uppercased()) console of every guest that sets no listen address is reachable from the network unencrypted"
                )
                continue
            }
            if display == "vnc" {
                let verify = flag("vnc_tls_x509_verify") ?? defaultVerify ?? false
                evidence.append(setting(ctx, d, "vnc_tls_x509_verify", flag("vnc_tls_x509_verify").map { $0 ? "1" : "0" }))
                if verify || sasl || password {
                    seen.append(where_ + " with vnc_tls and " + (verify ? "client certificates verified" : sasl ? "vnc_sasl" : "vnc_password"))
                } else {
                    wrong.append(
                        where_
                            + " with vnc_tls but no client certificate verification (vnc_tls_x509_verify), vnc_sasl or vnc_password: any client that reaches it connects"
                    )
                }
            } else if sasl || password {
                seen.append(where_ + " with spice_tls and " + (sasl ? "spice_sasl" : "spice_password"))
            } else {
                wrong.append(where_ + " with spice_tls but no spice_password or spice_sasl: any client that reaches it connects")
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        return .pass(seen.joined(separator: "; "), evidence)
    }
}
