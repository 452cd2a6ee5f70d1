import Foundation
import Testing

// `rounds doctor` in child processes: without OPENBLAS_CORETYPE the kernels are the CPU's best
// (whatever OpenBLAS would pick alone); with it, the user's choice wins and an older one is
// reported with the fix.

private struct Doctor: Decodable {
    struct CPU: Decodable { let levelRank: Int; let features: [String] }
    struct BLAS: Decodable { let kernel: String; let kernelLevel: Int; let coretypeSetBy: String; let checkPassed: Bool; let warning: String }
    let cpu: CPU
    let blas: BLAS
    let sgemmGFLOPs: Double
    let bestKernelGFLOPs: Double?
}

private func doctor(coretype: String?) throws -> Doctor {
    let process = Process()
    process.executableURL = try SFTResumeTests.executable()
    process.arguments = ["doctor", "--json"]
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = coretype
    environment["ROUNDS_BLAS_CORETYPE_CHOSEN"] = nil
    process.environment = environment
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return try JSONDecoder().decode(Doctor.self, from: data)
}

@Test func doctorRunsTheCPUsBestKernels() throws {
    let report = try doctor(coretype: nil)
    #expect(report.blas.checkPassed)
    #expect(report.blas.coretypeSetBy != "user")
    if report.cpu.levelRank >= 1 {
        #expect(report.blas.kernelLevel >= report.cpu.levelRank,
                "OpenBLAS runs \(report.blas.kernel) on a CPU of level \(report.cpu.levelRank)")
    }
    #expect(report.sgemmGFLOPs > 0)
    #expect(report.bestKernelGFLOPs == nil)
}

@Test func doctorKeepsTheUsersCoretypeAndSaysWhatIsFaster() throws {
    let report = try doctor(coretype: "Prescott")
    #expect(report.blas.kernel == "Prescott")
    #expect(report.blas.coretypeSetBy == "user")
    #expect(report.blas.checkPassed)
    if report.cpu.levelRank >= 1 {
        #expect(report.blas.warning.contains("OPENBLAS_CORETYPE=Prescott"))
        #expect((report.bestKernelGFLOPs ?? 0) > 0, "the best kernels' rate is measured beside the user's")
    }
}
