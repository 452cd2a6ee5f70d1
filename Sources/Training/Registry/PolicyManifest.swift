import Foundation

/// `policies/NAME/manifest.json`: everything needed to know where a policy came from and
/// whether it may serve. Written atomically; status changes are appended to `history`,
/// never rewritten, so who promoted or rolled back what, and why, stays on record.
public struct PolicyManifest: Codable, Equatable, Sendable {
    /// `candidate`: trained, not serving (kept back by the gates, or not yet judged);
    /// `review`: passed the offline gates and waits for the clinicians' blind comparisons
    /// against production; `rejected`: the clinicians' evidence ruled it out.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case candidate, review, production, retired, rejected
    }

    /// What the folder holds besides the manifest.
    public enum WeightsKind: String, Codable, Sendable {
        /// The base model itself (a GGUF file or Hugging Face folder), no trained weights.
        case base
        /// `adapter.safetensors` (PEFT names) on top of the base model.
        case lora
        /// `model.safetensors`: every weight of the model.
        case full
    }

    public struct BaseModel: Codable, Equatable, Sendable {
        /// Path of the base model file or folder, relative to the registry root when inside it.
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// The data a policy was trained on: a file (SFT) or exact feedback rows (nightly).
    public struct TrainingData: Codable, Equatable, Sendable {
        public var files: [String: String]  // path → SHA-256
        public var judgmentIds: [Int64]
        public var comparisonIds: [Int64]
        /// SHA-256 over the rows' ids and contents, so a snapshot can be verified later.
        public var feedbackHash: String?
        public init(files: [String: String] = [:], judgmentIds: [Int64] = [], comparisonIds: [Int64] = [], feedbackHash: String? = nil) {
            self.files = files
            self.judgmentIds = judgmentIds
            self.comparisonIds = comparisonIds
            self.feedbackHash = feedbackHash
        }
    }

    public struct StatusChange: Codable, Equatable, Sendable {
        public var status: Status
        public var by: String
        public var reason: String
        public var at: Date
        public init(status: Status, by: String, reason: String, at: Date = Date()) {
            self.status = status
            self.by = by
            self.reason = reason
            self.at = at
        }
    }

    public var name: String
    /// The policy this one was trained from (nil for the base model).
    public var parent: String?
    public var kind: WeightsKind
    public var base: BaseModel
    /// `sft`, `dpo`, `kto`, `ppo`, `reward`, or `base`.
    public var method: String
    public var data: TrainingData
    /// What the training job ran with and measured, typed (`JobRecord`: the job's parameters
    /// as passed to the trainer, and its metrics). Nil in manifests written before jobs were
    /// recorded this way, and for the base model.
    public var job: JobRecord?
    /// Context recorded beside the job (the nightly run's reward model). Manifests written
    /// before `job` existed hold every training parameter here, as strings.
    public var parameters: [String: String]
    /// Figures measured after training (offline gates, the clinicians' review); the nightly
    /// run's use of its feedback snapshot. Older manifests hold the training metrics here too.
    public var metrics: [String: Double]
    public var createdAt: Date
    public var status: Status
    /// Why the current status holds (e.g. the gate that failed).
    public var statusReason: String?
    public var history: [StatusChange]

    public init(
        name: String, parent: String?, kind: WeightsKind, base: BaseModel, method: String,
        data: TrainingData = TrainingData(), parameters: [String: String] = [:], metrics: [String: Double] = [:],
        createdAt: Date = Date(), status: Status = .candidate, statusReason: String? = nil, history: [StatusChange] = [],
        job: JobRecord? = nil
    ) {
        self.job = job
        self.name = name
        self.parent = parent
        self.kind = kind
        self.base = base
        self.method = method
        self.data = data
        self.parameters = parameters
        self.metrics = metrics
        self.createdAt = createdAt
        self.status = status
        self.statusReason = statusReason
        self.history = history
    }
}
