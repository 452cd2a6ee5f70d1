import Foundation

extension Stats {
    /// z for a two-sided 95% interval: the 0.975 quantile of the standard normal.
    public static let z95 = 1.959963984540054

    /// Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209): unlike
    /// the normal approximation it stays inside [0, 1] and behaves at 0 and n successes.
    /// Same as statsmodels `proportion_confint(count, nobs, method="wilson")`.
    public static func wilsonInterval(successes: Int, total: Int, z: Double = z95) -> (lower: Double, upper: Double)? {
        wilsonInterval(successes: Double(successes), total: total, z: z)
    }

    /// The same with a fractional success count (a tie counted as half a success).
    public static func wilsonInterval(successes: Double, total: Int, z: Double = z95) -> (lower: Double, upper: Double)? {
        guard total > 0, successes >= 0, successes <= Double(total) else { return nil }
        let n = Double(total)
        let p = successes / n
        let z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (max(0, center - half), min(1, center + half))
    }
}
