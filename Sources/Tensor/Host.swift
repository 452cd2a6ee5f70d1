// The machine the kernels run on: the CPU's vector features and the BLAS kernels in use
// (CHost picks OpenBLAS's kernels for this CPU when the library is first used).

import CHost
import Foundation

/// The processor, as cpuid reports it.
public struct HostCPU: Sendable, Codable {
    public let vendor: String
    public let brand: String
    public let family: Int
    public let model: Int
    public let stepping: Int
    /// The vector features present and enabled by the operating system, in a fixed order.
    public let features: [String]
    /// The best vector level the CPU and OS run: "SSE", "AVX", "AVX2+FMA" or "AVX-512".
    public let level: String
    /// `level` as a number (0 SSE … 3 AVX-512), comparable with `BLASStatus.kernelLevel`.
    public let levelRank: Int

    public static let current: HostCPU = {
        let c = rounds_cpu_info()!.pointee
        let flags: [(String, Int32)] = [
            ("sse3", c.sse3), ("ssse3", c.ssse3), ("sse4.1", c.sse41), ("sse4.2", c.sse42),
            ("avx", c.avx & c.os_avx), ("avx2", c.avx2 & c.os_avx), ("fma", c.fma & c.os_avx), ("f16c", c.f16c & c.os_avx),
            ("avx_vnni", c.avxvnni & c.os_avx),
            ("avx512f", c.avx512f & c.os_avx512), ("avx512cd", c.avx512cd & c.os_avx512),
            ("avx512bw", c.avx512bw & c.os_avx512), ("avx512dq", c.avx512dq & c.os_avx512),
            ("avx512vl", c.avx512vl & c.os_avx512), ("avx512_vnni", c.avx512vnni & c.os_avx512),
            ("avx512_vbmi", c.avx512vbmi & c.os_avx512), ("avx512_bf16", c.avx512bf16 & c.os_avx512),
            ("avx512_fp16", c.avx512fp16 & c.os_avx512), ("amx", c.amx),
        ]
        return HostCPU(
            vendor: cString(c.vendor), brand: cString(c.brand), family: Int(c.family), model: Int(c.model),
            stepping: Int(c.stepping), features: flags.filter { $0.1 != 0 }.map(\.0),
            level: HostCPU.levelName(Int(c.level)), levelRank: Int(c.level))
    }()

    public func has(_ feature: String) -> Bool { features.contains(feature) }

    static func levelName(_ rank: Int) -> String {
        switch rank {
        case 3: "AVX-512"
        case 2: "AVX2+FMA"
        case 1: "AVX"
        default: "SSE"
        }
    }
}

/// The BLAS library and the kernels it runs (see Sources/CHost/blas.c for how they are chosen).
public struct BLASStatus: Sendable, Codable {
    public let library: String
    public let config: String
    /// The kernels in use, as OpenBLAS names them ("SkylakeX", "Haswell", "Prescott", …).
    public let kernel: String
    /// The kernels OpenBLAS picks by itself on this machine ("" when it was not asked: the
    /// environment named them).
    public let defaultKernel: String
    /// OPENBLAS_CORETYPE in force, "" when none.
    public let coretype: String
    /// Who set OPENBLAS_CORETYPE: "user", "rounds" or "" (nobody).
    public let coretypeSetBy: String
    /// The vector level of `kernel` (0 SSE … 3 AVX-512; -1 unknown name).
    public let kernelLevel: Int
    public let checkPassed: Bool
    /// Why the kernels are not the CPU's best, or failed the check; "" when all is well.
    public let warning: String
    /// BLAS threads.
    public let threads: Int

    /// Opens the library on first use.
    public static var current: BLASStatus {
        let s = rounds_blas_init()!.pointee
        let kernel = cString(s.corename)
        return BLASStatus(
            library: cString(s.library), config: cString(s.config), kernel: kernel,
            defaultKernel: cString(s.default_corename), coretype: cString(s.coretype),
            coretypeSetBy: s.user_coretype != 0 ? "user" : s.chosen_by_rounds != 0 ? "rounds" : "",
            kernelLevel: Int(rounds_blas_core_level(kernel)), checkPassed: s.check_passed != 0,
            warning: cString(s.warning), threads: s.loaded != 0 ? Int(rounds_blas_threads()) : 0)
    }

    /// The best of `rounds` rounds of `perRound` (m×k)·(k×n) products op(A)·op(B) (`gemm`, after
    /// one untimed), in GFLOP/s. The defaults, a linear layer's forward x·Wᵀ: the machine's
    /// matrix-product rate that model-FLOPs utilization is measured against.
    public static func sgemmRate(transA: Bool = false, transB: Bool = true, m: Int = 1024, k: Int = 576, n: Int = 1536,
                                 rounds: Int = 5, perRound: Int = 10) -> Double {
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
        for i in 0..<(m * k) { a.pointer[i] = Float(i % 7) * 0.1 }
        for i in 0..<(k * n) { b.pointer[i] = Float(i % 5) * 0.1 }
        func product() {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.pointer, lda: transA ? m : k,
                 b: b.pointer, ldb: transB ? k : n, beta: 0, c: c.pointer, ldc: n)
        }
        product()
        return (0..<rounds).map { _ in
            let start = Date()
            for _ in 0..<perRound { product() }
            return 2 * Double(m * k * n * perRound) / Date().timeIntervalSince(start) / 1e9
        }.max()!
    }

    /// Largest relative error of the library's sgemm against a double-precision product.
    public static func referenceError() -> Double { rounds_blas_check_error() }
}

