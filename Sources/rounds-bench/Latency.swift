import Foundation

/// Latency figures of repeated calls, as the feedback and review benchmarks print them.
enum Latency {
    /// Prints "NAME: p50 …, p99 …, max … over N" in milliseconds (nearest-rank percentiles).
    static func report(_ name: String, _ seconds: [Double]) {
        let sorted = seconds.sorted()
        guard let slowest = sorted.last else { return }
        func ms(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] * 1000 }
        print(name + String(format: ": p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d", ms(0.5), ms(0.99), slowest * 1000, sorted.count))
    }
}
