import FleetProtocol
public import Foundation
public import Hummingbird
import JWTKit

/// Who may read and who may administer. Two roles: `viewer` (read API, dashboard) and `admin` (also issues
/// enrolment tokens and revokes keys through the API; each such action is written to the audit table).
/// A caller shows a bearer token: either a static token listed in a token file (one per line; only their
/// SHA-256 is kept in memory) or an HS256 JWT whose `role` claim is `viewer` or `admin` (OIDC-style,
/// `sub` names the person in the audit table, `exp` required). Browsers may send the token as the
/// password of HTTP Basic authentication (any user name), so the dashboard works without JavaScript.
public struct AccessControl: Sendable {
    public enum Role: String, Sendable, Codable, Comparable {
        case viewer, admin
        public static func < (a: Role, b: Role) -> Bool { a == .viewer && b == .admin }
    }

    public struct Caller: Sendable {
        public var role: Role
        /// For the audit table: `token:KEYID` or `jwt:SUBJECT`.
        public var name: String
    }

    var tokens: [String: Role]
    let jwtKeys: JWTKeyCollection?

    public init(adminTokens: [String] = [], viewerTokens: [String] = [], jwtSecret: Data? = nil) async {
        var tokens: [String: Role] = [:]
        for token in viewerTokens { tokens[FleetWire.sha256Hex(Data(token.utf8))] = .viewer }
        for token in adminTokens { tokens[FleetWire.sha256Hex(Data(token.utf8))] = .admin }
        self.tokens = tokens
        if let jwtSecret {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: jwtSecret), digestAlgorithm: .sha256)
            jwtKeys = keys
        } else {
            jwtKeys = nil
        }
    }

    /// Reads token files (one token per line, blank lines and `#` comments ignored) and a JWT secret file.
    public static func load(adminTokenFile: String?, viewerTokenFile: String?, jwtSecretFile: String?) async throws(FleetServerError)
        -> AccessControl
    {
        func lines(_ path: String?) throws(FleetServerError) -> [String] {
            guard let path else { return [] }
            guard let data = FileManager.default.contents(atPath: path), data.count < 1 << 20 else {
                throw FleetServerError(.usage, "cannot read the token file \(path)")
            }
            let tokens = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard tokens.allSatisfy({ $0.utf8.count >= 16 }) else {
                throw FleetServerError(.usage, "every token in \(path) must be at least 16 characters")
            }
            return tokens
        }
        let admin = try lines(adminTokenFile)
        let viewer = try lines(viewerTokenFile)
        var secret: Data?
        if let jwtSecretFile {
            guard let data = FileManager.default.contents(atPath: jwtSecretFile), data.count >= 32 else {
                throw FleetServerError(.usage, "the JWT secret file \(jwtSecretFile) must hold at least 32 bytes")
            }
            secret = data
        }
        return await AccessControl(adminTokens: admin, viewerTokens: viewer, jwtSecret: secret)
    }

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var role: Role
        func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
    }

    /// The caller's role, or `unauthorized` (no or unknown credentials) / `forbidden` (role too low).
    public func authorize(_ request: Request, needs: Role) async throws(FleetServerError) -> Caller {
        guard let token = Self.credential(request) else {
            throw FleetServerError(.unauthorized, "send a bearer token (Authorization: Bearer TOKEN)")
        }
        var caller: Caller?
        if let role = tokens[FleetWire.sha256Hex(Data(token.utf8))] {
            caller = Caller(role: role, name: "token:" + FleetWire.sha256Hex(Data(token.utf8)).prefix(12))
        } else if let jwtKeys, token.split(separator: ".").count == 3, let claims = try? await jwtKeys.verify(token, as: Claims.self) {
            caller = Caller(role: claims.role, name: "jwt:" + claims.sub.value)
        }
        guard let caller else { throw FleetServerError(.unauthorized, "the bearer token is not valid") }
        guard caller.role >= needs else { throw FleetServerError(.forbidden, "this needs the \(needs.rawValue) role") }
        return caller
    }

    static func credential(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        if value.hasPrefix("Bearer ") { return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        if value.hasPrefix("Basic "), let data = Data(base64Encoded: String(value.dropFirst(6))) {
            let text = String(decoding: data, as: UTF8.self)
            if let colon = text.firstIndex(of: ":") { return String(text[text.index(after: colon)...]) }
        }
        return nil
    }
}
