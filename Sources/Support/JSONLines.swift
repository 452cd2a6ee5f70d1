import Foundation

/// Reading JSON Lines files (one JSON object a line), where every problem names the file
/// and line. Blank lines are allowed; a UTF-8 BOM on the first line is ignored.
public enum JSONLines {
    public struct LineError: LocalizedError, Equatable {
        public var file: String
        public var line: Int
        public var reason: String
        public init(file: String, line: Int, reason: String) {
            self.file = file
            self.line = line
            self.reason = reason
        }
        public var errorDescription: String? { "\(file):\(line): \(reason)" }
    }

    /// The longest line read, in bytes (1 MiB): far more than any prompt, answer or chat
    /// example, and small enough that a hostile file cannot make one record eat memory.
    public static let maximumLineBytes = 1 << 20

    /// The non-blank lines of a file with their 1-based line numbers. Lines end at "\n" or
    /// "\r\n" only: U+2028, U+0085 and the like may stand unescaped inside JSON strings.
    /// A line that holds NUL bytes (binary data, UTF-16), is not UTF-8, or is longer than
    /// `maximumLineBytes` throws with its number.
    public static func lines(of url: URL) throws -> [(number: Int, text: Substring)] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw LineError(file: url.path, line: 0, reason: "cannot read the file (\(error.localizedDescription))")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var out: [(Int, Substring)] = []
        for (i, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = raw.last == 0x0D ? raw.dropLast() : raw
            guard line.count <= maximumLineBytes else {
                throw LineError(
                    file: url.path, line: i + 1,
                    reason: "the line is \(line.count) bytes, over the limit of 1 MiB for one record; split it or shorten its text")
            }
            guard !line.contains(0) else {
                throw LineError(
                    file: url.path, line: i + 1,
                    reason: "the line holds NUL bytes: binary data or UTF-16 text, not JSON in UTF-8; check the file and save it as UTF-8")
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                throw LineError(file: url.path, line: i + 1, reason: "the line is not UTF-8 text; save the file as UTF-8")
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            out.append((i + 1, Substring(text)))
        }
        return out
    }

    /// Decodes every line as `T`; the first bad line throws with file:line and the reason.
    public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> [(line: Int, value: T)] {
        let decoder = JSONDecoder()
        return try lines(of: url).map { number, text in
            do {
                return (number, try decoder.decode(T.self, from: Data(text.utf8)))
            } catch let error as LineError {
                throw error
            } catch {
                throw LineError(file: url.path, line: number, reason: describe(error))
            }
        }
    }

    /// A short reason for a decoding error: which field, and what was wrong with it.
    public static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case let DecodingError.typeMismatch(type, context):
            return "field '\(path(context.codingPath))' should be \(typeName(type))"
        case let DecodingError.valueNotFound(type, context):
            return "field '\(path(context.codingPath))' is null, expected \(typeName(type))"
        case let DecodingError.dataCorrupted(context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        default:
            return error.localizedDescription
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        default: "\(type)"
        }
    }
}
