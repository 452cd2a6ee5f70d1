import Foundation
import Support

/// The policy registry: `policies/NAME/` folders, each with `manifest.json` and its weights
/// (`adapter.safetensors` or `model.safetensors`), plus `policies/base/` holding the fetched
/// base model. At most one policy is `production` at a time.
public struct PolicyRegistry: Sendable {
    public enum RegistryError: LocalizedError, Equatable {
        case notFound(name: String, root: String, known: [String])
        case invalidName(String)
        case alreadyExists(name: String, path: String)
        case unreadableManifest(path: String, reason: String)
        case notProduction(name: String)
        case noPreviousProduction

        public var errorDescription: String? {
            switch self {
            case let .notFound(name, root, known):
                let list = known.isEmpty ? "none yet (train one with `rounds sft`)" : known.joined(separator: ", ")
                return "No policy named '\(name)' in \(root)/. Known policies: \(list)."
            case let .invalidName(name):
                return "'\(name)' is not a valid policy name. ---> HINT: use letters, digits, '-', '_' and '.', starting with a letter or digit."
            case let .alreadyExists(name, path):
                return "A policy named '\(name)' already exists at \(path). ---> HINT: choose another name for the new policy; policies are never overwritten."
            case let .unreadableManifest(path, reason):
                return "\(path): cannot read the policy manifest (\(reason))."
            case let .notProduction(name):
                return "'\(name)' is not the production policy, so it cannot be rolled back."
            case .noPreviousProduction:
                return "There is no earlier production policy to roll back to."
            }
        }
    }

    public let root: URL

    public init(root: URL) { self.root = root }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first) else { return false }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return name.count <= 100 && name.unicodeScalars.allSatisfy { allowed.contains($0) && $0.isASCII }
    }

    public func folder(_ name: String) -> URL { root.appendingPathComponent(name, isDirectory: true) }
    public func manifestURL(_ name: String) -> URL { folder(name).appendingPathComponent("manifest.json") }

    /// Every policy with a manifest, oldest first.
    public func list() throws -> [PolicyManifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return try names.sorted().compactMap { name in
            FileManager.default.fileExists(atPath: manifestURL(name).path) ? try manifest(name) : nil
        }.sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    public func manifest(_ name: String) throws -> PolicyManifest {
        let url = manifestURL(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = ((try? list()) ?? []).map(\.name)
            throw RegistryError.notFound(name: name, root: root.path, known: known)
        }
        do {
            return try Self.decoder.decode(PolicyManifest.self, from: Data(contentsOf: url))
        } catch {
            throw RegistryError.unreadableManifest(path: url.path, reason: "\(error)")
        }
    }

    public func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: manifestURL(name).path) }

    /// Writes a manifest atomically (weights must already be in the folder).
    public func save(_ manifest: PolicyManifest) throws {
        guard Self.isValidName(manifest.name) else { throw RegistryError.invalidName(manifest.name) }
        try AtomicFile.write(Self.encoder.encode(manifest), to: manifestURL(manifest.name))
    }

    /// The production policy, if any.
    public func production() throws -> PolicyManifest? {
        try list().last { $0.status == .production }
    }

    /// Makes `name` production; the previous production policy is retired. Both changes are
    /// recorded in the manifests' history with who and why.
    public func promote(_ name: String, by who: String, reason: String) throws {
        var target = try manifest(name)
        for var other in try list() where other.status == .production && other.name != name {
            other.status = .retired
            other.statusReason = "replaced by \(name)"
            other.history.append(.init(status: .retired, by: who, reason: "replaced by \(name): \(reason)"))
            try save(other)
        }
        target.status = .production
        target.statusReason = reason
        target.history.append(.init(status: .production, by: who, reason: reason))
        try save(target)
    }

    /// Sets a status other than production (`review`, `rejected`, back to `candidate`),
    /// recorded in the manifest's history with who and why, as `promote` records its change.
    public func record(_ status: PolicyManifest.Status, of name: String, by who: String, reason: String) throws {
        guard status != .production else { return try promote(name, by: who, reason: reason) }
        var target = try manifest(name)
        target.status = status
        target.statusReason = reason
        target.history.append(.init(status: status, by: who, reason: reason))
        try save(target)
    }

    /// Retires the production policy and restores the most recent earlier production one.
    @discardableResult
    public func rollback(by who: String, reason: String) throws -> String {
        guard var current = try production() else { throw RegistryError.noPreviousProduction }
        let earlier = try list().filter { m in
            m.name != current.name && m.history.contains { $0.status == .production }
        }
        guard var previous = earlier.max(by: { lastPromotion($0) < lastPromotion($1) }) else {
            throw RegistryError.noPreviousProduction
        }
        current.status = .retired
        current.statusReason = "rolled back: \(reason)"
        current.history.append(.init(status: .retired, by: who, reason: "rolled back: \(reason)"))
        try save(current)
        previous.status = .production
        previous.statusReason = "restored by rollback: \(reason)"
        previous.history.append(.init(status: .production, by: who, reason: "restored by rollback of \(current.name): \(reason)"))
        try save(previous)
        return previous.name
    }

    private func lastPromotion(_ m: PolicyManifest) -> Date {
        m.history.last { $0.status == .production }?.at ?? .distantPast
    }

    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}
