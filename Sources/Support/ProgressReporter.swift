import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of long work (training, sampling, export). On a terminal it redraws one line
/// with done/total, rate and ETA; when output is not a terminal (cron, CI, a pipe) it
/// prints plain log lines at most every `logInterval` seconds.
public final class ProgressReporter: @unchecked Sendable {
    public let label: String
    public private(set) var total: Int
    public let unit: String
    private let start = Date()
    private var lastPrint = Date.distantPast
    /// True when the output is a terminal (one redrawn line), false for plain log lines.
    public let interactive: Bool
    private let logInterval: TimeInterval
    private let output: FileHandle

    public init(_ label: String, total: Int, unit: String = "items", logInterval: TimeInterval = 10,
                output: FileHandle = .standardError, interactive: Bool? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.logInterval = logInterval
        self.output = output
        self.interactive = interactive ?? (isatty(output.fileDescriptor) != 0)
    }

    /// Changes the total once it is known (e.g. after data loading).
    public func retotal(_ total: Int) { self.total = total }

    /// Reports `done` units finished; `detail` is appended (e.g. "loss 1.234").
    public func update(_ done: Int, detail: String = "") {
        let now = Date()
        let minGap = interactive ? 0.1 : logInterval
        guard now.timeIntervalSince(lastPrint) >= minGap || done >= total else { return }
        lastPrint = now
        let line = Self.line(label: label, done: done, total: total, unit: unit,
                             elapsed: now.timeIntervalSince(start), detail: detail)
        if interactive {
            output.write(Data("\r\u{1B}[2K\(line)".utf8))
            if done >= total { output.write(Data("\n".utf8)) }
        } else {
            output.write(Data("\(line)\n".utf8))
        }
    }

    /// Ends the line on a terminal and logs the final figures.
    public func finish(detail: String = "") {
        lastPrint = .distantPast
        update(total, detail: detail)
    }

    /// `label 120/400 items (30%) 12.5 items/s ETA 0:22 detail` (`4.2 s/item` below one a
    /// second): pure, so it can be tested.
    public static func line(label: String, done: Int, total: Int, unit: String, elapsed: TimeInterval, detail: String) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let percent = total > 0 ? 100 * done / total : 100
        var s = "\(label) \(done)/\(total) \(unit) (\(percent)%) "
        if rate > 0, rate < 1 {
            // Slower than one a second: seconds per item reads better than "0.0 steps/s".
            let single = unit.hasSuffix("s") ? String(unit.dropLast()) : unit
            s += String(format: elapsed / Double(done) >= 10 ? "%.0f" : "%.1f", elapsed / Double(done)) + " s/\(single)"
        } else {
            s += "\(String(format: rate >= 100 ? "%.0f" : "%.1f", rate)) \(unit)/s"
        }
        if done < total, rate > 0 {
            s += " ETA \(duration(Double(total - done) / rate))"
        } else if done >= total {
            s += " in \(duration(elapsed))"
        }
        if !detail.isEmpty { s += " \(detail)" }
        return s
    }

    public static func duration(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
