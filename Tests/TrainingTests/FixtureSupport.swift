// Shared test helpers: the preference fixture (numbers computed by PyTorch, see
// Tests/Fixtures/reference/preference/README.md), labelled comparisons and finite differences.
import Foundation
import Testing

/// Read-only access to a JSON fixture by key path (keys may contain "." or "/").
struct Fixture {
    let root: Any

    /// `<package root>/Tests/Fixtures/reference/preference/expected.json`
    static func preference(_ file: String = "expected.json") throws -> Fixture {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = packageRoot
            .appendingPathComponent("Tests/Fixtures/reference/preference").appendingPathComponent(file)
        let data = try Data(contentsOf: url)
        return Fixture(root: try JSONSerialization.jsonObject(with: data))
    }

    func value(_ path: [Any]) -> Any? {
        var node: Any? = root
        for key in path {
            if let k = key as? String { node = (node as? [String: Any])?[k] }
            if let k = key as? Int { node = (node as? [Any]).flatMap { k < $0.count ? $0[k] : nil } }
        }
        return node
    }

    subscript(_ path: Any...) -> Fixture {
        get throws {
            guard let v = value(path) else { throw FixtureError.missing(path.map { "\($0)" }.joined(separator: " → ")) }
            return Fixture(root: v)
        }
    }

    var double: Double { get throws { try cast((root as? NSNumber)?.doubleValue) } }
    var int: Int { get throws { try cast((root as? NSNumber)?.intValue) } }
    var bool: Bool { get throws { try cast((root as? NSNumber)?.boolValue) } }
    var array: [Fixture] { get throws { try cast((root as? [Any])?.map { Fixture(root: $0) }) } }
    var doubles: [Double] { get throws { try array.map { try $0.double } } }
    var ints: [Int] { get throws { try array.map { try $0.int } } }
    var bools: [Bool] { get throws { try array.map { try $0.bool } } }
    /// A (rows, cols) nested array flattened row-major.
    var flattened: [Double] { get throws { try array.flatMap { try $0.doubles } } }
    var flattenedBools: [Bool] { get throws { try array.flatMap { try $0.bools } } }

    private func cast<V>(_ v: V?) throws -> V {
        guard let v else { throw FixtureError.wrongType("\(type(of: root))") }
        return v
    }
}

enum FixtureError: Error { case missing(String), wrongType(String) }

/// |actual − expected| ≤ tol·max(1, |expected|), element by element, with a label on failure.
func expectClose(_ actual: [Double], _ expected: [Double], tol: Double = 1e-5, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(label): count \(actual.count) vs \(expected.count)",
            sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= tol * max(1, abs(e))) {
        Issue.record("\(label)[\(i)] = \(a), expected \(e) (tol \(tol))", sourceLocation: sourceLocation)
    }
}

func expectClose(_ actual: Double, _ expected: Double, tol: Double = 1e-5, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose([actual], [expected], tol: tol, label, sourceLocation: sourceLocation)
}

/// Central finite differences of a scalar function of `x` w.r.t. each entry, in Double.
func finiteDifferences(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) throws -> Double) rethrows -> [Double] {
    var grad = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        grad[i] = (try f(plus) - f(minus)) / (2 * h)
    }
    return grad
}

/// Rounds each value to Float, as the fixture's fp32 inputs were.
func fp32(_ x: [Double]) -> [Float] { x.map { Float($0) } }
func widened(_ x: [Float]) -> [Double] { x.map { Double($0) } }