private func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What `rounds doctor` and every benchmark print about the machine: the CPU, the BLAS kernels
/// in use and the sgemm rate they reach, and the rate of the CPU's best kernels when the ones in
/// use are older (measured by `bestKernelRate`, in a process of its own: OpenBLAS picks its
/// kernels once per process).
public struct MachineSummary: Sendable, Codable {
    public let cpu: HostCPU
    public let blas: BLASStatus
    public let kernelThreads: Int
    /// sgemm GFLOP/s of the kernels in use.
    public let sgemmGFLOPs: Double
    /// sgemm GFLOP/s of the CPU's best kernels, when they are not the ones in use and could be measured.
    public let bestKernelGFLOPs: Double?
    /// What decode steps multiply compact weights with (IntegerMatmul.swift).
    public var decodeKernels: String = IntegerKernels.chosen.map { "int8 activations, \($0.rawValue)" }
        ?? (IntegerKernels.supported.isEmpty ? "fp32 (no AVX2)" : "fp32 (ROUNDS_EXACT_DECODE=1)")

    /// The rate model-FLOPs utilization is measured against: the best kernels' when known.
    public var ceilingGFLOPs: Double { max(sgemmGFLOPs, bestKernelGFLOPs ?? 0) }

    /// The kernels the CPU should run, when the ones in use are older.
    public var betterKernel: String? {
        guard blas.kernelLevel >= 0, blas.kernelLevel < cpu.levelRank else { return nil }
        return rounds_blas_preferred_core(Int32(cpu.levelRank), cpu.vendor).map { String(cString: $0) }
    }

    public static func measure(bestKernelRate: (String) -> Double? = { _ in nil }) -> MachineSummary {
        let blas = BLASStatus.current
        let rate = BLASStatus.sgemmRate()
        var summary = MachineSummary(cpu: .current, blas: blas, kernelThreads: Threads.count, sgemmGFLOPs: rate, bestKernelGFLOPs: nil)
        if let better = summary.betterKernel, let best = bestKernelRate(better) {
            summary = MachineSummary(cpu: summary.cpu, blas: blas, kernelThreads: Threads.count, sgemmGFLOPs: rate, bestKernelGFLOPs: best)
        }
        return summary
    }

    /// sgemm GFLOP/s of `kernel`, as this executable run with `arguments` prints it in a child
    /// process with OPENBLAS_CORETYPE set to `kernel`; nil when that fails.
    public static func rateInChild(kernel: String, arguments: [String]) -> Double? {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = kernel
        child.environment = environment
        let out = Pipe()
        child.standardOutput = out
        child.standardError = FileHandle.nullDevice
        guard (try? child.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { return nil }
        return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// What `rounds doctor` and `rounds-bench machine` print: the sgemm rate alone (what the
    /// child of `rateInChild` prints), one JSON object, or the lines. `childArguments` run this
    /// executable's own sgemm-only command.
    public static func report(json: Bool, sgemmOnly: Bool, childArguments: [String]) throws -> String {
        if sgemmOnly { return String(BLASStatus.sgemmRate()) }
        let summary = measure { rateInChild(kernel: $0, arguments: childArguments) }
        guard json else { return summary.lines.joined(separator: "\n") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    public var lines: [String] {
        var out = [
            "cpu: \(cpu.brand.isEmpty ? cpu.vendor : cpu.brand) (\(cpu.vendor) family \(cpu.family) model \(cpu.model) stepping \(cpu.stepping))",
            "vector: \(cpu.level); \(cpu.features.joined(separator: " "))",
            "blas: \(blas.config.isEmpty ? blas.library : blas.config) [\(blas.library)]",
            "blas kernels: \(blas.kernel)"
                + (blas.defaultKernel.isEmpty || blas.defaultKernel == blas.kernel ? "" : " (OpenBLAS alone picks \(blas.defaultKernel))")
                + (blas.coretype.isEmpty ? "" : ", OPENBLAS_CORETYPE=\(blas.coretype) set by \(blas.coretypeSetBy == "user" ? "the environment" : "Rounds")")
                + (blas.checkPassed ? ", reference check passed" : ", REFERENCE CHECK FAILED"),
            String(format: "sgemm: %.1f GFLOP/s on a (1024×576)·(576×1536) product, %d BLAS threads, %d kernel threads",
                   sgemmGFLOPs, blas.threads, kernelThreads),
            "decode products: \(decodeKernels)",
        ]
        if let best = bestKernelGFLOPs, let better = betterKernel {
            out.append(String(format: "sgemm with %@ kernels (this CPU's best): %.1f GFLOP/s", better, best))
        }
        if !blas.warning.isEmpty { out.append("warning: \(blas.warning)") }
        return out
    }
}
