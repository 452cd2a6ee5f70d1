import Foundation

/// Who promotes a candidate that passes the offline gates (`promotion` in
/// `feedback/nightly.json`).
public struct PromotionSettings: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// The candidate goes into review; the clinicians' blind comparisons against
        /// production promote or reject it (`ClinicianReview`).
        case clinician
        /// The gates promote it at once, for set-ups nobody reviews.
        case offline

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            let raw = try container.decode(String.self)
            guard let mode = Mode(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(raw)' is not a promotion mode; use \"clinician\" or \"offline\"")
            }
            self = mode
        }
    }

    public var mode = Mode.clinician
    /// Coverage of the anytime-valid interval on the win rate against production: promotion
    /// when its lower end is above ½, rejection when its upper end is below ½.
    public var confidence = 0.95

    public init() {}

    func validate(path: String) throws {
        guard confidence >= 0.5 && confidence < 1 else {
            throw NightlyConfig.ConfigError.invalid(
                path: path, field: "promotion.confidence", reason: "must be at least 0.5 and below 1 (e.g. 0.95)")
        }
    }
}

extension KeyedDecodingContainer {
    /// `promotion` may be missing from stored settings: a nightly run started before the
    /// setting existed records its configuration without it, and resumes with the defaults.
    /// (The synthesized `NightlyConfig.init(from:)` calls this overload; the file loader never
    /// needs it, as it fills every key from the defaults first.)
    func decode(_ type: PromotionSettings.Type, forKey key: Key) throws -> PromotionSettings {
        try decodeIfPresent(type, forKey: key) ?? PromotionSettings()
    }
}
