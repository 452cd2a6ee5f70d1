// Shared pieces of the objectives: the error type, numerically stable sigmoid / softplus,
// and the Float ⇄ Double conversions at the model boundary.
//
// Every objective takes the model's outputs as `[T]` with `T: BinaryFloatingPoint` (the model
// hands over `Float`, the finite-difference tests use `Double`), computes in `Double` (batch
// reductions over a few hundred terms stay exact to ~1e-15) and returns gradients as `[T]`.
import Foundation

/// A bad argument to an objective or optimizer: names the field and says what to pass instead.
public enum ObjectiveError: LocalizedError, Equatable, Sendable {
    /// `field` has `actual` entries where `expected` were needed.
    case countMismatch(field: String, expected: Int, actual: Int)
    /// A hyperparameter outside its valid range.
    case invalidParameter(name: String, value: Double, expected: String)
    /// An input entry that cannot be used (a length of 0, a NaN log-prob, …).
    case invalidInput(field: String, index: Int, reason: String)
    /// The batch holds nothing to average over.
    case emptyBatch(String)

    public var errorDescription: String? {
        switch self {
        case .countMismatch(let field, let expected, let actual):
            return "\(field) has \(actual) entries but \(expected) were expected. "
                + "Pass one value per sequence (per token for per-token fields) in the same order."
        case .invalidParameter(let name, let value, let expected):
            return "\(name) = \(value) is out of range: expected \(expected)."
        case .invalidInput(let field, let index, let reason):
            return "\(field)[\(index)]: \(reason)."
        case .emptyBatch(let what):
            return "\(what) is empty: a loss needs at least one example."
        }
    }
}

/// Numerically stable scalar functions used by the logistic losses (and the promotion gates'
/// reward preference).
public enum Stable {
    /// σ(x) = 1 / (1 + e^−x) without overflow for large |x|.
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// softplus(x) = log(1 + e^x) = −log σ(−x), exact for large |x| (as torch.nn.functional.softplus
    /// and F.logsigmoid compute it).
    static func softplus(_ x: Double) -> Double {
        max(x, 0) + log1p(exp(-abs(x)))
    }
}

/// Converts a model-side array to Double after checking its length.
func doubles<T: BinaryFloatingPoint>(_ values: [T], field: String, count: Int) throws -> [Double] {
    guard values.count == count else {
        throw ObjectiveError.countMismatch(field: field, expected: count, actual: values.count)
    }
    var out = [Double](repeating: 0, count: count)
    for i in 0..<count {
        let v = Double(values[i])
        guard v.isFinite else {
            throw ObjectiveError.invalidInput(field: field, index: i, reason: "value \(v) is not finite")
        }
        out[i] = v
    }
    return out
}

/// Converts a Double gradient back to the model's element type.
func converted<T: BinaryFloatingPoint>(_ values: [Double]) -> [T] {
    values.map { T($0) }
}

/// Mean of the entries, 0 for an empty array.
func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}

/// A sequence log-prob is the sum of its completion tokens' log-probs, so its gradient reaches
/// every one of those tokens unchanged. Expands d loss / d sequence (S) into d loss / d token
/// (Σ tokenCounts), sequences one after another — the layout of the model's scored rows.
public func tokenGradients<T: BinaryFloatingPoint>(sequenceGradients: [T], tokenCounts: [Int]) throws -> [Float] {
    guard sequenceGradients.count == tokenCounts.count else {
        throw ObjectiveError.countMismatch(
            field: "tokenCounts", expected: sequenceGradients.count, actual: tokenCounts.count)
    }
    if let i = tokenCounts.firstIndex(where: { $0 < 0 }) {
        throw ObjectiveError.invalidInput(field: "tokenCounts", index: i, reason: "negative count \(tokenCounts[i])")
    }
    var out: [Float] = []
    out.reserveCapacity(tokenCounts.reduce(0, +))
    for (g, n) in zip(sequenceGradients, tokenCounts) {
        out.append(contentsOf: repeatElement(Float(g), count: n))
    }
    return out
}
