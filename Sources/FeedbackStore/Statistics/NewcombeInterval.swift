import Foundation

extension Stats {
    /// Newcombe's hybrid score interval for a difference of two independent proportions
    /// p₁ − p₂ (Newcombe 1998, Statistics in Medicine 17:873, method 10): the Wilson interval
    /// of each proportion combined by the square-and-add rule. It stays inside [−1, 1] and
    /// behaves at 0 and n successes, where the Wald interval does not.
    public static func newcombeInterval(successes1: Int, total1: Int, successes2: Int, total2: Int,
                                        z: Double = z95) -> (lower: Double, upper: Double)? {
        guard let (l1, u1) = wilsonInterval(successes: successes1, total: total1, z: z),
              let (l2, u2) = wilsonInterval(successes: successes2, total: total2, z: z) else { return nil }
        let p1 = Double(successes1) / Double(total1), p2 = Double(successes2) / Double(total2)
        let d = p1 - p2
        let lower = d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let upper = d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        return (max(-1, lower), min(1, upper))
    }
}
