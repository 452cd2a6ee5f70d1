import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Figures benchmarks print about the process itself.
public enum ResourceUsage {
    /// Peak resident memory of this process so far, in MiB (getrusage `ru_maxrss`, KiB on Linux).
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_maxrss) / 1024
    }
}
