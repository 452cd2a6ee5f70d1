import Foundation

// A Hugging Face model folder: config.json, the weights as one `model.safetensors` or as
// shards listed in `model.safetensors.index.json` ({"weight_map": {tensor: file}}), and
// the tokenizer (tokenizer.json, with the chat template in tokenizer_config.json).

public struct HFModelFolder: Sendable {
    public let url: URL
    public let configURL: URL
    /// The safetensors files holding the weights, in name order.
    public let weightURLs: [URL]
    /// The shard index, when the weights are sharded.
    public let indexURL: URL?
    public let tokenizerURL: URL?
    public let tokenizerConfigURL: URL?

    public init(_ url: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFileError.unreadable(file: url.path, reason: "not a folder")
        }
        self.url = url
        func existing(_ name: String) -> URL? {
            let file = url.appendingPathComponent(name)
            return fm.fileExists(atPath: file.path) ? file : nil
        }
        guard let config = existing("config.json") else {
            throw ModelFileError.missingFile(
                folder: url.path, file: "config.json", hint: "a Hugging Face model folder holds config.json beside its *.safetensors files")
        }
        configURL = config
        tokenizerURL = existing("tokenizer.json")
        tokenizerConfigURL = existing("tokenizer_config.json")

        if let index = existing("model.safetensors.index.json") {
            indexURL = index
            weightURLs = try Self.shards(listedIn: index, folder: url)
        } else if let single = existing("model.safetensors") {
            indexURL = nil
            weightURLs = [single]
        } else {
            let all = (try? fm.contentsOfDirectory(atPath: url.path))?.filter { $0.hasSuffix(".safetensors") }.sorted() ?? []
            guard all.count == 1 else {
                throw ModelFileError.missingFile(
                    folder: url.path, file: all.isEmpty ? "model.safetensors" : "model.safetensors.index.json",
                    hint: all.isEmpty
                        ? "the weights must be in safetensors format (model.safetensors or shards with an index)"
                        : "\(all.count) safetensors files but no index saying which tensor is where")
            }
            indexURL = nil
            weightURLs = [url.appendingPathComponent(all[0])]
        }
    }

    /// The distinct shard files of an index, each checked to exist.
    private static func shards(listedIn index: URL, folder: URL) throws -> [URL] {
        guard let data = try? Data(contentsOf: index),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = json["weight_map"] as? [String: String]
        else {
            throw ModelFileError.malformed(file: index.path, what: "no \"weight_map\" object of tensor name → file name")
        }
        let files = Set(map.values).sorted()
        for name in files where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            throw ModelFileError.missingFile(
                folder: folder.path, file: name, hint: "\(index.lastPathComponent) lists it; download the missing shard")
        }
        return files.map { folder.appendingPathComponent($0) }
    }

    public func config() throws -> HFConfig {
        try HFConfig.load(from: configURL)
    }

    /// tokenizer.json, or an error naming it.
    public func requireTokenizer() throws -> URL {
        guard let tokenizerURL else {
            throw ModelFileError.missingFile(
                folder: url.path, file: "tokenizer.json", hint: "copy the model's tokenizer.json into the folder (transformers saves it with the tokenizer)")
        }
        return tokenizerURL
    }

    /// All weight files opened as one collection.
    public func weights() throws -> SafetensorsCollection {
        try SafetensorsCollection(weightURLs)
    }
}

/// Several safetensors files read as one: each tensor name is looked up in the file
/// that holds it. A name in two files is an error.
public final class SafetensorsCollection: @unchecked Sendable {
    public let files: [SafetensorsFile]
    private let owner: [String: Int]

    public init(_ urls: [URL]) throws {
        files = try urls.map { try SafetensorsFile(url: $0) }
        var owner: [String: Int] = [:]
        for (i, file) in files.enumerated() {
            for t in file.tensors {
                if let j = owner[t.name] {
                    throw ModelFileError.malformed(
                        file: file.url.path, what: "tensor '\(t.name)' is also in \(files[j].url.lastPathComponent)")
                }
                owner[t.name] = i
            }
        }
        self.owner = owner
    }

    /// Every tensor name, sorted.
    public var tensorNames: [String] { owner.keys.sorted() }

    public func contains(_ name: String) -> Bool { owner[name] != nil }

    private func file(_ name: String) throws -> SafetensorsFile {
        guard let i = owner[name] else {
            throw ModelFileError.missingTensor(file: files.map(\.url.lastPathComponent).joined(separator: ", "), tensor: name)
        }
        return files[i]
    }

    public func info(_ name: String) throws -> SafetensorsTensorInfo { try file(name).info(name) }
    public func floats(_ name: String) throws -> [Float] { try file(name).floats(name) }
    public func floats(_ name: String, shape: [Int]) throws -> [Float] { try file(name).floats(name, shape: shape) }
}
