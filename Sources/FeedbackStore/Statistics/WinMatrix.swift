/// The result of one comparison between two policy versions, in the order given.
public enum BattleOutcome: Int, Sendable, Codable {
    case firstWins, secondWins, tie, bothBad
}

/// One comparison between policy versions `first` and `second` (indices into a list of
/// versions).
public struct Battle: Hashable, Sendable {
    public var first: Int
    public var second: Int
    public var outcome: BattleOutcome
    public init(first: Int, second: Int, outcome: BattleOutcome) {
        self.first = first; self.second = second; self.outcome = outcome
    }
}

/// Wins, ties, both-bad and losses of each version (row) against each other (column).
public struct WinMatrix: Hashable, Sendable, Codable {
    public struct Cell: Hashable, Sendable, Codable {
        public var wins = 0
        public var ties = 0
        public var bothBad = 0
        public var losses = 0
        public var total: Int { wins + ties + bothBad + losses }
        /// Wins plus half the ties and both-bad, over all: the row version's score.
        public var score: Double? { total == 0 ? nil : (Double(wins) + 0.5 * Double(ties + bothBad)) / Double(total) }
    }

    public var cells: [[Cell]]

    public init(battles: [Battle], count: Int) {
        cells = Array(repeating: Array(repeating: Cell(), count: count), count: count)
        for battle in battles where battle.first != battle.second {
            let (i, j) = (battle.first, battle.second)
            switch battle.outcome {
            case .firstWins: cells[i][j].wins += 1; cells[j][i].losses += 1
            case .secondWins: cells[i][j].losses += 1; cells[j][i].wins += 1
            case .tie: cells[i][j].ties += 1; cells[j][i].ties += 1
            case .bothBad: cells[i][j].bothBad += 1; cells[j][i].bothBad += 1
            }
        }
    }
}
